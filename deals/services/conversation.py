"""The conversation on a deal between the partner and the vendor, and its documents."""

from __future__ import annotations

from django.db import transaction
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

from prm.accounts.models import Membership
from prm.errors import PolicyViolation
from prm.tenancy.scope import step_out_to_tenant
from prm.web.files import DOCUMENT_MAX_BYTES, document_kind

from .. import events, notifications
from ..models import Deal, DealAttachment, DealMessage
from ..permissions import DealAction, deal_is_partner_draft, deal_require
from .common import partner_recipients, record, reviewer_recipients, tell

MESSAGE_MAX_LENGTH = 5000
# What an attachment that is no document is told (``prm.web.files.document_kind``'s refusal).
NOT_AN_ATTACHMENT = lazy(
    lambda: (
        gettext("Attach a PDF, PNG or JPEG file of at most %(size)s MB.")
        % {"size": DOCUMENT_MAX_BYTES // (1024 * 1024)}
    ),
    str,
)()


def _staff_audience(deal: Deal) -> list[Membership]:
    """The deal's reviewer, else the partner's account manager (or the first vendor admin).
    Read as the tenant: a partner user cannot see staff memberships."""
    if deal.reviewer_id:
        with step_out_to_tenant():
            reviewer = Membership.objects.filter(pk=deal.reviewer_id, is_active=True).first()
        if reviewer is not None:
            return [reviewer]
    return reviewer_recipients(deal)


@transaction.atomic
def message_post(*, actor: Membership, deal: Deal, body: str, internal: bool = False) -> DealMessage:
    """Add a message to the deal's conversation and tell the other side. Staff may write an
    internal note instead: partner users never read it, so nobody on their side is told."""
    deal_require(actor, deal, DealAction.POST_MESSAGE)
    if internal:
        deal_require(actor, deal, DealAction.POST_INTERNAL_NOTE)
    if deal_is_partner_draft(deal):
        # The vendor reads a registration, and its conversation, once it is submitted.
        raise PolicyViolation(
            gettext("Submit the registration first: the vendor reads its conversation once it is submitted.")
        )
    body = (body or "").strip()
    if not body:
        raise PolicyViolation(gettext("Write a message first."))
    if len(body) > MESSAGE_MAX_LENGTH:
        raise PolicyViolation(
            gettext("Keep a message under %(limit)s characters.")
            % {"limit": number_format(MESSAGE_MAX_LENGTH, force_grouping=True)}
        )
    message = DealMessage.objects.create(
        deal=deal, partner_id=deal.partner_id, author=actor, body=body, internal=bool(internal)
    )
    if message.internal:
        return message
    other_side = partner_recipients(deal) if actor.is_staff_member else _staff_audience(deal)
    tell(
        deal,
        to=[member for member in other_side if member.pk != actor.pk],
        kind=notifications.MESSAGE,
        title=gettext_noop("new message from %(author)s"),
        params={"author": str(actor.user)},
        note=body[:300],
    )
    return message


@transaction.atomic
def attachment_add(*, actor: Membership, deal: Deal, file, name: str = "") -> DealAttachment:
    """Attach a document (a quote, a customer's e-mail) to the deal. Judged by its content: PDF,
    PNG or JPEG up to 10 MB; stored under a random name, served only as a download."""
    deal_require(actor, deal, DealAction.ATTACH)
    if file is None:
        raise PolicyViolation(gettext("Choose a file to attach."))
    kind = document_kind(file, refusal=NOT_AN_ATTACHMENT)
    original = (getattr(file, "name", "") or "").rsplit("/", 1)[-1]
    label = (name or "").strip() or original.rsplit(".", 1)[0].strip() or "Document"
    # Only the proven extension survives into the stored name (private_upload_path).
    file.name = f"attachment.{kind}"
    attachment = DealAttachment.objects.create(
        deal=deal, partner_id=deal.partner_id, file=file, name=label[:200], uploaded_by=actor
    )
    record(
        actor=actor,
        deal=deal,
        verb=events.ATTACHMENT_ADDED,
        message=gettext_noop("Attached %(name)s."),
        params={"name": attachment.name},
        data={"attachment_id": attachment.pk, "kind": kind},
    )
    return attachment
