"""Every write to the master partner record."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admin_list
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events.services import changes_apply, event_record
from prm.events.texts import label
from prm.notifications.services import notify

from . import events, notifications
from .models import INACTIVE_STATUSES, PARTNER_TRANSITIONS, Partner, PartnerContact, PartnerStatus, PartnerType
from .permissions import CHANGE_STATUS, COMPANY_EDIT, CREATE, EDIT, MANAGE_CONTACTS, PARTNERS_EDIT, partner_require


def partner_editable_fields(*, actor: Membership) -> tuple[str, ...]:
    """The fields the actor may change on a partner record."""
    if actor.is_staff_member and actor.can(PARTNERS_EDIT):
        return PARTNER_STAFF_FIELDS
    if actor.is_partner_user and actor.can(COMPANY_EDIT):
        return Partner.PARTNER_EDITABLE_FIELDS
    return ()


PARTNER_STAFF_FIELDS = (
    "legal_name",
    *Partner.PARTNER_EDITABLE_FIELDS,
    "email_domains",
    "partner_type",
    "country",
    "account_manager",
    "parent",
    "external_crm_id",
)


# Refusing a move to the status a partner already has: one sentence per status, for translators.
ALREADY = {
    PartnerStatus.APPLICANT: _("%(partner)s is already an applicant."),
    PartnerStatus.ONBOARDING: _("%(partner)s is already onboarding."),
    PartnerStatus.ACTIVE: _("%(partner)s is already active."),
    PartnerStatus.SUSPENDED: _("%(partner)s is already suspended."),
    PartnerStatus.TERMINATED: _("%(partner)s is already terminated."),
}


def _record_url(partner: Partner) -> str:
    return reverse("office:partner_detail", kwargs={"partner_id": partner.pk})


@transaction.atomic
def partner_create(*, actor: Membership, legal_name: str, partner_type: PartnerType, country: str, **fields) -> Partner:
    partner_require(actor, None, CREATE)
    assert_same_tenant(actor, partner_type, fields.get("account_manager"), fields.get("parent"))
    partner = Partner.objects.create(
        legal_name=legal_name,
        display_name=fields.pop("display_name", "") or legal_name,
        partner_type=partner_type,
        country=country,
        status_changed_at=timezone.now(),
        **fields,
    )
    event_record(actor=actor, target=partner, verb=events.CREATED, to_state=partner.status)
    return partner


@transaction.atomic
def partner_update(*, actor: Membership, partner: Partner, changes: dict[str, Any]) -> Partner:
    """Apply field changes the actor may make; record what changed (before and after)."""
    partner_require(actor, partner, EDIT)
    refused = set(changes) - set(partner_editable_fields(actor=actor))
    if refused:
        # The forms offer only the editable fields: this names them for the code that asked.
        raise NotAllowed(gettext("You may not change: %(fields)s.") % {"fields": ", ".join(sorted(refused))})
    assert_same_tenant(
        actor, partner, changes.get("partner_type"), changes.get("account_manager"), changes.get("parent")
    )
    if changes.get("parent") is not None and changes["parent"].pk == partner.pk:
        raise PolicyViolation(gettext("A partner cannot be its own parent."))
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    diff = changes_apply(instance=partner, changes=changes)
    if not diff:
        return partner
    partner.save()
    event = event_record(
        actor=actor,
        target=partner,
        verb=events.PROFILE_UPDATED,
        data={"changes": diff},
        message=gettext_noop("Changed %(fields)s"),
        params={"fields": [label(Partner._meta.get_field(f).verbose_name) for f in diff]},
    )
    if actor.is_partner_user:
        recipients = [partner.account_manager] if partner.account_manager_id else []
    else:
        recipients = partner_admin_list(partner_id=partner.pk)
    notify(
        recipients=recipients,
        kind=notifications.PROFILE_UPDATED,
        title=gettext_noop("%(partner)s: company profile updated"),
        body=gettext_noop("%(person)s changed %(fields)s."),
        params={"partner": str(partner), "person": str(actor.user), "fields": event.params["fields"]},
        url=_record_url(partner) if actor.is_partner_user else reverse("portal:company"),
        event=event,
    )
    return partner


@transaction.atomic
def partner_change_status(*, actor: Membership, partner: Partner, to_status: str, reason: str = "") -> Partner:
    """Move a partner along its lifecycle. Suspending or terminating ends its users' access."""
    partner_require(actor, partner, CHANGE_STATUS)
    assert_same_tenant(actor, partner)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    from_status = partner.status
    if from_status == to_status:
        raise InvalidTransition(str(ALREADY[from_status]) % {"partner": partner})
    if to_status not in PARTNER_TRANSITIONS.get(from_status, ()):
        raise InvalidTransition(
            gettext("A partner cannot go from %(from)s to %(to)s.")
            % {"from": PartnerStatus(from_status).label, "to": PartnerStatus(to_status).label}
        )
    if to_status in INACTIVE_STATUSES and not reason.strip():
        raise PolicyViolation(gettext("Give a reason: the partner's users will lose access."))
    partner.status = to_status
    partner.status_changed_at = timezone.now()
    partner.save(update_fields=["status", "status_changed_at", "updated_at"])
    data: dict[str, Any] = {}
    if to_status in INACTIVE_STATUSES:
        # Set-based: every user of the partner at once, in this transaction. The ids are kept
        # on the event, so lifting a suspension restores exactly these people.
        active = Membership.objects.filter(partner=partner, is_active=True)
        ids = list(active.values_list("pk", flat=True))
        active.update(is_active=False, deactivated_at=timezone.now())
        data = {"memberships_deactivated": len(ids), "membership_ids": ids}
    elif from_status == PartnerStatus.SUSPENDED:
        data = {"memberships_restored": _restore_suspended_members(partner)}
    event = event_record(
        actor=actor,
        target=partner,
        verb=events.STATUS_CHANGED,
        from_state=from_status,
        to_state=to_status,
        note=reason,
        data=data,
    )
    recipients = partner_admin_list(partner_id=partner.pk)
    if partner.account_manager_id and partner.account_manager_id != actor.pk:
        recipients.append(partner.account_manager)
    notify(
        recipients=recipients,
        kind=notifications.STATUS_CHANGED,
        title=gettext_noop("%(partner)s is now %(status)s"),
        params={"partner": str(partner), "status": label(PartnerStatus(to_status).label, lower=True)},
        note=reason,
        url=_record_url(partner),
        event=event,
    )
    return partner


