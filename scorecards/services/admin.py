"""What the admin asks of scorecards: measure some now, in the background (through the outbox)."""

from __future__ import annotations

from prm.events.services import outbox_enqueue

MEASURE_CARDS = "scorecards.measure_cards"


def scorecards_measure_request(*, scorecard_ids: list[int]) -> int:
    """Measure these scorecards' current month after commit, in a worker."""
    if scorecard_ids:
        outbox_enqueue(task_name=MEASURE_CARDS, scorecard_ids=sorted(scorecard_ids))
    return len(scorecard_ids)
