"""What the apps above partners add to the partner record through partners.hooks: the record's
tabs (programs adds "Programs", deals "Deals") and the directory's facets (programs adds the tier)."""

from __future__ import annotations

import pytest
from django.http import Http404

from partners.hooks import directory_facets, profile_facets, record_page, record_tab, record_tab_url, record_tabs


def test_the_record_tabs_are_the_declared_ones_in_order_with_their_urls():
    assert [(tab.name, tab.label) for tab in record_tabs()] == [
        ("profile", "Profile"),
        ("people", "People"),
        ("programs", "Programs"),
        ("deals", "Deals"),
        ("onboarding", "Onboarding"),  # recruitment's
        ("leads", "Leads"),  # leads'
        ("incentives", "Incentives"),  # incentives'
        ("plans", "Business plans"),  # scorecards'
        ("timeline", "Timeline"),
    ]
    assert record_tab_url("profile", 7) == "/office/partners/7/"
    assert record_tab_url("programs", 7) == "/office/partners/7/programs/"


def test_a_tab_declared_again_differently_is_an_error():
    programs = next(tab for tab in record_tabs() if tab.name == "programs")
    with pytest.raises(ValueError, match="declared twice"):
        record_tab(name="programs", label="Tiers", template=programs.template, context=programs.context)


def test_an_undeclared_tab_is_not_found():
    with pytest.raises(Http404):
        record_page(None, actor=None, partner=None, tab="nope")


def test_the_directory_facets_are_the_declared_ones():
    # programs' tier: the filter, the column, the CSV's tiers and the profile's Tiers line
    [tier] = directory_facets()
    assert (tier.name, tier.label, tier.any_label, tier.csv_column) == ("tier", "Tier", "Any tier", "tiers")
    assert profile_facets() == [tier]
