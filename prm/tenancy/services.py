from django.db import transaction

from prm.errors import NotAllowed
from prm.events.services import event_record

from .models import Tenant

EVENT_FIELDS = ("name", "brand_color", "default_currency", "time_zone", "require_mfa")


@transaction.atomic
def tenant_update_settings(*, actor, tenant: Tenant, changes: dict) -> Tenant:
    """A vendor admin changes its portal's branding and rules."""
    if not actor.can("tenant.configure") or actor.tenant_id != tenant.pk:
        raise NotAllowed("You may not change this portal's settings.")
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    diff = {}
    for field, value in changes.items():
        before = getattr(tenant, field)
        if before != value:
            setattr(tenant, field, value)
            if field in EVENT_FIELDS:
                diff[field] = {"from": str(before), "to": str(value)}
            else:
                diff[field] = {"from": "(previous)", "to": "(new upload)"}
    if diff:
        tenant.save()
        event_record(actor=actor, target=tenant, verb="tenant.settings_changed", data={"changes": diff}, internal=True)
    return tenant
