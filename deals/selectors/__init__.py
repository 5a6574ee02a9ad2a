"""Every read an actor makes of deals."""
