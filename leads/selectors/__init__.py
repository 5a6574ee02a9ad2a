"""Every read of lead distribution, one module per part (see ``leads.views``)."""
