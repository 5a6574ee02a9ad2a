"""E-learning configuration in the Django admin, for vendor admins: certifications with their
required courses, competencies with their requirements, learning paths with their steps,
courses (details, audience, prerequisites) and the SCORM packages uploaded (read only).

Course content (versions, lessons, quiz) is edited in the back office's course editor, where a
published version is never changed; here a course is created and its details saved through the
same services (``learning.services.authoring``), so the first version, the prerequisite-cycle check
and the events are the same.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerType
from prm.web.admin import ChoiceListField, ChoiceListForm, TenantAdmin, TenantInline
from programs.models import Tier

from .models import (
    PARTNER_ROLE_CHOICES,
    Certification,
    CertificationCourse,
    Competency,
    CompetencyRequirement,
    Course,
    CoursePrerequisite,
    LearningPath,
    LearningPathStep,
    ScormPackage,
)
from .services.authoring import COURSE_FIELDS, course_create, course_update, prerequisite_problem


class PartnerTypesField(forms.ModelMultipleChoiceField):
    """Partner types as checkboxes, stored as a list of ids (no join table)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("help_text", _("None ticked: every partner type."))
        super().__init__(queryset=PartnerType.objects.all(), **kwargs)


class TiersField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("help_text", _("None ticked: partners of any tier, or of none."))
        super().__init__(queryset=Tier.objects.select_related("program").order_by("program__name", "rank"), **kwargs)

    def label_from_instance(self, tier):
        return f"{tier.program.name}: {tier.name}"


def _roles_field() -> ChoiceListField:
    return ChoiceListField(
        label=_("Partner roles"), choices=PARTNER_ROLE_CHOICES, help_text=_("None ticked: every partner user.")
    )


# --- courses ------------------------------------------------------------------------------------


class CourseAdminForm(ChoiceListForm):
    """A course's details, audience and prerequisites; the checks are the services' (a taken
    code, a prerequisite cycle), asked here first so the form shows them beside the fields."""

    partner_types = PartnerTypesField(label=_("Partner types"))
    tiers = TiersField(label=_("Tiers"))
    audience_roles = _roles_field()
    prerequisites = forms.ModelMultipleChoiceField(
        label=_("Courses to complete first"),
        queryset=Course.objects.order_by("title"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Course
        fields = ("title", "code", "summary", "category", "level", "duration_minutes", "audience_roles")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        course = self.instance
        if course.pk:
            self.initial["partner_types"] = list(course.audience_partner_type_ids)
            self.initial["tiers"] = list(course.audience_tier_ids)
            self.initial["prerequisites"] = list(
                CoursePrerequisite.objects.filter(course=course).values_list("required_id", flat=True)
            )
            self.fields["prerequisites"].queryset = Course.objects.exclude(pk=course.pk).order_by("title")

    def clean_code(self):
        code = self.cleaned_data["code"].strip().lower()
        if Course.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext("Another course already has the code %(code)s.") % {"code": code})
        return code

    def clean_prerequisites(self):
        required = self.cleaned_data["prerequisites"]
        problem = prerequisite_problem(course=self.instance, required_ids=[c.pk for c in required])
        if problem:
            raise forms.ValidationError(problem)
        return required

    def service_values(self) -> dict:
        data = self.cleaned_data
        values = {name: data[name] for name in COURSE_FIELDS if name in data}
        values["audience_partner_type_ids"] = [t.pk for t in data.get("partner_types") or []]
        values["audience_tier_ids"] = [t.pk for t in data.get("tiers") or []]
        values["prerequisites"] = list(data.get("prerequisites") or [])
        return values


@admin.register(Course)
class CourseAdmin(TenantAdmin):
    form = CourseAdminForm
    list_display = ("title", "code", "status", "category", "level", "updated_at")
    list_filter = ("status", "level")
    search_fields = ("title", "code")
    readonly_fields = ("status", "content")
    fieldsets = (
        (None, {"fields": ("title", "code", "summary", "category", "level", "duration_minutes", "status", "content")}),
        (
            _("Who it is for"),
            {
                "description": _("Empty fields match everyone."),
                "fields": ("partner_types", "tiers", "audience_roles"),
            },
        ),
        (_("Prerequisites"), {"fields": ("prerequisites",)}),
    )

    @admin.display(description=_("Content"))
    def content(self, course):
        if not course.pk:
            return gettext("Lessons and the quiz are added in the back office once the course exists.")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("office:learning_course", args=[course.pk]),
            gettext("Versions, lessons and quiz: open the course editor"),
        )

    def save_model(self, request, obj, form, change):
        """Through the services: a new course gets its first version; events record the change."""
        actor = getattr(request, "membership", None)
        values = form.service_values()
        if change:
            course_update(actor=actor, course=obj, **values)
            return
        created = course_create(actor=actor, **values)
        obj.pk, obj.tenant_id = created.pk, created.tenant_id


