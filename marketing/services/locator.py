"""The public partner locator: every write.

* **The partner's profile** (``PROFILE_MANAGE``: its admins and marketing people), one per partner:
  ``profile_save`` (headline, description, logo checked as an image by its content, public
  e-mail and phone, product lines, which parts are public), ``profile_publish`` (opt in: PUBLIC,
  confirmed now), ``profile_withdraw`` (back to not public) and ``profile_confirm`` ("my profile is
  still right": confirmed now, the prompt cleared; a hidden profile is public again). Saving a
  public profile confirms it too: the partner just looked at it. Each keeps ``completeness``
  (``profile_completeness``: what a complete public profile shows) and the search vector.
* **The vendor** (``MARKETING_MANAGE``): ``locator_settings_save`` (on or off, texts, the sites that
  may embed it (``https`` origins, the embeddable page's CSP ``frame-ancestors``), the confirmation
  cadence, featured placement and its label, the ranking's weights) and ``profile_feature``
  (featured placement, only while the settings offer it).
* **The sweep** (``locator_sweep``, nightly per tenant): public profiles not confirmed for
  ``confirm_every_months`` are prompted (their partner's profile managers told), and those still
  unconfirmed ``hide_after_days`` after the prompt are HIDDEN. Set-based: a statement per step
  whatever the number, events and notifications in bulk; a second run the same day changes nothing.
* **Contact** (``locator_contact``, the public form; no actor): a lead from the partner locator,
  offered to the chosen partner first with the normal acceptance deadline
  (``leads.services.locator.lead_offer_first``; the leads app routes it on when the partner
  declines or lets the deadline pass, or at once when it may not receive it now).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from PIL import Image, UnidentifiedImageError
from publicsuffixlist import PublicSuffixList

from leads.models import Lead, LeadSource, LeadStatus
from leads.services.intake import lead_receive
from leads.services.locator import lead_offer_first
from partners.models import Partner, PartnerStatus
from partners.selectors import partner_locations_shown
from prm.accounts.models import Membership
from prm.accounts.roles import CAPABILITIES
from prm.errors import InvalidTransition, NotAllowed, PolicyViolation, assert_same_tenant
from prm.events.services import event_record, event_record_many, system_event
from prm.notifications.services import Message, notify_many
from prm.tenancy.time import add_months
from prm.web.files import is_polyglot
from programs.selectors.policies import product_line_options

from .. import events, notifications
from ..models import LocatorSettings, ProfileStatus, PublicProfile
from ..permissions import PROFILE_MANAGE, marketing_manage_require
from ..selectors.locator import profile_completeness

HEADLINE_MAX = 160
DESCRIPTION_MAX = 2000
PHONE_MAX = 40
FRAME_ANCESTORS_MAX = 20
WEIGHT_MAX = 100
LOGO_PIXELS_MAX = 2000
# A logo is PNG or JPEG, judged by its content (the stored name keeps only these extensions).
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg"}
# An https origin, optionally for every subdomain (CSP's host-source): nothing else may reach
# the header (no path, no spaces, no quotes, no semicolons).
_ORIGIN = re.compile(
    r"^https://(\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?\Z"
)


def _located(partner_id: int) -> bool:
    return any(
        place.latitude is not None and place.longitude is not None
        for place in partner_locations_shown(partner_id=partner_id)
    )


def _refresh(profile: PublicProfile, partner: Partner) -> None:
    """Keep the profile's completeness and search vector (name, headline, description) in step."""
    profile.completeness, _missing = profile_completeness(profile, partner, located=_located(partner.pk))
    PublicProfile.objects.filter(pk=profile.pk).update(
        completeness=profile.completeness,
        search=SearchVector(Value(partner.display_name, output_field=CharField()), weight="A", config="simple")
        + SearchVector("headline", weight="B", config="simple")
        + SearchVector("description", weight="C", config="simple"),
    )


