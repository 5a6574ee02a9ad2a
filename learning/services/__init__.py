"""Every write of e-learning, one module per part (HackSoft: services for writes)."""
