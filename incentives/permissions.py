"""Who may do what with incentives: the capabilities roles hold, and the one guard of a SPIFF claim.

* Every staff member reads the ledger and the claims (``INCENTIVES_VIEW``).
* Vendor admins and finance run it (``INCENTIVES_FINANCE``): exchange rates, adjustments,
  reversals, claim decisions, payouts.
* Market development funds: ``MDF_MANAGE`` (the vendor's marketing, finance, admins), ``MDF_VIEW``
  and ``MDF_REQUEST`` (see below).
* A partner's admin and finance users read the company's earnings (``EARNINGS_COMPANY``); a
  sales rep reads its own (``EARNINGS_OWN``) and claims SPIFFs for its own won deals
  (``SPIFF_CLAIM``; a partner admin claims for any of the company's).
"""

from __future__ import annotations

from enum import StrEnum

from prm.accounts.roles import STAFF_ROLES, Role, capability
from prm.errors import assert_same_tenant

INCENTIVES_VIEW = capability("incentives.view", roles=STAFF_ROLES)
INCENTIVES_FINANCE = capability("incentives.finance", roles={Role.ADMIN, Role.FINANCE})
EARNINGS_COMPANY = capability("earnings.company", roles={Role.PARTNER_ADMIN, Role.PARTNER_FINANCE})
EARNINGS_OWN = capability("earnings.own", roles={Role.PARTNER_ADMIN, Role.SALES, Role.PARTNER_FINANCE})
SPIFF_CLAIM = capability("spiffs.claim", roles={Role.PARTNER_ADMIN, Role.SALES})
# Market development funds: the vendor's marketing, finance and admins allocate and decide; a
# partner's admins, marketing and finance people read its funds; its admins and marketing ask and claim.
MDF_MANAGE = capability("mdf.manage", roles={Role.ADMIN, Role.MARKETING, Role.FINANCE})
MDF_VIEW = capability("mdf.view", roles={Role.PARTNER_ADMIN, Role.PARTNER_MARKETING, Role.PARTNER_FINANCE})
MDF_REQUEST = capability("mdf.request", roles={Role.PARTNER_ADMIN, Role.PARTNER_MARKETING})


def finance_require(actor, refusal: str) -> None:
    """The vendor's finance team only (``INCENTIVES_FINANCE``; staff roles alone hold it): the
    ledger's corrections, exchange rates, claim decisions, payout runs, rebate quarters. Anyone else
    gets ``NotAllowed`` with ``refusal`` (the service's own sentence, already translated)."""
    from prm.errors import NotAllowed

    if actor is None or actor.partner_id is not None or not actor.can(INCENTIVES_FINANCE):
        raise NotAllowed(refusal)


class ClaimAction(StrEnum):
    VIEW = "view"
    DECIDE = "decide"


def claim_visible(actor, claim) -> bool:
    """Staff who read incentives see every claim; a partner user sees its company's claims when it
    reads the company's earnings, otherwise the claims it is the rep or the payee of."""
    if actor is None or actor.tenant_id != claim.tenant_id:
        return False
    if actor.partner_id is None:
        return actor.can(INCENTIVES_VIEW)
    if actor.partner_id != claim.partner_id:
        return False
    return actor.can(EARNINGS_COMPANY) or (actor.can(EARNINGS_OWN) and actor.pk in (claim.rep_id, claim.member_id))


def claim_require(actor, claim, action: ClaimAction) -> None:
    """The one guard of a claim: an unseen claim is a 404 (``Http404``), a seen one the actor may not
    act on a ``NotAllowed``."""
    from django.http import Http404
    from django.utils.translation import gettext

    assert_same_tenant(actor, claim)
    if not claim_visible(actor, claim):
        raise Http404
    if action == ClaimAction.DECIDE:
        finance_require(actor, gettext("Only the vendor's finance team decides SPIFF claims."))
