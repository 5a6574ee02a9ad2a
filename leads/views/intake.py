"""Pages of the intake part of lead distribution (leads in):

* back office (``LEADS_VIEW`` reads, ``LEADS_MANAGE`` acts): ``office:leads`` (the lead list and
  the vendor's queue: referrals to review, flagged duplicates, leads no partner took; filters,
  saved filters), ``office:lead_create`` (one lead by hand), ``office:lead_review`` (a referral or
  a flagged duplicate with the leads it may repeat, and its decisions:
  ``office:lead_referral_accept`` / ``_decline``, ``office:lead_duplicate_release`` /
  ``_discard``), the import (``office:lead_imports``, ``office:lead_import_upload``,
  ``office:lead_import`` with ``_validate``, ``_confirm``, ``_progress`` polled by htmx, and
  ``_rejected`` as CSV);
* portal (``LEADS_REFER``): ``portal:lead_referrals`` (the company's referrals with their status in
  words; an accepted withheld referral's contact form, ``portal:lead_referral_contact``) and
  ``portal:lead_refer``;
* public, on each tenant's host in its branding: ``lead_web_form`` (``/contact-sales/``: honeypot,
  rate limits per client address and per e-mail address, 404 when the tenant turned it off) and
  ``lead_web_form_sent``.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats
from django.utils.translation import gettext, ngettext
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.errors import PolicyViolation
from prm.tabular import check_message, rejected_csv_response
from prm.web.public import PublicView, client_ip, mailbox, rate_limited
from prm.web.saved_filters import saved_filter_list_for_actor
from prm.web.views import INVALID, ServiceView, call_service, paginate, query_without_page, shown_time, url_pattern
from programs.selectors.policies import product_line_options

from ..forms_intake import (
    ContactForm,
    DiscardForm,
    ImportConfirmForm,
    ImportUploadForm,
    LeadForm,
    LeadListFilterForm,
    MappingForm,
    ReferralAcceptForm,
    ReferralDeclineForm,
    ReferralForm,
    WebLeadForm,
)
from ..models import ImportStatus, LeadImport, LeadSource, LeadStatus, QueueReason
from ..permissions import LEADS_MANAGE, LEADS_REFER, LEADS_VIEW, A, lead_may
from ..selectors.intake import (
    lead_import_get_for_actor,
    lead_import_preview,
    lead_import_rows_for_actor,
    lead_intake_notes,
    lead_possible_duplicates,
    lead_review_get_for_actor,
    lead_rows_for_actor,
    program_options,
    referral_decline_reasons,
    referral_get_for_actor,
    referral_rows_for_actor,
    rejected_dataset,
    rejected_shown,
)
from ..services.common import lead_settings
from ..services.imports import COLUMNS, REJECTED_SHOWN, lead_import_confirm, lead_import_map, lead_import_upload
from ..services.intake import lead_receive
from ..services.referrals import (
    lead_duplicate_discard,
    lead_duplicate_release,
    lead_referral_accept,
    lead_referral_contact_add,
    lead_referral_decline,
)

STATUS_BADGES = {
    LeadStatus.NEW: "text-bg-info",
    LeadStatus.PENDING_REVIEW: "text-bg-warning",
    LeadStatus.AWAITING_CONTACT: "text-bg-warning",
    LeadStatus.OFFERED: "text-bg-primary",
    LeadStatus.ACCEPTED: "text-bg-success",
    LeadStatus.WORKING: "text-bg-success",
    LeadStatus.CONVERTED: "text-bg-success",
    LeadStatus.WON: "text-bg-success",
    LeadStatus.LOST: "text-bg-secondary",
    LeadStatus.QUEUED: "text-bg-danger",
    LeadStatus.DUPLICATE: "text-bg-danger",
    LeadStatus.DISQUALIFIED: "text-bg-secondary",
}
IMPORT_BADGES = {
    ImportStatus.UPLOADED: "text-bg-secondary",
    ImportStatus.VALIDATED: "text-bg-info",
    ImportStatus.IMPORTING: "text-bg-warning",
    ImportStatus.DONE: "text-bg-success",
    ImportStatus.FAILED: "text-bg-danger",
}


def _number(value) -> str:
    return formats.number_format(value, force_grouping=True)


def _money(value, currency: str) -> str:
    if value is None:
        return ""
    return f"{currency} " + formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def _lead_link():
    """The lead's page (the offers part's ``office:lead``), else its review page here."""
    try:
        return url_pattern("office:lead", "lead_id")
    except NoReverseMatch:
        return url_pattern("office:lead_review", "lead_id")


# --- the lead list and queue -------------------------------------------------------------------------


def _decorate(rows) -> None:
    """What the lead tables show of each row: its links, labels, badge and times."""
    lead_url, review_url = _lead_link(), url_pattern("office:lead_review", "lead_id")
    statuses, sources, reasons = dict(LeadStatus.choices), dict(LeadSource.choices), dict(QueueReason.choices)
    programs = dict(program_options())
    for row in rows:
        row["url"] = lead_url(row["id"])
        row["review_url"] = review_url(row["id"]) if row["status"] in _REVIEWED else ""
        row["status_label"] = statuses.get(row["status"], row["status"])
        row["badge"] = STATUS_BADGES.get(row["status"], "text-bg-secondary")
        row["source_label"] = sources.get(row["source"], row["source"])
        row["reason_label"] = reasons.get(row["queue_reason"], "")
        row["program"] = programs.get(row["program_id"], "")
        row["received"] = shown_time(row["created_at"])
        row["holder"] = row["partner__display_name"] or row["offered_to__display_name"] or ""


def partner_leads_tab(*, request, actor, partner) -> dict:
    """The partner record's Leads tab: its latest leads (held, offered, referred) and what it holds
    per status, with a link to the lead list filtered to it."""
    from urllib.parse import urlencode

    from ..selectors.intake import partner_lead_rows_for_actor

    rows, held = partner_lead_rows_for_actor(actor=actor, partner_id=partner.pk)
    _decorate(rows)
    statuses = dict(LeadStatus.choices)
    query = urlencode({"view": "all", "partner_name": partner.display_name})
    return {
        "lead_rows": rows,
        "held": [(statuses.get(status, status), count) for status, count in sorted(held.items())],
        "all_leads_url": f"{reverse('office:leads')}?{query}",
    }


def list_filter_form(query) -> LeadListFilterForm:
    return LeadListFilterForm(query, programs=program_options())


class LeadListView(MemberRequiredMixin, View):
    """The vendor's leads, newest first: the queue (what waits for a person) or all of them,
    filtered; htmx swaps the results."""

    area, capability = OFFICE, LEADS_VIEW

    def get(self, request):
        filter_form = list_filter_form(request.GET)
        filters = filter_form.filters()
        rows, leads = lead_rows_for_actor(actor=self.actor, **filters)
        page = paginate(request, rows, count_from=leads)
        _decorate(page.object_list)
        context = {
            "filter_form": filter_form,
            "view": filters["view"],
            "page": page,
            "query": query_without_page(request),
            "saved_filters": saved_filter_list_for_actor(actor=self.actor, page="leads"),
            "saved_filter_page": "leads",
            "may_manage": self.actor.can(LEADS_MANAGE),
        }
        template = "leads/intake/list.html#results" if request.htmx else "leads/intake/list.html"
        return render(request, template, context)


_REVIEWED = (LeadStatus.PENDING_REVIEW, LeadStatus.DUPLICATE)


# --- one lead by hand --------------------------------------------------------------------------------


class LeadCreateView(ServiceView):
    """Enter one lead; the form again with what was typed when something is wrong."""

    area, capability = OFFICE, LEADS_MANAGE
    form_class = LeadForm

    def get_form_kwargs(self):
        return {"lines": product_line_options()}

    def page(self, form):
        return render(self.request, "leads/intake/create.html", {"form": form})

    def get(self, request):
        return self.page(LeadForm(lines=product_line_options(), initial={"currency": request.tenant.default_currency}))

    def perform(self, data):
        return lead_receive(
            actor=self.actor,
            source=LeadSource.MANUAL,
            company=data["company"],
            website=data["website"],
            contact_name=data["contact_name"],
            email=data["email"],
            phone=data["phone"],
            job_title=data["job_title"],
            country=data["country"],
            region_code=data["region_code"],
            postal_code=data["postal_code"],
            city=data["city"],
            industry=data["industry"],
            product_line_id=data["product_line"],
            description=data["description"],
            estimated_value=data["estimated_value"],
            currency=data["currency"],
            campaign=data["campaign"],
            route=data["route"],
        )

    def success_message(self, result) -> str:
        if result.merged:
            return gettext("This lead repeats %(reference)s: it was merged into it.") % {
                "reference": result.lead.reference
            }
        if result.flagged:
            return gettext("%(reference)s repeats an earlier lead: it waits in the queue as a duplicate.") % {
                "reference": result.lead.reference
            }
        return gettext("%(reference)s is entered.") % {"reference": result.lead.reference}

    def success_url(self, result) -> str:
        if result.flagged:
            return reverse("office:lead_review", kwargs={"lead_id": result.lead.pk})
        return _lead_link()(result.lead.pk)

    def render_invalid(self, form):
        return self.page(form)


# --- a referral or a flagged duplicate: the review page and its decisions ---------------------------------


def _review_context(actor, lead, **forms) -> dict:
    return {
        "lead": lead,
        "badge": STATUS_BADGES.get(lead.status, "text-bg-secondary"),
        "received": shown_time(lead.created_at),
        "value": _money(lead.estimated_value, lead.currency),
        "duplicates": [
            {**row, "status_label": LeadStatus(row["status"]).label, "received": shown_time(row["created_at"])}
            for row in lead_possible_duplicates(lead=lead)
        ],
        "notes": lead_intake_notes(lead=lead),
        "may_act": lead_may(actor, None, A.ROUTE),
        "accept_form": forms.get("accept_form") or ReferralAcceptForm(),
        "decline_form": forms.get("decline_form") or ReferralDeclineForm(),
        "discard_form": forms.get("discard_form") or DiscardForm(),
        "lead_url": _lead_link()(lead.pk),
    }


class LeadReviewView(MemberRequiredMixin, View):
    area, capability = OFFICE, LEADS_VIEW

    def get(self, request, lead_id: int):
        lead = lead_review_get_for_actor(actor=self.actor, lead_id=lead_id)
        return render(request, "leads/intake/review.html", _review_context(self.actor, lead))


class _ReviewAction(ServiceView):
    area, capability = OFFICE, LEADS_MANAGE
    form_name = ""

    def get_object(self):
        return lead_review_get_for_actor(actor=self.actor, lead_id=self.kwargs["lead_id"])

    def success_url(self, lead) -> str:
        return reverse("office:lead_review", kwargs={"lead_id": lead.pk})

    def render_invalid(self, form):
        lead = lead_review_get_for_actor(actor=self.actor, lead_id=self.kwargs["lead_id"])
        return render(
            self.request, "leads/intake/review.html", _review_context(self.actor, lead, **{self.form_name: form})
        )


class ReferralAcceptView(_ReviewAction):
    form_class, form_name = ReferralAcceptForm, "accept_form"

    def perform(self, data):
        return lead_referral_accept(actor=self.actor, lead=self.object, note=data["note"])

    def success_message(self, lead) -> str:
        if lead.status == LeadStatus.AWAITING_CONTACT:
            return gettext("Referral accepted: the partner is asked for the contact's details.")
        return gettext("Referral accepted: it is being routed.")


class ReferralDeclineView(_ReviewAction):
    form_class, form_name = ReferralDeclineForm, "decline_form"

    def perform(self, data):
        return lead_referral_decline(actor=self.actor, lead=self.object, reason=data["reason"])

    def success_message(self, lead) -> str:
        return gettext("Referral declined; the partner reads your reason.")


class DuplicateReleaseView(_ReviewAction):
    def perform(self, data):
        return lead_duplicate_release(actor=self.actor, lead=self.object)

    def success_message(self, lead) -> str:
        return gettext("%(reference)s is released into routing.") % {"reference": lead.reference}


class DuplicateDiscardView(_ReviewAction):
    form_class, form_name = DiscardForm, "discard_form"

    def perform(self, data):
        return lead_duplicate_discard(actor=self.actor, lead=self.object, note=data["note"])

    def success_message(self, lead) -> str:
        return gettext("%(reference)s is discarded.") % {"reference": lead.reference}


# --- the import -----------------------------------------------------------------------------------------


def _imports_page(request, *, upload_form=None):
    page = paginate(request, lead_import_rows_for_actor(actor=request.membership))
    detail_url = url_pattern("office:lead_import", "import_id")
    labels = dict(ImportStatus.choices)
    for row in page.object_list:
        name = f"{row['created_by__user__first_name']} {row['created_by__user__last_name']}".strip()
        row["created_by"] = name or row["created_by__user__email"]
        row["created"] = shown_time(row["created_at"])
        row["url"] = detail_url(row["id"])
        row["status_label"] = labels.get(row["status"], row["status"])
        row["badge"] = IMPORT_BADGES.get(row["status"], "text-bg-secondary")
    context = {"page": page, "upload_form": upload_form or ImportUploadForm(), "columns": COLUMNS}
    return render(request, "leads/intake/imports.html", context)


class ImportListView(MemberRequiredMixin, View):
    area, capability = OFFICE, LEADS_MANAGE

    def get(self, request):
        return _imports_page(request)


class ImportUploadView(ServiceView):
    area, capability = OFFICE, LEADS_MANAGE
    form_class = ImportUploadForm

    def perform(self, data):
        return lead_import_upload(actor=self.actor, upload=data["document"])

    def success_message(self, lead_import) -> str:
        if lead_import.status == ImportStatus.VALIDATED:
            return gettext("%(file)s is checked: look at the columns and the rejected rows, then confirm.") % {
                "file": lead_import.file_name
            }
        return gettext("%(file)s is uploaded: choose the column of each field below.") % {"file": lead_import.file_name}

    def success_url(self, lead_import) -> str:
        return reverse("office:lead_import", kwargs={"import_id": lead_import.pk})

    def render_invalid(self, form):
        return _imports_page(self.request, upload_form=form)


def _progress(lead_import: LeadImport) -> dict:
    return {
        "rows": _number(lead_import.total_rows),
        "processed": _number(lead_import.processed_rows),
        "total": _number(lead_import.valid_rows),
        "created": _number(lead_import.leads_created),
        "merged": _number(lead_import.leads_merged),
        "flagged": _number(lead_import.leads_flagged),
        "rejected": _number(len(lead_import.rejected)),
    }


def _import_context(lead_import: LeadImport, *, mapping_form=None, confirm_form=None) -> dict:
    editable = lead_import.status in (ImportStatus.UPLOADED, ImportStatus.VALIDATED)
    preview, preview_error = [], ""
    if editable:
        mapping = lead_import.mapping
        if mapping_form is not None and mapping_form.is_bound and mapping_form.is_valid():
            mapping = mapping_form.mapping()
        try:
            preview = lead_import_preview(lead_import=lead_import, mapping=mapping)
        except (PolicyViolation, OSError) as error:
            preview_error = getattr(error, "message", str(error))
    if mapping_form is None:
        initial = {key: str(index) for key, index in lead_import.mapping.items()}
        mapping_form = MappingForm(headers=lead_import.headers, initial=initial)
    return {
        "lead_import": lead_import,
        "status_label": lead_import.get_status_display(),
        "badge": IMPORT_BADGES.get(lead_import.status, "text-bg-secondary"),
        "created": shown_time(lead_import.created_at),
        "editable": editable,
        "mapping_form": mapping_form,
        "columns": COLUMNS,
        "preview": preview,
        "preview_error": preview_error,
        "checked": lead_import.status != ImportStatus.UPLOADED,
        "rejected": rejected_shown(lead_import.rejected[:REJECTED_SHOWN]),
        "rejected_more": max(len(lead_import.rejected) - REJECTED_SHOWN, 0),
        "confirm_form": confirm_form or ImportConfirmForm(),
        "may_confirm": lead_import.status == ImportStatus.VALIDATED and lead_import.valid_rows > 0,
        "counts": _progress(lead_import),
        "importing": lead_import.status == ImportStatus.IMPORTING,
        "leads_url": reverse("office:leads") + "?view=all",
    }


class ImportDetailView(MemberRequiredMixin, View):
    area, capability = OFFICE, LEADS_MANAGE

    def get(self, request, import_id: int):
        lead_import = lead_import_get_for_actor(actor=self.actor, import_id=import_id)
        return render(request, "leads/intake/import.html", _import_context(lead_import))


class ImportProgressView(MemberRequiredMixin, View):
    """The progress partial the page polls while the worker imports (it stops when done)."""

    area, capability = OFFICE, LEADS_MANAGE

    def get(self, request, import_id: int):
        lead_import = lead_import_get_for_actor(actor=self.actor, import_id=import_id)
        context = {
            "lead_import": lead_import,
            "counts": _progress(lead_import),
            "importing": lead_import.status == ImportStatus.IMPORTING,
        }
        return render(request, "leads/intake/import.html#progress", context)


class ImportValidateView(ServiceView):
    area, capability = OFFICE, LEADS_MANAGE
    form_class = MappingForm

    def get_object(self):
        return lead_import_get_for_actor(actor=self.actor, import_id=self.kwargs["import_id"])

    def get_form_kwargs(self):
        return {"headers": self.object.headers}

    def perform(self, data):
        return lead_import_map(actor=self.actor, lead_import=self.object, mapping=self.form.mapping())

    def success_message(self, lead_import) -> str:
        return check_message(valid=lead_import.valid_rows, rejected=len(lead_import.rejected))

    def success_url(self, lead_import) -> str:
        return reverse("office:lead_import", kwargs={"import_id": lead_import.pk})

    def render_invalid(self, form):
        lead_import = lead_import_get_for_actor(actor=self.actor, import_id=self.kwargs["import_id"])
        return render(self.request, "leads/intake/import.html", _import_context(lead_import, mapping_form=form))


class ImportConfirmView(ServiceView):
    area, capability = OFFICE, LEADS_MANAGE
    form_class = ImportConfirmForm

    def get_object(self):
        return lead_import_get_for_actor(actor=self.actor, import_id=self.kwargs["import_id"])

    def perform(self, data):
        return lead_import_confirm(
            actor=self.actor, lead_import=self.object, campaign=data["campaign"], route=data.get("route", False)
        )

    def success_message(self, lead_import) -> str:
        return gettext("The import has started: %(rows)s rows. You will be notified when it is done.") % {
            "rows": _number(lead_import.valid_rows)
        }

    def success_url(self, lead_import) -> str:
        return reverse("office:lead_import", kwargs={"import_id": lead_import.pk})

    def render_invalid(self, form):
        lead_import = lead_import_get_for_actor(actor=self.actor, import_id=self.kwargs["import_id"])
        return render(self.request, "leads/intake/import.html", _import_context(lead_import, confirm_form=form))


class ImportRejectedView(MemberRequiredMixin, View):
    """Every rejected row of an import with its reason, as CSV (to correct and upload again)."""

    area, capability = OFFICE, LEADS_MANAGE

    def get(self, request, import_id: int):
        lead_import = lead_import_get_for_actor(actor=self.actor, import_id=import_id)
        dataset = rejected_dataset(lead_import=lead_import)
        return rejected_csv_response(dataset, filename=f"lead-import-{lead_import.pk}-rejected.csv")


# --- partner referrals (portal) ---------------------------------------------------------------------------


def referral_status_text(status: str, reason: str = "") -> str:
    """A referral's status as its referrer reads it (nothing of whom it went to)."""
    if status == LeadStatus.PENDING_REVIEW:
        return gettext("Awaiting the vendor's review")
    if status == LeadStatus.AWAITING_CONTACT:
        return gettext("Accepted: share the contact's details to have it worked")
    if status == LeadStatus.DISQUALIFIED:
        return gettext("Declined: %(reason)s") % {"reason": reason} if reason else gettext("Declined")
    if status == LeadStatus.CONVERTED:
        return gettext("Accepted and converted into a deal registration")
    if status == LeadStatus.WON:
        return gettext("Won: the referral is credited to your company")
    if status == LeadStatus.LOST:
        return gettext("Lost")
    return gettext("Accepted and routed to a partner")


