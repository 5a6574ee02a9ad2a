"""Every read an actor makes in the programs app: ``tiers`` (standings, the review queue, the
tier distribution) and ``policies`` (licences, territories, catalogue)."""