def _restore_suspended_members(partner: Partner) -> int:
    """Give access back to the people the last suspension took it from (not those an admin
    deactivated for their own reasons before it)."""
    from django.contrib.contenttypes.models import ContentType

    from prm.events.models import Event

    suspension = (
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(Partner),
            object_id=partner.pk,
            verb=events.STATUS_CHANGED,
            to_state=PartnerStatus.SUSPENDED,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    ids = (suspension.data.get("membership_ids") if suspension else None) or []
    return Membership.objects.filter(pk__in=ids, partner=partner, is_active=False).update(
        is_active=True, deactivated_at=None
    )


@transaction.atomic
def contact_create(*, actor: Membership, partner: Partner, **fields) -> PartnerContact:
    partner_require(actor, partner, MANAGE_CONTACTS)
    assert_same_tenant(actor, partner)
    contact = PartnerContact.objects.create(partner=partner, **fields)
    event_record(
        actor=actor,
        target=partner,
        verb=events.CONTACT_ADDED,
        data={"contact": contact.name},
        message=gettext_noop("Added contact %(name)s"),
        params={"name": contact.name},
    )
    return contact


@transaction.atomic
def contact_delete(*, actor: Membership, contact: PartnerContact) -> None:
    partner_require(actor, contact.partner, MANAGE_CONTACTS)
    assert_same_tenant(actor, contact)
    partner = contact.partner
    name = contact.name
    contact.delete()
    event_record(
        actor=actor,
        target=partner,
        verb=events.CONTACT_REMOVED,
        data={"contact": name},
        message=gettext_noop("Removed contact %(name)s"),
        params={"name": name},
    )