REFERRAL_BADGES = {
    LeadStatus.PENDING_REVIEW: "text-bg-secondary",
    LeadStatus.AWAITING_CONTACT: "text-bg-warning",
    LeadStatus.DISQUALIFIED: "text-bg-danger",
    LeadStatus.WON: "text-bg-success",
    LeadStatus.CONVERTED: "text-bg-success",
    LeadStatus.LOST: "text-bg-secondary",
}


def _referrals_page(request, actor, *, contact_forms=None):
    rows, leads = referral_rows_for_actor(actor=actor)
    page = paginate(request, rows, count_from=leads)
    declined = [row["id"] for row in page.object_list if row["status"] == LeadStatus.DISQUALIFIED]
    reasons = referral_decline_reasons(lead_ids=declined)
    contact_forms = contact_forms or {}
    for row in page.object_list:
        row["status_text"] = referral_status_text(row["status"], reasons.get(row["id"], ""))
        row["badge"] = REFERRAL_BADGES.get(row["status"], "text-bg-primary")
        row["received"] = shown_time(row["created_at"])
        row["value"] = _money(row["estimated_value"], row["currency"])
        if row["status"] == LeadStatus.AWAITING_CONTACT:
            row["contact_form"] = contact_forms.get(row["id"]) or ContactForm(prefix=f"lead{row['id']}")
    context = {"page": page, "referrals_enabled": lead_settings().referrals_enabled}
    return render(request, "leads/intake/referrals.html", context)


