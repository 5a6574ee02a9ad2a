"""The navigation bar the apps declare (``prm.web.menu``): every entry leads somewhere, and each
role sees the entries of its area that its capabilities open, in order."""

import pytest
from django.urls import NoReverseMatch, reverse

from prm.accounts.models import Membership
from prm.accounts.roles import CAPABILITIES, MembershipKind, Role
from prm.web.menu import MENU, menu_entry, menu_for


def test_every_entry_reverses_to_a_page_and_names_a_declared_capability():
    for entry in MENU:
        try:
            reverse(entry.url_name)
        except NoReverseMatch:
            pytest.fail(f"menu entry {entry.label!r} names no URL: {entry.url_name}")
        assert entry.capability is None or entry.capability in CAPABILITIES


def test_declaring_an_entry_with_a_misspelt_capability_fails_at_once():
    with pytest.raises(LookupError, match=r"deals\.veiw"):
        menu_entry(area="office", label="Typo", url_name="office:deal_reviews", capability="deals.veiw")


def _labels(role, kind):
    member = Membership(role=role, kind=kind, is_active=True)
    return [item["label"] for item in menu_for(member)]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            Role.ADMIN,
            [
                "Dashboard",
                "Partners",
                "Recruitment",
                "Deals",
                "Leads",
                "Pricing approvals",
                "Learning",
                "Programs",
                "Marketing",
                "Staff",
                "Personal data",
                "Performance",
                "Incentives",
                "Settings",
                "Integrations",
                "Configure",
            ],
        ),
        (
            Role.CHANNEL_MANAGER,
            [
                "Dashboard",
                "Partners",
                "Recruitment",
                "Deals",
                "Leads",
                "Pricing approvals",
                "Learning",
                "Programs",
                "Marketing",
                "Staff",
                "Performance",
                "Incentives",
            ],
        ),
        (
            Role.CHANNEL_DIRECTOR,
            [
                "Dashboard",
                "Partners",
                "Recruitment",
                "Deals",
                "Leads",
                "Pricing approvals",
                "Learning",
                "Programs",
                "Marketing",
                "Staff",
                "Performance",
                "Incentives",
            ],
        ),
        (
            Role.MARKETING,
            [
                "Dashboard",
                "Partners",
                "Recruitment",
                "Deals",
                "Leads",
                "Learning",
                "Programs",
                "Marketing",
                "Staff",
                "Performance",
                "Incentives",
            ],
        ),
        (
            Role.FINANCE,
            [
                "Dashboard",
                "Partners",
                "Recruitment",
                "Deals",
                "Leads",
                "Pricing approvals",
                "Learning",
                "Programs",
                "Marketing",
                "Staff",
                "Performance",
                "Incentives",
            ],
        ),
    ],
)
def test_staff_see_the_back_office_entries_their_role_opens(role, expected):
    assert _labels(role, MembershipKind.STAFF) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            Role.PARTNER_ADMIN,
            [
                "Home",
                "Your tier",
                "Products",
                "Leads",
                "Deals",
                "Learning",
                "Company",
                "Marketing",
                "Licences",
                "People",
                "Earnings",
                "Funds",
                "Agreements",
                "Performance",
                "Integrations",
            ],
        ),
        (
            Role.SALES,
            [
                "Home",
                "Your tier",
                "Products",
                "Leads",
                "Deals",
                "Learning",
                "Company",
                "Marketing",
                "Licences",
                "People",
                "Earnings",
                "Agreements",
                "Performance",
            ],
        ),
        (
            Role.TECHNICAL,
            [
                "Home",
                "Your tier",
                "Products",
                "Learning",
                "Company",
                "Marketing",
                "Licences",
                "People",
                "Agreements",
                "Performance",
            ],
        ),
    ],
)
def test_partner_users_see_the_portal_entries_their_role_opens(role, expected):
    assert _labels(role, MembershipKind.PARTNER) == expected


def test_the_programs_entries_fold_into_one_dropdown():
    member = Membership(role=Role.MARKETING, kind=MembershipKind.STAFF, is_active=True)
    [programs] = [item for item in menu_for(member) if item["label"] == "Programs"]
    assert [child["label"] for child in programs["children"]] == ["Tier reviews", "Licences to verify", "Policy check"]


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        (Role.MARKETING, MembershipKind.STAFF, ["Courses", "Certificates", "SCORM packages", "Reports"]),
        (Role.PARTNER_ADMIN, MembershipKind.PARTNER, ["Courses", "My learning", "Certificates", "Team learning"]),
        (Role.SALES, MembershipKind.PARTNER, ["Courses", "My learning", "Certificates"]),
    ],
)
def test_the_learning_entries_fold_into_one_dropdown_per_side(role, kind, expected):
    member = Membership(role=role, kind=kind, is_active=True)
    [learning] = [item for item in menu_for(member) if item["label"] == "Learning"]
    assert [child["label"] for child in learning["children"]] == expected


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        (Role.MARKETING, MembershipKind.STAFF, ["Leads", "Import leads", "Fairness", "Aging"]),
        (Role.FINANCE, MembershipKind.STAFF, ["Leads", "Fairness", "Aging"]),
        (Role.PARTNER_ADMIN, MembershipKind.PARTNER, ["Offers and leads", "Referrals", "Lead capacity", "Lead share"]),
        (Role.SALES, MembershipKind.PARTNER, ["Offers and leads", "Referrals"]),
    ],
)
def test_the_lead_entries_fold_into_one_dropdown_per_side(role, kind, expected):
    member = Membership(role=role, kind=kind, is_active=True)
    [leads] = [item for item in menu_for(member) if item["label"] == "Leads"]
    assert [child["label"] for child in leads["children"]] == expected


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        (
            Role.CHANNEL_MANAGER,
            MembershipKind.STAFF,
            ["Content library", "Campaigns", "Co-branding", "Announcements", "Partner locator"],
        ),
        (
            Role.PARTNER_ADMIN,
            MembershipKind.PARTNER,
            ["Library", "Campaigns", "Co-branding", "Announcements", "Locator profile"],
        ),
        (Role.SALES, MembershipKind.PARTNER, ["Library", "Campaigns", "Co-branding", "Announcements"]),
    ],
)
def test_the_marketing_entries_fold_into_one_dropdown_per_side_in_the_same_order(role, kind, expected):
    member = Membership(role=role, kind=kind, is_active=True)
    [marketing] = [item for item in menu_for(member) if item["label"] == "Marketing"]
    assert [child["label"] for child in marketing["children"]] == expected


def test_an_inactive_member_sees_no_entries():
    assert menu_for(Membership(role=Role.ADMIN, kind=MembershipKind.STAFF, is_active=False)) == []
