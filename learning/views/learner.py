"""Pages of e-learning: learner (see learning/urls.py)."""

office_urls: list = []
portal_urls: list = []
public_urls: list = []