class ReferralListView(MemberRequiredMixin, View):
    area, capability = PORTAL, LEADS_REFER

    def get(self, request):
        return _referrals_page(request, self.actor)


class ReferralCreateView(ServiceView):
    """Refer a lead to the vendor; the form again with what was typed when something is wrong."""

    area, capability = PORTAL, LEADS_REFER
    form_class = ReferralForm

    def get_object(self):
        if not lead_settings().referrals_enabled:
            raise Http404
        return None

    def get_form_kwargs(self):
        return {"lines": product_line_options()}

    def page(self, form):
        return render(self.request, "leads/intake/refer.html", {"form": form})

    def get(self, request):
        self.get_object()
        return self.page(
            ReferralForm(lines=product_line_options(), initial={"currency": request.tenant.default_currency})
        )

    def perform(self, data):
        return lead_receive(
            actor=self.actor,
            source=LeadSource.REFERRAL,
            source_partner=self.actor.partner,
            company=data["company"],
            website=data["website"],
            description=data["description"],
            country=data["country"],
            city=data["city"],
            product_line_id=data["product_line"],
            estimated_value=data["estimated_value"],
            currency=data["currency"],
            contact_withheld=data["contact_withheld"],
            contact_name=data["contact_name"],
            email=data["email"],
            phone=data["phone"],
            job_title=data["job_title"],
        )

    def success_message(self, result) -> str:
        return gettext("Thank you: %(reference)s is with the vendor for review.") % {"reference": result.lead.reference}

    def success_url(self, result) -> str:
        return reverse("portal:lead_referrals")

    def render_invalid(self, form):
        return self.page(form)


