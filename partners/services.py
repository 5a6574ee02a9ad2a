"""Every write to the master partner record."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from prm import geo
from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admin_list
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events.services import changes_apply, event_record
from prm.events.texts import label
from prm.memo import reference_changed
from prm.notifications.services import notify

from . import events, notifications
from .models import (
    INACTIVE_STATUSES,
    PARTNER_TRANSITIONS,
    Partner,
    PartnerContact,
    PartnerLocation,
    PartnerStatus,
    PartnerType,
)
from .permissions import (
    CHANGE_STATUS,
    COMPANY_EDIT,
    CREATE,
    EDIT,
    MANAGE_CONTACTS,
    PARTNERS_EDIT,
    VIEW,
    partner_require,
)


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
    "tags",  # vendor-internal: never a partner's to see or edit
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
    _headquarters_sync(partner)
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
    if "tags" in changes:
        changes = {**changes, "tags": _tags_clean(changes["tags"])}
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    diff = changes_apply(instance=partner, changes=changes)
    if not diff:
        return partner
    partner.save()
    if {"city", "country", "postal_code"} & set(diff):
        _headquarters_sync(partner)
    tags = diff.pop("tags", None)
    if tags is not None:
        _tags_recorded(actor=actor, partner=partner, before=tags["from"], after=tags["to"])
    if not diff:
        return partner
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


def _tags_clean(tags) -> list[str]:
    """Tags as stored: trimmed, lower case, each once, in the order given."""
    return list(dict.fromkeys(tag.strip().lower() for tag in tags or () if tag and tag.strip()))


def _tags_recorded(*, actor: Membership, partner: Partner, before: list[str], after: list[str]) -> None:
    """A change of a partner's tags: a vendor-internal event (the partner's timeline, feed and
    webhooks never show it, nor is the partner told), and the tenant's tag list is built afresh
    (the directory's filter, targeting)."""
    added, removed = [t for t in after if t not in before], [t for t in before if t not in after]
    event_record(
        actor=actor,
        target=partner,
        verb=events.TAGS_CHANGED,
        message=gettext_noop("Tags: %(tags)s") if after else gettext_noop("Every tag removed"),
        params={"tags": ", ".join(after)} if after else {},
        data={"added": added, "removed": removed, "tags": after},
        internal=True,
    )
    reference_changed()


@transaction.atomic
def partner_tag_set(*, actor: Membership, partner: Partner, tag: str, present: bool, verb: str = "") -> bool:
    """Put one of the vendor's tags on ``partner`` (``present``) or take it off, leaving its other
    tags alone; whether anything changed (a second mark is no change and records nothing).

    For the apps that give a tag its meaning (the scorecards mark partners for investment): they
    decide who may set it (staff only here, tags are vendor-internal) and may name the event
    (``verb``, their own; by default ``TAGS_CHANGED``). The row is locked so that two people
    marking at once cannot lose each other's tag."""
    if not actor.is_staff_member:
        raise NotAllowed(gettext("Only the vendor's staff tag partners."))
    assert_same_tenant(actor, partner)
    partner_require(actor, partner, VIEW)
    tag = (_tags_clean([tag]) or [""])[0]
    if not tag:
        raise PolicyViolation(gettext("A tag needs a name."))
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = list(partner.tags or [])
    if (tag in before) == present:
        return False
    after = [*before, tag] if present else [t for t in before if t != tag]
    partner.tags = after
    partner.save(update_fields=["tags", "updated_at"])
    if verb:
        event_record(
            actor=actor,
            target=partner,
            verb=verb,
            data={"added": [tag] if present else [], "removed": [] if present else [tag], "tags": after},
            internal=True,
        )
        reference_changed()
    else:
        _tags_recorded(actor=actor, partner=partner, before=before, after=after)
    return True


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


# --- locations: where a partner works from (lead routing's nearest first, the locator) ----------


def _coordinates(city: str, country: str, latitude, longitude) -> tuple[float | None, float | None]:
    """Typed coordinates win; otherwise the city's from the shipped data (``prm.geo``: the
    country's capital for a city it does not know), or none."""
    if latitude is not None and longitude is not None:
        if not (-90 <= float(latitude) <= 90 and -180 <= float(longitude) <= 180):
            raise PolicyViolation(gettext("Latitude is between -90 and 90, longitude between -180 and 180."))
        return float(latitude), float(longitude)
    found = geo.locate(city, country)
    return (found.latitude, found.longitude) if found else (None, None)


def _clean_place(city: str, country: str) -> tuple[str, str]:
    city, country = (city or "").strip(), (country or "").strip().upper()
    if not city:
        raise PolicyViolation(gettext("Name the city."))
    if len(country) != 2 or not country.isalpha() or not country.isascii():
        raise PolicyViolation(gettext("The country is an ISO 3166 code, e.g. DE."))
    return city, country


@transaction.atomic
def location_add(
    *,
    actor: Membership,
    partner: Partner,
    city: str,
    country: str,
    label: str = "",
    postal_code: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> PartnerLocation:
    """Add a place the partner works from, geocoded from its city unless coordinates are typed.
    The headquarters is not added here: it follows the partner record's address."""
    partner_require(actor, partner, EDIT)
    assert_same_tenant(actor, partner)
    city, country = _clean_place(city, country)
    lat, lon = _coordinates(city, country, latitude, longitude)
    location = PartnerLocation.objects.create(
        partner=partner,
        label=(label or "").strip(),
        city=city,
        postal_code=(postal_code or "").strip(),
        country=country,
        latitude=lat,
        longitude=lon,
    )
    event_record(
        actor=actor,
        target=partner,
        verb=events.LOCATION_ADDED,
        message=gettext_noop("Added the location %(place)s"),
        params={"place": str(location)},
        data={"location_id": location.pk, "latitude": lat, "longitude": lon},
    )
    return location


@transaction.atomic
def location_update(*, actor: Membership, location: PartnerLocation, changes: dict[str, Any]) -> PartnerLocation:
    """Change a location (label, city, postal code, country, coordinates): a new city is geocoded
    again unless coordinates are typed with it. The headquarters changes with the record's address."""
    partner_require(actor, location.partner, EDIT)
    assert_same_tenant(actor, location)
    location = PartnerLocation.objects.select_for_update().get(pk=location.pk)
    if location.is_headquarters:
        raise PolicyViolation(gettext("The headquarters follows the company's address: change the address instead."))
    allowed = {"label", "city", "postal_code", "country", "latitude", "longitude"}
    if set(changes) - allowed:
        raise NotAllowed(
            gettext("You may not change: %(fields)s.") % {"fields": ", ".join(sorted(set(changes) - allowed))}
        )
    city, country = _clean_place(changes.get("city", location.city), changes.get("country", location.country))
    typed = "latitude" in changes or "longitude" in changes
    moved = city != location.city or country != location.country
    if typed:
        location.latitude, location.longitude = _coordinates(
            city, country, changes.get("latitude"), changes.get("longitude")
        )
    elif moved:
        location.latitude, location.longitude = _coordinates(city, country, None, None)
    location.city, location.country = city, country
    location.label = (changes.get("label", location.label) or "").strip()
    location.postal_code = (changes.get("postal_code", location.postal_code) or "").strip()
    location.save()
    event_record(
        actor=actor,
        target=location.partner,
        verb=events.LOCATION_CHANGED,
        message=gettext_noop("Changed the location %(place)s"),
        params={"place": str(location)},
        data={"location_id": location.pk, "latitude": location.latitude, "longitude": location.longitude},
    )
    return location


@transaction.atomic
def location_remove(*, actor: Membership, location: PartnerLocation) -> None:
    partner_require(actor, location.partner, EDIT)
    assert_same_tenant(actor, location)
    if location.is_headquarters:
        raise PolicyViolation(gettext("The headquarters follows the company's address: it cannot be removed."))
    partner, place, pk = location.partner, str(location), location.pk
    deleted, _rows = PartnerLocation.objects.filter(pk=pk).delete()
    if not deleted:
        return  # removed meanwhile (a second click): nothing more to record
    event_record(
        actor=actor,
        target=partner,
        verb=events.LOCATION_REMOVED,
        message=gettext_noop("Removed the location %(place)s"),
        params={"place": place},
        data={"location_id": pk},
    )


def _headquarters_sync(partner: Partner) -> None:
    """Keep the partner's HQ location in step with its record's city and country (called by the
    services that change them, in their transaction): created, moved (geocoded again) or left
    alone when nothing changed. A partner without a city has its HQ at its country's capital."""
    hq = PartnerLocation.objects.select_for_update().filter(partner=partner, is_headquarters=True).first()
    city, country = (partner.city or "").strip(), (partner.country or "").strip().upper()
    if not country:
        return
    if hq is not None and (hq.city, hq.country, hq.postal_code) == (city, country, partner.postal_code):
        return
    lat, lon = _coordinates(city, country, None, None)
    if hq is None:
        PartnerLocation.objects.create(
            partner=partner,
            city=city,
            postal_code=partner.postal_code,
            country=country,
            latitude=lat,
            longitude=lon,
            is_headquarters=True,
        )
        return
    hq.city, hq.country, hq.postal_code, hq.latitude, hq.longitude = city, country, partner.postal_code, lat, lon
    hq.save(update_fields=["city", "country", "postal_code", "latitude", "longitude"])


def partner_locations_backfill() -> int:
    """Create the missing HQ locations of the current tenant's partners, geocoded, in one insert
    (the demo and the bench call it once after loading partners set-based). Returns how many."""
    missing = (
        Partner.objects.exclude(pk__in=PartnerLocation.objects.filter(is_headquarters=True).values("partner_id"))
        .exclude(country="")
        .values_list("pk", "tenant_id", "city", "postal_code", "country")
    )
    rows = []
    for pk, tenant_id, city, postal_code, country in missing:
        lat, lon = _coordinates(city, country, None, None)
        rows.append(
            PartnerLocation(
                partner_id=pk,
                tenant_id=tenant_id,
                city=city or "",
                postal_code=postal_code or "",
                country=country,
                latitude=lat,
                longitude=lon,
                is_headquarters=True,
            )
        )
    PartnerLocation.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def contacts_erase_person(*, membership, email: str, label: str, **kwargs) -> int:
    """A person erased on request (``prm.accounts.hooks.person_erasing``): the partner's contact
    records of their address keep their role, anonymised. Returns how many."""
    from .models import PartnerContact

    return PartnerContact.objects.filter(email__iexact=email).update(name=label, email="", phone="", title="")
