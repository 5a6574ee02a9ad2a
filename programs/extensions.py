"""What programs adds to the pages of the apps below it, through their hooks (``register``, from
``AppConfig.ready``):

* the partner directory's **tier** facet (``partners.hooks.directory_facet``): the filter, the
  column, the CSV's ``tiers`` and the profile's "Tiers" line;
* the partner record's **Programs** tab (``partners.hooks.record_tab``): standings, overrides,
  manual metric values;
* the portal home's **Your tier** card (``prm.web.home.home_card``) and its **tier gaps**: what
  is missing for the next tier, as work for the partner (``prm.web.home.action_source``).
"""

from __future__ import annotations

from django import forms
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy

from partners.hooks import directory_facet, record_tab
from prm.accounts.access import PORTAL
from prm.web.home import ActionGroup, ActionItem, action_source, home_card

from .models import Enrollment
from .permissions import PROGRAMS_VIEW
from .presenters import StandingCard, partner_programs_context, standing_cards
from .selectors.tiers import tier_options, tiers_by_partner


def _tier_field() -> forms.Field:
    # The tenant's tiers from its memoised reference data (no query per request); a tier id
    # of another tenant is no choice, so the filter is dropped.
    choices = [("", gettext("Any tier")), *((str(tier.id), tier.label) for tier in tier_options())]
    return forms.TypedChoiceField(choices=choices, coerce=int, empty_value=None, required=False)


def _in_tier(queryset, tier_id: int):
    # Served by enrollment_tier_idx (tenant, tier, partner).
    return queryset.filter(enrollments__tier=tier_id)


def _enrollments() -> list[Prefetch]:
    return [
        Prefetch("enrollments", queryset=Enrollment.objects.select_related("tier", "program").order_by("program__name"))
    ]


def _tier_badges(partner_ids) -> dict[int, str]:
    """The tier column of a page of the directory: {partner id: its tiers as badges}."""
    badge = '<span class="badge tier-badge me-1" style="--tier: {}">{}</span>'
    tiers_of = tiers_by_partner(partner_ids=partner_ids)
    # A few tiers for a page of partners: each badge made once.
    badges = {tier.id: format_html(badge, tier.color, tier.name) for tiers in tiers_of.values() for tier in tiers}
    return {
        partner_id: mark_safe("".join(badges[tier.id] for tier in tiers))  # noqa: S308 (format_html escaped each)
        for partner_id, tiers in tiers_of.items()
    }


def _tiers_text(partner) -> str:
    return "; ".join(str(enrollment.tier) for enrollment in partner.enrollments.all())


def _programs_tab(*, request, actor, partner) -> dict:
    return partner_programs_context(actor=actor, partner=partner, currency=request.tenant.default_currency)


def _standings(actor, currency: str) -> list[StandingCard]:
    """The partner's standings, read once per member object: the tier card and the tier gaps of
    one home read the same ones (a home is a GET: nothing changes them in between)."""
    held = actor.__dict__.get("_home_standings")
    if held is None or held[0] != currency:
        held = (currency, standing_cards(actor=actor, partner_id=actor.partner_id, currency=currency))
        actor.__dict__["_home_standings"] = held
    return held[1]


def _tier_card(*, request, actor) -> dict:
    return {"standings": _standings(actor, request.tenant.default_currency)}


def _tier_gap_items(*, actor, tenant, limit: int) -> ActionGroup | None:
    """What the partner misses for its next tier, program by program: the requirement furthest
    from being met, a standing at risk first (the partner may lose the tier it holds)."""
    if actor.partner_id is None:
        return None
    gaps = [card for card in _standings(actor, tenant.default_currency) if card.next_tier and card.biggest_gap]
    gaps.sort(key=lambda card: (card.status not in ("at_risk", "below"), -card.biggest_gap.shortfall))
    url = reverse("portal:program")
    items = []
    for card in gaps[:limit]:
        gap = card.biggest_gap
        values = {"tier": card.next_tier.name, "requirement": gap.label, "gap": gap.gap}
        detail = gettext("To reach %(tier)s: %(requirement)s, %(gap)s") % values
        if card.status in ("at_risk", "below"):
            detail = gettext("%(tier)s is at risk.") % {"tier": card.tier.name} + " " + detail
        items.append(
            ActionItem(
                title=gettext("%(tier)s in %(program)s") % {"tier": card.tier.name, "program": card.program.name},
                detail=detail,
                url=url,
                overdue=card.status in ("at_risk", "below"),
            )
        )
    return ActionGroup(name="tier_gap", label=gettext("Tier gaps"), count=len(gaps), items=items, url=url)


def register() -> None:
    directory_facet(
        name="tier",
        label=gettext_lazy("Tier"),
        any_label=gettext_lazy("Any tier"),
        field=_tier_field,
        narrow=_in_tier,
        prefetch=_enrollments,
        cells=_tier_badges,
        csv_column="tiers",
        csv_value=_tiers_text,
        profile_template="programs/_profile_tiers.html",
    )
    record_tab(
        name="programs",
        label=gettext_lazy("Programs"),
        template="programs/_partner_programs.html",
        context=_programs_tab,
        capability=PROGRAMS_VIEW,
        order=50,
    )
    home_card(area=PORTAL, template="programs/_home_tier_card.html", context=_tier_card, order=50)
    action_source(area=PORTAL, name="tier_gap", items=_tier_gap_items, order=40)
