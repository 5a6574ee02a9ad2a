"""Policy pages: products a partner may sell (and why not), licences, the staff policy check."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.countries import country_name
from prm.web.files import document_response
from prm.web.views import paginate, run_service

from ..forms_policies import DealCheckForm, LicenceDecisionForm, LicenceUploadForm, PolicyCheckForm
from ..selectors.policies import (
    licence_get_for_actor,
    licence_list_for_actor,
    licence_queue_for_actor,
    licence_types,
    own_partner_for_actor,
    partner_options_for_actor,
    product_line_options,
    territories_for_actor,
)
from ..services.catalogue import licence_reject, licence_upload, licence_verify
from ..services.policy import deal_parameters, format_money, grant_label, policy_decide, product_lines_for_partner


def _territory_rows(grants) -> list[dict]:
    return [
        {
            "where": grant_label(grant),
            "line": grant.product_line.name if grant.product_line_id else "Every product line",
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

    area, capability = PORTAL, "products.view"

    def get(self, request):
        partner = own_partner_for_actor(actor=self.actor)
        currency = request.tenant.default_currency
        decided = product_lines_for_partner(partner=partner)
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
            "territories": _territory_rows(territories_for_actor(actor=self.actor, partner=partner)),
            "parameters": _parameters_context(deal_parameters(partner=partner)),
        }
        template = "programs/products.html#deal_check" if request.htmx else "programs/products.html"
        return render(request, template, context)


# --- Portal: licences --------------------------------------------------------------------------


class LicencesView(MemberRequiredMixin, View):
    """The company's licences and their verification state; partner admins upload new ones."""

    area, capability = PORTAL, "company.view"
    template = "programs/licences.html"

    def _render(self, request, form, status=200):
        can_manage = self.actor.can("licences.manage")
        context = {
            "licences": list(licence_list_for_actor(actor=self.actor)),
            "form": form if can_manage else None,
            "can_manage": can_manage,
        }
        return render(request, self.template, context, status=status)

    def get(self, request):
        return self._render(request, LicenceUploadForm(licence_types=licence_types()))

    def post(self, request):
        # Reading is for everyone in the company; filing licences is the partner admin's.
        if not self.actor.can("licences.manage"):
            raise PermissionDenied
        partner = own_partner_for_actor(actor=self.actor)
        form = LicenceUploadForm(request.POST, request.FILES, licence_types=licence_types())
        if form.is_valid():
            data = form.cleaned_data
            if run_service(
                request,
                lambda: licence_upload(
                    actor=self.actor,
                    partner=partner,
                    licence_type=data["licence_type"],
                    document=data["document"],
                    expires_on=data["expires_on"],
                    number=data["number"],
                    issued_on=data["issued_on"],
                ),
                success=f"Your {data['licence_type'].name} was uploaded; the vendor will verify it.",
            ):
                return redirect("portal:licences")
        else:
            messages.error(request, "The licence was not uploaded: correct the fields marked below.")
        return self._render(request, form)


class LicenceDocumentView(MemberRequiredMixin, View):
    """A licence's document, to whoever may see the licence: as a download, never rendered inline
    nor sniffed into something executable."""

    def get(self, request, licence_id: int):
        licence = licence_get_for_actor(actor=self.actor, licence_id=licence_id)
        return document_response(licence.document, name=f"licence-{licence.pk}")


class PortalLicenceDocumentView(LicenceDocumentView):
    area, capability = PORTAL, "company.view"


class OfficeLicenceDocumentView(LicenceDocumentView):
    area, capability = OFFICE, "programs.view"


# --- Back office: the verification queue --------------------------------------------------------


class LicenceQueueView(MemberRequiredMixin, View):
    """Pending licences, oldest first, each with verify / reject for those who may decide."""

    area, capability = OFFICE, "programs.view"

    def get(self, request):
        page = paginate(request, licence_queue_for_actor(actor=self.actor))
        context = {"page": page, "can_decide": self.actor.can("licences.verify")}
        return render(request, "programs/licence_queue.html", context)


class LicenceDecideView(MemberRequiredMixin, View):
    area, capability = OFFICE, "licences.verify"

    def post(self, request, licence_id: int):
        licence = licence_get_for_actor(actor=self.actor, licence_id=licence_id)
        form = LicenceDecisionForm(request.POST)
        if not form.is_valid():
            errors = [error for field_errors in form.errors.values() for error in field_errors]
            messages.error(request, " ".join(errors) or "Choose verify or reject.")
        elif form.cleaned_data["decision"] == "verify":
            run_service(
                request,
                lambda: licence_verify(actor=self.actor, licence=licence),
                success=f"{licence.licence_type.name} of {licence.partner} verified.",
            )
        else:
            run_service(
                request,
                lambda: licence_reject(actor=self.actor, licence=licence, reason=form.cleaned_data["reason"]),
                success=f"{licence.licence_type.name} of {licence.partner} rejected; the partner is told why.",
            )
        return redirect("office:licence_queue")


# --- Back office: the policy check ---------------------------------------------------------------


class PolicyCheckView(MemberRequiredMixin, View):
    """A staff tool: what the policy decides for a partner, line, country, amount and action."""

    area, capability = OFFICE, "programs.view"

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
