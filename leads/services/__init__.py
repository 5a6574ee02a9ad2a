"""Every write of lead distribution, one module per part: ``intake`` (leads in: entered, imported,
the web form, referrals, duplicates), ``imports`` (bulk import), ``routing`` (the engine: rules,
rotation, capacity, the routing log, offering), ``offers`` (answering an offer, the deadline
sweep), ``work`` (working an accepted lead, the conversation, conversion and attribution).
``common`` holds what they share."""
