"""Incentives in the Django admin: the exchange rates finance enters, and the ledger to read
(never to edit: corrections are reversing postings, made by the services)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from prm.tenancy.time import tenant_today
from prm.web.admin import TenantAdmin, TenantInline, TenantModelForm
from programs.models import ProductLine

from .models import (
    ExchangeRate,
    IncentiveSettings,
    LedgerEntry,
    LedgerTransaction,
    MdfActivityType,
    MdfBudget,
    ProofKind,
    RebateAccrual,
    RebatePlan,
    SpiffBasis,
    SpiffCampaign,
)


class CurrencyField(forms.CharField):
    """An ISO 4217 code as typed ("eur"), kept as stored ("EUR")."""

    def to_python(self, value):
        return super().to_python(value).upper()


class ExchangeRateForm(TenantModelForm):
    currency = CurrencyField(label=_("currency"), max_length=3)

    class Meta:
        model = ExchangeRate
        fields = ("currency", "on", "rate")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(TenantAdmin):
    form = ExchangeRateForm
    list_display = ("currency", "on", "rate", "entered_by", "entered_at")
    list_filter = ("currency",)
    fields = ("currency", "on", "rate")
    ordering = ("currency", "-on")

    def save_model(self, request, obj, form, change):
        obj.entered_by = getattr(request, "membership", None)
        super().save_model(request, obj, form, change)


class ReadOnly:
    """The ledger is append-only: the admin shows it and changes nothing."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LedgerEntryInline(ReadOnly, TenantInline):
    model = LedgerEntry
    fields = ("account", "member", "amount", "currency", "rate", "reporting_amount")
    readonly_fields = fields
    extra = 0


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnly, TenantAdmin):
    list_display = ("id", "kind", "partner", "earned_on", "memo", "posted_by", "posted_at")
    list_filter = ("kind",)
    list_select_related = ("partner", "posted_by__user")
    search_fields = ("memo", "source")
    readonly_fields = ("kind", "partner", "earned_on", "memo", "source", "reverses", "posted_by", "posted_at")
    fields = readonly_fields
    inlines = [LedgerEntryInline]


