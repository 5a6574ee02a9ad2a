"""Incentives in the Django admin: the exchange rates finance enters, and the ledger to read
(never to edit: corrections are reversing postings, made by the services)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from prm.web.admin import TenantAdmin, TenantInline, TenantModelForm

from .models import ExchangeRate, LedgerEntry, LedgerTransaction


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
