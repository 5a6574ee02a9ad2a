"""What deals adds to the pages of the apps below it, through their hooks (``register``, from
``AppConfig.ready``): the partner record's **Deals** tab (``partners.hooks.record_tab``), the
partner's latest registrations with a link to the back office's list filtered to it.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partners.hooks import record_tab
from prm.web.saved_filters import filter_page
from programs.selectors.policies import product_line_options

from .forms_office import DealListFilterForm
from .permissions import DEALS_VIEW
from .selectors.review import deal_partner_rows_for_actor
from .views.office import office_rows


def _deals_tab(*, request, actor, partner) -> dict:
    return {
        "deal_rows": office_rows(deal_partner_rows_for_actor(actor=actor, partner_id=partner.pk)),
        "all_deals_url": f"{reverse('office:deal_list')}?partner={partner.pk}",
    }


def _clean_list_query(query) -> str:
    """The deal list's filter form, for the saved filters: only what it accepts is kept."""
    return DealListFilterForm(query, lines=product_line_options(active_only=False)).query_string()


def register() -> None:
    # The back office's deal list: its filters may be saved (prm/web/saved_filters.py).
    filter_page("deals", url_name="office:deal_list", capability=DEALS_VIEW, clean=_clean_list_query)
    record_tab(
        name="deals",
        label=_("Deals"),
        template="deals/_partner_deals.html",
        context=_deals_tab,
        capability=DEALS_VIEW,
        order=60,
    )
