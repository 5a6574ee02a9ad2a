"""The capabilities each role holds, declared by the apps (``permissions.py``) and the foundation
(``prm.accounts.roles``), pinned here as one table: a change to who may do what shows as a
change to this table."""

import pytest

from prm.accounts.models import Membership
from prm.accounts.roles import CAPABILITIES, Role, capabilities_for

_OFFICE_READ = {
    "office.access",
    "partners.view",
    "programs.view",
    "deals.view",
    "staff.view",
    "learning.view",
    "recruitment.view",
    "leads.view",
    "incentives.view",
    "scorecards.view",
    "marketing.view",
}
_PORTAL_READ = {
    "portal.access",
    "company.view",
    "people.view",
    "program.view",
    "products.view",
    "learning.take",
    "onboarding.view",
    "scorecards.own",
    "content.view",
}
_MANAGE = {
    "partners.edit",
    "partners.change_status",
    "partners.invite",
    "tiers.decide",
    "tiers.override",
    "metrics.record",
    "licences.verify",
    "deals.review",
    "deals.register_on_behalf",
    "pricing.decide",
    "certificates.revoke",
    "recruitment.review",
    "onboarding.manage",
    "leads.manage",
    "scorecards.manage",
}

MATRIX = {
    Role.ADMIN: _OFFICE_READ
    | _MANAGE
    | {
        "admin.access",
        "tenant.configure",
        "partners.create",
        "staff.invite",
        "staff.manage",
        "learning.author",
        "recruitment.decide",
        "agreements.manage",
        "partners.import",
        "incentives.finance",
        "mdf.manage",
        "api_keys.manage",
        "data.export",
        "marketing.manage",
    },
    Role.CHANNEL_MANAGER: _OFFICE_READ | _MANAGE,
    Role.CHANNEL_DIRECTOR: _OFFICE_READ | {"pricing.decide", "recruitment.review", "scorecards.manage"},
    Role.MARKETING: _OFFICE_READ | {"learning.author", "leads.manage", "mdf.manage", "marketing.manage"},
    Role.FINANCE: _OFFICE_READ | {"pricing.decide", "incentives.finance", "mdf.manage"},
    Role.PARTNER_ADMIN: _PORTAL_READ
    | {
        "company.edit",
        "people.invite",
        "people.manage",
        "licences.manage",
        "deals.register",
        "deals.view_company",
        "learning.team",
        "agreements.accept",
        "join_requests.decide",
        "leads.receive",
        "leads.view_company",
        "leads.refer",
        "leads.capacity",
        "earnings.company",
        "earnings.own",
        "spiffs.claim",
        "mdf.view",
        "mdf.request",
        "partner_api_keys.manage",
        "partner_data.export",
        "plans.sign",
        "cobrand.make",
        "campaigns.join",
        "locator.profile",
    },
    Role.SALES: _PORTAL_READ
    | {"deals.register", "leads.receive", "leads.refer", "earnings.own", "spiffs.claim", "cobrand.make"},
    Role.TECHNICAL: _PORTAL_READ,
    Role.PARTNER_MARKETING: _PORTAL_READ
    | {"leads.refer", "mdf.view", "mdf.request", "cobrand.make", "campaigns.join", "locator.profile"},
    Role.PARTNER_FINANCE: _PORTAL_READ | {"earnings.company", "earnings.own", "mdf.view"},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_holds_exactly_its_capabilities(role):
    assert capabilities_for(role) == MATRIX[role]


def test_every_declared_capability_is_held_by_some_role():
    assert set(CAPABILITIES) == set().union(*MATRIX.values())


def test_asking_for_an_undeclared_capability_is_an_error_not_a_no():
    # given a member, when code asks about a misspelt capability, then it is told at once
    member = Membership(role=Role.ADMIN, kind="staff", is_active=True)
    assert member.can("deals.review")
    with pytest.raises(LookupError, match=r"deals\.reveiw"):
        member.can("deals.reveiw")


def test_templates_ask_through_the_can_filter_which_refuses_an_undeclared_capability():
    # given a partner admin and a template that asks about capabilities through the filter
    from django.template import Context, Template

    member = Membership(role=Role.PARTNER_ADMIN, kind="partner", is_active=True)
    template = Template(
        '{% load ui %}{% if m|can:"company.edit" %}edit{% endif %}{% if m|can:"tiers.decide" %}x{% endif %}'
    )
    # then it renders what the member may do, and nothing for no member
    assert template.render(Context({"m": member})) == "edit"
    assert template.render(Context({"m": None})) == ""
    # and a misspelt capability fails loudly rather than hiding a button
    with pytest.raises(LookupError, match=r"company\.edti"):
        Template('{% load ui %}{% if m|can:"company.edti" %}edit{% endif %}').render(Context({"m": member}))
