"""Notifications shown in the portal (the bell) and sent by e-mail, and who wants which."""

from django.db import models
from django.utils import timezone

from prm.events import texts
from prm.tenancy.models import TenantOwned


class Notification(TenantOwned):
    """One message to one member about one event."""

    recipient = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    # The recipient's partner (None for staff): partner users' transactions see only theirs.
    partner = models.ForeignKey(
        "partners.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=64)
    # What to say, stored as message ids (English with %(name)s placeholders, gettext_noop'd by
    # the sender) and their parameters, and rendered in the reader's language when shown or
    # e-mailed (``title`` / ``body``; prm/events/texts.py). ``note``: someone's own words (a
    # reviewer's reason), shown after the body as typed. Rows from before hold English sentences
    # and no parameters, which render as they are.
    title_message = models.CharField(max_length=200)
    body_message = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    show_in_portal = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_requested = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    rls_partner_predicate = "partner_id = %(partner)s"

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell's unread count and the notification list of one member.
            models.Index(fields=["tenant", "recipient", "read_at", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        """The title in the active language."""
        return texts.render(self.title_message, self.params)

    @title.setter
    def title(self, value: str) -> None:
        self.title_message = value

    @property
    def body(self) -> str:
        """The body in the active language, then the note as it was written."""
        shown = texts.render(self.body_message, self.params)
        return "\n\n".join(part for part in (shown, texts.lines(self.params), self.note) if part)

    @body.setter
    def body(self, value: str) -> None:
        self.body_message = value


class NotificationPreference(TenantOwned):
    """A member's choice for one kind of notification. No row: both channels on."""

    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.CASCADE, related_name="notification_preferences", db_index=False
    )
    kind = models.CharField(max_length=64)
    in_portal = models.BooleanField(default=True)
    by_email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            # Looked up per (member, kind) when notifying.
            models.UniqueConstraint(fields=["tenant", "membership", "kind"], name="notification_pref_unique"),
        ]

    def __str__(self):
        return f"{self.membership}: {self.kind}"
