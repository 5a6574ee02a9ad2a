"""E-learning and certification: courses, tests, certificates, competencies. Nothing yet."""
