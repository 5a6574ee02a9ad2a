"""Policy pages: products a partner may sell (and why not), licences, the staff policy check."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from partners.permissions import COMPANY_VIEW
from partners.selectors import company_get_for_actor, partner_options_for_actor
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.countries import country_name
from prm.web.files import document_response
from prm.web.views import ServiceView, paginate

from ..forms_policies import DealCheckForm, LicenceDecisionForm, LicenceUploadForm, PolicyCheckForm
from ..models import LicenceStatus
from ..permissions import LICENCES_VERIFY, PRODUCTS_VIEW, PROGRAMS_VIEW, UPLOAD, licence_may
from ..selectors.policies import (
    licence_get_for_actor,
    licence_list_for_actor,
    licence_review_list_for_actor,
    licence_type_options,
    product_line_options,
    territory_list_for_actor,
)
from ..services.catalogue import licence_reject, licence_upload, licence_verify
from ..services.policy import deal_parameters, format_money, grant_label, policy_decide, product_lines_for_partner


def _territory_rows(grants) -> list[dict]:
    return [
        {
            "where": grant_label(grant),
            "line": grant.product_line.name if grant.product_line_id else gettext("Every product line"),
            "exclusive": grant.exclusive,
            "until": grant.valid_until,
        }
        for grant in grants
    ]


def _parameters_context(params) -> dict:
    return {
        "min_amount": format_money(params.min_amount, params.currency),
        "protection_days": params.protection_days,
    }


# --- Portal: products --------------------------------------------------------------------------


class ProductsView(MemberRequiredMixin, View):
    """Every active product line: may we sell it, and if not, what is missing; its products and
    prices; and a "check a deal" form whose result htmx swaps in (the #deal_check partial)."""

    area, capability = PORTAL, PRODUCTS_VIEW

    def get(self, request):
        partner = company_get_for_actor(actor=self.actor)
        currency = request.tenant.default_currency
        # The tenant's today: the request runs in its time zone (the services would read it again).
        today = timezone.localdate()
        decided = product_lines_for_partner(partner=partner, on=today)
        lines = [line for line, _ in decided]
        form = DealCheckForm(request.GET or None, lines=lines, currency=currency)
        check = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            line = next(line for line in lines if line.pk == data["product_line"])
            decision = policy_decide(
                partner=partner,
                action="register_deal",
                product_line=line,
                country=data["country"],
                amount=data["amount"],
                currency=currency,
                membership=self.actor,
                on=today,
            )
            check = {
                "line": line.name,
                "country": country_name(data["country"]) if data["country"] else "",
                "amount": format_money(data["amount"], currency) if data["amount"] is not None else "",
                "decision": decision,
            }
        context = {
            "partner": partner,
            "form": form,
            "check": check,
            "rows": [
                {
                    "line": line,
                    "decision": decision,
                    "products": [
                        {"name": p.name, "sku": p.sku, "price": format_money(p.list_price, p.currency)}
                        for p in line.active_products
                    ],
                }
                for line, decision in decided
            ],
            "territories": _territory_rows(territory_list_for_actor(actor=self.actor, partner=partner)),
            "parameters": _parameters_context(deal_parameters(partner=partner)),
        }
        template = "programs/products.html#deal_check" if request.htmx else "programs/products.html"
        return render(request, template, context)


# --- Portal: licences --------------------------------------------------------------------------


class LicencesView(ServiceView):
    """The company's licences and their verification state; partner admins upload new ones."""

    area, capability = PORTAL, COMPANY_VIEW
    template = "programs/licences.html"
    form_class = LicenceUploadForm
    invalid_message = _("The licence was not uploaded: correct the fields marked below.")

    def _render(self, request, form):
        can_manage = licence_may(self.actor, self.actor.partner_id, UPLOAD)
        context = {
            "licences": list(licence_list_for_actor(actor=self.actor)),
            "form": form if can_manage else None,
            "can_manage": can_manage,
        }
        return render(request, self.template, context)

    def get(self, request):
        return self._render(request, LicenceUploadForm(licence_types=licence_type_options()))

    def get_object(self):
        # Reading is for everyone in the company; filing licences is the partner admin's.
        if not licence_may(self.actor, self.actor.partner_id, UPLOAD):
            raise PermissionDenied
        return company_get_for_actor(actor=self.actor)

    def get_form_kwargs(self):
        return {"licence_types": licence_type_options()}

    def perform(self, data):
        return licence_upload(
            actor=self.actor,
            partner=self.object,
            licence_type=data["licence_type"],
            document=data["document"],
            expires_on=data["expires_on"],
            number=data["number"],
            issued_on=data["issued_on"],
        )

    def success_message(self, licence):
        return gettext("Your %(licence)s was uploaded; the vendor will verify it.") % {
            "licence": licence.licence_type.name
        }

    def success_url(self, licence):
        return reverse("portal:licences")

    def render_invalid(self, form):
        return self._render(self.request, form)


class LicenceDocumentView(MemberRequiredMixin, View):
    """A licence's document, to whoever may see the licence: as a download, never rendered inline
    nor sniffed into something executable."""

    def get(self, request, licence_id: int):
        licence = licence_get_for_actor(actor=self.actor, licence_id=licence_id)
        return document_response(licence.document, name=f"licence-{licence.pk}")


class PortalLicenceDocumentView(LicenceDocumentView):
    area, capability = PORTAL, COMPANY_VIEW


class OfficeLicenceDocumentView(LicenceDocumentView):
    area, capability = OFFICE, PROGRAMS_VIEW


# --- Back office: the verification queue --------------------------------------------------------


class LicenceQueueView(MemberRequiredMixin, View):
    """Pending licences, oldest first, each with verify / reject for those who may decide."""

    area, capability = OFFICE, PROGRAMS_VIEW

    def get(self, request):
        page = paginate(request, licence_review_list_for_actor(actor=self.actor))
        context = {"page": page, "can_decide": self.actor.can(LICENCES_VERIFY)}
        return render(request, "programs/licence_queue.html", context)


class LicenceDecideView(ServiceView):
    """Verify or reject one licence; back to the queue either way (the message says how it went)."""

    area, capability = OFFICE, LICENCES_VERIFY
    form_class = LicenceDecisionForm

    def get_object(self):
        return licence_get_for_actor(actor=self.actor, licence_id=self.kwargs["licence_id"])

    @property
    def invalid_message(self):
        errors = [error for field_errors in self.form.errors.values() for error in field_errors]
        return " ".join(errors) or gettext("Choose verify or reject.")

    def perform(self, data):
        if data["decision"] == "verify":
            return licence_verify(actor=self.actor, licence=self.object)
        return licence_reject(actor=self.actor, licence=self.object, reason=data["reason"])

    def success_message(self, licence):
        names = {"licence": self.object.licence_type.name, "partner": self.object.partner}
        if licence.status == LicenceStatus.VERIFIED:
            return gettext("%(licence)s of %(partner)s verified.") % names
        return gettext("%(licence)s of %(partner)s rejected; the partner is told why.") % names

    def success_url(self, licence=None):
        return reverse("office:licence_queue")

    def render_invalid(self, form):
        return redirect(self.success_url())


# --- Back office: the policy check ---------------------------------------------------------------


class PolicyCheckView(MemberRequiredMixin, View):
    """A staff tool: what the policy decides for a partner, line, country, amount and action."""

    area, capability = OFFICE, PROGRAMS_VIEW

    def get(self, request):
        partners = partner_options_for_actor(actor=self.actor)
        lines = product_line_options(active_only=False)
        currency = request.tenant.default_currency
        form = PolicyCheckForm(request.GET or None, partners=partners, lines=lines, currency=currency)
        result = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            partner = next(p for p in partners if p.pk == data["partner"])
            line = next(line for line in lines if line.pk == data["product_line"])
            decision = policy_decide(
                partner=partner,
                action=data["action"],
                product_line=line,
                country=data["country"],
                amount=data["amount"],
                currency=currency,
            )
            result = {
                "partner": partner.display_name,
                "line": line.name,
                "action": dict(form.fields["action"].choices)[data["action"]],
                "country": country_name(data["country"]) if data["country"] else "",
                "amount": format_money(data["amount"], currency) if data["amount"] is not None else "",
                "decision": decision,
                "parameters": _parameters_context(deal_parameters(partner=partner)),
            }
        template = "programs/policy_check.html#result" if request.htmx else "programs/policy_check.html"
        return render(request, template, {"form": form, "result": result})
