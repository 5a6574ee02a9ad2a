"""Who may do what with incentives: the capabilities roles hold.

* Every staff member reads the ledger (``INCENTIVES_VIEW``).
* Vendor admins and finance run it (``INCENTIVES_FINANCE``): exchange rates, adjustments,
  reversals, and (later) approvals and payouts.
"""

from __future__ import annotations

from prm.accounts.roles import STAFF_ROLES, Role, capability

INCENTIVES_VIEW = capability("incentives.view", roles=STAFF_ROLES)
INCENTIVES_FINANCE = capability("incentives.finance", roles={Role.ADMIN, Role.FINANCE})
