"""Incentives in the Django admin: the exchange rates finance enters, and the ledger to read
(never to edit: corrections are reversing postings, made by the services)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prm.web.admin import TenantAdmin, TenantInline, TenantModelForm
from programs.models import ProductLine

from .models import ExchangeRate, IncentiveSettings, LedgerEntry, LedgerTransaction, SpiffBasis, SpiffCampaign


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
    list_display = ("__str__", "hold_days", "minimum_payout")
    fields = ("hold_days", "minimum_payout")

    def has_add_permission(self, request, *args):
        # One row per tenant (the payout services make it when it is missing).
        return super().has_add_permission(request, *args) and not IncentiveSettings.objects.exists()
