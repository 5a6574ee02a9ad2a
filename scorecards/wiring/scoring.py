"""Wiring of the scorecards' pages: the back office's "Scorecards", "High potential" and "At risk"
entries of the "Performance" menu, the portal's "Scorecard", and the portal home's score card."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE, PORTAL
from prm.web.home import home_card
from prm.web.menu import menu_entry

from ..permissions import SCORECARD_OWN, SCORECARDS_VIEW

# The menu group of the relationship's evaluation (plans and reviews add to it).
GROUP = _("Performance")


def _score_card(*, request, actor) -> dict | None:
    """The portal home's card: the latest score on each of the company's scorecards, with the
    change on last month (one query); no card before the company's first measurement."""
    from ..presenters import change, figure, signed
    from ..selectors.scoring import own_latest_scores_for_actor

    if actor.partner_id is None:
        return None
    scores = []
    for row in own_latest_scores_for_actor(actor=actor):
        delta = None if row["is_new"] else change(row["score"], row["previous_score"])
        score = {"name": row["scorecard__name"], "score": figure(row["score"]), "change": signed(delta)}
        scores.append({**score, "change_value": delta})
    return {"scores": scores} if scores else None


def register() -> None:
    office = {"area": OFFICE, "capability": SCORECARDS_VIEW, "group": GROUP}
    menu_entry(label=_("Scorecards"), url_name="office:scorecards", order=65, **office)
    menu_entry(label=_("High potential"), url_name="office:scorecard_potential", order=68, **office)
    menu_entry(label=_("At risk"), url_name="office:scorecard_risks", order=69, **office)
    menu_entry(
        area=PORTAL,
        label=_("Scorecard"),
        url_name="portal:scorecard",
        capability=SCORECARD_OWN,
        order=90,
        group=GROUP,
    )
    home_card(
        area=PORTAL,
        template="scorecards/scoring/_home_card.html",
        context=_score_card,
        capability=SCORECARD_OWN,
        order=55,
    )
