"""Every write of the programs app: tiers and requalification (``standing``: the SQL engine that
measures; ``evaluation``: the nightly run and its automatic outcomes; ``decisions``: what people
decide), the policy decisions (``policy``: reads, but the one place that answers "may this partner
do X"), and the catalogue, licences and territories (``catalogue``)."""
