"""People pages: invitations, staff and partner users, accepting an invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views import View

from prm.web.views import ServiceView, call_service

from .access import OFFICE, PORTAL, MemberRequiredMixin
from .forms import AcceptInvitationForm, DeactivateForm, InvitationForm
from .permissions import MANAGE, REVOKE, invitation_may, membership_may
from .roles import PEOPLE_INVITE, PEOPLE_MANAGE, PEOPLE_VIEW, STAFF_INVITE, STAFF_VIEW
from .selectors import (
    invitation_from_token,
    invitation_get_for_actor,
    invitations_pending_for_actor,
    membership_get_for_actor,
    people_list_for_actor,
    staff_list_for_actor,
    user_exists_for_email,
)
from .services import (
    invitation_accept,
    invitation_accept_new_user,
    invitation_create,
    invitation_revoke,
    membership_deactivate,
    membership_reactivate,
    roles_invitable_by,
)


class InvitationAcceptView(View):
    """The link in an invitation e-mail. New people choose a password; others sign in first."""

    def dispatch(self, request, token: str):
        if request.tenant is None:
            raise Http404
        self.invitation = invitation_from_token(token=token)
        if self.invitation is None:
            raise Http404
        return super().dispatch(request, token)

    def get(self, request, token):
        invitation = self.invitation
        if not invitation.is_pending:
            return render(request, "accounts/invitation_invalid.html", status=410)
        if request.user.is_authenticated:
            return render(request, "accounts/invitation_accept.html", {"invitation": invitation})
        if user_exists_for_email(email=invitation.email):
            messages.info(
                request, gettext("Sign in as %(email)s to accept the invitation.") % {"email": invitation.email}
            )
            return redirect_to_login(request.get_full_path())
        return render(
            request, "accounts/invitation_accept.html", {"invitation": invitation, "form": AcceptInvitationForm()}
        )

    def post(self, request, token):
        invitation = self.invitation
        if not invitation.is_pending:
            # As for GET: a spent link must not create an account before the service refuses it.
            return render(request, "accounts/invitation_invalid.html", status=410)
        welcome = gettext("Welcome to %(tenant)s.") % {"tenant": request.tenant.name}
        if request.user.is_authenticated:
            if call_service(request, invitation_accept, invitation=invitation, user=request.user, success=welcome).ok:
                return redirect("home")
            return render(request, "accounts/invitation_accept.html", {"invitation": invitation})
        form = AcceptInvitationForm(request.POST, email=invitation.email)
        if form.is_valid():
            data = form.cleaned_data
            outcome = call_service(
                request,
                invitation_accept_new_user,
                invitation=invitation,
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                success=welcome,
            )
            if outcome.ok:
                from .sso import refuse_without_sso

                refused = refuse_without_sso(request, outcome.value.user.email)
                if refused is not None:  # their organisation signs them in through its provider
                    return refused
                login(request, outcome.value.user, backend="allauth.account.auth_backends.AuthenticationBackend")
                return redirect("home")
        return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})


class StaffListView(MemberRequiredMixin, View):
    area, capability = OFFICE, STAFF_VIEW

    def get(self, request, form=None):
        roles = roles_invitable_by(actor=self.actor, partner=None)
        return render(
            request,
            "accounts/staff_list.html",
            {
                "people": list(staff_list_for_actor(actor=self.actor)),
                "invitations": list(invitations_pending_for_actor(actor=self.actor, partner=None)),
                "invite_form": form or (InvitationForm(roles=roles) if roles else None),
                "can_manage_staff": membership_may(self.actor, None, MANAGE),
            },
        )


class InvitationCreateView(ServiceView):
    """Invite someone by e-mail, as staff (``invitation_partner`` None) or as a user of that
    partner, with a role the actor may hand out."""

    form_class = InvitationForm

    def invitation_partner(self):
        return None

    def get_form_kwargs(self):
        return {"roles": roles_invitable_by(actor=self.actor, partner=self.invitation_partner())}

    def perform(self, data):
        partner = self.invitation_partner()
        return invitation_create(actor=self.actor, email=data["email"], role=data["role"], partner=partner)

    def success_message(self, invitation):
        return gettext("An invitation is on its way to %(email)s.") % {"email": invitation.email}


class StaffInviteView(InvitationCreateView, StaffListView):
    area, capability = OFFICE, STAFF_INVITE

    def success_url(self, invitation):
        return reverse("office:staff")

    def render_invalid(self, form):
        return self.get(self.request, form=form)


class InvitationRevokeView(ServiceView):
    area, capability = OFFICE, None

    def get_object(self):
        invitation = invitation_get_for_actor(actor=self.actor, invitation_id=self.kwargs["invitation_id"])
        if not invitation_may(self.actor, invitation, REVOKE):
            raise PermissionDenied
        return invitation

    def perform(self, data):
        return invitation_revoke(actor=self.actor, invitation=self.object)

    def success_message(self, invitation):
        return gettext("The invitation to %(email)s is revoked.") % {"email": invitation.email}

    def success_url(self, invitation=None):
        return _people_page(self.actor, self.object.partner_id)

    def render_invalid(self, form):
        return redirect(self.success_url())


def _people_page(actor, partner_id):
    if actor.is_partner_user:
        return "portal:people"
    return reverse("office:partner_people", kwargs={"partner_id": partner_id}) if partner_id else "office:staff"


class PortalInvitationRevokeView(InvitationRevokeView):
    area, capability = PORTAL, PEOPLE_INVITE


class MembershipDeactivateView(ServiceView):
    """Staff deactivate staff (``STAFF_MANAGE``) or partner users (``PARTNERS_INVITE``: who
    gives a partner's users access takes it away); see ``permissions.MEMBERSHIP_RULES``."""

    area, capability = OFFICE, None
    activate = False

    def get_object(self):
        membership = membership_get_for_actor(actor=self.actor, membership_id=self.kwargs["membership_id"])
        if not membership_may(self.actor, membership, MANAGE):
            raise PermissionDenied
        return membership

    def perform(self, data):
        if self.activate:
            return membership_reactivate(actor=self.actor, membership=self.object)
        # The reason is optional: one that does not fit is left out rather than keeping access on.
        form = DeactivateForm(self.request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        return membership_deactivate(actor=self.actor, membership=self.object, reason=reason)

    def success_message(self, membership):
        if self.activate:
            return f"{membership.user} has access again."
        return f"{membership.user} no longer has access."

    def success_url(self, membership=None):
        return _people_page(self.actor, self.object.partner_id)

    def render_invalid(self, form):
        return redirect(self.success_url())


class MembershipReactivateView(MembershipDeactivateView):
    activate = True


class PortalMembershipDeactivateView(MembershipDeactivateView):
    """Partner admins deactivate colleagues of their own company."""

    area, capability = PORTAL, PEOPLE_MANAGE


class PortalMembershipReactivateView(PortalMembershipDeactivateView):
    activate = True


class PortalPeopleView(MemberRequiredMixin, View):
    area, capability = PORTAL, PEOPLE_VIEW

    def get(self, request, form=None):
        partner = self.actor.partner  # the member's own company (loaded with the membership)
        roles = roles_invitable_by(actor=self.actor, partner=partner)
        return render(
            request,
            "accounts/portal_people.html",
            {
                "partner": partner,
                "people": list(people_list_for_actor(actor=self.actor, partner=partner)),
                "invitations": list(invitations_pending_for_actor(actor=self.actor, partner=partner)),
                "invite_form": form or (InvitationForm(roles=roles) if roles else None),
                "can_manage": membership_may(self.actor, partner, MANAGE),
            },
        )


class PortalInviteView(InvitationCreateView, PortalPeopleView):
    area, capability = PORTAL, PEOPLE_INVITE

    def invitation_partner(self):
        return self.actor.partner  # the member's own company (loaded with the membership)

    def success_url(self, invitation):
        return reverse("portal:people")

    def render_invalid(self, form):
        return self.get(self.request, form=form)
