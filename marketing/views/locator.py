"""Pages of the partner locator:

* public, on each tenant's host (404 while the vendor keeps the locator off): ``locator`` (the
  search, a GET form that works without JavaScript, results with their explained score, pages),
  ``locator_partner`` (a profile and its "contact this partner" form: honeypot, rate limits per
  client address and per e-mail address like the web-to-lead form), ``locator_contact_sent``,
  ``locator_logo`` (a public profile's logo), and the embeddable pages ``locator_embed`` and
  ``locator_embed_partner`` (the same with minimal chrome, for an iframe on the vendor's sites:
  their own CSP ``frame-ancestors`` from the settings, and no X-Frame-Options);
* portal (``PROFILE_MANAGE``): ``portal:locator_profile`` (edit, preview, the confirmation
  prompt), ``portal:locator_publish``, ``portal:locator_withdraw``, ``portal:locator_confirm``,
  ``portal:locator_logo`` (the preview's logo);
* office: ``office:locator`` (``MARKETING_VIEW``: the settings and every profile with its state),
  ``office:locator_settings`` and ``office:locator_feature`` (``MARKETING_MANAGE``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.views import View
from django.views.decorators.clickjacking import xframe_options_exempt

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.tenancy.models import LOGO_CONTENT_TYPES
from prm.tenancy.time import tenant_clock
from prm.web.public import PublicView, client_ip, mailbox, rate_limited
from prm.web.security import HEADER, policy_header
from prm.web.views import (
    INVALID,
    CappedPaginator,
    ServiceView,
    call_service,
    paginate,
    query_without_page,
    shown_time,
    url_pattern,
)
from programs.selectors.policies import product_line_options

from ..forms_locator import ContactForm, FeatureForm, LocatorSearchForm, LocatorSettingsForm, ProfileForm
from ..models import LocatorSettings, ProfileStatus
from ..permissions import MARKETING_MANAGE, MARKETING_VIEW, PROFILE_MANAGE
from ..selectors.locator import (
    COMPLETENESS,
    frame_ancestors_of,
    locator_options,
    locator_profile_public,
    locator_search,
    locator_settings,
    locator_settings_public,
    own_profile_for_actor,
    profile_counts,
    profile_get_for_vendor,
    profile_page,
    profile_rows_for_actor,
)
from ..services.locator import (
    locator_contact,
    locator_settings_save,
    profile_confirm,
    profile_feature,
    profile_publish,
    profile_save,
    profile_withdraw,
)

T = "marketing/locator/"
STATUS_BADGES = {
    ProfileStatus.DRAFT: "text-bg-secondary",
    ProfileStatus.PUBLIC: "text-bg-success",
    ProfileStatus.HIDDEN: "text-bg-warning",
}


# --- the public search ---------------------------------------------------------------------------------


class _Found(Sequence):
    """One page of search results standing for all of them, so that Django's paginator (and the
    shared pagination links) can page a search that counted its rows itself."""

    def __init__(self, rows: list, total: int, offset: int):
        self.rows, self.total, self.offset = rows, total, offset

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        if isinstance(index, slice):
            start = (index.start or 0) - self.offset
            stop = (index.stop if index.stop is not None else self.total) - self.offset
            return self.rows[max(start, 0) : max(stop, 0)]
        return self.rows[index - self.offset]


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 10_000))
    except ValueError:
        return 1


def _framable(response, found: LocatorSettings):
    """The embeddable pages' own policy: the site's CSP with ``frame-ancestors`` set to the
    vendor's sites ('none' when it names none). The CSP middleware keeps a policy a view sets."""
    policy = dict(getattr(settings, "PRM_CSP", None) or {})
    policy["frame-ancestors"] = frame_ancestors_of(found)
    response[HEADER] = policy_header(policy)
    return response


