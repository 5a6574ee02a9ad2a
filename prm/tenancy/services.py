from django.db import transaction

from prm.events.services import changes_apply, event_record

from . import events
from .models import Tenant
from .permissions import CONFIGURE, tenant_require


@transaction.atomic
def tenant_settings_update(*, actor, tenant: Tenant, changes: dict) -> Tenant:
    """A vendor admin changes its portal's branding and rules."""
    tenant_require(actor, tenant, CONFIGURE)
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    diff = changes_apply(instance=tenant, changes=changes)
    if "logo" in diff:
        diff["logo"] = {"from": "(previous)", "to": "(new upload)"}  # file names say nothing
    if diff:
        tenant.save()
        event_record(actor=actor, target=tenant, verb=events.SETTINGS_CHANGED, data={"changes": diff}, internal=True)
    return tenant
