from django.db import transaction

from prm.errors import NotAllowed
from prm.events.services import changes_apply, event_record

from .models import Tenant


@transaction.atomic
def tenant_update_settings(*, actor, tenant: Tenant, changes: dict) -> Tenant:
    """A vendor admin changes its portal's branding and rules."""
    if not actor.can("tenant.configure") or actor.tenant_id != tenant.pk:
        raise NotAllowed("You may not change this portal's settings.")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    diff = changes_apply(instance=tenant, changes=changes)
    if "logo" in diff:
        diff["logo"] = {"from": "(previous)", "to": "(new upload)"}  # file names say nothing
    if diff:
        tenant.save()
        event_record(actor=actor, target=tenant, verb="tenant.settings_changed", data={"changes": diff}, internal=True)
    return tenant
