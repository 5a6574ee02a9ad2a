"""What people changes announce to the apps above the foundation (``prm.registry.Hook``)."""

from prm.registry import Hook

partner_users_changed = Hook(
    "partner_users_changed",
    "partner_ids: list[int] -- a partner's active users changed (joined, deactivated, restored), in the "
    "current transaction. Receivers schedule their own work after commit (programs re-measures tiers).",
)
