"""People pages: invitations, staff and partner users, accepting an invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from prm.errors import DomainError
from prm.web.views import run_service

from .access import OFFICE, PORTAL, MemberRequiredMixin
from .forms import AcceptInvitationForm, DeactivateForm, InvitationForm
from .models import Invitation, User
from .selectors import (
    invitation_from_token,
    invitations_pending_for_actor,
    membership_get_for_actor,
    people_list_for_actor,
    staff_list_for_actor,
)
from .services import (
    can_manage_membership,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_deactivate,
    membership_reactivate,
    roles_invitable_by,
    user_create_for_invitation,
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
        if User.objects.filter(email__iexact=invitation.email).exists():
            messages.info(request, f"Sign in as {invitation.email} to accept the invitation.")
            return redirect_to_login(request.get_full_path())
        return render(
            request, "accounts/invitation_accept.html", {"invitation": invitation, "form": AcceptInvitationForm()}
        )

    def post(self, request, token):
        invitation = self.invitation
        if not invitation.is_pending:
            # As for GET: a spent link must not create an account before the service refuses it.
            return render(request, "accounts/invitation_invalid.html", status=410)
        if request.user.is_authenticated:
            if run_service(
                request,
                lambda: invitation_accept(invitation=invitation, user=request.user),
                success=f"Welcome to {request.tenant.name}.",
            ):
                return redirect("home")
            return render(request, "accounts/invitation_accept.html", {"invitation": invitation})
        form = AcceptInvitationForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():  # no account without its membership
                    user = user_create_for_invitation(
                        invitation=invitation,
                        first_name=form.cleaned_data["first_name"],
                        last_name=form.cleaned_data["last_name"],
                        password=form.cleaned_data["password1"],
                    )
                    invitation_accept(invitation=invitation, user=user)
            except ValidationError as error:
                form.add_error("password1", error)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
                messages.success(request, f"Welcome to {request.tenant.name}.")
                return redirect("home")
        return render(request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form})


class StaffListView(MemberRequiredMixin, View):
    area, capability = OFFICE, "staff.view"

    def get(self, request, form=None):
        roles = roles_invitable_by(actor=self.actor, partner=None)
        return render(
            request,
            "accounts/staff_list.html",
            {
                "people": list(staff_list_for_actor(actor=self.actor)),
                "invitations": list(invitations_pending_for_actor(actor=self.actor, partner=None)),
                "invite_form": form or (InvitationForm(roles=roles) if roles else None),
                "can_manage_staff": self.actor.can("staff.manage"),
            },
        )


class StaffInviteView(StaffListView):
    area, capability = OFFICE, "staff.invite"

    def post(self, request):
        form = InvitationForm(request.POST, roles=roles_invitable_by(actor=self.actor, partner=None))
        if form.is_valid() and run_service(
            request,
            lambda: invitation_create(
                actor=self.actor, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            ),
            success=f"An invitation is on its way to {form.cleaned_data['email']}.",
        ):
            return redirect("office:staff")
        return self.get(request, form=form)


class InvitationRevokeView(MemberRequiredMixin, View):
    area, capability = OFFICE, None

    def post(self, request, invitation_id: int):
        queryset = Invitation.objects.select_related("partner")
        if self.actor.is_partner_user:
            queryset = queryset.filter(partner_id=self.actor.partner_id)
        invitation = queryset.filter(pk=invitation_id).first()
        if invitation is None:
            raise Http404
        if not roles_invitable_by(actor=self.actor, partner=invitation.partner):
            raise PermissionDenied
        run_service(
            request,
            lambda: invitation_revoke(actor=self.actor, invitation=invitation),
            success=f"The invitation to {invitation.email} is revoked.",
        )
        return redirect(_people_page(self.actor, invitation.partner_id))


def _people_page(actor, partner_id):
    if actor.is_partner_user:
        return "portal:people"
    return reverse("office:partner_people", kwargs={"partner_id": partner_id}) if partner_id else "office:staff"


class PortalInvitationRevokeView(InvitationRevokeView):
    area, capability = PORTAL, "people.invite"


class MembershipDeactivateView(MemberRequiredMixin, View):
    """Staff deactivate staff (staff.manage) or partner users (partners.change_status)."""

    area, capability = OFFICE, None
    activate = False

    def post(self, request, membership_id: int):
        membership = membership_get_for_actor(actor=self.actor, membership_id=membership_id)
        if not can_manage_membership(self.actor, membership):
            raise PermissionDenied
        if self.activate:
            run_service(
                request,
                lambda: membership_reactivate(actor=self.actor, membership=membership),
                success=f"{membership.user} has access again.",
            )
        else:
            form = DeactivateForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            run_service(
                request,
                lambda: membership_deactivate(actor=self.actor, membership=membership, reason=reason),
                success=f"{membership.user} no longer has access.",
            )
        return redirect(_people_page(self.actor, membership.partner_id))


class MembershipReactivateView(MembershipDeactivateView):
    activate = True


class PortalMembershipDeactivateView(MembershipDeactivateView):
    """Partner admins deactivate colleagues of their own company."""

    area, capability = PORTAL, "people.manage"


class PortalMembershipReactivateView(PortalMembershipDeactivateView):
    activate = True


class PortalPeopleView(MemberRequiredMixin, View):
    area, capability = PORTAL, "people.view"

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
                "can_manage": self.actor.can("people.manage"),
            },
        )


class PortalInviteView(PortalPeopleView):
    area, capability = PORTAL, "people.invite"

    def post(self, request):
        partner = self.actor.partner  # the member's own company (loaded with the membership)
        form = InvitationForm(request.POST, roles=roles_invitable_by(actor=self.actor, partner=partner))
        if form.is_valid() and run_service(
            request,
            lambda: invitation_create(
                actor=self.actor, email=form.cleaned_data["email"], role=form.cleaned_data["role"], partner=partner
            ),
            success=f"An invitation is on its way to {form.cleaned_data['email']}.",
        ):
            return redirect("portal:people")
        return self.get(request, form=form)
