"""Pages of e-learning: certification (see learning/urls.py)."""

office_urls: list = []
portal_urls: list = []
public_urls: list = []
