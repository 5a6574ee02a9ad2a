"""Scorecards in the Django admin: a program's scorecard with its KPIs (metric from the registry,
weight, target, curve, what partners see) and the rules for potential and risk; "measure now"."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from prm.web.admin import TenantAdmin, TenantPermissions
from programs.selectors.metrics import metric_choices, metric_refusal

from .models import Curve, Scorecard, ScorecardKpi
from .services.admin import scorecards_measure_request


class KpiForm(forms.ModelForm):
    """A KPI's metric comes from the registry (one not measured yet is refused with the registry's
    reason); steps are pairs of a value and the share of the KPI's points reached there."""

    metric = forms.ChoiceField(label=_("metric"), choices=())

    class Meta:
        model = ScorecardKpi
        fields = (
            "position",
            "metric",
            "param",
            "label",
            "growth",
            "window_days",
            "weight",
            "target",
            "lower_is_better",
            "curve",
            "steps",
            "missing",
            "visible_to_partner",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "---------"), *metric_choices()]

    def clean_metric(self):
        key = self.cleaned_data["metric"]
        refusal = metric_refusal(key)
        if refusal:
            raise forms.ValidationError(refusal)
        return key

    def clean_steps(self):
        steps = self.cleaned_data.get("steps") or []
        if not isinstance(steps, list):
            raise forms.ValidationError(gettext("Steps are a list of [value, share] pairs."))
        cleaned = []
        for step in steps:
            try:
                at, share = (Decimal(str(part)) for part in step)
            except (TypeError, ValueError, InvalidOperation):
                raise forms.ValidationError(
                    gettext("Each step is a value and a share of the points, e.g. [50, 0.5].")
                ) from None
            if not Decimal(0) <= share <= Decimal(1):
                raise forms.ValidationError(gettext("A step's share of the points is between 0 and 1."))
            cleaned.append([float(at), float(share)])
        return sorted(cleaned)

    def clean(self):
        data = super().clean()
        if data.get("curve") == Curve.THRESHOLDS and not data.get("steps"):
            self.add_error("steps", gettext("Scoring by steps needs at least one step."))
        return data


class KpiFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if kept and not any((f.cleaned_data.get("weight") or 0) > 0 for f in kept):
            raise forms.ValidationError(gettext("At least one KPI needs a weight above zero."))


class KpiInline(TenantPermissions, admin.StackedInline):
    """Stacked: a KPI has a dozen settings, too many for one table row."""

    model = ScorecardKpi
    form = KpiForm
    formset = KpiFormSet
    extra = 1
    fieldsets = (
        (None, {"fields": (("metric", "param", "label"), ("weight", "target", "position"))}),
        (
            _("How it is scored"),
            {
                "fields": (
                    ("window_days", "growth", "lower_is_better"),
                    ("curve", "steps"),
                    ("missing", "visible_to_partner"),
                )
            },
        ),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "steps" and field is not None:
            field.widget.attrs.update({"rows": 2, "cols": 30})
        return field


@admin.register(Scorecard)
class ScorecardAdmin(TenantAdmin):
    list_display = ("name", "program", "is_active", "updated_at")
    list_select_related = ("program",)
    inlines = [KpiInline]
    actions = ["measure_now"]
    fieldsets = (
        (None, {"fields": ("program", "name", "description", "is_active")}),
        (_("High potential and risk"), {"fields": ("growth_percent", "score_drop", "inactive_days", "expiring_days")}),
    )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        total = sum((kpi.weight for kpi in ScorecardKpi.objects.filter(scorecard=form.instance)), Decimal(0))
        if total and total != 100:
            messages.info(
                request,
                gettext(
                    "The weights add up to %(total)s, not 100: each KPI is worth its share of the total "
                    "(a weight of 30 out of %(total)s is %(share)s%% of the score)."
                )
                % {"total": f"{total:f}".rstrip("0").rstrip("."), "share": round(Decimal(30) / total * 100, 1)},
            )

    @admin.action(description=_("Measure now (in the background)"))
    def measure_now(self, request, queryset):
        count = scorecards_measure_request(scorecard_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d scorecard will be measured in a moment.",
                "%(count)d scorecards will be measured in a moment.",
                count,
            )
            % {"count": count},
        )