class ReferralContactView(ServiceView):
    """The referrer shares the contact's details of an accepted referral (then it is routed)."""

    area, capability = PORTAL, LEADS_REFER
    form_class = ContactForm

    def get_object(self):
        return referral_get_for_actor(actor=self.actor, lead_id=self.kwargs["lead_id"])

    def get_form(self):
        return ContactForm(self.request.POST, prefix=f"lead{self.object.pk}")

    def perform(self, data):
        return lead_referral_contact_add(
            actor=self.actor,
            lead=self.object,
            contact_name=data["contact_name"],
            email=data["email"],
            phone=data["phone"],
            job_title=data["job_title"],
        )

    def success_message(self, lead) -> str:
        return gettext("Thank you: %(reference)s now goes to the right partner.") % {"reference": lead.reference}

    def success_url(self, lead) -> str:
        return reverse("portal:lead_referrals")

    def render_invalid(self, form):
        return _referrals_page(self.request, self.actor, contact_forms={self.object.pk: form})


# --- the public web-to-lead form -------------------------------------------------------------------------


def _too_many(request, seconds: int):
    """The 429 page: when to try again; nothing of the request was kept."""
    minutes = max(math.ceil(seconds / 60), 1)
    response = render(
        request,
        "leads/intake/web_limited.html",
        {
            "retry": ngettext(
                "Please try again in %(count)s minute.", "Please try again in %(count)s minutes.", minutes
            )
            % {"count": minutes}
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


class WebLeadFormView(PublicView):
    """``/contact-sales/``: anyone asks the vendor to be contacted; a partner will answer."""

    def setup_form(self):
        self.settings = lead_settings()
        if not self.settings.web_form_enabled:
            raise Http404

    def page(self, form):
        context = {"form": form, "intro": self.settings.web_form_intro}
        return render(self.request, "leads/intake/web_form.html", context)

    def get(self, request):
        self.setup_form()
        return self.page(WebLeadForm(lines=product_line_options()))

    def post(self, request):
        self.setup_form()
        ip = client_ip(request)
        ip_rate = settings.PRM_LEAD_FORM_RATE_PER_IP
        # A client already over its limit is refused before anything is read.
        wait = rate_limited(request, group="leads.web_form.ip", value=ip, rate=ip_rate, increment=False)
        if wait:
            return _too_many(request, wait)
        form = WebLeadForm(request.POST, lines=product_line_options())
        if form.is_bot:
            # The honeypot: counted like a request, answered like one, and nothing is kept.
            wait = rate_limited(request, group="leads.web_form.ip", value=ip, rate=ip_rate)
            return _too_many(request, wait) if wait else redirect("lead_web_form_sent")
        if not form.is_valid():
            messages.error(request, INVALID)
            return self.page(form)
        data = form.cleaned_data
        wait = rate_limited(request, group="leads.web_form.ip", value=ip, rate=ip_rate) or rate_limited(
            request,
            group="leads.web_form.address",
            value=mailbox(data["email"]),
            rate=settings.PRM_LEAD_FORM_RATE_PER_ADDRESS,
        )
        if wait:
            return _too_many(request, wait)
        outcome = call_service(
            request,
            lead_receive,
            actor=None,
            source=LeadSource.WEB_FORM,
            company=data["company"],
            contact_name=data["contact_name"],
            email=data["email"],
            phone=data["phone"],
            country=data["country"],
            city=data["city"],
            postal_code=data["postal_code"],
            industry=data["industry"],
            product_line_id=data["product_line"],
            description=data["description"],
            campaign=(request.GET.get("campaign") or "")[:120],
            data={"consent": True},
        )
        if not outcome.ok:
            return self.page(form)
        return redirect("lead_web_form_sent")


class WebLeadSentView(PublicView):
    def get(self, request):
        if not lead_settings().web_form_enabled:
            raise Http404
        return render(request, "leads/intake/web_sent.html")


office_urls: list = [
    path("leads/", LeadListView.as_view(), name="leads"),
    path("leads/new/", LeadCreateView.as_view(), name="lead_create"),
    path("leads/<int:lead_id>/review/", LeadReviewView.as_view(), name="lead_review"),
    path("leads/<int:lead_id>/referral/accept/", ReferralAcceptView.as_view(), name="lead_referral_accept"),
    path("leads/<int:lead_id>/referral/decline/", ReferralDeclineView.as_view(), name="lead_referral_decline"),
    path("leads/<int:lead_id>/duplicate/release/", DuplicateReleaseView.as_view(), name="lead_duplicate_release"),
    path("leads/<int:lead_id>/duplicate/discard/", DuplicateDiscardView.as_view(), name="lead_duplicate_discard"),
    path("leads/imports/", ImportListView.as_view(), name="lead_imports"),
    path("leads/imports/upload/", ImportUploadView.as_view(), name="lead_import_upload"),
    path("leads/imports/<int:import_id>/", ImportDetailView.as_view(), name="lead_import"),
    path("leads/imports/<int:import_id>/validate/", ImportValidateView.as_view(), name="lead_import_validate"),
    path("leads/imports/<int:import_id>/confirm/", ImportConfirmView.as_view(), name="lead_import_confirm"),
    path("leads/imports/<int:import_id>/progress/", ImportProgressView.as_view(), name="lead_import_progress"),
    path("leads/imports/<int:import_id>/rejected.csv", ImportRejectedView.as_view(), name="lead_import_rejected"),
]
portal_urls: list = [
    path("referrals/", ReferralListView.as_view(), name="lead_referrals"),
    path("referrals/new/", ReferralCreateView.as_view(), name="lead_refer"),
    path("referrals/<int:lead_id>/contact/", ReferralContactView.as_view(), name="lead_referral_contact"),
]
public_urls: list = [
    path("contact-sales/", WebLeadFormView.as_view(), name="lead_web_form"),
    path("contact-sales/thanks/", WebLeadSentView.as_view(), name="lead_web_form_sent"),
]
