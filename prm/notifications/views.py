from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views import View

from prm.accounts.access import MemberRequiredMixin
from prm.web.views import ServiceView, paginate

from .forms import PreferencesForm
from .selectors import notification_list_for_actor, unread_count_for_actor
from .services import notification_mark_read, preferences_for, preferences_update


class NotificationListView(MemberRequiredMixin, View):
    def get(self, request):
        page = paginate(request, notification_list_for_actor(actor=self.actor))
        return render(request, "notifications/list.html", {"page": page})


class NotificationBellView(MemberRequiredMixin, View):
    """The bell's badge, refreshed by htmx."""

    def get(self, request):
        return render(
            request, "notifications/list.html#bell", {"unread_notifications": unread_count_for_actor(actor=self.actor)}
        )


class NotificationMarkReadView(ServiceView):
    """Mark the member's notifications read: those the form names (``id``), or all of them."""

    def perform(self, data):
        # isascii: str.isdigit() also accepts digits int() refuses, such as "²".
        ids = [int(value) for value in self.request.POST.getlist("id") if value.isascii() and value.isdigit()]
        return notification_mark_read(actor=self.actor, notification_ids=ids or None)

    def success_message(self, count):
        return ngettext("Marked %(count)d notification read.", "Marked %(count)d notifications read.", count) % {
            "count": count
        }

    def success_url(self, count=None):
        return reverse("notifications:list")

    def render_invalid(self, form):
        return redirect(self.success_url())


class NotificationPreferencesView(ServiceView):
    form_class = PreferencesForm

    def get(self, request):
        form = PreferencesForm(preferences=preferences_for(actor=self.actor), membership=self.actor)
        return render(request, "notifications/preferences.html", {"form": form})

    def get_form_kwargs(self):
        return {"preferences": preferences_for(actor=self.actor), "membership": self.actor}

    def perform(self, data):
        return preferences_update(actor=self.actor, choices=self.form.choices())

    def success_message(self, result):
        return gettext("Your notification preferences are saved.")

    def success_url(self, result):
        return reverse("notifications:preferences")

    def render_invalid(self, form):
        return render(self.request, "notifications/preferences.html", {"form": form})
