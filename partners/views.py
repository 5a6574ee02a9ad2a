"""Partner pages: the back-office directory and record, and the portal's company profile."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.accounts.forms import InvitationForm
from prm.accounts.permissions import MANAGE as MEMBERSHIP_MANAGE
from prm.accounts.permissions import membership_may
from prm.accounts.roles import OFFICE_ACCESS, PORTAL_ACCESS
from prm.accounts.selectors import invitations_pending_for_actor, people_list_for_actor, staff_members
from prm.accounts.services import roles_invitable_by
from prm.accounts.views import InvitationCreateView
from prm.events.selectors import events_for_object
from prm.web.exports import csv_export, csv_safe
from prm.web.home import actions_for, home_actions_for, home_cards_for
from prm.web.views import ServiceView, paginate, query_without_page, url_pattern

from .forms import ContactForm, PartnerCreateForm, PartnerFilterForm, PartnerProfileForm, PartnerStatusForm
from .hooks import PROFILE, directory_facets, profile_facets, record_page
from .models import PARTNER_TRANSITIONS, PartnerStatus, tag_label
from .permissions import (
    COMPANY_EDIT,
    COMPANY_VIEW,
    EDIT,
    PARTNERS_CHANGE_STATUS,
    PARTNERS_CREATE,
    PARTNERS_EDIT,
    PARTNERS_INVITE,
    PARTNERS_VIEW,
    partner_may,
)
from .selectors import (
    company_summary_for_actor,
    contact_get_for_actor,
    partner_count_by_status_for_actor,
    partner_directory_for_actor,
    partner_get_for_actor,
    partner_list_for_actor,
)
from .services import (
    contact_create,
    contact_delete,
    partner_change_status,
    partner_create,
    partner_editable_fields,
    partner_update,
)


def _home_context(request, actor, area: str) -> dict:
    """What both homes show, as the apps declare it (``prm.web.home``): the main actions, the
    work waiting for the member (most urgent first), then the cards."""
    return {
        "home_actions": home_actions_for(actor=actor, area=area),
        "work": actions_for(actor=actor, tenant=request.tenant, area=area),
        "cards": home_cards_for(request=request, actor=actor, area=area),
    }


class OfficeDashboardView(MemberRequiredMixin, View):
    """The back office's front door: the work waiting for the member (the review queue by
    deadline, pricing decisions, wins, extensions: what the apps declare), then partners by
    status and the member's own, then the cards (the pipeline), as the portal home shows the
    portal's."""

    area, capability = OFFICE, OFFICE_ACCESS

    def get(self, request):
        by_status = partner_count_by_status_for_actor(actor=self.actor)
        mine = list(partner_list_for_actor(actor=self.actor, manager=self.actor)[:10])
        context = {"by_status": by_status, "mine": mine, **_home_context(request, self.actor, OFFICE)}
        return render(request, "partners/office_dashboard.html", context)


class PartnerListView(MemberRequiredMixin, View):
    """The directory: search, filters, sorting, pagination; htmx swaps only the results."""

    area, capability = OFFICE, PARTNERS_VIEW

    def get(self, request):
        form = PartnerFilterForm(request.GET)
        page = paginate(request, partner_directory_for_actor(actor=self.actor, **form.filters()))
        page.object_list = _directory_rows(page.object_list, form)
        context = {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "type_options": form.type_options,
            "facet_filters": form.facet_filters(),
            "manager_options": form.manager_options,
            "columns": 5 + len(form.facets),
        }
        template = "partners/partner_list.html#results" if request.htmx else "partners/partner_list.html"
        return render(request, template, context)


STATUS_LABELS = dict(PartnerStatus.choices)
# What the record says after a status change: one sentence per status (a translation needs the
# whole sentence, not a lower-cased label in the middle of one).
STATUS_CHANGED = {
    PartnerStatus.APPLICANT: _("%(partner)s is now an applicant."),
    PartnerStatus.ONBOARDING: _("%(partner)s is now onboarding."),
    PartnerStatus.ACTIVE: _("%(partner)s is now active."),
    PartnerStatus.SUSPENDED: _("%(partner)s is now suspended."),
    PartnerStatus.TERMINATED: _("%(partner)s is now terminated."),
}
STATUS_BADGES = {"active": "success", "onboarding": "info", "applicant": "secondary"}  # else "danger"


