"""Personal data requests in the back office (vendor admins): find a person of the tenant by
e-mail, download everything the tenant keeps about them, erase them (prm/accounts/privacy.py)."""

from __future__ import annotations

import json

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from prm.web.views import ServiceView

from .access import OFFICE, MemberRequiredMixin
from .privacy import person_erase, person_export, person_get_for_actor
from .roles import STAFF_MANAGE


class FindForm(forms.Form):
    email = forms.EmailField(label=_("The person's e-mail address"), max_length=254)


class EraseForm(forms.Form):
    confirm_email = forms.CharField(
        label=_("Type the address again to confirm"), max_length=254, help_text=_("This cannot be undone.")
    )


def _page(request, actor, *, find=None, erase=None, person=None, status=200):
    if person is None and find is not None and find.is_valid():
        try:
            person = person_get_for_actor(actor=actor, email=find.cleaned_data["email"])
        except Http404:
            find.add_error("email", gettext("Nobody of this portal has this address."))
    return render(
        request,
        "accounts/privacy.html",
        {"find": find or FindForm(), "person": person, "erase": erase or EraseForm()},
        status=status,
    )


class PrivacyView(MemberRequiredMixin, View):
    area, capability = OFFICE, STAFF_MANAGE

    def get(self, request):
        find = FindForm(request.GET) if "email" in request.GET else None
        return _page(request, self.actor, find=find)


class PrivacyExportView(MemberRequiredMixin, View):
    """The person's data as a JSON file."""

    area, capability = OFFICE, STAFF_MANAGE

    def get(self, request, membership_id: int):
        person = _person(self.actor, membership_id)
        data = person_export(actor=self.actor, membership=person)
        response = HttpResponse(json.dumps(data, indent=2), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
        response["Cache-Control"] = "no-store"
        return response


def _person(actor, membership_id: int):
    from .selectors import membership_get_for_actor

    return membership_get_for_actor(actor=actor, membership_id=membership_id)


class PrivacyEraseView(ServiceView):
    area, capability = OFFICE, STAFF_MANAGE
    form_class = EraseForm

    def get_object(self):
        return _person(self.actor, self.kwargs["membership_id"])

    @property
    def invalid_message(self) -> str:
        return gettext("Nothing was erased: see the form below.")

    def perform(self, data):
        return person_erase(actor=self.actor, membership=self.object, confirm_email=data["confirm_email"])

    def success_message(self, membership) -> str:
        return gettext("The person's data was erased; what ledgers and events need stays, anonymised.")

    def success_url(self, result=None) -> str:
        return reverse("office:privacy")

    def render_invalid(self, form):
        if form is None:
            return redirect(f"{reverse('office:privacy')}?{urlencode({'email': self.object.user.email})}")
        return _page(self.request, self.actor, person=self.object, erase=form)
