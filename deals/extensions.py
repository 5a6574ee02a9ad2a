"""What deals adds to the pages of the apps below it, through their hooks (``register``, from
``AppConfig.ready``): the partner record's **Deals** tab (``partners.hooks.record_tab``), the
partner's latest registrations with a link to the back office's list filtered to it.
"""

from __future__ import annotations

from django.urls import reverse

from partners.hooks import record_tab

from .permissions import DEALS_VIEW
from .selectors.review import deal_partner_rows_for_actor
from .views.office import office_rows


def _deals_tab(*, request, actor, partner) -> dict:
    return {
        "deal_rows": office_rows(deal_partner_rows_for_actor(actor=actor, partner_id=partner.pk)),
        "all_deals_url": f"{reverse('office:deal_list')}?partner={partner.pk}",
    }


def register() -> None:
    record_tab(
        name="deals",
        label="Deals",
        template="deals/_partner_deals.html",
        context=_deals_tab,
        capability=DEALS_VIEW,
        order=60,
    )
