"""A person's rights: their data exported, and erased on request (``person_export``,
``person_erase``), by the vendor's admins.

Erasure anonymises the person everywhere the tenant keeps them: the account (name, e-mail,
password, addresses, sign-in links, authenticators; its sessions end with the password), the membership (deactivated,
title and phone cleared), their API keys (revoked), their notifications, the name events carry
as their actor (``prm_erase_event_actor``: the one change an event may get, made by a function
the app role may call but whose table it cannot update), and what the apps above keep naming
them (``hooks.person_erasing``: a partner's contacts). Ledgers, events and certificates stay:
amounts and history still add up, and a certificate still verifies, under the erased name.

An account that also belongs to another portal is not erased here (its e-mail and name are that
portal's too): only this portal's membership is, and the admin is told.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.models import Event
from prm.events.services import event_record
from prm.tenancy.scope import current_tenant_id

from . import events
from .hooks import person_erasing
from .models import ApiKey, Membership, User
from .roles import STAFF_MANAGE

# Columns never exported, whatever table they are in.
SECRET_COLUMNS = {"password", "secret_hash", "previous_hash", "secret", "previous_secret", "client_secret"}


def _may(actor: Membership) -> None:
    if not (actor.is_staff_member and actor.can(STAFF_MANAGE)):
        raise NotAllowed(gettext("Only the vendor's admins handle personal data requests."))


def person_get_for_actor(*, actor: Membership, email: str) -> Membership:
    """The tenant's member with this e-mail (staff or a partner's), or 404."""
    _may(actor)
    membership = Membership.objects.select_related("user", "partner").filter(user__email__iexact=email.strip()).first()
    if membership is None:
        raise Http404
    return membership


def _rows_naming(membership: Membership) -> dict[str, list[dict]]:
    """Rows of the tenant's tables that point at the membership (any foreign key to it)."""
    from prm.tenancy.models import tenant_owned_models

    found: dict[str, list[dict]] = {}
    for model in tenant_owned_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.ForeignKey) and f.related_model is Membership and model is not Membership
        ]
        if not fields or model is Event:
            continue
        query = models.Q()
        for field in fields:
            query |= models.Q(**{field.attname: membership.pk})
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in SECRET_COLUMNS]
        rows = list(model._base_manager.filter(query).values(*columns)[:10_000])
        if rows:
            found[model._meta.label_lower] = rows
    return found


def person_export(*, actor: Membership, membership: Membership) -> dict:
    """Everything the tenant keeps about the person, as JSON-ready data: the account, the
    membership, the events they acted in and the rows that name them."""
    _may(actor)
    user = membership.user
    data = {
        "format": "prm-person-export/1",
        "generated_at": timezone.now().isoformat(),
        "tenant": membership.tenant_id,
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "language": getattr(user, "language", ""),
            "time_zone": getattr(user, "time_zone", ""),
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "membership": {
            "id": membership.pk,
            "kind": membership.kind,
            "role": membership.role,
            "partner": membership.partner_id,
            "title": membership.title,
            "phone": membership.phone,
            "is_active": membership.is_active,
            "created_at": membership.created_at.isoformat(),
        },
        "events_acted": list(
            Event.objects.filter(actor=membership)
            .order_by("created_at", "id")
            .values("id", "verb", "created_at", "object_id", "from_state", "to_state", "note")[:10_000]
        ),
        "records": _rows_naming(membership),
    }
    event_record(
        actor=actor,
        target=membership,
        verb=events.PERSON_EXPORTED,
        message=gettext_noop("Personal data exported on request"),
        internal=True,
    )
    return json.loads(json.dumps(data, cls=_Encoder))


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, datetime | date):
            return o.isoformat()
        return super().default(o)


def _other_portals(user: User) -> int:
    """Memberships of the account in other portals, active or not (a deactivated one may come
    back): the account is theirs too, and stays."""
    from prm.tenancy.scope import platform_scope

    tenant_id = current_tenant_id()
    with platform_scope():
        return Membership.objects.filter(user=user).exclude(tenant_id=tenant_id).count()


@transaction.atomic
def person_erase(*, actor: Membership, membership: Membership, confirm_email: str) -> Membership:
    """Anonymise the person (see the module). ``confirm_email``: the person's address typed again."""
    _may(actor)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    user = membership.user
    if confirm_email.strip().lower() != user.email.lower():
        raise PolicyViolation(gettext("Type the person's e-mail address to confirm the erasure."))
    if membership.pk == actor.pk:
        raise PolicyViolation(gettext("You cannot erase yourself: ask another admin."))
    if user.email.endswith("@erased.invalid"):
        raise InvalidTransition(gettext("This person was already erased."))
    label = gettext_noop("Erased person") + f" #{membership.pk}"
    email = user.email
    # The membership: no access, nothing personal left on it.
    membership.is_active, membership.deactivated_at = False, membership.deactivated_at or timezone.now()
    membership.title, membership.phone = "", ""
    membership.save(update_fields=["is_active", "deactivated_at", "title", "phone"])
    ApiKey.objects.filter(owner=membership, revoked_at__isnull=True).update(revoked_at=timezone.now())
    from prm.notifications.models import Notification

    Notification.objects.filter(recipient=membership).delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT prm_erase_event_actor(%s, %s)", [membership.pk, label])
    person_erasing.send(membership=membership, email=email, label=label)
    if _other_portals(user) == 0:
        _erase_account(user, membership.pk)
    event_record(
        actor=actor,
        target=membership,
        verb=events.PERSON_ERASED,
        message=gettext_noop("Personal data erased on request"),
        internal=True,
    )
    return membership


def _erase_account(user: User, number: int) -> None:
    """The platform-wide account, when no other portal holds it."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    user.email = f"erased-{user.pk}@erased.invalid"
    user.first_name, user.last_name = "Erased", f"person #{number}"
    user.set_unusable_password()
    user.is_active = False
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    # Its sessions end by themselves: each carries a hash of the password, which just changed.
