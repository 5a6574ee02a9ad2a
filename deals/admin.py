"""Deal-registration configuration in the Django admin: the vendor's own accounts (with a CSV
import), the auto-approval rules of each program and its special-pricing bands."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from prm.web.admin import TenantAdmin
from programs.selectors.policies import product_line_choices
from programs.selectors.tiers import tier_choices

from .models import AutoApprovalRule, CustomerAccount, PricingBand
from .normalize import company_key, registrable_domain
from .services import IMPORT_COLUMNS, customer_accounts_import


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=format_lazy(
            _("A header row, then one account per row: {columns}."), columns=", ".join(IMPORT_COLUMNS)
        ),
    )


class CustomerAccountForm(forms.ModelForm):
    class Meta:
        model = CustomerAccount
        fields = ("name", "domain", "country", "kind", "external_id", "owner")

    def clean_domain(self):
        typed = self.cleaned_data["domain"].strip()
        domain = registrable_domain(typed) if typed else ""
        if typed and not domain:
            raise forms.ValidationError(_("Enter the company's web domain, e.g. example.com."))
        return domain

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise forms.ValidationError(_("A two-letter country code, e.g. DE."))
        return country

    def save(self, commit=True):
        # The conflict check compares the normalised name, computed once, here.
        self.instance.name_key = company_key(self.cleaned_data["name"])
        return super().save(commit)


@admin.register(CustomerAccount)
class CustomerAccountAdmin(TenantAdmin):
    form = CustomerAccountForm
    list_display = ("name", "domain", "country", "kind", "external_id")
    list_filter = ("kind",)
    search_fields = ("name", "domain", "external_id")
    change_list_template = "admin/deals/customeraccount/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="deals_customeraccount_import"), *super().get_urls()]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            result = customer_accounts_import(
                actor=getattr(request, "membership", None), content=form.cleaned_data["file"].read()
            )
            if result.ok:
                messages.success(
                    request,
                    gettext("Imported: %(created)s accounts added, %(updated)s updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("admin:deals_customeraccount_changelist")
            errors = result.errors
            messages.error(
                request,
                ngettext(
                    "Nothing was imported: %(count)s row error. Fix the file and try again.",
                    "Nothing was imported: %(count)s row errors. Fix the file and try again.",
                    len(errors),
                )
                % {"count": len(errors)},
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import accounts from CSV"),
            "form": form,
            "row_errors": errors,
            "columns": IMPORT_COLUMNS,
        }
        return TemplateResponse(request, "admin/deals/customeraccount/import.html", context)


class AutoApprovalRuleForm(forms.ModelForm):
    """Product lines as checkboxes, stored as a list of ids (no join table)."""

    product_lines = forms.ModelMultipleChoiceField(
        queryset=product_line_choices().none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Product lines"),
        help_text=_("Only registrations whose every product is in these lines. Empty: any line."),
    )

    class Meta:
        model = AutoApprovalRule
        fields = ("program", "name", "priority", "is_active", "require_no_conflict", "max_amount", "min_tier")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_lines"].queryset = product_line_choices()
        self.fields["min_tier"].queryset = tier_choices()
        if self.instance.pk:
            self.initial["product_lines"] = list(self.instance.product_line_ids)

    def clean(self):
        cleaned = super().clean()
        program, tier = cleaned.get("program"), cleaned.get("min_tier")
        if program and tier and tier.program_id != program.pk:
            self.add_error(
                "min_tier",
                gettext("%(tier)s is not a tier of %(program)s.") % {"tier": tier.name, "program": program.name},
            )
        return cleaned

    def save(self, commit=True):
        self.instance.product_line_ids = sorted(line.pk for line in self.cleaned_data.get("product_lines") or [])
        return super().save(commit)


@admin.register(AutoApprovalRule)
class AutoApprovalRuleAdmin(TenantAdmin):
    form = AutoApprovalRuleForm
    list_display = ("name", "program", "priority", "is_active", "require_no_conflict", "max_amount", "min_tier")
    list_filter = ("program", "is_active")
    list_select_related = ("program", "min_tier")
    ordering = ("program__name", "priority", "id")
    fieldsets = (
        (None, {"fields": ("program", "name", "priority", "is_active")}),
        (
            _("Conditions (all must hold; empty ones do not restrict)"),
            {"fields": ("require_no_conflict", "max_amount", "min_tier", "product_lines")},
        ),
    )


class PricingBandForm(forms.ModelForm):
    class Meta:
        model = PricingBand
        fields = ("program", "up_to_percent", "approver_role")

    def clean(self):
        cleaned = super().clean()
        program, up_to = cleaned.get("program"), cleaned.get("up_to_percent")
        # The unique constraint leads with the tenant, which the form leaves out: check it here.
        taken = PricingBand.objects.filter(program=program, up_to_percent=up_to).exclude(pk=self.instance.pk)
        if program is not None and up_to is not None and taken.exists():
            self.add_error(
                "up_to_percent",
                gettext("%(program)s already has a band up to %(percent)s %%.")
                % {"program": program.name, "percent": up_to},
            )
        return cleaned


@admin.register(PricingBand)
class PricingBandAdmin(TenantAdmin):
    """Who approves special pricing, by discount band, per program. A program without bands uses
    the defaults (deals.models.DEFAULT_PRICING_BANDS): up to 10 % the channel manager, up to
    25 % the channel director, above that finance."""

    form = PricingBandForm
    list_display = ("program", "up_to_percent", "approver_role")
    list_filter = ("program",)
    list_select_related = ("program",)
    ordering = ("program__name", "up_to_percent", "id")
