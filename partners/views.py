"""Partner pages: the back-office directory and record, and the portal's company profile."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.accounts.forms import InvitationForm
from prm.accounts.selectors import invitations_pending_for_actor, people_list_for_actor
from prm.accounts.services import invitation_create, roles_invitable_by
from prm.events.selectors import events_for_object
from prm.web.exports import csv_export, csv_safe
from prm.web.home import home_cards_for
from prm.web.views import call_service, paginate, query_without_page, run_service

from .forms import ContactForm, PartnerCreateForm, PartnerFilterForm, PartnerProfileForm, PartnerStatusForm
from .hooks import PROFILE, directory_facets, profile_facets, record_page
from .models import PARTNER_TRANSITIONS, PartnerContact
from .permissions import PARTNERS_INVITE
from .selectors import partner_get_for_actor, partner_list_for_actor
from .services import (
    contact_create,
    contact_delete,
    partner_change_status,
    partner_create,
    partner_editable_fields,
    partner_update,
)


class OfficeDashboardView(MemberRequiredMixin, View):
    area, capability = OFFICE, "office.access"

    def get(self, request):
        from django.db.models import Count

        from .models import Partner

        by_status = dict(Partner.objects.values_list("status").annotate(n=Count("id")).order_by())
        mine = list(partner_list_for_actor(actor=self.actor, manager=self.actor)[:10])
        return render(request, "partners/office_dashboard.html", {"by_status": by_status, "mine": mine})


class PartnerListView(MemberRequiredMixin, View):
    """The directory: search, filters, sorting, pagination; htmx swaps only the results."""

    area, capability = OFFICE, "partners.view"

    def get(self, request):
        form = PartnerFilterForm(request.GET)
        partners = partner_list_for_actor(actor=self.actor, **form.filters())
        page = paginate(request, partners)
        context = {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            # The filter's options, evaluated here rather than while the template renders.
            "type_options": list(form.fields["type"].queryset),
            "facet_filters": form.facet_filters(),
            "manager_options": list(form.fields["manager"].queryset),
            "columns": 5 + len(form.facets),
        }
        template = "partners/partner_list.html#results" if request.htmx else "partners/partner_list.html"
        return render(request, template, context)


class PartnerExportView(MemberRequiredMixin, View):
    """The directory, filtered the same way, as CSV (built in the request's tenant scope). The
    facets' columns (``partners.hooks``) follow "status"."""

    area, capability = OFFICE, "partners.view"
    leading = ("id", "display_name", "legal_name", "partner_type", "status")
    trailing = ("country", "account_manager", "website", "external_crm_id", "created_at")

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
                partner.created_at.isoformat(),
            ]

        return csv_export(name="partners", columns=columns, rows=partners, row=row)


class PartnerCreateView(MemberRequiredMixin, View):
    area, capability = OFFICE, "partners.create"

    def get(self, request):
        return render(request, "partners/partner_form.html", {"form": PartnerCreateForm(), "creating": True})

    def post(self, request):
        form = PartnerCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            created = {}
            if run_service(
                request,
                lambda: created.setdefault("partner", partner_create(actor=self.actor, **data)),
                success=f"{data['legal_name']} was added as an applicant.",
            ):
                return redirect("office:partner_detail", partner_id=created["partner"].pk)
        return render(request, "partners/partner_form.html", {"form": form, "creating": True})


class PartnerDetailView(MemberRequiredMixin, View):
    """A partner's record in tabs (``partners.hooks.record_tab``). htmx loads a tab's partial; a
    plain request gets the page."""

    area, capability = OFFICE, "partners.view"

    def get(self, request, partner_id: int, tab: str = PROFILE):
        partner = partner_get_for_actor(actor=self.actor, partner_id=partner_id)
        return record_page(request, actor=self.actor, partner=partner, tab=tab, partial=bool(request.htmx))


# --- the record's own tabs (declared in apps.py) ---


def profile_tab(*, request, actor, partner) -> dict:
    return {
        "transitions": sorted(PARTNER_TRANSITIONS[partner.status]),
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
        "can_manage": actor.can("partners.change_status"),
    }


def timeline_tab(*, request, actor, partner) -> dict:
    return {"events": list(events_for_object(actor=actor, target=partner)[:100])}


class PartnerInviteView(MemberRequiredMixin, View):
    """Staff invite a user (typically the partner admin) to one partner, from its People tab."""

    area, capability = OFFICE, PARTNERS_INVITE

    def post(self, request, partner_id: int):
        partner = partner_get_for_actor(actor=self.actor, partner_id=partner_id)
        form = InvitationForm(request.POST, roles=roles_invitable_by(actor=self.actor, partner=partner))
        if form.is_valid():
            email = form.cleaned_data["email"]
            call_service(
                request,
                invitation_create,
                actor=self.actor,
                email=email,
                role=form.cleaned_data["role"],
                partner=partner,
                success=f"An invitation is on its way to {email}.",
            )
        else:
            messages.error(request, "Enter a valid e-mail address and role.")
        return redirect("office:partner_people", partner_id=partner.pk)