# --- learning paths -----------------------------------------------------------------------------


class LearningPathForm(ChoiceListForm):
    partner_types = PartnerTypesField(label=_("Partner types"))
    audience_roles = _roles_field()

    class Meta:
        model = LearningPath
        fields = ("title", "code", "description", "is_active", "audience_roles")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["partner_types"] = list(self.instance.audience_partner_type_ids)

    def clean_code(self):
        code = self.cleaned_data["code"]
        if LearningPath.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                gettext("Another learning path already has the code %(code)s.") % {"code": code}
            )
        return code

    def save(self, commit=True):
        self.instance.audience_partner_type_ids = [t.pk for t in self.cleaned_data.get("partner_types") or []]
        return super().save(commit)


class LearningPathStepInline(TenantInline):
    model = LearningPathStep
    extra = 1
    fields = ("position", "course")
    ordering = ("position", "id")


@admin.register(LearningPath)
class LearningPathAdmin(TenantAdmin):
    form = LearningPathForm
    list_display = ("title", "code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title", "code")
    prepopulated_fields = {"code": ("title",)}
    inlines = [LearningPathStepInline]
    fields = ("title", "code", "description", "is_active", "partner_types", "audience_roles")


# --- certifications -----------------------------------------------------------------------------


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = (
            "name",
            "code",
            "description",
            "exam_course",
            "validity_months",
            "renewal_window_days",
            "renewal_course",
            "is_active",
        )

    def clean_code(self):
        code = self.cleaned_data["code"]
        if Certification.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                gettext("Another certification already has the code %(code)s.") % {"code": code}
            )
        return code

    def clean(self):
        data = super().clean()
        months, window = data.get("validity_months"), data.get("renewal_window_days")
        if months and window and window > months * 31:
            self.add_error(
                "renewal_window_days", gettext("The renewal window cannot be longer than the certificate is valid.")
            )
        return data


class CertificationCourseInline(TenantInline):
    model = CertificationCourse
    extra = 1
    fields = ("course",)
    verbose_name = _("required course")
    verbose_name_plural = _("required courses (besides the exam)")


@admin.register(Certification)
class CertificationAdmin(TenantAdmin):
    form = CertificationForm
    list_display = ("name", "code", "exam_course", "validity_months", "renewal_window_days", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("exam_course",)
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}
    inlines = [CertificationCourseInline]


# --- competencies -------------------------------------------------------------------------------


class CompetencyForm(forms.ModelForm):
    class Meta:
        model = Competency
        fields = ("name", "code", "description", "is_active")

    def clean_code(self):
        code = self.cleaned_data["code"]
        if Competency.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext("Another competency already has the code %(code)s.") % {"code": code})
        return code


class CompetencyRequirementInline(TenantInline):
    model = CompetencyRequirement
    extra = 1
    fields = ("certification", "min_people")


@admin.register(Competency)
class CompetencyAdmin(TenantAdmin):
    """A company-level rule: e.g. at least 3 people with an active Certified Engineer."""

    form = CompetencyForm
    list_display = ("name", "code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}
    inlines = [CompetencyRequirementInline]


# --- SCORM packages (read only) -----------------------------------------------------------------


@admin.register(ScormPackage)
class ScormPackageAdmin(TenantAdmin):
    """Packages are uploaded and validated in the back office; here they are listed only."""

    list_display = ("title", "identifier", "launch_path", "file_count", "size_bytes", "created_at")
    search_fields = ("title", "identifier")
    fields = ("title", "identifier", "launch_path", "file_count", "size_bytes", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
