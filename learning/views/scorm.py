"""Pages of e-learning: scorm (see learning/urls.py)."""

office_urls: list = []
portal_urls: list = []
public_urls: list = []
