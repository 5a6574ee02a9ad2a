"""What each part of lead distribution plugs into the foundation, called from ``LeadsConfig.ready``."""
