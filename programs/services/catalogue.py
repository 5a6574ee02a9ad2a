"""Writes of the policy half: territory grants, and partner licences with their verification.

* **Territories.** A country (or a region of countries) granted to a partner for one product
  line or for every line, exclusive or shared, for a period (``valid_until`` is the first day
  the grant no longer applies). An exclusive grant may not overlap any other partner's grant,
  and a shared grant may not enter another partner's exclusive territory: same countries, same
  line (or every line), overlapping periods. ``territory_validate`` holds those rules for the
  services and the admin's forms alike.
* **Licences.** A partner admin uploads a licence document (PDF, PNG or JPEG, judged by its
  content); the vendor verifies or rejects it, once (``LICENCE_TRANSITIONS``).

Every write records an event on the partner, so it shows on the partner's timeline.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.selectors import partner_admin_list
from prm.countries import country_name
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events import texts
from prm.events.services import changes_apply, event_record
from prm.notifications.services import notify
from prm.tenancy.time import tenant_today
from prm.web.files import document_kind

from .. import events, notifications
from ..models import COUNTRY, LicenceStatus, LicenceType, PartnerLicence, ProductLine, Region, TerritoryGrant
from ..permissions import GRANT, REJECT, REVOKE, UPDATE, UPLOAD, VERIFY, licence_require, territory_require
from .policy import grant_countries, grant_label

# --- documents -------------------------------------------------------------------------------

# What a licence upload that is no document is told (``prm.web.files.document_kind``'s refusal).
NOT_A_LICENCE = _("Upload the licence as a PDF, PNG or JPEG file.")


def _period(valid_from: date, valid_until: date | None) -> str:
    start = date_format(valid_from, "j F Y")
    if valid_until:
        return gettext("from %(start)s until %(end)s") % {"start": start, "end": date_format(valid_until, "j F Y")}
    return gettext("from %(start)s, open-ended") % {"start": start}


def _line_label(product_line: ProductLine | None) -> str:
    return product_line.name if product_line is not None else gettext("every product line")


# --- territories -------------------------------------------------------------------------------


def territory_validate(
    *,
    partner: Partner,
    product_line: ProductLine | None = None,
    country: str = "",
    region: Region | None = None,
    exclusive: bool = False,
    valid_from: date,
    valid_until: date | None = None,
    grant: TerritoryGrant | None = None,
) -> None:
    """The rules every territory grant keeps; raises PolicyViolation with a sentence staff can act on.

    ``grant`` is the grant being changed (left out of the comparison). The services call it
    under their locks; the admin's form calls it to show the same message beside the form.
    """
    assert_same_tenant(partner, product_line, region)
    country = (country or "").strip().upper()
    if bool(country) == (region is not None):
        raise PolicyViolation(gettext("Grant either a country or a region, not both (and not neither)."))
    if country:
        try:
            COUNTRY(country)
        except Exception as error:
            raise PolicyViolation(gettext("Use a two-letter ISO country code, e.g. DE.")) from error
        countries = {country}
    else:
        countries = set(region.countries or [])
        if not countries:
            raise PolicyViolation(
                gettext("The region %(region)s lists no countries yet: add them to the region first.")
                % {"region": region.name}
            )
    if valid_until is not None and valid_until <= valid_from:
        raise PolicyViolation(gettext("The end date must come after the start date."))

    others = TerritoryGrant.objects.select_related("partner", "region", "product_line")
    if grant is not None and grant.pk:
        others = others.exclude(pk=grant.pk)
    overlapping = others.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=valid_from))
    if valid_until is not None:
        overlapping = overlapping.filter(valid_from__lt=valid_until)
    if exclusive and country:
        # The database keeps exclusive grants of one country and line from overlapping in time
        # (an exclusion constraint), whoever holds them: the partner's own overlap is a duplicate.
        same = overlapping.filter(exclusive=True, country=country, product_line=product_line, partner=partner).first()
        if same is not None:
            raise PolicyViolation(
                gettext(
                    "%(partner)s already holds %(country)s exclusively for %(line)s (%(period)s): "
                    "change that grant's dates instead of adding another."
                )
                % {
                    "partner": partner,
                    "country": country_name(country),
                    "line": _line_label(product_line),
                    "period": _period(same.valid_from, same.valid_until),
                }
            )
    clash = (
        others.exclude(partner=partner)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=valid_from))
        .filter(Q(country__in=countries) | Q(region__countries__overlap=sorted(countries)))
    )
    if valid_until is not None:
        clash = clash.filter(valid_from__lt=valid_until)
    if product_line is not None:
        clash = clash.filter(Q(product_line=product_line) | Q(product_line__isnull=True))
    if not exclusive:
        clash = clash.filter(exclusive=True)
    other = clash.order_by("valid_from", "id").first()
    if other is None:
        return
    shared = sorted(countries & grant_countries(other))
    where = ", ".join(country_name(code) for code in shared) or grant_label(other)
    period = _period(other.valid_from, other.valid_until)
    names = {"where": where, "partner": other.partner, "line": _line_label(other.product_line), "period": period}
    if exclusive and other.exclusive:
        raise PolicyViolation(
            gettext(
                "%(where)s is already granted to %(partner)s exclusively for %(line)s (%(period)s): "
                "an exclusive grant cannot overlap another partner's territory."
            )
            % names
        )
    if exclusive:
        raise PolicyViolation(
            gettext(
                "%(where)s is already granted to %(partner)s as a shared territory for %(line)s (%(period)s): "
                "an exclusive grant cannot overlap another partner's territory."
            )
            % names
        )
    raise PolicyViolation(
        gettext(
            "%(where)s is an exclusive territory of %(partner)s for %(line)s (%(period)s): "
            "a shared grant cannot enter it."
        )
        % names
    )


def _lock_lines(*lines: ProductLine | None) -> None:
    """Serialize grants that could clash: a grant for a line locks that line's row; a grant for
    every line locks every line of the tenant (in id order, so two such grants cannot deadlock).
    Without it, two exclusive grants checked at the same moment would both find the field clear."""
    if any(line is None for line in lines):
        list(ProductLine.objects.select_for_update().order_by("id").values_list("id", flat=True))
    else:
        ids = sorted({line.pk for line in lines})
        list(ProductLine.objects.select_for_update().filter(pk__in=ids).order_by("id").values_list("id", flat=True))


def _insert_or_explain(save) -> None:
    """The exclusion constraint ``territory_exclusive_country`` (no two exclusive grants of one
    country and line overlap in time) is the backstop behind the check (a race the locks did not
    cover, e.g. a line created meanwhile): its error becomes a message."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError as error:
        raise PolicyViolation(
            gettext(
                "Another exclusive grant of this country for this product line was just recorded; reload and check."
            )
        ) from error


