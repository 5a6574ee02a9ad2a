"""Pages of the onboard part of recruitment (see recruitment/urls.py)."""

office_urls: list = []
portal_urls: list = []
public_urls: list = []
