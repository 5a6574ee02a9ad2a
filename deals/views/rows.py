"""What a row of a deal list shows in both areas (the portal's list, the back office's list and
the partner record's tab): the few ``.values()`` fields of a registration, with what is shown
computed once here, not by a template filter per cell."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import formats

from ..models import STATUS_BADGES, DealStage, DealStatus

STATUS_LABELS, STAGE_LABELS = dict(DealStatus.choices), dict(DealStage.choices)


def deal_row(row: dict, detail_url: Callable[[object], str]) -> dict:
    """``row`` (``id``, ``amount``, ``status``, ``stage``) with its link (``detail_url``, from
    ``url_pattern``), reference, amount text, status label and badge and stage label."""
    status = row["status"]
    row["url"] = detail_url(row["id"])
    row["reference"] = f"DR-{row['id']:06d}"  # Deal.reference
    row["amount_text"] = formats.number_format(row["amount"], decimal_pos=2, use_l10n=True, force_grouping=True)
    row["status_label"] = STATUS_LABELS.get(status, status)
    row["badge"] = STATUS_BADGES.get(status, "secondary")
    row["stage_label"] = STAGE_LABELS.get(row["stage"], row["stage"])
    return row
