"""Who may do what with a tenant's own settings (its branding, currency, time zone, two-factor
rule): one table, one guard (``prm.accounts.rules``)."""

from prm.accounts.roles import TENANT_CONFIGURE
from prm.accounts.rules import enforce, refuse, rule

CONFIGURE = "configure"

TENANT_RULES = {
    # Vendor admins configure their own portal; no partner user, nor the platform through here.
    CONFIGURE: rule(staff={TENANT_CONFIGURE}, refusal="You may not change this portal's settings."),
}


def tenant_require(actor, tenant, action: str) -> None:
    """The guard of a tenant's settings: ``NotAllowed`` unless the table allows ``actor`` the
    action. A tenant is nobody's partner: the rule's staff act on their own tenant only, and
    another tenant is refused with the same sentence (never a way in)."""
    if actor is not None and actor.tenant_id != tenant.pk:
        raise refuse(TENANT_RULES[action], actor)
    enforce(TENANT_RULES, action, actor, None)
