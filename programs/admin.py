"""Program configuration in the Django admin: programs (segments, requalification, deal policy)
with their tiers, each tier with its benefits and requirements, manual metrics and enrollments.
The catalogue and policies are in ``admin_policies``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerType, SizeBand
from partners.selectors import partner_tag_choices
from prm.accounts.roles import PARTNER_ROLES, Role
from prm.segments import INDUSTRY_CHOICES, REGION_CHOICES
from prm.web.admin import ChoiceListField, ChoiceListForm, TenantAdmin, TenantInline, countries_field

from . import admin_policies  # noqa: F401  (registers the catalogue admins)
from .models import Enrollment, ManualMetric, Program, Tier, TierRequirement
from .selectors.metrics import metric_choices, metric_get, metric_refusal


class PartnerTypesField(forms.ModelMultipleChoiceField):
    """Partner types as checkboxes, stored as a list of ids (tenant-owned rows, no join table)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(queryset=PartnerType.objects.all(), **kwargs)


class TargetingForm(ChoiceListForm):
    """Segment fields of a ``Targeting`` model: choices instead of raw arrays. Industries and
    regions come from the same fixed lists as the partner record's, so that they match."""

    partner_types = PartnerTypesField(help_text=_("Empty: every partner type."))
    target_industries = ChoiceListField(label=_("Industries"), choices=INDUSTRY_CHOICES)
    target_size_bands = ChoiceListField(label=_("Size bands"), choices=SizeBand.choices)
    target_regions = ChoiceListField(label=_("Regions"), choices=REGION_CHOICES)
    target_countries = countries_field(label=_("Countries"))
    target_tags = ChoiceListField(
        label=_("Partner tags"),
        choices=(),
        help_text=_("Partners with any of these tags, e.g. marked for investment. Empty: any partner."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["partner_types"] = list(self.instance.target_partner_type_ids)
        # The tags the tenant's partners carry (and the investment tag), as the directory offers them.
        self.fields["target_tags"].choices = partner_tag_choices()
        if self.instance.pk is not None:
            self.fields["target_tags"].keep_legacy(self.instance.target_tags)

    def save(self, commit=True):
        self.instance.target_partner_type_ids = [t.pk for t in self.cleaned_data.get("partner_types") or []]
        return super().save(commit)


class ProgramForm(TargetingForm):
    deal_registration_roles = forms.MultipleChoiceField(
        choices=[(role.value, role.label) for role in Role if role in PARTNER_ROLES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Partner roles that may register deals; none ticked means every partner role."),
    )

    class Meta:
        model = Program
        fields = (
            "name",
            "slug",
            "description",
            "is_active",
            "target_industries",
            "target_size_bands",
            "target_regions",
            "target_countries",
            "target_tags",
            "auto_enroll",
            "review_cadence_months",
            "next_review_on",
            "grace_periods",
            "promotion_mode",
            "deal_min_amount",
            "deal_registration_roles",
            "deal_review_hours",
            "deal_win_needs_confirmation",
        )


class TierInline(TenantInline):
    model = Tier
    extra = 0
    fields = ("name", "rank", "color", "discount_percent", "protection_days", "lead_routing_weight")
    show_change_link = True


@admin.register(Program)
class ProgramAdmin(TenantAdmin):
    form = ProgramForm
    list_display = ("name", "slug", "is_active", "promotion_mode", "review_cadence_months", "next_review_on")
    list_filter = ("is_active", "promotion_mode")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TierInline]
    actions = ["evaluate_now"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "is_active")}),
        (
            _("Segments"),
            {
                "description": _("Which partners the program is for. Empty fields match everyone."),
                "fields": (
                    "partner_types",
                    "target_industries",
                    "target_size_bands",
                    "target_regions",
                    "target_countries",
                    "target_tags",
                    "auto_enroll",
                ),
            },
        ),
        (
            _("Requalification"),
            {"fields": ("review_cadence_months", "next_review_on", "grace_periods", "promotion_mode")},
        ),
        (
            _("Deal registration"),
            {
                "fields": (
                    "deal_min_amount",
                    "deal_registration_roles",
                    "deal_review_hours",
                    "deal_win_needs_confirmation",
                )
            },
        ),
    )

    @admin.action(description=_("Evaluate tiers now (the nightly run, for the selected programs)"))
    def evaluate_now(self, request, queryset):
        from .services.evaluation import tier_evaluate

        if request.tenant is None:
            messages.error(request, gettext("Open the vendor's own admin to evaluate its programs."))
            return
        summary = tier_evaluate(program_ids=list(queryset.values_list("pk", flat=True)))
        counts = {
            "enrollments": summary.enrollments,
            "promoted": summary.promoted,
            "promotions": summary.proposed_promotions,
            "demotions": summary.proposed_demotions,
            "at_risk": summary.at_risk,
        }
        messages.success(
            request,
            ngettext(
                "Evaluated %(enrollments)d enrollment: %(promoted)d promoted, %(promotions)d promotions and "
                "%(demotions)d demotions proposed, %(at_risk)d at risk.",
                "Evaluated %(enrollments)d enrollments: %(promoted)d promoted, %(promotions)d promotions and "
                "%(demotions)d demotions proposed, %(at_risk)d at risk.",
                summary.enrollments,
            )
            % counts,
        )


