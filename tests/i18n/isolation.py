"""Isolation cases of the person's own language and time zone page, in both areas: every member
of the area opens their own (there is nobody else's to name)."""

from __future__ import annotations

from ..isolation import PARTNER_USERS, STAFF, office_page, portal_page

CASES = {
    "office:profile": office_page(allowed=STAFF, contains="Language and time zone"),
    "portal:profile": portal_page(allowed=PARTNER_USERS, contains="Language and time zone"),
}
