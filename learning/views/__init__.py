"""The pages of e-learning, one module per part: authoring (back office), learner (portal),
SCORM, certification (and the public verification page), reports."""
