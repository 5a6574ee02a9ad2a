"""What each part of recruitment plugs into the foundation, called from ``RecruitmentConfig.ready``."""
