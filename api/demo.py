"""The API's part of the demo (``load_demo``), per tenant, through the services: the vendor
admin's API key "CRM sync (demo)" (read scopes; its secret is printed once, as the page would
show it) and a webhook endpoint on a closed local port, disabled, so that nothing is sent.

Idempotent: a key or endpoint already there is left as it is.
"""

from __future__ import annotations

from prm.accounts.credentials import api_key_create, api_key_list_for_actor, scopes_for
from prm.errors import PolicyViolation
from prm.web.demo_kit import Demo

from .webhooks import endpoint_create, endpoint_list_for_actor, endpoint_set_active

# Demo data as the vendor's admin would type it (not product text).
KEY_NAME = "CRM sync (demo)"
HOOK_URL = "http://127.0.0.1:9/hooks"  # the discard port: nothing listens there
HOOK_DESCRIPTION = "CRM deal sync (demo, disabled)"
HOOK_TYPES = ["deal.submitted", "deal.approved", "deal.rejected", "deal.won"]


def load(demo: Demo) -> None:
    admin = demo.staff["admin"]
    slug = demo.tenant.slug
    if not any(key.name == KEY_NAME for key in api_key_list_for_actor(actor=admin)):
        read_scopes = [scope for scope in scopes_for(admin) if scope.endswith(":read")]
        issued = api_key_create(actor=admin, name=KEY_NAME, scopes=read_scopes)
        demo.notes.append(f"{slug}: API key {KEY_NAME!r} (shown once): {issued.secret}")
    if not endpoint_list_for_actor(actor=admin).filter(url=HOOK_URL).exists():
        try:
            endpoint, _secret = endpoint_create(
                actor=admin, url=HOOK_URL, description=HOOK_DESCRIPTION, event_types=HOOK_TYPES
            )
        except PolicyViolation as refusal:  # settings that refuse local addresses (production's)
            demo.notes.append(f"{slug}: no demo webhook endpoint: {refusal.message}")
            return
        endpoint_set_active(actor=admin, endpoint=endpoint, active=False)
