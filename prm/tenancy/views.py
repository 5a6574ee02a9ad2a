from django.shortcuts import redirect, render
from django.views import View

from prm.accounts.access import OFFICE, MemberRequiredMixin
from prm.web.views import run_service

from .forms import TenantSettingsForm
from .services import tenant_update_settings


class TenantSettingsView(MemberRequiredMixin, View):
    area, capability = OFFICE, "tenant.configure"

    def get(self, request):
        return render(request, "tenancy/settings.html", {"form": TenantSettingsForm(instance=request.tenant)})

    def post(self, request):
        form = TenantSettingsForm(request.POST, request.FILES, instance=request.tenant)
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            if run_service(
                request,
                lambda: tenant_update_settings(actor=self.actor, tenant=request.tenant, changes=changes),
                success="The portal settings are saved.",
            ):
                return redirect("office:settings")
        # The form wrote onto the request's tenant: put the saved values back for the layout.
        request.tenant.refresh_from_db()
        return render(request, "tenancy/settings.html", {"form": form})