class LocatorSearchView(PublicView):
    """``/find-a-partner/``: search the vendor's partners; the ranking is explained per result."""

    embed = False

    def get(self, request):
        found = locator_settings_public()
        options = locator_options()
        form = LocatorSearchForm(request.GET, options=options)
        result = locator_search(found=found, query=form.query(), page=_page_number(request))
        paginator = CappedPaginator(
            _Found(result.results, result.total, (result.number - 1) * result.per_page), result.per_page, cap=None
        )
        page = paginator.page(result.number) if result.total else None
        profile_url = url_pattern("locator_embed_partner" if self.embed else "locator_partner", "profile_id")
        logo_url = url_pattern("locator_logo", "profile_id")
        for row in result.results:
            row.url = profile_url(row.profile_id)
            row.logo_url = logo_url(row.profile_id) if row.has_logo else ""
        context = {
            "settings": found,
            "form": form,
            "result": result,
            "page": page,
            "query": form.query_string(),
            "embed": self.embed,
            "featured_on": found.featured_placement,
            "featured_label": found.featured_label or gettext("Featured"),
            "search_url": reverse("locator_embed" if self.embed else "locator"),
        }
        response = render(request, f"{T}{'public_embed' if self.embed else 'public_search'}.html", context)
        return _framable(response, found) if self.embed else response


class LocatorEmbedView(LocatorSearchView):
    """``/find-a-partner/embed/``: the search for an iframe on the vendor's own sites."""

    embed = True


# --- one partner ---------------------------------------------------------------------------------------


