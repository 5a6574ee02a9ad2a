"""What the vendor does about a partner's scorecard: mark it for investment (the tag programs,
MDF allocation and lead routing target) or take the mark away, and ask for it to be measured
again now rather than at night.

Both are the channel people's (``SCORECARDS_MANAGE``). The mark is a tag on the partner record,
set through the partners app's service, which locks the row; the event is ours
(``INVEST_MARKED`` / ``INVEST_UNMARKED``) and vendor-internal. Measuring again is the worker's:
the request writes an outbox message (``scorecards.measure_partner``), so it runs after the
commit, and a request made while one is still waiting adds nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from partners.models import INVEST_TAG, Partner
from partners.services import partner_tag_set
from prm.accounts.models import Membership
from prm.errors import NotAllowed, assert_same_tenant
from prm.events.models import OutboxMessage
from prm.events.services import event_record, outbox_enqueue

from .. import events
from ..permissions import SCORECARDS_MANAGE
from ..tasks import MEASURE_PARTNER

__all__ = ["INVEST_TAG", "partner_invest_set", "scorecard_recompute_request"]


def _require_manage(actor: Membership, refusal: str) -> None:
    if not (actor.is_staff_member and actor.can(SCORECARDS_MANAGE)):
        raise NotAllowed(refusal)


@transaction.atomic
def partner_invest_set(*, actor: Membership, partner: Partner, invest: bool) -> bool:
    """Mark ``partner`` for investment (``invest``) or take the mark away; whether it changed
    (marking a marked partner again changes nothing and records nothing)."""
    _require_manage(actor, gettext("Only the vendor's admins and channel managers mark partners for investment."))
    verb = events.INVEST_MARKED if invest else events.INVEST_UNMARKED
    return partner_tag_set(actor=actor, partner=partner, tag=INVEST_TAG, present=invest, verb=verb)


@transaction.atomic
def scorecard_recompute_request(*, actor: Membership, partner: Partner) -> int:
    """Ask the worker to measure ``partner`` on its scorecards now; the outbox message's id.

    The partner's row is locked while the waiting messages are looked at, so two clicks at once
    queue one measurement: a message for this partner not delivered yet is the answer to both."""
    _require_manage(actor, gettext("Only the vendor's admins and channel managers ask for a new measurement."))
    assert_same_tenant(actor, partner)
    partner = Partner.objects.select_for_update().only("id", "tenant_id").get(pk=partner.pk)
    waiting = (
        OutboxMessage.objects.filter(
            task_name=MEASURE_PARTNER, kwargs__partner_id=partner.pk, delivered_at__isnull=True
        )
        .values_list("pk", flat=True)
        .first()
    )
    if waiting is not None:
        return waiting
    message_id = outbox_enqueue(task_name=MEASURE_PARTNER, partner_id=partner.pk)
    event_record(
        actor=actor,
        target=partner,
        verb=events.MEASURE_ASKED,
        message=gettext_noop("Asked for the scorecards to be measured again"),
        data={"requested": True, "outbox_id": message_id},
        internal=True,
    )
    return message_id
