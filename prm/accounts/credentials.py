"""API keys: the REST API's credentials (``models.ApiKey``).

A key reads ``prm_<prefix>_<secret>``. A request presents it as ``Authorization: Bearer <key>``;
``resolve`` (called by the tenant middleware inside the tenant's transaction, before the member
is looked up) finds it by its prefix, compares the secret's SHA-256 in constant time and gives
the owner's user, so the request then runs as that person: the same membership, capabilities,
partner narrowing and row-level security as their pages. What the key may do is further bounded
by its scopes (``SCOPES``), which the API's views check.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.services import event_record

from . import events
from .models import ApiKey, Membership
from .roles import API_KEYS_MANAGE, PARTNER_API_KEYS_MANAGE

KEY_PREFIX = "prm"
# A rotated secret keeps working this long, so an integration switches without a gap.
ROTATION_OVERLAP = timedelta(hours=24)
# ``last_used_at`` is written at most once a minute per key (not a write per request).
LAST_USED_EVERY = timedelta(minutes=1)

# What a key may be allowed: resource:read / resource:write. Staff keys may hold any; partner
# keys only those whose resource a partner reaches.
SCOPES: dict[str, object] = {
    "partners:read": _("Partners and their contacts"),
    "programs:read": _("Programs, tiers and the product catalogue"),
    "deals:read": _("Deal registrations"),
    "deals:write": _("Register, edit, submit and decide deal registrations"),
    "accounts:write": _("Upsert the vendor's customer accounts"),
    "leads:read": _("Leads and their offers"),
    "leads:write": _("Create leads"),
    "learning:read": _("Courses, certificates and competencies"),
    "incentives:read": _("Ledger entries and payouts"),
    "scorecards:read": _("Scorecards and their snapshots, business plans and relationship reviews"),
    "events:read": _("The change feed"),
    "webhooks:manage": _("Webhook endpoints and their deliveries"),
}
STAFF_ONLY_SCOPES = frozenset({"accounts:write"})


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the whole key string, shown once


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret(prefix: str) -> str:
    return f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def scopes_for(membership: Membership) -> list[str]:
    """The scopes a key made by ``membership`` may hold."""
    return [s for s in SCOPES if membership.is_staff_member or s not in STAFF_ONLY_SCOPES]


def integrations_capability(actor: Membership) -> str:
    """Who manages a side's integrations (API keys, webhook endpoints): the vendor's admins for the
    tenant's, a partner's admins for the partner's."""
    return API_KEYS_MANAGE if actor.is_staff_member else PARTNER_API_KEYS_MANAGE


def _may_manage(actor: Membership, key: ApiKey | None = None) -> None:
    if not actor.can(integrations_capability(actor)):
        raise NotAllowed(gettext("Your role cannot manage API keys."))
    if key is not None and key.partner_id != actor.partner_id:
        raise NotAllowed(gettext("This key is not yours to manage."))


@transaction.atomic
def api_key_create(*, actor: Membership, name: str, scopes: list[str], expires_at=None) -> IssuedKey:
    """A key for the actor's side (the tenant for staff, the partner for a partner's admin),
    acting as the actor. The secret is in the result only: it is not kept."""
    _may_manage(actor)
    name = name.strip()
    if not name:
        raise PolicyViolation(gettext("Give the key a name (what will use it)."))
    allowed = scopes_for(actor)
    unknown = sorted(set(scopes) - set(allowed))
    if unknown:
        raise PolicyViolation(gettext("These scopes cannot be given: %(scopes)s.") % {"scopes": ", ".join(unknown)})
    if not scopes:
        raise PolicyViolation(gettext("Choose at least one scope."))
    if expires_at is not None and expires_at <= timezone.now():
        raise PolicyViolation(gettext("The expiry must be in the future."))
    prefix = secrets.token_hex(6)
    secret = _new_secret(prefix)
    key = ApiKey.objects.create(
        partner_id=actor.partner_id,
        owner=actor,
        name=name,
        prefix=prefix,
        secret_hash=_digest(secret),
        scopes=[s for s in allowed if s in scopes],
        expires_at=expires_at,
    )
    event_record(
        actor=actor,
        target=key,
        verb=events.API_KEY_CREATED,
        message=gettext_noop("API key %(name)s created"),
        params={"name": key.name},
        data={"scopes": key.scopes},
    )
    return IssuedKey(key=key, secret=secret)


def _locked(key: ApiKey) -> ApiKey:
    return ApiKey.objects.select_for_update().get(pk=key.pk)


@transaction.atomic
def api_key_rotate(*, actor: Membership, key: ApiKey) -> IssuedKey:
    """A new secret; the old one keeps working for ``ROTATION_OVERLAP``."""
    _may_manage(actor, key)
    key = _locked(key)
    if not key.usable():
        raise InvalidTransition(gettext("The key %(name)s is revoked or expired.") % {"name": key.name})
    now = timezone.now()
    secret = _new_secret(key.prefix)
    key.previous_hash, key.previous_valid_until = key.secret_hash, now + ROTATION_OVERLAP
    key.secret_hash, key.rotated_at = _digest(secret), now
    key.save(update_fields=["previous_hash", "previous_valid_until", "secret_hash", "rotated_at"])
    event_record(
        actor=actor,
        target=key,
        verb=events.API_KEY_ROTATED,
        message=gettext_noop("API key %(name)s rotated"),
        params={"name": key.name},
    )
    return IssuedKey(key=key, secret=secret)


@transaction.atomic
def api_key_revoke(*, actor: Membership, key: ApiKey) -> ApiKey:
    _may_manage(actor, key)
    key = _locked(key)
    if key.revoked_at is not None:
        raise InvalidTransition(gettext("The key %(name)s was already revoked.") % {"name": key.name})
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    event_record(
        actor=actor,
        target=key,
        verb=events.API_KEY_REVOKED,
        message=gettext_noop("API key %(name)s revoked"),
        params={"name": key.name},
    )
    return key


def api_key_list_for_actor(*, actor: Membership) -> list[ApiKey]:
    """The keys of the actor's side, newest first."""
    _may_manage(actor)
    return list(_side_keys(actor).order_by("-created_at", "-id"))


def _side_keys(actor: Membership):
    """The keys of the actor's side: the partner's, or the tenant's (``partner_id`` None: IS NULL)."""
    return ApiKey.objects.filter(partner_id=actor.partner_id).select_related("owner__user")


def api_key_get_for_actor(*, actor: Membership, key_id: int) -> ApiKey:
    _may_manage(actor)
    key = _side_keys(actor).filter(pk=key_id).first()
    if key is None:
        raise Http404
    return key


def resolve(authorization: str):
    """The key an ``Authorization`` header presents (in the tenant's scope), or ``None`` when it
    names no usable key. Marks it used (at most once a minute)."""
    scheme, _sep, presented = authorization.partition(" ")
    if scheme.lower() != "bearer" or not presented.startswith(f"{KEY_PREFIX}_"):
        return None
    parts = presented.strip().split("_", 2)
    if len(parts) != 3:
        return None
    key = ApiKey.objects.filter(prefix=parts[1]).select_related("owner__user").first()
    if key is None:
        return None
    now = timezone.now()
    digest = _digest(presented.strip())
    current = hmac.compare_digest(digest, key.secret_hash)
    previous = bool(key.previous_hash) and hmac.compare_digest(digest, key.previous_hash)
    if not (current or (previous and key.previous_valid_until and key.previous_valid_until > now)):
        return None
    if not key.usable(now):
        return None
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        key.last_used_at = now
    return key
