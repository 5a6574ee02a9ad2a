"""Every write of the programs app: tiers and requalification (``tiers``), the policy decisions
(``policy``: reads, but the one place that answers "may this partner do X"), and the catalogue,
licences and territories (``catalogue``)."""
