"""Input of the course editor (back office): the list's filters, a course's details and audience,
a lesson, the quiz's rules, a question with its answers. Validation only: the services decide
(``learning.services.authoring``)."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from prm.web.files import DOCUMENT_MAX_BYTES
from prm.web.forms import ObjectChoiceField

from .models import PARTNER_ROLE_CHOICES, CourseLevel, CourseStatus, LessonKind, QuestionKind
from .richtext import TAGS
from .services.authoring import DOWN, MAX_CHOICES, UP

# Answer rows on the question form: the question's answers and two blank ones, four at least.
BLANK_ANSWERS = 2
MIN_ANSWER_ROWS = 4


class CourseFilterForm(forms.Form):
    """The course list's query string; invalid values are ignored, never a 500."""

    q = forms.CharField(required=False, max_length=100, label=_("Title or code"))
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *CourseStatus.choices], required=False, label=_("Status")
    )

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"q": (data.get("q") or "").strip(), "status": data.get("status") or ""}


class IdsField(forms.TypedMultipleChoiceField):
    """Ticked ids among the given (id, label) choices, cleaned to a list of ints."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(coerce=int, empty_value=[], **kwargs)


class CourseForm(forms.Form):
    """A course's details, audience and prerequisites (the content lives in its versions)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("Letters, digits and hyphens; unique among your courses (reports and certifications name it)."),
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.CharField(label=_("Category"), required=False, max_length=80)
    level = forms.ChoiceField(label=_("Level"), choices=CourseLevel.choices)
    duration_minutes = forms.IntegerField(label=_("Duration in minutes"), min_value=0, max_value=100_000, initial=0)
    audience_partner_type_ids = IdsField(label=_("Partner types"), help_text=_("None ticked: every partner type."))
    audience_tier_ids = IdsField(label=_("Tiers"), help_text=_("None ticked: partners of any tier, or of none."))
    audience_roles = forms.MultipleChoiceField(
        label=_("Partner roles"),
        choices=PARTNER_ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every partner user."),
    )
    prerequisites = IdsField(label=_("Courses to complete first"))

    def __init__(self, *args, partner_types=(), tiers=(), courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_partner_type_ids"].choices = [(t.id, t.name) for t in partner_types]
        self.fields["audience_tier_ids"].choices = [(t.pk, f"{t.program.name}: {t.name}") for t in tiers]
        self._courses = {course.pk: course for course in courses}
        self.fields["prerequisites"].choices = [(c.pk, f"{c.title} ({c.code})") for c in courses]

    def prerequisite_courses(self) -> list:
        return [self._courses[pk] for pk in self.cleaned_data.get("prerequisites") or []]


def _allowed_tags() -> str:
    return ", ".join(sorted(TAGS))


class LessonForm(forms.Form):
    """A lesson: its kind decides which of the fields count (the service says what is missing)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=LessonKind.choices, widget=forms.RadioSelect)
    body = forms.CharField(
        label=_("Lesson text"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace"}),
        help_text=format_lazy(
            _(
                "HTML; the lesson's text, or an introduction to a video, file or package. Kept: {tags}. Anything else "
                "(scripts, styles, frames) is removed when saved."
            ),
            tags=_allowed_tags(),
        ),
    )
    video_url = forms.CharField(
        label=_("Video address"),
        required=False,
        max_length=200,
        help_text=_("A YouTube or Vimeo link; it plays in their privacy-friendly player."),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=format_lazy(
            _("A PDF, PNG or JPEG file up to {size} MB. Leave empty to keep the current file."),
            size=DOCUMENT_MAX_BYTES // (1024 * 1024),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )
    scorm_package = ObjectChoiceField(label=_("SCORM package"), required=False)
    duration_minutes = forms.IntegerField(label=_("Duration in minutes"), min_value=0, max_value=100_000, initial=0)

    def __init__(self, *args, packages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scorm_package"].set_objects(packages, lambda p: p.title)


class QuizSettingsForm(forms.Form):
    pass_mark_percent = forms.IntegerField(label=_("Pass mark (%)"), min_value=1, max_value=100)
    questions_per_attempt = forms.IntegerField(
        label=_("Questions per attempt"),
        min_value=0,
        max_value=1000,
        help_text=_("Drawn at random from the bank; 0 asks every question."),
    )
    max_attempts = forms.IntegerField(
        label=_("Attempts allowed"), min_value=0, max_value=1000, help_text=_("0 allows any number of attempts.")
    )
    cooldown_minutes = forms.IntegerField(
        label=_("Wait between attempts (minutes)"),
        min_value=0,
        max_value=525_600,
        help_text=_("After a failed attempt."),
    )
    time_limit_minutes = forms.IntegerField(
        label=_("Time limit (minutes)"),
        min_value=0,
        max_value=10_000,
        help_text=_("0: no time limit. Enforced on the server."),
    )
    show_answers = forms.BooleanField(label=_("Show the correct answers on the result page"), required=False)


class QuestionForm(forms.Form):
    """A question and its answers: a text and a "correct" box per row; blank rows are ignored."""

    text = forms.CharField(label=_("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices, widget=forms.RadioSelect)
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown with the answers, if the result page shows them."),
    )

    def __init__(self, *args, rows: int = MIN_ANSWER_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        data = args[0] if args else kwargs.get("data")
        if data is not None:  # as many rows as were posted (an author may have typed into all)
            posted = sum(1 for key in data if key.startswith("answer_") and key.endswith("_text"))
            rows = max(rows, posted)
        self.rows = max(MIN_ANSWER_ROWS, min(rows, MAX_CHOICES))
        for n in range(self.rows):
            self.fields[f"answer_{n}_text"] = forms.CharField(
                label=format_lazy(_("Answer {number}"), number=n + 1), required=False, max_length=500
            )
            self.fields[f"answer_{n}_correct"] = forms.BooleanField(
                label=format_lazy(_("Answer {number} is correct"), number=n + 1), required=False
            )

    @classmethod
    def initial_for(cls, question) -> tuple[dict, int]:
        """The form's initial values for ``question`` and its number of answer rows."""
        choices = list(question.choices.all())
        initial = {"text": question.text, "kind": question.kind, "explanation": question.explanation}
        for n, choice in enumerate(choices):
            initial[f"answer_{n}_text"] = choice.text
            initial[f"answer_{n}_correct"] = choice.is_correct
        return initial, len(choices) + BLANK_ANSWERS

    def answer_rows(self) -> list[tuple]:
        """(text field, correct field) per row, for the template."""
        return [(self[f"answer_{n}_text"], self[f"answer_{n}_correct"]) for n in range(self.rows)]

    def answers(self) -> list[tuple[str, bool]]:
        data = self.cleaned_data
        return [(data.get(f"answer_{n}_text") or "", bool(data.get(f"answer_{n}_correct"))) for n in range(self.rows)]


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[(UP, _("Up")), (DOWN, _("Down"))])