def _directory_rows(rows: list[dict], form: PartnerFilterForm) -> list[dict]:
    """A page of the directory's rows (dicts of ``DIRECTORY_FIELDS``) with what they show: the
    link (one reversed pattern for the page, not reverse() per row), the type's and the manager's
    names (the tenant's reference data) and each facet's cell (one call per page)."""
    detail_url = url_pattern("office:partner_detail", "partner_id")
    types = {option.id: option.name for option in form.type_options}
    staff = {member.id: member.label for member in staff_members()}
    ids = [row["id"] for row in rows]
    facet_cells = [facet.cells(ids) for facet in form.facets]
    for row in rows:
        row["url"] = detail_url(row["id"])
        row["type"] = types.get(row["partner_type_id"], "")
        row["manager"] = staff.get(row["account_manager_id"], "\N{EN DASH}")
        row["status_label"] = STATUS_LABELS.get(row["status"], row["status"])
        row["badge"] = STATUS_BADGES.get(row["status"], "danger")
        row["facet_cells"] = [cells.get(row["id"], "\N{EN DASH}") for cells in facet_cells]
        row["tag_labels"] = [tag_label(tag) for tag in row["tags"] or ()]
    return rows


class PartnerExportView(MemberRequiredMixin, View):
    """The directory, filtered the same way, as CSV (built in the request's tenant scope). The
    facets' columns (``partners.hooks``) follow "status"."""

    area, capability = OFFICE, PARTNERS_VIEW
    leading = ("id", "display_name", "legal_name", "partner_type", "status")
    trailing = ("country", "account_manager", "website", "external_crm_id", "tags", "created_at")

    def get(self, request):
        partners = partner_list_for_actor(actor=self.actor, **PartnerFilterForm(request.GET).filters())
        facets = directory_facets()
        columns = (*self.leading, *(facet.csv_column for facet in facets), *self.trailing)

        def row(partner) -> list:
            return [
                partner.pk,
                csv_safe(partner.display_name),
                csv_safe(partner.legal_name),
                csv_safe(partner.partner_type.name),
                partner.get_status_display(),
                *(csv_safe(facet.csv_value(partner)) for facet in facets),
                partner.country,
                csv_safe(str(partner.account_manager.user)) if partner.account_manager_id else "",
                csv_safe(partner.website),
                csv_safe(partner.external_crm_id),
                csv_safe(", ".join(partner.tags or ())),
                partner.created_at.isoformat(),
            ]

        return csv_export(name="partners", columns=columns, rows=partners, row=row)


class PartnerCreateView(ServiceView):
    area, capability = OFFICE, PARTNERS_CREATE
    form_class = PartnerCreateForm
    template = "partners/partner_form.html"

    def get(self, request):
        return render(request, self.template, {"form": PartnerCreateForm(), "creating": True})

    def perform(self, data):
        return partner_create(actor=self.actor, **data)

    def success_message(self, partner):
        return gettext("%(name)s was added as an applicant.") % {"name": partner.legal_name}

    def success_url(self, partner):
        return reverse("office:partner_detail", kwargs={"partner_id": partner.pk})

    def render_invalid(self, form):
        return render(self.request, self.template, {"form": form, "creating": True})


class PartnerDetailView(MemberRequiredMixin, View):
    """A partner's record in tabs (``partners.hooks.record_tab``). htmx loads a tab's partial; a
    plain request gets the page."""

    area, capability = OFFICE, PARTNERS_VIEW

    def get(self, request, partner_id: int, tab: str = PROFILE):
        partner = partner_get_for_actor(actor=self.actor, partner_id=partner_id)
        return record_page(request, actor=self.actor, partner=partner, tab=tab, partial=bool(request.htmx))


# --- the record's own tabs (declared in apps.py) ---


def profile_tab(*, request, actor, partner) -> dict:
    return {
        "transitions": [(status, STATUS_LABELS[status]) for status in sorted(PARTNER_TRANSITIONS[partner.status])],
        "status_form": PartnerStatusForm(),
        "profile_facets": profile_facets(),
    }


def people_tab(*, request, actor, partner) -> dict:
    roles = roles_invitable_by(actor=actor, partner=partner)
    return {
        "people": list(people_list_for_actor(actor=actor, partner=partner)),
        "invitations": list(invitations_pending_for_actor(actor=actor, partner=partner)),
        "invite_form": InvitationForm(roles=roles) if roles else None,
        "contacts": list(partner.contacts.all()),
        "contact_form": ContactForm(),
        # The shared people table takes one flag for its rows and its invitations; every row is a
        # user of this partner, so the foundation's rule answers for all of them at once.
        "can_manage": membership_may(actor, partner, MEMBERSHIP_MANAGE),
    }


def timeline_tab(*, request, actor, partner) -> dict:
    return {"events": list(events_for_object(actor=actor, target=partner)[:100])}


class PartnerActionView(ServiceView):
    """A form posted about the partner the URL names (``partner_id``): back to the record's page
    ``back`` when done, and (unless a view shows its form again) when invalid or refused, with
    the message that says why."""

    back = "office:partner_detail"

    def get_object(self):
        return partner_get_for_actor(actor=self.actor, partner_id=self.kwargs["partner_id"])

    def success_url(self, result=None):
        return reverse(self.back, kwargs={"partner_id": self.object.pk})

    def render_invalid(self, form):
        return redirect(self.success_url())


