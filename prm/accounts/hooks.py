"""What people changes announce to the apps above the foundation (``prm.registry.Hook``)."""

from prm.registry import Hook

partner_users_changed = Hook(
    "partner_users_changed",
    "partner_ids: list[int] -- a partner's active users changed (joined, deactivated, restored), in the "
    "current transaction. Receivers schedule their own work after commit (programs re-measures tiers).",
)

person_erasing = Hook(
    "person_erasing",
    "membership: Membership, email: str, label: str -- the person is being erased from the tenant (in the "
    "current transaction): anonymise what the app keeps about them (its own rows naming them) with ``label``; "
    "never ledgers, events or what certificates' verification needs.",
)