def _too_many(request, seconds: int, profile_id: int):
    """The 429 page: when to try again; nothing of the request was kept."""
    minutes = max(math.ceil(seconds / 60), 1)
    retry = ngettext("Please try again in %(count)s minute.", "Please try again in %(count)s minutes.", minutes) % {
        "count": minutes
    }
    response = render(
        request,
        f"{T}public_limited.html",
        {"retry": retry, "back": reverse("locator_partner", kwargs={"profile_id": profile_id})},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


class LocatorPartnerView(PublicView):
    """``/find-a-partner/<id>/``: a partner's public profile and "contact this partner"."""

    embed = False

    def page(self, profile_id: int, form=None, *, status: int = 200):
        request = self.request
        found = locator_settings_public()
        profile = locator_profile_public(profile_id=profile_id)
        today, _zone = tenant_clock(request.tenant)
        context = {
            "settings": found,
            "view": profile_page(profile, profile.partner, today=today),
            "logo_url": reverse("locator_logo", kwargs={"profile_id": profile.pk}) if profile.logo else "",
            "form": form if form is not None else ContactForm(),
            "embed": self.embed,
            "search_url": reverse("locator_embed" if self.embed else "locator"),
            "full_url": reverse("locator_partner", kwargs={"profile_id": profile.pk}),
        }
        response = render(
            request, f"{T}{'public_embed_partner' if self.embed else 'public_partner'}.html", context, status=status
        )
        return _framable(response, found) if self.embed else response

    def get(self, request, profile_id: int):
        return self.page(profile_id)

    def post(self, request, profile_id: int):
        if self.embed:
            raise Http404
        locator_settings_public()
        locator_profile_public(profile_id=profile_id)
        ip = client_ip(request)
        ip_rate = settings.PRM_LOCATOR_CONTACT_RATE_PER_IP
        # A client already over its limit is refused before anything is read.
        wait = rate_limited(request, group="marketing.locator_contact.ip", value=ip, rate=ip_rate, increment=False)
        if wait:
            return _too_many(request, wait, profile_id)
        form = ContactForm(request.POST)
        sent = reverse("locator_contact_sent", kwargs={"profile_id": profile_id})
        if form.is_bot:
            # The honeypot: counted like a request, answered like one, and nothing is kept.
            wait = rate_limited(request, group="marketing.locator_contact.ip", value=ip, rate=ip_rate)
            return _too_many(request, wait, profile_id) if wait else redirect(sent)
        if not form.is_valid():
            messages.error(request, INVALID)
            return self.page(profile_id, form)
        data = form.cleaned_data
        wait = rate_limited(request, group="marketing.locator_contact.ip", value=ip, rate=ip_rate) or rate_limited(
            request,
            group="marketing.locator_contact.address",
            value=mailbox(data["email"]),
            rate=settings.PRM_LOCATOR_CONTACT_RATE_PER_ADDRESS,
        )
        if wait:
            return _too_many(request, wait, profile_id)
        outcome = call_service(
            request,
            locator_contact,
            profile_id=profile_id,
            name=data["name"],
            email=data["email"],
            company=data["company"],
            phone=data["phone"],
            message=data["message"],
            country=data["country"],
            consent=data["consent"],
        )
        if not outcome.ok:
            return self.page(profile_id, form)
        return redirect(sent)


class LocatorEmbedPartnerView(LocatorPartnerView):
    """``/find-a-partner/embed/<id>/``: a profile inside the iframe; contacting it opens the full
    page in a new tab (a form posted inside another site's frame would lose its cookies)."""

    embed = True


class LocatorContactSentView(PublicView):
    def get(self, request, profile_id: int):
        locator_settings_public()
        profile = locator_profile_public(profile_id=profile_id)
        context = {"partner": profile.partner.display_name, "search_url": reverse("locator")}
        return render(request, f"{T}public_sent.html", context)


def _logo_response(logo, *, public: bool = True):
    if not logo:
        raise Http404
    extension = logo.name.rsplit(".", 1)[-1].lower() if "." in logo.name else ""
    if extension not in ("png", "jpg"):
        raise Http404
    try:
        handle = logo.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=LOGO_CONTENT_TYPES.get(extension, "application/octet-stream"))
    # The public logo briefly (a withdrawn profile's leaves shared caches within 5 minutes); the
    # portal's preview, one address for every partner, never in a shared cache.
    response["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class LocatorLogoView(PublicView):
    """A public profile's logo (an image checked by its content when uploaded; never sniffed)."""

    def get(self, request, profile_id: int):
        locator_settings_public()
        return _logo_response(locator_profile_public(profile_id=profile_id).logo)


# --- the portal: the company's profile ------------------------------------------------------------------


def _own_page(request, actor, form=None):
    own = own_profile_for_actor(actor=actor)
    profile = own.profile
    lines = [(line.pk, line.name) for line in product_line_options()]
    if form is None:
        form = ProfileForm(
            lines=lines,
            initial={
                "headline": profile.headline,
                "description": profile.description,
                "public_email": profile.public_email,
                "public_phone": profile.public_phone,
                "product_lines": [str(pk) for pk in profile.product_line_ids or []],
                "show_tier": profile.show_tier,
                "show_certifications": profile.show_certifications,
                "show_competencies": profile.show_competencies,
                "show_locations": profile.show_locations,
                "show_website": profile.show_website,
                "show_contact": profile.show_contact,
            },
        )
    today, _zone = tenant_clock(request.tenant)
    context = {
        "own": own,
        "form": form,
        "preview": profile_page(profile, own.partner, today=today, locations=own.locations),
        "logo_url": reverse("portal:locator_logo") if profile.logo else "",
        "status_label": ProfileStatus(profile.status).label,
        "status_badge": STATUS_BADGES[profile.status],
        "public_url": reverse("locator_partner", kwargs={"profile_id": profile.pk})
        if own.saved and profile.status == ProfileStatus.PUBLIC and own.settings and own.settings.enabled
        else "",
        "confirmed": shown_time(profile.confirmed_at),
        "embed": False,
    }
    return render(request, f"{T}portal_profile.html", context)


class ProfileView(ServiceView):
    """The company's public profile: edit it, see how it looks, publish, withdraw, confirm."""

    area, capability = PORTAL, PROFILE_MANAGE
    form_class = ProfileForm

    def get_form_kwargs(self):
        return {"lines": [(line.pk, line.name) for line in product_line_options()]}

    def get(self, request):
        return _own_page(request, self.actor)

    def perform(self, data):
        return profile_save(
            actor=self.actor,
            headline=data["headline"],
            description=data["description"],
            public_email=data["public_email"],
            public_phone=data["public_phone"],
            product_line_ids=data["product_lines"],
            show_tier=data["show_tier"],
            show_certifications=data["show_certifications"],
            show_competencies=data["show_competencies"],
            show_locations=data["show_locations"],
            show_website=data["show_website"],
            show_contact=data["show_contact"],
            logo=data["logo"],
            remove_logo=data["remove_logo"],
        )

    def success_message(self, profile) -> str:
        if profile.status == ProfileStatus.PUBLIC:
            return gettext("Your public profile is saved and confirmed.")
        return gettext("Your profile is saved. It is not public until you publish it.")

    def success_url(self, profile) -> str:
        return reverse("portal:locator_profile")

    def render_invalid(self, form):
        return _own_page(self.request, self.actor, form)


class _ProfileActionView(ServiceView):
    """A button on the profile page: the service, then back to the page with what happened."""

    area, capability = PORTAL, PROFILE_MANAGE
    service = None
    done = ""

    def perform(self, data):
        return type(self).service(actor=self.actor)

    def success_message(self, profile) -> str:
        return str(self.done)

    def success_url(self, profile) -> str:
        return reverse("portal:locator_profile")

    def render_invalid(self, form):
        return redirect("portal:locator_profile")


class ProfilePublishView(_ProfileActionView):
    service = profile_publish

    @property
    def done(self):
        return gettext("Your profile is public in the partner locator.")


class ProfileWithdrawView(_ProfileActionView):
    service = profile_withdraw

    @property
    def done(self):
        return gettext("Your profile is no longer public.")


class ProfileConfirmView(_ProfileActionView):
    service = profile_confirm

    @property
    def done(self):
        return gettext("Thank you: your profile is confirmed.")


class ProfileLogoView(MemberRequiredMixin, View):
    """The company's own logo, for the profile page's preview."""

    area, capability = PORTAL, PROFILE_MANAGE

    def get(self, request):
        return _logo_response(own_profile_for_actor(actor=self.actor).profile.logo, public=False)


# --- the office ---------------------------------------------------------------------------------------------

DEFAULTS = LocatorSettings()


def _settings_initial(found: LocatorSettings | None) -> dict:
    found = found or DEFAULTS
    return {
        "enabled": found.enabled,
        "title": found.title,
        "intro": found.intro,
        "frame_ancestors": "\n".join(found.frame_ancestors or []),
        "confirm_every_months": found.confirm_every_months,
        "hide_after_days": found.hide_after_days,
        "featured_placement": found.featured_placement,
        "featured_label": found.featured_label,
        "weight_tier": found.weight_tier,
        "weight_competencies": found.weight_competencies,
        "weight_proximity": found.weight_proximity,
        "weight_completeness": found.weight_completeness,
    }


def _office_page(request, actor, settings_form=None):
    found = locator_settings()
    status = request.GET.get("status", "")
    rows, counted = profile_rows_for_actor(actor=actor, status=status)
    page = paginate(request, rows, count_from=counted)
    feature_url = url_pattern("office:locator_feature", "profile_id")
    public_url = url_pattern("locator_partner", "profile_id")
    labels = dict(ProfileStatus.choices)
    for row in page.object_list:
        row["status_label"] = labels.get(row["status"], row["status"])
        row["badge"] = STATUS_BADGES.get(row["status"], "text-bg-secondary")
        row["confirmed"] = shown_time(row["confirmed_at"])
        row["prompted"] = shown_time(row["prompted_at"])
        row["feature_url"] = feature_url(row["id"])
        row["public_url"] = public_url(row["id"]) if row["status"] == ProfileStatus.PUBLIC else ""
    context = {
        "settings": found,
        "settings_form": settings_form or LocatorSettingsForm(initial=_settings_initial(found)),
        "page": page,
        "query": query_without_page(request),
        "status": status,
        "statuses": ProfileStatus.choices,
        "counts": profile_counts(actor=actor),
        "may_manage": actor.can(MARKETING_MANAGE),
        "featured_on": bool(found and found.featured_placement),
        "public_url": reverse("locator") if found and found.enabled else "",
        "embed_url": request.build_absolute_uri(reverse("locator_embed")) if found and found.enabled else "",
        "completeness": COMPLETENESS,
    }
    return render(request, f"{T}office_list.html", context)


class OfficeLocatorView(MemberRequiredMixin, View):
    """The locator's settings and every partner's profile: public, hidden (not confirmed in time)
    or not public, when it was last confirmed, featured or not."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request):
        return _office_page(request, self.actor)


class OfficeSettingsView(ServiceView):
    area, capability = OFFICE, MARKETING_MANAGE
    form_class = LocatorSettingsForm

    def perform(self, data):
        return locator_settings_save(actor=self.actor, **data)

    def success_message(self, found) -> str:
        if found.enabled:
            return gettext("The partner locator's settings are saved; it is public.")
        return gettext("The partner locator's settings are saved; it is not public.")

    def success_url(self, found) -> str:
        return reverse("office:locator")

    def render_invalid(self, form):
        return _office_page(self.request, self.actor, settings_form=form)


class OfficeFeatureView(ServiceView):
    area, capability = OFFICE, MARKETING_MANAGE
    form_class = FeatureForm

    def get_object(self):
        return profile_get_for_vendor(actor=self.actor, profile_id=self.kwargs["profile_id"])

    def perform(self, data):
        return profile_feature(actor=self.actor, profile=self.object, featured=data["featured"])

    def success_message(self, profile) -> str:
        if profile.featured:
            return gettext("%(partner)s is featured.") % {"partner": profile.partner.display_name}
        return gettext("%(partner)s is no longer featured.") % {"partner": profile.partner.display_name}

    def success_url(self, profile) -> str:
        return reverse("office:locator")

    def render_invalid(self, form):
        return redirect("office:locator")


office_urlpatterns: list = [
    path("locator/", OfficeLocatorView.as_view(), name="locator"),
    path("locator/settings/", OfficeSettingsView.as_view(), name="locator_settings"),
    path("locator/profiles/<int:profile_id>/feature/", OfficeFeatureView.as_view(), name="locator_feature"),
]
portal_urlpatterns: list = [
    path("locator-profile/", ProfileView.as_view(), name="locator_profile"),
    path("locator-profile/publish/", ProfilePublishView.as_view(), name="locator_publish"),
    path("locator-profile/withdraw/", ProfileWithdrawView.as_view(), name="locator_withdraw"),
    path("locator-profile/confirm/", ProfileConfirmView.as_view(), name="locator_confirm"),
    path("locator-profile/logo", ProfileLogoView.as_view(), name="locator_logo"),
]
public_urlpatterns: list = [
    path("find-a-partner/", LocatorSearchView.as_view(), name="locator"),
    path("find-a-partner/embed/", xframe_options_exempt(LocatorEmbedView.as_view()), name="locator_embed"),
    path(
        "find-a-partner/embed/<int:profile_id>/",
        xframe_options_exempt(LocatorEmbedPartnerView.as_view()),
        name="locator_embed_partner",
    ),
    path("find-a-partner/<int:profile_id>/", LocatorPartnerView.as_view(), name="locator_partner"),
    path("find-a-partner/<int:profile_id>/thanks/", LocatorContactSentView.as_view(), name="locator_contact_sent"),
    path("find-a-partner/<int:profile_id>/logo", LocatorLogoView.as_view(), name="locator_logo"),
]
