from django.contrib import messages
from django.shortcuts import redirect, render
from django.views import View

from prm.accounts.access import MemberRequiredMixin
from prm.web.views import paginate

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


class NotificationMarkReadView(MemberRequiredMixin, View):
    def post(self, request):
        # isascii: str.isdigit() also accepts digits int() refuses, such as "²".
        ids = [int(value) for value in request.POST.getlist("id") if value.isascii() and value.isdigit()]
        count = notification_mark_read(actor=self.actor, notification_ids=ids or None)
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
        return redirect("notifications:list")


class NotificationPreferencesView(MemberRequiredMixin, View):
    def get(self, request):
        form = PreferencesForm(preferences=preferences_for(actor=self.actor))
        return render(request, "notifications/preferences.html", {"form": form})

    def post(self, request):
        form = PreferencesForm(request.POST, preferences=preferences_for(actor=self.actor))
        if form.is_valid():
            preferences_update(actor=self.actor, choices=form.choices())
            messages.success(request, "Your notification preferences are saved.")
            return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html", {"form": form})
