"""Forms of the back office's applications: the queue's filters, the vetter, the scores, a
checklist item, a note, and the decision. Input validation only: the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prm.countries import COUNTRY_CHOICES
from prm.web.files import DOCUMENT_MAX_BYTES

from .models import ApplicationStatus, CheckStatus, RejectionReason
from .selectors.select import ALL, ANYONE, ME, OPEN, QUEUE_STATUSES, UNASSIGNED


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, label=_("Status"))
    vetter = forms.ChoiceField(required=False, label=_("Vetter"))
    partner_type = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Partner type"))
    country = forms.ChoiceField(required=False, label=_("Country"))
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    q = forms.CharField(required=False, max_length=100, label=_("Search"))

    def __init__(self, *args, vetters, partner_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (OPEN, _("Open (submitted, in review)")),
            *((s.value, s.label) for s in QUEUE_STATUSES),
            (ALL, _("Any status")),
        ]
        self.fields["vetter"].choices = [
            (ANYONE, _("Any vetter")),
            (ME, _("Assigned to me")),
            (UNASSIGNED, _("Unassigned")),
            *((str(m.pk), m.label) for m in vetters),
        ]
        self.fields["partner_type"].choices = [("", _("Any partner type")), *((t.id, t.name) for t in partner_types)]
        self.fields["country"].choices = [("", _("Any country")), *COUNTRY_CHOICES]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status") or OPEN,
            "vetter": data.get("vetter") or ANYONE,
            "partner_type_id": data.get("partner_type"),
            "country": data.get("country") or "",
            "overdue": bool(data.get("overdue")),
            "search": data.get("q") or "",
        }


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Vetter"))

    def __init__(self, *args, vetters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody")), *((m.pk, m.label) for m in vetters)]


class ScoreForm(forms.Form):
    """One 1-5 choice per active criterion (its guidance per level beside each), and an optional
    comment per criterion."""

    def __init__(self, *args, criteria, mine=None, **kwargs):
        super().__init__(*args, **kwargs)
        mine = mine or {}
        self.criteria = criteria
        for criterion in criteria:
            choices = [
                (level, f"{level}: {guidance}" if guidance else str(level)) for level, guidance in criterion.guidance
            ]
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.name,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                help_text=criterion.description,
                error_messages={"required": _("Score this criterion.")},
                initial=mine.get(criterion.pk, (None, ""))[0],
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on %(criterion)s") % {"criterion": criterion.name},
                required=False,
                max_length=500,
                initial=mine.get(criterion.pk, (None, ""))[1],
            )

    def rows(self):
        """(criterion, score field, comment field) per criterion, for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"score_{c.pk}"] for c in self.criteria}

    def comments(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"comment_{c.pk}", "") for c in self.criteria}


class CheckForm(forms.Form):
    status = forms.ChoiceField(choices=CheckStatus.choices, label=_("Outcome"))
    owner = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Owner"))
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Note"))
    evidence = forms.FileField(
        required=False,
        label=_("Evidence"),
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Nobody")), *((m.pk, m.label) for m in staff)]
        self.fields["evidence"].help_text = gettext("A PDF, PNG or JPEG file of at most %(size)s MB.") % {
            "size": DOCUMENT_MAX_BYTES // (1024 * 1024)
        }


class NoteForm(forms.Form):
    text = forms.CharField(
        max_length=5000,
        label=_("Internal note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the vendor's staff read it."),
        error_messages={"required": _("Write the note.")},
    )


class ApproveForm(forms.Form):
    program = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label=_("Program"))
    account_manager = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label=_("Channel account manager")
    )
    display_name = forms.CharField(max_length=200, required=False, label=_("Display name"))

    def __init__(self, *args, programs, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("No program yet")), *((p.pk, p.name) for p in programs)]
        self.fields["account_manager"].choices = [("", _("Nobody yet")), *((m.pk, m.label) for m in staff)]


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("", _("Choose a reason")), *RejectionReason.choices],
        label=_("Reason"),
        error_messages={"required": _("Choose a reason for the rejection.")},
    )
    message = forms.CharField(
        max_length=5000,
        label=_("Message to the applicant"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The applicant reads this in the e-mail that tells them the decision."),
        error_messages={"required": _("Tell the applicant why: they read your message.")},
    )


STATUS_BADGES = {
    ApplicationStatus.SUBMITTED: "primary",
    ApplicationStatus.IN_REVIEW: "info",
    ApplicationStatus.APPROVED: "success",
    ApplicationStatus.REJECTED: "danger",
    ApplicationStatus.EXPIRED: "secondary",
    ApplicationStatus.WITHDRAWN: "secondary",
    ApplicationStatus.UNVERIFIED: "light",
}
