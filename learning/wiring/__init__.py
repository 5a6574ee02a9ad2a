"""What each part of e-learning plugs into the foundation, called from ``LearningConfig.ready``."""
