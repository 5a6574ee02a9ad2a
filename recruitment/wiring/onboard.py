"""What the onboard part of recruitment plugs into the foundation (called from RecruitmentConfig.ready):

* the back office's "Onboarding" entry (in the "Recruitment" group) and the portal's "Agreements";
* the partner record's "Onboarding" tab (``partners.hooks.record_tab``);
* the portal home's "Finish onboarding" action source, while the company onboards;
* ``prm.events.hooks.events_recorded``: the verbs that can complete an automatic checklist item
  (a profile edited, an invitation sent or accepted, a course completed, a deal registered, an
  agreement accepted) re-decide the items of their partner after commit, through the outbox.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext

from prm.accounts.access import OFFICE, PORTAL
from prm.web.home import ActionGroup, ActionItem, action_source
from prm.web.menu import menu_entry


def _verbs() -> frozenset[str]:
    from deals import events as deal_events
    from learning import events as learning_events
    from partners import events as partner_events
    from prm.accounts import events as people_events

    from .. import events

    return frozenset(
        {
            partner_events.PROFILE_UPDATED,
            people_events.INVITATION_SENT,
            people_events.MEMBERSHIP_CREATED,
            learning_events.COURSE_COMPLETED,
            deal_events.SUBMITTED,
            events.AGREEMENT_ACCEPTED,
        }
    )


_VERBS: frozenset[str] = frozenset()


def _events_recorded(*, events) -> None:
    """One outbox task for the partners onboarding among these events' partners; no query at all
    for the verbs that cannot complete an item."""
    partner_ids = {event.partner_id for event in events if event.verb in _VERBS and event.partner_id}
    if not partner_ids:
        return
    from prm.events.services import outbox_enqueue

    from ..models import Onboarding, OnboardingStatus
    from ..services.onboard import ONBOARDING_REFRESH

    onboarding = sorted(
        Onboarding.objects.filter(partner_id__in=partner_ids, status=OnboardingStatus.IN_PROGRESS).values_list(
            "partner_id", flat=True
        )
    )
    if onboarding:
        outbox_enqueue(task_name=ONBOARDING_REFRESH, partner_ids=onboarding)


def _tab_context(*, request, actor, partner) -> dict:
    from ..views.onboard import onboarding_tab_context

    return onboarding_tab_context(request=request, actor=actor, partner=partner)


def _finish_onboarding(*, actor, tenant, limit: int) -> ActionGroup | None:
    """ "Finish onboarding" while the company onboards: no query for an active company (its
    status comes with the membership), one otherwise."""
    from partners.models import PartnerStatus

    from ..models import Onboarding, OnboardingStatus

    partner = actor.partner if actor.partner_id else None
    if partner is None or partner.status != PartnerStatus.ONBOARDING:
        return None
    onboarding = (
        Onboarding.objects.filter(partner_id=partner.pk, status=OnboardingStatus.IN_PROGRESS)
        .only("tasks_done", "tasks_total", "started_at", "last_progress_at")
        .first()
    )
    if onboarding is None:
        return None
    url = reverse("portal:recruitment_onboarding")
    left = onboarding.tasks_total - onboarding.tasks_done
    item = ActionItem(
        title=gettext("Finish onboarding"),
        detail=ngettext("%(count)s item left of %(total)s.", "%(count)s items left of %(total)s.", left)
        % {"count": left, "total": onboarding.tasks_total},
        url=url,
        since=onboarding.started_at,
        since_label=gettext("onboarding started"),
    )
    return ActionGroup(
        name="finish_onboarding", label=gettext("Finish onboarding"), count=1, items=[item][:limit], url=url
    )


def register() -> None:
    global _VERBS
    from partners.hooks import record_tab
    from prm.events.hooks import events_recorded

    from ..permissions import ONBOARDING_VIEW, RECRUITMENT_VIEW

    _VERBS = _verbs()
    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Onboarding"),
        url_name="office:recruitment_onboarding_board",
        capability=RECRUITMENT_VIEW,
        order=62,
        group=gettext_lazy("Recruitment"),
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Agreements"),
        url_name="portal:recruitment_agreements",
        capability=ONBOARDING_VIEW,
        order=90,
    )
    record_tab(
        name="onboarding",
        label=gettext_lazy("Onboarding"),
        template="recruitment/onboard/_record_tab.html",
        context=_tab_context,
        capability=RECRUITMENT_VIEW,
        order=60,
    )
    action_source(area=PORTAL, name="finish_onboarding", items=_finish_onboarding, capability=ONBOARDING_VIEW, order=5)
    events_recorded.connect(_events_recorded)