@transaction.atomic
def territory_grant(
    *,
    actor: Membership | None,
    partner: Partner,
    product_line: ProductLine | None = None,
    country: str = "",
    region: Region | None = None,
    exclusive: bool = False,
    valid_from: date,
    valid_until: date | None = None,
    note: str = "",
) -> TerritoryGrant:
    """Grant a country or region to a partner for a line (or every line). Locked per line, so
    that of two clashing exclusive grants one wins and the other gets PolicyViolation."""
    # ``actor`` None is the platform acting (a superuser in the admin, a command): the tenant
    # scope still bounds what it touches.
    territory_require(actor, partner, GRANT)
    assert_same_tenant(actor, partner, product_line, region)
    country = (country or "").strip().upper()
    _lock_lines(product_line)
    territory_validate(
        partner=partner,
        product_line=product_line,
        country=country,
        region=region,
        exclusive=exclusive,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    grant = TerritoryGrant(
        partner=partner,
        product_line=product_line,
        country=country,
        region=region,
        exclusive=exclusive,
        valid_from=valid_from,
        valid_until=valid_until,
        note=note.strip(),
        granted_by=actor,
    )
    _insert_or_explain(grant.save)
    label = grant_label(grant)
    event_record(
        actor=actor,
        target=partner,
        verb=events.TERRITORY_GRANTED,
        message=gettext_noop("%(territory)s granted for %(line)s (exclusive), %(period)s")
        if exclusive
        else gettext_noop("%(territory)s granted for %(line)s, %(period)s"),
        params={
            "territory": str(label),
            "line": texts.label(gettext_noop("every product line")) if product_line is None else product_line.name,
            "period": texts.phrase(gettext_noop("from %(start)s until %(end)s"), start=valid_from, end=valid_until)
            if valid_until
            else texts.phrase(gettext_noop("from %(start)s, open-ended"), start=valid_from),
        },
        data={"grant": grant.pk, "territory": label, "product_line": _line_label(product_line), "exclusive": exclusive},
    )
    return grant


TERRITORY_FIELDS = ("product_line", "country", "region", "exclusive", "valid_from", "valid_until", "note")


@transaction.atomic
def territory_update(*, actor: Membership | None, grant: TerritoryGrant, changes: dict[str, Any]) -> TerritoryGrant:
    """Change a grant's line, place, exclusivity, dates or note (the partner stays: revoke and
    grant anew to move a territory to another partner). Same rules and locks as granting."""
    territory_require(actor, grant, UPDATE)
    refused = set(changes) - set(TERRITORY_FIELDS)
    if refused:
        raise NotAllowed(
            gettext("These cannot be changed on a grant: %(fields)s.") % {"fields": ", ".join(sorted(refused))}
        )
    assert_same_tenant(actor, grant, changes.get("product_line"), changes.get("region"))
    if "country" in changes:
        changes = {**changes, "country": (changes["country"] or "").strip().upper()}
    _lock_lines(grant.product_line, changes.get("product_line", grant.product_line))
    grant = (
        TerritoryGrant.objects.select_for_update(of=("self",))
        .select_related("partner", "region", "product_line")
        .get(pk=grant.pk)
    )
    diff = changes_apply(instance=grant, changes=changes)
    if not diff:
        return grant
    territory_validate(
        partner=grant.partner,
        product_line=grant.product_line,
        country=grant.country,
        region=grant.region,
        exclusive=grant.exclusive,
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        grant=grant,
    )
    _insert_or_explain(grant.save)
    event_record(
        actor=actor,
        target=grant.partner,
        verb=events.TERRITORY_CHANGED,
        message=gettext_noop("Territory %(territory)s for %(line)s changed: %(fields)s"),
        params={
            "territory": str(grant_label(grant)),
            "line": texts.label(gettext_noop("every product line"))
            if grant.product_line is None
            else grant.product_line.name,
            "fields": [texts.label(TerritoryGrant._meta.get_field(name).verbose_name) for name in diff],
        },
        data={"grant": grant.pk, "changes": diff},
    )
    return grant


@transaction.atomic
def territory_revoke(*, actor: Membership | None, grant: TerritoryGrant, reason: str) -> TerritoryGrant:
    """End a grant today: from today it no longer applies (``valid_until`` is its first day out)."""
    territory_require(actor, grant, REVOKE)
    assert_same_tenant(actor, grant)
    if not reason.strip():
        raise PolicyViolation(gettext("Give a reason: the partner sees it on its timeline."))
    grant = (
        TerritoryGrant.objects.select_for_update(of=("self",))
        .select_related("partner", "region", "product_line")
        .get(pk=grant.pk)
    )
    today = tenant_today()
    if grant.valid_until is not None and grant.valid_until <= today:
        raise InvalidTransition(gettext("This territory grant has already ended."))
    previous = grant.valid_until
    grant.valid_until = today
    grant.save(update_fields=["valid_until"])
    event_record(
        actor=actor,
        target=grant.partner,
        verb=events.TERRITORY_REVOKED,
        from_state=str(previous or ""),
        to_state=str(today),
        message=gettext_noop("Territory %(territory)s for %(line)s revoked:"),
        params={
            "territory": str(grant_label(grant)),
            "line": texts.label(gettext_noop("every product line"))
            if grant.product_line is None
            else grant.product_line.name,
        },
        note=reason,
        data={"grant": grant.pk},
    )
    return grant


# --- licences ----------------------------------------------------------------------------------

# Verification is one decision: a verified or rejected licence is final (a new document is a new
# licence), so two reviewers deciding at once cannot both win.
LICENCE_TRANSITIONS: dict[str, frozenset[str]] = {
    LicenceStatus.PENDING: frozenset({LicenceStatus.VERIFIED, LicenceStatus.REJECTED}),
    LicenceStatus.VERIFIED: frozenset(),
    LicenceStatus.REJECTED: frozenset(),
}


@transaction.atomic
def licence_upload(
    *,
    actor: Membership,
    partner: Partner,
    licence_type: LicenceType,
    document,
    expires_on: date,
    number: str = "",
    issued_on: date | None = None,
) -> PartnerLicence:
    """A partner admin (or staff, on the partner's behalf) files a licence for verification;
    the partner's account manager is told."""
    licence_require(actor, partner, UPLOAD)
    assert_same_tenant(actor, partner, licence_type)
    today = tenant_today()
    if expires_on <= today:
        raise PolicyViolation(gettext("This licence has already expired: upload a current one."))
    if issued_on is not None and issued_on > today:
        raise PolicyViolation(gettext("The issue date is in the future."))
    if issued_on is not None and issued_on >= expires_on:
        raise PolicyViolation(gettext("The licence must be issued before it expires."))
    kind = document_kind(document, refusal=str(NOT_A_LICENCE))
    # Only the extension survives into the stored name (private_upload_path): the proven one.
    document.name = f"licence.{kind}"
    licence = PartnerLicence.objects.create(
        partner=partner,
        licence_type=licence_type,
        number=number.strip(),
        document=document,
        issued_on=issued_on,
        expires_on=expires_on,
        uploaded_by=actor,
    )
    event = event_record(
        actor=actor,
        target=partner,
        verb=events.LICENCE_UPLOADED,
        to_state=LicenceStatus.PENDING,
        message=gettext_noop("Uploaded %(licence)s, valid until %(day)s"),
        params={"licence": f"{licence_type.name} {licence.number}".strip(), "day": expires_on},
        data={"licence": licence.pk, "licence_type": licence_type.name},
    )
    recipients = (
        [partner.account_manager] if partner.account_manager_id and partner.account_manager_id != actor.pk else []
    )
    notify(
        recipients=recipients,
        kind=notifications.LICENCE_UPLOADED,
        title=gettext_noop("%(partner)s: %(licence)s to verify"),
        body=gettext_noop("%(person)s uploaded a %(licence)s, valid until %(day)s."),
        params={"partner": str(partner), "person": str(actor.user), "licence": licence_type.name, "day": expires_on},
        url=reverse("office:licence_queue"),
        event=event,
    )
    return licence


# A decision on a licence someone already decided: one sentence per outcome, for translators.
LICENCE_ALREADY = {
    LicenceStatus.VERIFIED: _("This licence was already verified."),
    LicenceStatus.REJECTED: _("This licence was already rejected."),
}


def _licence_decide(*, actor: Membership, licence: PartnerLicence, to_status: str, reason: str = "") -> PartnerLicence:
    licence_require(actor, licence, VERIFY if to_status == LicenceStatus.VERIFIED else REJECT)
    assert_same_tenant(actor, licence)
    # Locked: of two reviewers deciding at once, the second waits here and then finds it decided.
    licence = PartnerLicence.objects.select_for_update().get(pk=licence.pk)
    if to_status not in LICENCE_TRANSITIONS[licence.status]:
        raise InvalidTransition(str(LICENCE_ALREADY.get(licence.status, _("This licence was already decided."))))
    reason = reason.strip()
    if to_status == LicenceStatus.VERIFIED and licence.expires_on < tenant_today():
        raise PolicyViolation(gettext("This licence has expired: reject it and ask the partner for a current one."))
    if to_status == LicenceStatus.REJECTED and not reason:
        raise PolicyViolation(gettext("Give a reason: the partner needs to know what to fix."))
    from_status = licence.status
    licence.status = to_status
    licence.verified_by = actor
    licence.verified_at = timezone.now()
    licence.rejection_reason = reason if to_status == LicenceStatus.REJECTED else ""
    licence.save(update_fields=["status", "verified_by", "verified_at", "rejection_reason"])
    partner = Partner.objects.get(pk=licence.partner_id)
    kind = LicenceType.objects.get(pk=licence.licence_type_id)
    verified = to_status == LicenceStatus.VERIFIED
    event = event_record(
        actor=actor,
        target=partner,
        verb=events.LICENCE_VERIFIED if verified else events.LICENCE_REJECTED,
        from_state=from_status,
        to_state=to_status,
        message=gettext_noop("%(licence)s verified") if verified else gettext_noop("%(licence)s rejected:"),
        params={"licence": kind.name},
        note="" if verified else reason,
        data={"licence": licence.pk, "licence_type": kind.name},
    )
    notify(
        recipients=partner_admin_list(partner_id=partner.pk),
        kind=notifications.LICENCE_DECIDED,
        title=gettext_noop("Your %(licence)s was verified")
        if verified
        else gettext_noop("Your %(licence)s was rejected"),
        body="" if verified else gettext_noop("Reason: %(reason)s. Upload a corrected licence under Licences."),
        params={"licence": kind.name, "reason": reason},
        url=reverse("portal:licences"),
        event=event,
    )
    return licence


@transaction.atomic
def licence_verify(*, actor: Membership, licence: PartnerLicence) -> PartnerLicence:
    """Verify a pending licence: from now on it satisfies the rules that require its type."""
    return _licence_decide(actor=actor, licence=licence, to_status=LicenceStatus.VERIFIED)


@transaction.atomic
def licence_reject(*, actor: Membership, licence: PartnerLicence, reason: str) -> PartnerLicence:
    """Reject a pending licence, with the reason the partner will read."""
    return _licence_decide(actor=actor, licence=licence, to_status=LicenceStatus.REJECTED, reason=reason)