class RequirementForm(forms.ModelForm):
    """A requirement's metric comes from the registry; one not measured yet is refused with the
    registry's reason instead of silently never being met."""

    metric = forms.ChoiceField(choices=())

    class Meta:
        model = TierRequirement
        fields = ("metric", "param", "operator", "threshold", "window_days", "mandatory")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "---------"), *metric_choices()]

    def clean_metric(self):
        key = self.cleaned_data["metric"]
        refusal = metric_refusal(key)
        if refusal:
            raise forms.ValidationError(refusal)
        return key

    def clean(self):
        data = super().clean()
        metric = metric_get(data.get("metric") or "")
        if metric is not None and metric.param_label and not data.get("param"):
            self.add_error(
                "param",
                gettext("%(metric)s needs a %(param)s.") % {"metric": metric.label, "param": metric.param_label},
            )
        return data


class RequirementFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        tier = self.instance
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        optional = sum(1 for f in kept if not f.cleaned_data.get("mandatory"))
        wanted = getattr(tier, "optional_required", 0) or 0
        if wanted > optional:
            raise forms.ValidationError(
                ngettext(
                    "This tier asks for %(wanted)d optional requirement to be met but has only %(optional)d: "
                    "no partner could ever qualify. Add optional requirements or lower the number.",
                    "This tier asks for %(wanted)d optional requirements to be met but has only %(optional)d: "
                    "no partner could ever qualify. Add optional requirements or lower the number.",
                    wanted,
                )
                % {"wanted": wanted, "optional": optional}
            )


class RequirementInline(TenantInline):
    model = TierRequirement
    form = RequirementForm
    formset = RequirementFormSet
    extra = 1


@admin.register(Tier)
class TierAdmin(TenantAdmin):
    list_display = ("__str__", "rank", "discount_percent", "protection_days", "mdf_eligible", "rebate_percent")
    list_filter = ("program",)
    list_select_related = ("program",)
    inlines = [RequirementInline]
    fieldsets = (
        (None, {"fields": ("program", "name", "rank", "color", "description")}),
        (
            _("Benefits"),
            {
                "fields": (
                    "discount_percent",
                    "protection_days",
                    ("mdf_eligible", "mdf_allocation_percent"),
                    "lead_routing_weight",
                    "rebate_percent",
                    "content_access",
                )
            },
        ),
        (_("Qualification"), {"fields": ("optional_required",)}),
    )


@admin.register(ManualMetric)
class ManualMetricAdmin(TenantAdmin):
    list_display = ("name", "code", "unit", "evidence_required")
    prepopulated_fields = {"code": ("name",)}
    search_fields = ("name", "code")


class EnrollmentForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ("partner", "program", "tier")

    def clean(self):
        data = super().clean()
        partner, program, tier = data.get("partner"), data.get("program"), data.get("tier")
        if self.instance.pk or not (partner and program):
            return data
        if not program.targets(partner):
            raise forms.ValidationError(
                gettext(
                    "%(program)s does not target %(partner)s's segment (type, industry, size, region, country or tags)."
                )
                % {"program": program.name, "partner": partner}
            )
        if tier is not None and tier.program_id != program.pk:
            self.add_error(
                "tier", gettext("%(tier)s is not a tier of %(program)s.") % {"tier": tier.name, "program": program.name}
            )
        if Enrollment.objects.filter(partner=partner, program=program).exists():
            raise forms.ValidationError(
                gettext("%(partner)s is already enrolled in %(program)s.")
                % {"partner": partner, "program": program.name}
            )
        return data


@admin.register(Enrollment)
class EnrollmentAdmin(TenantAdmin):
    """Enrolments go through the service (segment check, event, evaluation); tier changes go
    through the back office's override (reason, hold date), so the tier is read-only here."""

    form = EnrollmentForm
    list_display = ("partner", "program", "tier", "enrolled_at", "grace_used", "override_until")
    list_filter = ("program", "tier")
    list_select_related = ("partner", "program", "tier")
    autocomplete_fields = ("partner",)
    search_fields = ("partner__display_name",)

    def get_readonly_fields(self, request, obj=None):
        return ("partner", "program", "tier", "grace_used", "override_reason", "override_until") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        from .services.decisions import enrollment_create

        # The form checked what the service checks; a race that slips past raises here.
        created = enrollment_create(actor=request.membership, partner=obj.partner, program=obj.program, tier=obj.tier)
        obj.pk = created.pk
        obj.enrolled_at = created.enrolled_at
