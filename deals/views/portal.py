"""Deal pages of the partner portal: register, my and company deals, a deal with its timeline
and conversation, the actions after approval."""
