"""Who may do what with people: a tenant's memberships (who has access) and invitations (who is
asked to join). One table per entity, one guard each, built with ``prm.accounts.rules``.

People are on one of two sides, each with its own capabilities: the vendor's ``STAFF`` (a
membership or invitation without a partner) and a partner's users (``PARTNER_USERS``). So each
table has a column of rules per side, ``MEMBERSHIP_RULES[side][action]``, and the guards find the
side from what they are given: a membership or an invitation, or, for a list or an invitation
about to be sent, the partner whose people it is about (None: the staff).

Services call ``membership_require`` / ``invitation_require`` before they write, selectors before
they show (seeing has no sentence: what one may not see is a 404); pages that show or hide a
button ask ``membership_may`` / ``invitation_may``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import Invitation, Membership
from .roles import (
    OFFICE_ACCESS,
    PARTNERS_INVITE,
    PEOPLE_INVITE,
    PEOPLE_MANAGE,
    PEOPLE_VIEW,
    STAFF_INVITE,
    STAFF_MANAGE,
    STAFF_VIEW,
)
from .rules import allows, enforce, rule

# The two sides.
STAFF = "staff"
PARTNER_USERS = "partner_users"

# Actions.
VIEW = "view"
MANAGE = "manage"  # take a membership's access away, or give it back
INVITE = "invite"
REVOKE = "revoke"

_ACCESS = _("You may not change this person's access.")
_INVITE = _("You may not invite people with that role.")
_REVOKE = _("You may not revoke this invitation.")

MEMBERSHIP_RULES = {
    STAFF: {
        VIEW: rule(staff={STAFF_VIEW}),
        MANAGE: rule(staff={STAFF_MANAGE}, refusal=_ACCESS),
    },
    PARTNER_USERS: {
        # Staff see every partner's people (its record's People tab), a partner user its company's.
        VIEW: rule(staff={OFFICE_ACCESS}, partner={PEOPLE_VIEW}),
        # Who may give a partner's users access may take it away (and restore it).
        MANAGE: rule(staff={PARTNERS_INVITE}, partner={PEOPLE_MANAGE}, refusal=_ACCESS),
    },
}

INVITATION_RULES = {
    STAFF: {
        VIEW: rule(staff={STAFF_VIEW}),
        INVITE: rule(staff={STAFF_INVITE}, refusal=_INVITE),
        REVOKE: rule(staff={STAFF_INVITE}, refusal=_REVOKE),
    },
    PARTNER_USERS: {
        VIEW: rule(staff={OFFICE_ACCESS}, partner={PEOPLE_VIEW}),
        INVITE: rule(staff={PARTNERS_INVITE}, partner={PEOPLE_INVITE}, refusal=_INVITE),
        # Who may invite may take an invitation back.
        REVOKE: rule(staff={PARTNERS_INVITE}, partner={PEOPLE_INVITE}, refusal=_REVOKE),
    },
}


def _side(obj) -> tuple[str, int | None]:
    """The side ``obj`` is on and its partner: a membership or an invitation, a partner (its
    users) or None (the staff)."""
    partner_id = obj.partner_id if isinstance(obj, Membership | Invitation) else getattr(obj, "pk", None)
    return (STAFF if partner_id is None else PARTNER_USERS), partner_id


def membership_may(actor, membership, action: str) -> bool:
    """Whether ``actor`` may take ``action`` on ``membership`` (or on the people of a partner;
    None: the staff)."""
    side, partner_id = _side(membership)
    return allows(MEMBERSHIP_RULES[side][action], actor, partner_id)


def membership_require(actor, membership, action: str) -> None:
    """The guard of memberships: ``NotAllowed`` (or a 404 for seeing) unless the table allows."""
    side, partner_id = _side(membership)
    enforce(MEMBERSHIP_RULES[side], action, actor, partner_id)


def invitation_may(actor, invitation, action: str) -> bool:
    """Whether ``actor`` may take ``action`` on ``invitation`` (or, to see or send invitations,
    on those of a partner; None: the staff's)."""
    side, partner_id = _side(invitation)
    return allows(INVITATION_RULES[side][action], actor, partner_id)


def invitation_require(actor, invitation, action: str) -> None:
    """The guard of invitations: ``NotAllowed`` (or a 404 for seeing) unless the table allows."""
    side, partner_id = _side(invitation)
    enforce(INVITATION_RULES[side], action, actor, partner_id)