class SpiffCampaignForm(TenantModelForm):
    currency = CurrencyField(label=_("currency"), max_length=3)
    product_lines = forms.ModelMultipleChoiceField(
        queryset=ProductLine.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Product lines"),
        help_text=_("The deal's lines of these product lines count. Empty: every line."),
    )

    class Meta:
        model = SpiffCampaign
        fields = (
            "name",
            "description",
            "program",
            "product_lines",
            "starts_on",
            "ends_on",
            "basis",
            "amount",
            "currency",
            "cap_per_rep",
            "cap_per_partner",
            "from_leads_only",
            "payee",
            "claim_mode",
            "is_active",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["product_lines"] = list(ProductLine.objects.filter(pk__in=self.instance.product_line_ids))

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", gettext("The last day comes after the first."))
        if data.get("basis") == SpiffBasis.PERCENT and (data.get("amount") or 0) > 100:
            self.add_error("amount", gettext("A percentage is at most 100."))
        return data

    def save(self, commit=True):
        self.instance.product_line_ids = sorted(line.pk for line in self.cleaned_data.get("product_lines") or [])
        return super().save(commit)


@admin.register(SpiffCampaign)
class SpiffCampaignAdmin(TenantAdmin):
    form = SpiffCampaignForm
    list_display = (
        "name",
        "program",
        "starts_on",
        "ends_on",
        "basis",
        "amount",
        "currency",
        "payee",
        "claim_mode",
        "is_active",
    )
    list_filter = ("is_active", "claim_mode", "basis")
    list_select_related = ("program",)
    search_fields = ("name",)


@admin.register(IncentiveSettings)
class IncentiveSettingsAdmin(TenantAdmin):
    list_display = ("__str__", "hold_days", "minimum_payout", "payout_schedule")
    fields = ("hold_days", "minimum_payout", "payout_schedule")

    def has_add_permission(self, request, *args):
        # One row per tenant (the payout services make it when it is missing).
        return super().has_add_permission(request, *args) and not IncentiveSettings.objects.exists()


class RebatePlanForm(TenantModelForm):
    class Meta:
        model = RebatePlan
        fields = (
            "name",
            "program",
            "min_tier",
            "growth_only",
            "baseline",
            "bands",
            "add_tier_percent",
            "accelerator_percent",
            "accelerator_certifications",
            "is_active",
        )

    def clean_bands(self):
        bands = self.cleaned_data.get("bands")
        try:
            pairs = [(Decimal(str(threshold)), Decimal(str(percent))) for threshold, percent in bands]
        except (TypeError, ValueError, ArithmeticError):
            raise forms.ValidationError(
                gettext("Write the bands as [[revenue, percent], ...], e.g. [[0, 1], [100000, 2]].")
            ) from None
        if not pairs or any(threshold < 0 or not 0 <= percent <= 100 for threshold, percent in pairs):
            raise forms.ValidationError(gettext("Give at least one band; revenue from 0, percentages from 0 to 100."))
        return [[str(threshold), str(percent)] for threshold, percent in sorted(pairs)]

    def clean(self):
        data = super().clean()
        program, tier = data.get("program"), data.get("min_tier")
        if tier is not None and (program is None or tier.program_id != program.pk):
            self.add_error("min_tier", gettext("Pick a tier of the plan's program."))
        if data.get("add_tier_percent") and program is None:
            self.add_error("add_tier_percent", gettext("Tiers belong to a program: pick the plan's program first."))
        return data


@admin.register(RebatePlan)
class RebatePlanAdmin(TenantAdmin):
    form = RebatePlanForm
    list_display = ("name", "program", "growth_only", "baseline", "is_active")
    list_select_related = ("program",)
    actions = ["accrue_now", "close_last_quarter"]

    @admin.action(description=_("Measure the current quarter now"))
    def accrue_now(self, request, queryset):
        from .services.rebates import rebate_accrue

        for plan in queryset:
            result = rebate_accrue(plan=plan, on=tenant_today(), actor=getattr(request, "membership", None))
            self.message_user(
                request,
                ngettext(
                    "%(plan)s: %(count)s partner measured.", "%(plan)s: %(count)s partners measured.", result.partners
                )
                % {"plan": plan, "count": result.partners},
            )

    @admin.action(description=_("Close the last quarter (true-up, then approved for payout)"))
    def close_last_quarter(self, request, queryset):
        from prm.errors import DomainError

        from .services.rebates import quarter_of, rebate_close

        start, _end = quarter_of(tenant_today())
        for plan in queryset:
            try:
                result = rebate_close(actor=request.membership, plan=plan, on=start - timedelta(days=1))
            except DomainError as error:
                self.message_user(request, f"{plan}: {error}", level=messages.ERROR)
                continue
            self.message_user(
                request,
                ngettext("%(plan)s: %(count)s partner closed.", "%(plan)s: %(count)s partners closed.", result.partners)
                % {"plan": plan, "count": result.partners},
            )


@admin.register(RebateAccrual)
class RebateAccrualAdmin(ReadOnly, TenantAdmin):
    list_display = ("plan", "partner", "period_start", "actual", "baseline", "incremental", "rate", "amount", "closed")
    list_filter = ("plan", "period_start", "closed")
    list_select_related = ("plan", "partner")


class MdfActivityTypeForm(TenantModelForm):
    proof_required = forms.MultipleChoiceField(
        choices=ProofKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Proof of performance"),
        help_text=_("What a claim must carry, one document each."),
    )

    class Meta:
        model = MdfActivityType
        fields = ("name", "description", "vendor_share_percent", "proof_required", "claim_days", "is_active")


@admin.register(MdfActivityType)
class MdfActivityTypeAdmin(TenantAdmin):
    form = MdfActivityTypeForm
    list_display = ("name", "vendor_share_percent", "claim_days", "is_active")
    list_filter = ("is_active",)


@admin.register(MdfBudget)
class MdfBudgetAdmin(ReadOnly, TenantAdmin):
    """Budgets are funded on the ledger: they are created and allocated in the back office
    (Incentives, Market development funds); the admin lists them."""

    list_display = ("name", "starts_on", "ends_on", "amount", "currency", "program", "region", "expired_at")
    list_filter = ("currency",)