class PartnerEditView(MemberRequiredMixin, View):
    area, capability = OFFICE, "partners.edit"
    template = "partners/partner_form.html"

    def get_partner(self, partner_id):
        return partner_get_for_actor(actor=self.actor, partner_id=partner_id)

    def get(self, request, partner_id: int | None = None):
        partner = self.get_partner(partner_id)
        form = PartnerProfileForm(instance=partner, editable_fields=partner_editable_fields(actor=self.actor))
        return render(request, self.template, {"form": form, "partner": partner})

    def post(self, request, partner_id: int | None = None):
        partner = self.get_partner(partner_id)
        form = PartnerProfileForm(
            request.POST, instance=partner, editable_fields=partner_editable_fields(actor=self.actor)
        )
        if form.is_valid():
            changes = form.changes()
            # The form wrote the values onto the instance; the service reloads and applies them.
            if run_service(
                request,
                lambda: partner_update(actor=self.actor, partner=partner, changes=changes),
                success="The company profile is saved." if changes else "Nothing changed.",
            ):
                return redirect(self.success_url(partner))
        return render(request, self.template, {"form": form, "partner": partner})

    def success_url(self, partner):
        return reverse("office:partner_detail", kwargs={"partner_id": partner.pk})


class PartnerStatusView(MemberRequiredMixin, View):
    area, capability = OFFICE, "partners.change_status"

    def post(self, request, partner_id: int):
        partner = partner_get_for_actor(actor=self.actor, partner_id=partner_id)
        form = PartnerStatusForm(request.POST)
        if form.is_valid():
            to_status = form.cleaned_data["to_status"]
            run_service(
                request,
                lambda: partner_change_status(
                    actor=self.actor, partner=partner, to_status=to_status, reason=form.cleaned_data["reason"]
                ),
                success=f"{partner} is now {dict(form.fields['to_status'].choices)[to_status].lower()}.",
            )
        else:
            messages.error(request, "Choose a valid status.")
        return redirect("office:partner_detail", partner_id=partner.pk)


class ContactCreateView(MemberRequiredMixin, View):
    area, capability = OFFICE, "partners.edit"

    def post(self, request, partner_id: int):
        partner = partner_get_for_actor(actor=self.actor, partner_id=partner_id)
        form = ContactForm(request.POST)
        if form.is_valid():
            run_service(
                request,
                lambda: contact_create(actor=self.actor, partner=partner, **form.cleaned_data),
                success=f"{form.cleaned_data['name']} was added.",
            )
            return redirect("office:partner_people", partner_id=partner.pk)
        context = {**people_tab(request=request, actor=self.actor, partner=partner), "contact_form": form}
        return record_page(request, actor=self.actor, partner=partner, tab="people", context=context)


class ContactDeleteView(MemberRequiredMixin, View):
    area, capability = OFFICE, "partners.edit"

    def post(self, request, partner_id: int, contact_id: int):
        partner = partner_get_for_actor(actor=self.actor, partner_id=partner_id)
        contact = PartnerContact.objects.filter(partner=partner, pk=contact_id).first()
        if contact is None:
            raise Http404
        run_service(
            request, lambda: contact_delete(actor=self.actor, contact=contact), success=f"{contact.name} was removed."
        )
        return redirect("office:partner_people", partner_id=partner.pk)


# --- Portal -----------------------------------------------------------------------------------


class PortalHomeView(MemberRequiredMixin, View):
    """The portal's front door: the cards the apps declare (``prm.web.home``), this app's among
    them, in their order."""

    area, capability = PORTAL, "portal.access"

    def get(self, request):
        cards = home_cards_for(request=request, actor=self.actor, area=PORTAL)
        return render(request, "partners/portal_home.html", {"cards": cards})


def company_card(*, request, actor) -> dict:
    return {"partner": partner_get_for_actor(actor=actor, partner_id=actor.partner_id)}


def notifications_card(*, request, actor) -> dict:
    from prm.notifications.selectors import notification_list_for_actor

    return {"recent": list(notification_list_for_actor(actor=actor)[:5])}


class CompanyProfileView(MemberRequiredMixin, View):
    area, capability = PORTAL, "company.view"

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
                "can_edit": self.actor.can("company.edit"),
                "profile_facets": profile_facets(),
            },
        )


class CompanyEditView(PartnerEditView):
    """A partner admin edits the fields a partner may edit; vendor fields stay read-only."""

    area, capability = PORTAL, "company.edit"
    template = "partners/company_form.html"

    def get_partner(self, partner_id):
        return partner_get_for_actor(actor=self.actor, partner_id=self.actor.partner_id)

    def success_url(self, partner):
        return reverse("portal:company")
