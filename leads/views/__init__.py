"""Pages of lead distribution, one module per part: ``intake`` (the vendor's queue, entering and
importing leads, the public web-to-lead form, partners' referrals), ``routing`` (a lead's routing
log, capacities and locations), ``offers`` (the partner's inbox, an offer, working a lead,
conversion; the lead page on both sides), ``reports`` (fairness, aging, a partner's lead share)."""
