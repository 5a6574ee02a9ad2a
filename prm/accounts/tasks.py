"""Invitation e-mails, sent from the outbox after the invitation committed."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from prm.events.tasks import tenant_task
from prm.l10n import language_for
from prm.tenancy.models import Tenant

from .models import Invitation


@tenant_task("prm.accounts.invitation_email")
def invitation_email(*, invitation_id: int) -> bool:
    invitation = Invitation.objects.select_related("partner", "invited_by__user").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return False
    tenant = Tenant.objects.get(pk=invitation.tenant_id)
    context = {
        "invitation": invitation,
        "tenant": tenant,
        "accept_url": tenant.absolute_url(reverse("invitation_accept", args=[invitation.token])),
    }
    # The invitee has no account yet: the vendor's language.
    with translation.override(language_for(tenant=tenant)):
        subject = gettext("You are invited to the %(vendor)s partner portal") % {"vendor": tenant.name}
        body = render_to_string("accounts/email/invitation.txt", context)
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    ).send()
    return True