# --- the partner's profile ------------------------------------------------------------------------


def _require_manager(actor) -> None:
    if actor is None or not actor.is_partner_user or actor.partner_id is None or not actor.can(PROFILE_MANAGE):
        raise NotAllowed(gettext("Only your company's admins and marketing people keep its public profile."))


def _own(actor, *, create: bool) -> PublicProfile | None:
    """The actor's company's profile, locked; created (not public) when ``create`` and missing."""
    profile = PublicProfile.objects.select_for_update().filter(partner_id=actor.partner_id).first()
    if profile is None and create:
        PublicProfile.objects.get_or_create(partner_id=actor.partner_id)
        profile = PublicProfile.objects.select_for_update().get(partner_id=actor.partner_id)
    return profile


def _partner(actor) -> Partner:
    return Partner.objects.get(pk=actor.partner_id)


def logo_checked(upload):
    """The uploaded logo if it is a PNG or JPEG image (by its content, like the tenant's logo),
    within the size limits and no polyglot, renamed to its proven extension; else a
    ``PolicyViolation``."""
    refusal = gettext("Upload the logo as a PNG or JPEG image.")
    if upload.size > django_settings.PRM_LOGO_MAX_BYTES:
        raise PolicyViolation(
            gettext("Keep the logo under %(size)s KB.") % {"size": django_settings.PRM_LOGO_MAX_BYTES // 1024}
        )
    try:
        upload.seek(0)
        image = Image.open(upload)
        image.verify()
    except Image.DecompressionBombError as error:
        raise PolicyViolation(gettext("Keep the logo within 2000 by 2000 pixels.")) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise PolicyViolation(refusal) from error
    if image.format not in LOGO_FORMATS:
        raise PolicyViolation(refusal)
    if image.width > LOGO_PIXELS_MAX or image.height > LOGO_PIXELS_MAX:
        raise PolicyViolation(gettext("Keep the logo within 2000 by 2000 pixels."))
    upload.seek(0)
    if is_polyglot(upload.read(), image.format):
        raise PolicyViolation(refusal)
    upload.seek(0)
    upload.name = f"logo.{LOGO_FORMATS[image.format]}"
    return upload


@transaction.atomic
def profile_save(
    *,
    actor,
    headline: str = "",
    description: str = "",
    public_email: str = "",
    public_phone: str = "",
    product_line_ids: list[int] | None = None,
    show_tier: bool = True,
    show_certifications: bool = True,
    show_competencies: bool = True,
    show_locations: bool = True,
    show_website: bool = True,
    show_contact: bool = True,
    logo=None,
    remove_logo: bool = False,
) -> PublicProfile:
    """Write the company's public profile (created, not public, the first time). Saving a public
    profile confirms it (the partner just checked it): a prompt is cleared, a hidden one is back."""
    _require_manager(actor)
    headline, description = " ".join((headline or "").split()), (description or "").strip()
    public_phone = " ".join((public_phone or "").split())
    if len(headline) > HEADLINE_MAX:
        raise PolicyViolation(gettext("Keep the headline within %(max)s characters.") % {"max": HEADLINE_MAX})
    if len(description) > DESCRIPTION_MAX:
        raise PolicyViolation(gettext("Keep the description within %(max)s characters.") % {"max": DESCRIPTION_MAX})
    if len(public_phone) > PHONE_MAX:
        raise PolicyViolation(gettext("Keep the phone number within %(max)s characters.") % {"max": PHONE_MAX})
    lines = sorted(set(product_line_ids or []))
    if lines:
        known = {line.pk for line in product_line_options()}
        if set(lines) - known:
            raise PolicyViolation(gettext("Choose product lines from the list."))
    if logo is not None:
        logo = logo_checked(logo)
    profile = _own(actor, create=True)
    profile.headline, profile.description = headline, description
    profile.public_email, profile.public_phone = (public_email or "").strip().lower(), public_phone
    profile.product_line_ids = lines
    profile.show_tier, profile.show_certifications = bool(show_tier), bool(show_certifications)
    profile.show_competencies, profile.show_locations = bool(show_competencies), bool(show_locations)
    profile.show_website, profile.show_contact = bool(show_website), bool(show_contact)
    if logo is not None:
        profile.logo = logo
    elif remove_logo:
        profile.logo = ""
    confirmed = profile.status in (ProfileStatus.PUBLIC, ProfileStatus.HIDDEN)
    from_status = profile.status
    if confirmed:
        _confirmed(profile, actor)
    profile.save()
    _refresh(profile, _partner(actor))
    if confirmed:
        event_record(
            actor=actor,
            target=profile,
            verb=events.PROFILE_CONFIRMED,
            from_state=from_status,
            to_state=profile.status,
            message=gettext_noop("Public profile changed and confirmed"),
            data={"edited": True},
        )
    return profile


def _confirmed(profile: PublicProfile, actor) -> None:
    profile.status = ProfileStatus.PUBLIC
    profile.confirmed_at, profile.confirmed_by = timezone.now(), actor
    profile.prompted_at = profile.hidden_at = None


@transaction.atomic
def profile_publish(*, actor) -> PublicProfile:
    """Opt in: the profile is public in the locator from now on, confirmed now. It needs a
    headline and a description first."""
    _require_manager(actor)
    profile = _own(actor, create=False)
    if profile is None or not profile.headline or not profile.description:
        raise PolicyViolation(gettext("Write a headline and a description before you publish the profile."))
    if profile.status == ProfileStatus.PUBLIC:
        return profile
    from_status = profile.status
    _confirmed(profile, actor)
    profile.save()
    _refresh(profile, _partner(actor))
    event_record(
        actor=actor,
        target=profile,
        verb=events.PROFILE_PUBLISHED,
        from_state=from_status,
        to_state=profile.status,
        message=gettext_noop("Public profile published in the partner locator"),
    )
    return profile


@transaction.atomic
def profile_withdraw(*, actor) -> PublicProfile:
    """Opt out: the profile leaves the locator (kept, not public, until published again)."""
    _require_manager(actor)
    profile = _own(actor, create=False)
    if profile is None or profile.status == ProfileStatus.DRAFT:
        raise InvalidTransition(gettext("The profile is not public."))
    from_status = profile.status
    profile.status, profile.prompted_at, profile.hidden_at = ProfileStatus.DRAFT, None, None
    profile.save(update_fields=["status", "prompted_at", "hidden_at", "updated_at"])
    event_record(
        actor=actor,
        target=profile,
        verb=events.PROFILE_WITHDRAWN,
        from_state=from_status,
        to_state=profile.status,
        message=gettext_noop("Public profile withdrawn from the partner locator"),
    )
    return profile


@transaction.atomic
def profile_confirm(*, actor) -> PublicProfile:
    """ "My profile is still right": confirmed now, the prompt cleared; a profile hidden for want of
    a confirmation is public again."""
    _require_manager(actor)
    profile = _own(actor, create=False)
    if profile is None or profile.status == ProfileStatus.DRAFT:
        raise InvalidTransition(gettext("The profile is not public: publish it instead."))
    from_status = profile.status
    _confirmed(profile, actor)
    profile.save()
    _refresh(profile, _partner(actor))
    event_record(
        actor=actor,
        target=profile,
        verb=events.PROFILE_CONFIRMED,
        from_state=from_status,
        to_state=profile.status,
        message=gettext_noop("Public profile confirmed"),
    )
    return profile


# --- the vendor -------------------------------------------------------------------------------------


@functools.cache
def _public_suffixes() -> PublicSuffixList:
    # The list bundled with the package (no network); parsed once per process, on first use. An
    # unknown TLD counts as one (an intranet's or a test's ".example" has sites of its own).
    return PublicSuffixList(accept_unknown=True)


def frame_ancestors_clean(value) -> list[str]:
    """The sites that may embed the locator: https origins (``https://www.example.com``, a port,
    ``https://*.example.com`` for every subdomain), one per line or as a list; duplicates and a
    trailing slash dropped. Anything else is refused (it would reach the CSP header)."""
    items = value.splitlines() if isinstance(value, str) else list(value or [])
    origins: list[str] = []
    for item in items:
        origin = str(item).strip().lower().rstrip("/")
        if not origin:
            continue
        if not _ORIGIN.match(origin):
            raise PolicyViolation(
                gettext("“%(origin)s” is not an https origin such as https://www.example.com.")
                % {"origin": origin[:80]}
            )
        host = origin.removeprefix("https://").removeprefix("*.").split(":", 1)[0]
        if _public_suffixes().privatesuffix(host) is None:
            # "https://*.com" or "https://co.uk" would let every site under a public suffix frame it.
            raise PolicyViolation(
                gettext("“%(origin)s” names no site of its own: give a domain such as www.example.com.")
                % {"origin": origin[:80]}
            )
        if origin not in origins:
            origins.append(origin)
    if len(origins) > FRAME_ANCESTORS_MAX:
        raise PolicyViolation(gettext("Name at most %(max)s sites.") % {"max": FRAME_ANCESTORS_MAX})
    return origins


@transaction.atomic
def locator_settings_save(
    *,
    actor,
    enabled: bool,
    title: str = "",
    intro: str = "",
    frame_ancestors=(),
    confirm_every_months: int = 12,
    hide_after_days: int = 30,
    featured_placement: bool = False,
    featured_label: str = "",
    weight_tier: int = 40,
    weight_competencies: int = 25,
    weight_proximity: int = 25,
    weight_completeness: int = 10,
) -> LocatorSettings:
    """The tenant's locator settings (one row, created the first time)."""
    marketing_manage_require(actor)
    origins = frame_ancestors_clean(frame_ancestors)
    if not 1 <= int(confirm_every_months) <= 60:
        raise PolicyViolation(gettext("Profiles are confirmed every 1 to 60 months."))
    if not 1 <= int(hide_after_days) <= 365:
        raise PolicyViolation(gettext("Hide an unconfirmed profile 1 to 365 days after the prompt."))
    weights = (weight_tier, weight_competencies, weight_proximity, weight_completeness)
    if any(not 0 <= int(weight) <= WEIGHT_MAX for weight in weights):
        raise PolicyViolation(gettext("Each weight is between 0 and %(max)s points.") % {"max": WEIGHT_MAX})
    if not any(weights):
        raise PolicyViolation(gettext("Give at least one part of the ranking some points."))
    title, featured_label = " ".join((title or "").split()), " ".join((featured_label or "").split())
    if len(title) > 120 or len(featured_label) > 60:
        raise PolicyViolation(gettext("Keep the title within 120 and the label within 60 characters."))
    found = LocatorSettings.objects.select_for_update().first()
    if found is None:
        LocatorSettings.objects.get_or_create()
        found = LocatorSettings.objects.select_for_update().get()
    found.enabled, found.title, found.intro = bool(enabled), title, (intro or "").strip()
    found.frame_ancestors = origins
    found.confirm_every_months, found.hide_after_days = int(confirm_every_months), int(hide_after_days)
    found.featured_placement, found.featured_label = bool(featured_placement), featured_label
    found.weight_tier, found.weight_competencies = int(weight_tier), int(weight_competencies)
    found.weight_proximity, found.weight_completeness = int(weight_proximity), int(weight_completeness)
    found.save()
    return found


@transaction.atomic
def profile_feature(*, actor, profile: PublicProfile, featured: bool) -> PublicProfile:
    """Feature a partner (sponsored placement: first in the results, labelled) or stop. Featuring
    needs the settings' featured placement; stopping is always possible."""
    marketing_manage_require(actor)
    assert_same_tenant(actor, profile)
    profile = PublicProfile.objects.select_for_update().select_related("partner").get(pk=profile.pk)
    featured = bool(featured)
    if profile.featured == featured:
        return profile
    if featured:
        found = LocatorSettings.objects.first()
        if found is None or not found.featured_placement:
            raise PolicyViolation(gettext("Turn on featured placement in the locator's settings first."))
    profile.featured = featured
    profile.save(update_fields=["featured", "updated_at"])
    event_record(
        actor=actor,
        target=profile,
        verb=events.PROFILE_FEATURED,
        message=gettext_noop("Featured in the partner locator") if featured else gettext_noop("No longer featured"),
        data={"featured": featured},
    )
    return profile


# --- the sweep ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepSummary:
    prompted: int
    hidden: int


def _profile_managers(partner_ids) -> dict[int, list[Membership]]:
    roles = sorted(CAPABILITIES.require(PROFILE_MANAGE))
    found: dict[int, list[Membership]] = {}
    members = Membership.objects.filter(partner_id__in=list(partner_ids), is_active=True, role__in=roles)
    for member in members.select_related("user").order_by("pk"):
        found.setdefault(member.partner_id, []).append(member)
    return found


def _confirm_cutoff(now: datetime, months: int) -> datetime:
    return datetime.combine(add_months(now.date(), -months), now.timetz())


@transaction.atomic
def locator_sweep(*, now: datetime | None = None) -> SweepSummary:
    """Prompt the public profiles not confirmed for ``confirm_every_months``, and hide those still
    unconfirmed ``hide_after_days`` after their prompt (the tenant's locator must be on). Hiding
    runs first, so a profile is never prompted and hidden in one run. Safe to run twice."""
    found = LocatorSettings.objects.first()
    if found is None or not found.enabled:
        return SweepSummary(0, 0)
    now = now or timezone.now()
    profile_type = ContentType.objects.get_for_model(PublicProfile)
    url = reverse("portal:locator_profile")

    # Prompted long enough ago and not confirmed since (confirming clears the prompt): hidden.
    to_hide = list(
        PublicProfile.objects.select_for_update()
        .filter(
            status=ProfileStatus.PUBLIC,
            prompted_at__isnull=False,
            prompted_at__lte=now - timedelta(days=found.hide_after_days),
        )
        .values_list("pk", "partner_id")
    )
    if to_hide:
        PublicProfile.objects.filter(pk__in=[pk for pk, _partner in to_hide]).update(
            status=ProfileStatus.HIDDEN, hidden_at=now
        )
    # Not confirmed for the cadence and not prompted yet: prompted.
    cutoff = _confirm_cutoff(now, found.confirm_every_months)
    to_prompt = list(
        PublicProfile.objects.select_for_update()
        .filter(Q(confirmed_at__isnull=True) | Q(confirmed_at__lte=cutoff))
        .filter(status=ProfileStatus.PUBLIC, prompted_at__isnull=True)
        .values_list("pk", "partner_id")
    )
    if to_prompt:
        PublicProfile.objects.filter(pk__in=[pk for pk, _partner in to_prompt]).update(prompted_at=now)

    recorded = [
        system_event(
            target_type=profile_type,
            object_id=pk,
            partner_id=partner_id,
            verb=events.PROFILE_HIDDEN,
            from_state=ProfileStatus.PUBLIC,
            to_state=ProfileStatus.HIDDEN,
            message=gettext_noop("Public profile hidden from the partner locator: not confirmed in time"),
        )
        for pk, partner_id in to_hide
    ] + [
        system_event(
            target_type=profile_type,
            object_id=pk,
            partner_id=partner_id,
            verb=events.PROFILE_PROMPTED,
            message=gettext_noop("Asked to confirm the public profile"),
            data={"hide_after_days": found.hide_after_days},
        )
        for pk, partner_id in to_prompt
    ]
    event_record_many(events=recorded)
    managers = _profile_managers({partner_id for _pk, partner_id in to_hide + to_prompt})
    hide_on = now + timedelta(days=found.hide_after_days)
    notify_many(
        messages=[
            Message(
                recipients=managers.get(partner_id, []),
                kind=notifications.PROFILE_CONFIRM,
                title=gettext_noop("Your public profile was hidden from the partner locator"),
                body=gettext_noop("It was not confirmed in time. Check it and confirm it to show it again."),
                url=url,
            )
            for _pk, partner_id in to_hide
        ]
        + [
            Message(
                recipients=managers.get(partner_id, []),
                kind=notifications.PROFILE_CONFIRM,
                title=gettext_noop("Please confirm your public profile in the partner locator"),
                body=gettext_noop("Check that it is still right and confirm it by %(day)s, or it will be hidden."),
                params={"day": hide_on.date()},
                url=url,
            )
            for _pk, partner_id in to_prompt
        ]
    )
    return SweepSummary(prompted=len(to_prompt), hidden=len(to_hide))


# --- contact ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactResult:
    """What became of a visitor's message: the lead (an earlier one it was merged into when
    ``merged``), and whether the chosen partner was offered it first."""

    lead: Lead
    partner: Partner
    offered: bool
    merged: bool


@transaction.atomic
def locator_contact(
    *,
    profile_id: int,
    name: str,
    email: str,
    company: str,
    phone: str = "",
    message: str = "",
    country: str = "",
    consent: bool = False,
) -> ContactResult:
    """A visitor asks the partner of a public profile to contact them: a lead from the partner
    locator (``lead_receive``: cleaned, checked for an earlier lead it repeats), offered to that
    partner first with the normal acceptance deadline, or routed by the rules when it may not
    receive it now (``lead_offer_first``). A repeat merged into an earlier lead is not offered
    again. The profile records the contact (``LOCATOR_CONTACTED``) for its partner."""
    if not consent:
        raise PolicyViolation(gettext("Agree that your details are passed to the partner."))
    found = LocatorSettings.objects.first()
    profile = (
        PublicProfile.objects.select_related("partner")
        .filter(pk=profile_id, status=ProfileStatus.PUBLIC, partner__status=PartnerStatus.ACTIVE)
        .first()
    )
    if found is None or not found.enabled or profile is None:
        raise PolicyViolation(gettext("This partner is not in the partner locator any more."))
    partner = profile.partner
    result = lead_receive(
        actor=None,
        source=LeadSource.LOCATOR,
        company=company,
        contact_name=name,
        email=email,
        phone=phone,
        country=country,
        description=message,
        route=False,
        data={"consent": True, "locator_partner_id": partner.pk},
    )
    offered = False
    if result.created and result.lead.status == LeadStatus.NEW:
        decision = lead_offer_first(lead=result.lead, partner=partner)
        offered = decision is not None and decision.partner_id == partner.pk
    # The chosen partner's event only when it holds the offer: a lead passed over to another
    # partner, or merged into an earlier one, is not its to know about (its feed and webhooks read
    # its events), so that event is the vendor's alone.
    event_record(
        actor=None,
        target=profile,
        verb=events.LOCATOR_CONTACTED,
        message=gettext_noop("A visitor asked to be contacted through the partner locator: %(reference)s"),
        params={"reference": result.lead.reference},
        data={"lead_id": result.lead.pk, "offered": offered, "merged": result.merged},
        internal=not offered,
    )
    return ContactResult(lead=result.lead, partner=partner, offered=offered, merged=result.merged)


__all__ = [
    "ContactResult",
    "SweepSummary",
    "frame_ancestors_clean",
    "locator_contact",
    "locator_settings_save",
    "locator_sweep",
    "logo_checked",
    "profile_confirm",
    "profile_feature",
    "profile_publish",
    "profile_save",
    "profile_withdraw",
]
