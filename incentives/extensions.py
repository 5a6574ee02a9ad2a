"""What incentives adds to the pages of the apps below it (``register``, from ``wiring``): the
partner record's **Incentives** tab, what the vendor owes the partner and its people in total
(pending, approved, held, paid per currency), its market development funds and its latest SPIFF
claims and MDF activities."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partners.hooks import record_tab

from .permissions import INCENTIVES_FINANCE, INCENTIVES_VIEW

SHOWN = 10


def incentives_tab(*, request, actor, partner) -> dict:
    from .forms import PayoutHoldForm
    from .models import SpiffClaim
    from .selectors.ledger import EVERYONE
    from .selectors.mdf import partner_funds
    from .selectors.payouts import paid_totals
    from .selectors.spiffs import CLAIM_FIELDS, owed

    hold_days, totals, payout_hold = owed(
        partner_id=partner.pk, member_id=EVERYONE, paid=paid_totals(partner_id=partner.pk)
    )
    claims = SpiffClaim.objects.filter(partner_id=partner.pk).order_by("-created_at", "-id").values(*CLAIM_FIELDS)
    return {
        "hold_days": hold_days,
        "totals": totals,
        "payout_hold": payout_hold,
        "can_hold": actor.can(INCENTIVES_FINANCE),
        "hold_form": PayoutHoldForm(),
        "claims": list(claims[:SHOWN]),
        "claims_url": reverse("office:spiff_claims"),
        **partner_funds(partner_id=partner.pk, shown=SHOWN),
    }


def register() -> None:
    record_tab(
        name="incentives",
        label=_("Incentives"),
        template="incentives/_partner_incentives.html",
        context=incentives_tab,
        capability=INCENTIVES_VIEW,
        order=70,
    )
