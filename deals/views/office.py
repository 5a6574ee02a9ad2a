"""Deal pages of the back office: the review queue, a deal with its conflict compare and the
decisions, the pipeline dashboard and CSV export, registering on a partner's behalf."""
