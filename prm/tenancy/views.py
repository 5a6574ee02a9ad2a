from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from prm.accounts.access import OFFICE
from prm.accounts.roles import TENANT_CONFIGURE
from prm.web.views import ServiceView

from .forms import TenantSettingsForm
from .services import tenant_settings_update


class TenantSettingsView(ServiceView):
    """A vendor admin's portal settings: branding, currency, language, time zone, the two-factor
    rule."""

    area, capability = OFFICE, TENANT_CONFIGURE
    form_class = TenantSettingsForm

    def get(self, request):
        return render(request, "tenancy/settings.html", {"form": TenantSettingsForm(instance=request.tenant)})

    def get_form_kwargs(self):
        return {"instance": self.request.tenant}

    def perform(self, data):
        changes = {name: data[name] for name in self.form.changed_data}
        return tenant_settings_update(actor=self.actor, tenant=self.request.tenant, changes=changes)

    def success_message(self, tenant):
        return gettext("The portal settings are saved.")

    def success_url(self, tenant):
        return reverse("office:settings")

    def render_invalid(self, form):
        # The form wrote onto the request's tenant: put the saved values back for the layout.
        self.request.tenant.refresh_from_db()
        return render(self.request, "tenancy/settings.html", {"form": form})