class PartnerInviteView(PartnerActionView, InvitationCreateView):
    """Staff invite a user (typically the partner admin) to one partner, from its People tab."""

    area, capability = OFFICE, PARTNERS_INVITE
    invalid_message = _("Enter a valid e-mail address and role.")
    back = "office:partner_people"

    def invitation_partner(self):
        return self.object


class PartnerEditView(PartnerActionView):
    """Staff edit a partner's record (the fields ``partner_editable_fields`` allows)."""

    area, capability = OFFICE, PARTNERS_EDIT
    form_class = PartnerProfileForm
    template = "partners/partner_form.html"

    def get_form_kwargs(self):
        return {"instance": self.object, "editable_fields": partner_editable_fields(actor=self.actor)}

    def get(self, request, **kwargs):
        self.object = self.get_object()
        form = self.form_class(**self.get_form_kwargs())
        return render(request, self.template, {"form": form, "partner": self.object})

    def perform(self, data):
        # The form wrote the values onto the instance; the service reloads and applies them.
        self.changes = self.form.changes()
        return partner_update(actor=self.actor, partner=self.object, changes=self.changes)

    def success_message(self, partner):
        return gettext("The company profile is saved.") if self.changes else gettext("Nothing changed.")

    def render_invalid(self, form):
        return render(self.request, self.template, {"form": form, "partner": self.object})


class PartnerStatusView(PartnerActionView):
    area, capability = OFFICE, PARTNERS_CHANGE_STATUS
    form_class = PartnerStatusForm
    invalid_message = _("Choose a valid status.")

    def perform(self, data):
        return partner_change_status(
            actor=self.actor, partner=self.object, to_status=data["to_status"], reason=data["reason"]
        )

    def success_message(self, partner):
        return STATUS_CHANGED[partner.status] % {"partner": partner}


class ContactCreateView(PartnerActionView):
    area, capability = OFFICE, PARTNERS_EDIT
    form_class = ContactForm
    back = "office:partner_people"

    def perform(self, data):
        return contact_create(actor=self.actor, partner=self.object, **data)

    def success_message(self, contact):
        return gettext("%(name)s was added.") % {"name": contact.name}

    def render_invalid(self, form):
        partner = self.object
        context = {**people_tab(request=self.request, actor=self.actor, partner=partner), "contact_form": form}
        return record_page(self.request, actor=self.actor, partner=partner, tab="people", context=context)


class ContactDeleteView(ServiceView):
    area, capability = OFFICE, PARTNERS_EDIT

    def get_object(self):
        return contact_get_for_actor(
            actor=self.actor, partner_id=self.kwargs["partner_id"], contact_id=self.kwargs["contact_id"]
        )

    def perform(self, data):
        return contact_delete(actor=self.actor, contact=self.object)

    def success_message(self, result):
        return gettext("%(name)s was removed.") % {"name": self.object.name}

    def success_url(self, result=None):
        return reverse("office:partner_people", kwargs={"partner_id": self.object.partner_id})

    def render_invalid(self, form):
        return redirect(self.success_url())


# --- Portal -----------------------------------------------------------------------------------


class PortalHomeView(MemberRequiredMixin, View):
    """The portal's front door: the main actions, what needs the partner's action (most urgent
    first), then the cards the apps declare (``prm.web.home``), this app's among them."""

    area, capability = PORTAL, PORTAL_ACCESS

    def get(self, request):
        return render(request, "partners/portal_home.html", _home_context(request, self.actor, PORTAL))


def company_card(*, request, actor) -> dict:
    return company_summary_for_actor(actor=actor)


def notifications_card(*, request, actor) -> dict:
    from prm.notifications.selectors import notification_list_for_actor

    return {"recent": list(notification_list_for_actor(actor=actor)[:5])}


class CompanyProfileView(MemberRequiredMixin, View):
    area, capability = PORTAL, COMPANY_VIEW

    def get(self, request):
        partner = partner_get_for_actor(actor=self.actor, partner_id=self.actor.partner_id)
        events = list(events_for_object(actor=self.actor, target=partner)[:50])
        return render(
            request,
            "partners/company_profile.html",
            {
                "partner": partner,
                "events": events,
                "contacts": list(partner.contacts.all()),
                "can_edit": partner_may(self.actor, partner, EDIT),
                "profile_facets": profile_facets(),
            },
        )


class CompanyEditView(PartnerEditView):
    """A partner admin edits the fields a partner may edit; vendor fields stay read-only."""

    area, capability = PORTAL, COMPANY_EDIT
    template = "partners/company_form.html"

    def get_object(self):
        return partner_get_for_actor(actor=self.actor, partner_id=self.actor.partner_id)

    def success_url(self, partner):
        return reverse("portal:company")
