"""What the routing part of lead distribution plugs into the foundation (called from LeadsConfig.ready):

* the portal's "Lead capacity" entry for the partner admin (the routing log is reached from a lead);
* the routing configuration the engine memoises (``leads.services.routing.routing_config``: rules,
  offer terms, named accounts) is built afresh after any save or delete of those models, wherever
  it comes from (the admin, a service, the demo, a test's factory).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from prm.accounts.access import PORTAL
from prm.web.menu import menu_entry


def _configuration_changed(sender, instance, **kwargs) -> None:
    from prm.memo import reference_changed

    reference_changed(tenant_id=instance.tenant_id)


def register() -> None:
    from django.db.models.signals import post_delete, post_save

    from ..models import LeadProgramSettings, LeadSettings, NamedAccount, RoutingRule
    from ..permissions import LEADS_CAPACITY

    for model in (RoutingRule, NamedAccount, LeadProgramSettings, LeadSettings):
        post_save.connect(_configuration_changed, sender=model, dispatch_uid=f"leads.config.save.{model.__name__}")
        post_delete.connect(_configuration_changed, sender=model, dispatch_uid=f"leads.config.delete.{model.__name__}")

    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Lead capacity"),
        url_name="portal:lead_capacity",
        capability=LEADS_CAPACITY,
        order=36,
        group=gettext_lazy("Leads"),
    )
