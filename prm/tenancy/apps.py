from django.apps import AppConfig
from django.core.signals import request_finished
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "prm.tenancy"
    label = "tenancy"
    verbose_name = _("Tenancy")

    def ready(self):
        from prm.accounts.access import OFFICE
        from prm.accounts.roles import TENANT_CONFIGURE
        from prm.web.menu import menu_entry

        from . import checks, events, request_cache  # noqa: F401  (the deployment checks; the verbs)
        from .db import on_connection_created
        from .middleware import reset_reader
        from .rls import apply_row_level_security

        connection_created.connect(on_connection_created, dispatch_uid="prm_set_role")
        request_finished.connect(reset_reader, dispatch_uid="prm_reset_reader")
        request_cache.watch_tenants(self.get_model("Tenant"))

        def after_migrate(sender, using="default", **kwargs):
            # Once per migrate run (post_migrate fires per app): this app is always installed.
            if sender.name == self.name:
                apply_row_level_security(using=using)

        post_migrate.connect(after_migrate, weak=False, dispatch_uid="prm_rls")
        menu_entry(area=OFFICE, label=_("Settings"), url_name="office:settings", capability=TENANT_CONFIGURE, order=70)
