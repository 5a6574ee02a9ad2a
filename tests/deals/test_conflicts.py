"""Conflict detection: which registrations and accounts a new registration collides with."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals.conflicts import NAME_SIMILARITY, conflict_hint, conflicts_find, conflicts_record
from deals.models import Deal, DealConflict
from prm.tenancy.db import platform_role
from prm.tenancy.scope import platform_scope, tenant_scope
from tests.factories import (
    CustomerAccountFactory,
    DealFactory,
    DealLineFactory,
    ProductFactory,
    ProductLineFactory,
    refresh,
)

pytestmark = pytest.mark.django_db


def find(side, partner, **kwargs):
    """conflicts_find as the vendor's staff of ``side`` for ``partner``."""
    with tenant_scope(side.tenant):
        return conflicts_find(partner_id=partner.pk, **kwargs)


def registered(side, partner, **kwargs):
    """An active registration of ``partner`` (submitted unless a status is given)."""
    return DealFactory(tenant=side.tenant, partner=partner, registered_by=_sales_of(side, partner), **kwargs)


def _sales_of(side, partner):
    return side.sales[side.partners.index(partner)]


# --- The same web domain -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        {"customer_website": "https://www.acme-widgets.com/contact?x=1"},
        {"customer_website": "shop.eu.acme-widgets.com"},
        {"customer_website": "ACME-WIDGETS.COM"},
        {"contact_email": "jane.doe@sales.acme-widgets.com"},
        {"customer_website": "http://", "contact_email": "jane@acme-widgets.com"},  # no website: the e-mail
    ],
)
def test_the_same_registrable_domain_matches_however_it_is_written(acme, typed):
    # given another partner's registration of the customer under another name
    other = registered(acme, acme.partners[1], customer_name="AW Holdings", customer_website="acme-widgets.com")
    # when a partner registers the customer's domain in another spelling
    matches = find(acme, acme.partners[0], customer_name="Widgets of Acme", **typed)
    # then it is a certain match, for the domain
    assert [(m.kind, m.other_deal_id, m.score) for m in matches] == [("registration", other.pk, Decimal("1.000"))]
    assert matches[0].reasons == ["same web domain acme-widgets.com"]


def test_free_mail_addresses_are_no_evidence(acme):
    # given another partner's customer known only by a gmail contact
    registered(acme, acme.partners[1], customer_name="Blue Harbor Dental", contact_email="owner@gmail.com")
    # when an unrelated customer with a gmail contact is registered
    matches = find(acme, acme.partners[0], customer_name="Quantum Bakery", contact_email="baker@gmail.com")
    # then nothing matches
    assert matches == []


# --- Names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Müller GmbH", "MÜLLER G.m.b.H."),
        ("Müller GmbH", "Muller"),
        ("Société Générale S.A.", "Societe Generale"),
        ("ACME, Inc.", "Acme Corp"),
        ("The Northwind Traders Ltd", "northwind traders"),
    ],
)
def test_legal_forms_case_accents_and_punctuation_give_the_same_name(acme, existing, typed):
    # given another partner's registration
    other = registered(acme, acme.partners[1], customer_name=existing)
    # when the same company is typed differently
    matches = find(acme, acme.partners[0], customer_name=typed)
    # then the normalised names are equal: a certain match
    assert [(m.other_deal_id, m.score, m.reasons) for m in matches] == [
        (other.pk, Decimal("1.000"), ["same company name"])
    ]


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Northwind Traders", "Northwind Trader"),  # a typo / plural
        ("Contoso Pharmaceuticals", "Contoso Pharmaceutical"),
        ("Fabrikam Robotics", "Fabrikam Robotic Systems"),
    ],
)
def test_similar_names_match_with_their_similarity(acme, existing, typed):
    # given another partner's registration
    other = registered(acme, acme.partners[1], customer_name=existing)
    # when a near spelling is registered
    matches = find(acme, acme.partners[0], customer_name=typed)
    # then it is a possible conflict, scored by trigram similarity
    (match,) = matches
    assert match.other_deal_id == other.pk
    assert NAME_SIMILARITY <= match.score < 1
    assert match.reasons == [f"similar name ({round(match.score * 100)}%)"]


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        # Different companies that share words: below the threshold, not reported.
        ("Northwind Traders", "Northwind Logistics"),
        ("Blue River Systems", "Red River Foods"),
        ("Summit Health Partners", "Summit Energy"),
    ],
)
def test_different_companies_sharing_words_are_not_matched(acme, existing, typed):
    registered(acme, acme.partners[1], customer_name=existing)
    assert find(acme, acme.partners[0], customer_name=typed) == []


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        # Known limits of trigrams on the normalised key, pinned so a change is noticed:
        # "muller"/"mueller" share 5 of 10 trigrams (0.5); "acme"/"acme group" 5 of 11.
        # The web domain is what catches these; a reviewer sees the rest.
        ("Müller GmbH", "Mueller"),
        ("Acme Inc", "Acme Group"),
    ],
)
def test_transliterations_and_added_words_on_short_names_are_below_the_threshold(acme, existing, typed):
    registered(acme, acme.partners[1], customer_name=existing)
    assert find(acme, acme.partners[0], customer_name=typed) == []


# --- Whose registrations count -------------------------------------------------------------------


def test_the_partners_own_registrations_are_no_conflict(acme):
    registered(acme, acme.partners[0], customer_name="Northwind Traders", customer_website="northwind.example.com")
    assert (
        find(acme, acme.partners[0], customer_name="Northwind Traders", customer_website="northwind.example.com") == []
    )


@pytest.mark.parametrize("status", ["draft", "rejected", "duplicate", "withdrawn", "expired", "won", "lost"])
def test_registrations_that_no_longer_claim_the_customer_are_ignored(acme, status):
    registered(
        acme, acme.partners[1], customer_name="Northwind Traders", customer_website="northwind.com", status=status
    )
    assert find(acme, acme.partners[0], customer_name="Northwind Traders", customer_website="northwind.com") == []


@pytest.mark.parametrize("status", ["submitted", "info_requested", "approved", "won_pending"])
def test_every_active_status_claims_the_customer(acme, status):
    other = registered(acme, acme.partners[1], customer_name="Northwind Traders", status=status)
    assert [m.other_deal_id for m in find(acme, acme.partners[0], customer_name="Northwind Traders")] == [other.pk]


def test_the_deal_being_checked_is_excluded(acme):
    other = registered(acme, acme.partners[1], customer_name="Northwind Traders")
    assert find(acme, acme.partners[0], customer_name="Northwind Traders", exclude_deal_id=other.pk) == []


def test_another_tenants_registrations_and_accounts_are_never_seen(acme, globex):
    # given globex's registration and account of the very same customer
    registered(globex, globex.partners[0], customer_name="Northwind Traders", customer_website="northwind.com")
    CustomerAccountFactory(tenant=globex.tenant, name="Northwind Traders", domain="northwind.com", kind="direct_only")
    # then acme's check finds nothing, as staff and as a partner user
    assert find(acme, acme.partners[0], customer_name="Northwind Traders", customer_website="northwind.com") == []
    with tenant_scope(acme.tenant, partner=acme.partners[0]):
        assert not conflict_hint(
            partner_id=acme.partners[0].pk, customer_name="Northwind Traders", customer_website="northwind.com"
        )


# --- The vendor's accounts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("customer", "an existing customer of the vendor"),
        ("named", "a named account of the vendor"),
        ("direct_only", "a direct-only account of the vendor"),
    ],
)
def test_vendor_accounts_match_by_domain_with_their_kind(acme, kind, reason):
    account = CustomerAccountFactory(tenant=acme.tenant, name="Initech", domain="initech.com", kind=kind)
    matches = find(acme, acme.partners[0], customer_name="Initech Software", customer_website="www.initech.com")
    assert [(m.kind, m.account_id, m.score) for m in matches] == [("account", account.pk, Decimal("1.000"))]
    assert matches[0].reasons == ["same web domain initech.com", reason]


def test_vendor_accounts_match_by_similar_name(acme):
    account = CustomerAccountFactory(tenant=acme.tenant, name="Contoso Pharmaceuticals AG", kind="named")
    (match,) = find(acme, acme.partners[0], customer_name="Contoso Pharmaceutical")
    assert match.account_id == account.pk and NAME_SIMILARITY <= match.score < 1
    assert match.reasons == [f"similar name ({round(match.score * 100)}%)", "a named account of the vendor"]


# --- Product lines -------------------------------------------------------------------------------


def _lines(side):
    wireless = ProductLineFactory(tenant=side.tenant, name="Wireless")
    security = ProductLineFactory(tenant=side.tenant, name="Cloud Security")
    return wireless, security


def test_a_registration_for_the_same_product_line_keeps_its_score_and_names_the_line(acme):
    wireless, security = _lines(acme)
    other = registered(acme, acme.partners[1], customer_name="Northwind Traders")
    DealLineFactory(deal=other, product=ProductFactory(line=wireless))
    DealLineFactory(deal=other, product=ProductFactory(line=security))
    (match,) = find(acme, acme.partners[0], customer_name="Northwind Traders", product_line_ids=[wireless.pk])
    assert match.score == Decimal("1.000")
    assert match.reasons == ["same company name", "also registered for Wireless"]


def test_a_registration_for_other_product_lines_weighs_half(acme):
    wireless, security = _lines(acme)
    other = registered(acme, acme.partners[1], customer_name="Northwind Traders")
    DealLineFactory(deal=other, product=ProductFactory(line=security))
    (match,) = find(acme, acme.partners[0], customer_name="Northwind Traders", product_line_ids=[wireless.pk])
    assert match.score == Decimal("0.500")
    assert match.reasons == ["same company name", "different product lines"]
    # without product lines to compare, the score stays
    (match,) = find(acme, acme.partners[0], customer_name="Northwind Traders")
    assert match.score == Decimal("1.000") and match.reasons == ["same company name"]


def test_matches_come_best_first_and_at_most_twenty(acme):
    # given 25 similar registrations, one exact
    exact = registered(acme, acme.partners[1], customer_name="Northwind Traders")
    for n in range(24):
        registered(acme, acme.partners[1], customer_name=f"Northwind Traders {n}")
    matches = find(acme, acme.partners[0], customer_name="Northwind Traders")
    assert len(matches) == 20
    assert matches[0].other_deal_id == exact.pk
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


# --- A partner user's scope ----------------------------------------------------------------------


def test_a_partner_users_check_sees_other_partners_registrations_but_learns_only_yes_or_no(acme):
    # given another partner's registration, invisible to this partner user under RLS
    registered(acme, acme.partners[1], customer_name="Northwind Traders", customer_website="northwind.com")
    partner = acme.partners[0]
    with tenant_scope(acme.tenant, partner=partner):
        assert not Deal.objects.exists()
        # when the partner user types the customer
        hint = conflict_hint(partner_id=partner.pk, customer_name="Northwind Trader", customer_website="")
        by_domain = conflict_hint(partner_id=partner.pk, customer_name="N.T.", customer_website="www.northwind.com")
        none = conflict_hint(partner_id=partner.pk, customer_name="Initech", customer_website="initech.com")
        # then the hint is a plain yes or no...
        assert (hint, by_domain, none) == (True, True, False)
        assert all(type(value) is bool for value in (hint, by_domain, none))
        # ...and the scope is the partner's again afterwards (RLS hides the other deal)
        assert not Deal.objects.exists()
        # conflicts_find (for the services) sees across partners in this scope too
        assert len(conflicts_find(partner_id=partner.pk, customer_name="Northwind Traders")) == 1


def test_the_hint_is_false_for_an_empty_customer(acme):
    registered(acme, acme.partners[1], customer_name="Northwind Traders")
    with tenant_scope(acme.tenant, partner=acme.partners[0]):
        assert conflict_hint(partner_id=acme.partners[0].pk, customer_name="", customer_website="") is False


# --- Recording a report --------------------------------------------------------------------------


def test_conflicts_record_stores_the_report_and_flags_the_deal_from_a_partner_users_scope(acme):
    wireless, _ = _lines(acme)
    other = registered(acme, acme.partners[1], customer_name="Northwind Traders")
    DealLineFactory(deal=other, product=ProductFactory(line=wireless))
    account = CustomerAccountFactory(tenant=acme.tenant, name="Northwind", domain="northwind.com", kind="direct_only")
    deal = registered(acme, acme.partners[0], customer_name="Northwind Traders Ltd", customer_website="northwind.com")
    DealLineFactory(deal=deal, product=ProductFactory(line=wireless))
    # when the submission (in the partner user's scope) records the check, twice
    with tenant_scope(acme.tenant, partner=acme.partners[0]):
        deal = Deal.objects.get(pk=deal.pk)
        conflicts_record(deal=deal, phase="submit")
        rows = conflicts_record(deal=deal, phase="submit")
    # then one report (the second replaced the first), both matches with their reasons
    assert refresh(deal).has_conflict is True
    with platform_scope():
        stored = list(DealConflict.objects.filter(deal=deal).order_by("kind"))
    assert len(rows) == 2
    assert [(c.kind, c.account_id, c.other_deal_id, c.score, c.phase) for c in stored] == [
        ("account", account.pk, None, Decimal("1.000"), "submit"),
        ("registration", None, other.pk, Decimal("1.000"), "submit"),
    ]
    assert stored[1].reasons == ["same company name", "also registered for Wireless"]
    assert stored[0].tenant_id == acme.tenant.pk


def test_conflicts_record_replaces_only_its_phase_and_clears_the_flag(acme):
    other = registered(acme, acme.partners[1], customer_name="Northwind Traders")
    deal = registered(acme, acme.partners[0], customer_name="Northwind Traders")
    with tenant_scope(acme.tenant):
        conflicts_record(deal=deal, phase="submit")
        conflicts_record(deal=deal, phase="approval")
        Deal.objects.filter(pk=other.pk).update(status="withdrawn")
        rows = conflicts_record(deal=deal, phase="approval")
        phases = sorted(DealConflict.objects.filter(deal=deal).values_list("phase", flat=True))
    assert rows == [] and phases == ["submit"]
    assert refresh(deal).has_conflict is False


# --- Cost ----------------------------------------------------------------------------------------


def _queries(side, partner, **kwargs) -> int:
    with tenant_scope(side.tenant), CaptureQueriesContext(connection) as captured:
        conflicts_find(partner_id=partner.pk, **kwargs)
    return len(captured)


def test_the_check_runs_a_constant_number_of_queries(acme, django_assert_num_queries):
    # given one matching registration with lines, then fifty
    wireless, security = _lines(acme)
    lines = [wireless.pk, security.pk]
    first = registered(acme, acme.partners[1], customer_name="Northwind Traders", customer_website="nw.com")
    DealLineFactory(deal=first, product=ProductFactory(line=wireless))
    CustomerAccountFactory(tenant=acme.tenant, name="Northwind Traders", domain="nw.com")
    typed = {"customer_name": "Northwind Traders", "customer_website": "nw.com", "product_line_ids": lines}
    one = _queries(acme, acme.partners[0], **typed)
    for n in range(49):
        deal = registered(acme, acme.partners[1], customer_name=f"Northwind Traders {n}", customer_website="nw.com")
        DealLineFactory(deal=deal, product=ProductFactory(line=security))
    # then the same queries: threshold set, registrations, accounts, threshold restored
    assert one == _queries(acme, acme.partners[0], **typed) == 4
    with tenant_scope(acme.tenant), django_assert_num_queries(4):
        assert len(conflicts_find(partner_id=acme.partners[0].pk, **typed)) == 20


def test_the_check_puts_back_the_transactions_own_settings(acme):
    # given a transaction that uses pg_trgm and parallel workers its own way
    registered(acme, acme.partners[1], customer_name="Northwind Traders", customer_website="nw.com")
    with tenant_scope(acme.tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', '0.2', true),"
            " set_config('max_parallel_workers_per_gather', '3', true)"
        )
        # when the check runs in it
        assert conflicts_find(partner_id=acme.partners[0].pk, customer_name="Northwind Traders")
        # then its settings are what they were
        cursor.execute(
            "SELECT current_setting('pg_trgm.similarity_threshold'), current_setting('max_parallel_workers_per_gather')"
        )
        assert cursor.fetchone() == ("0.2", "3")


def _plan(side, partner, *, bypass_rls: bool, **typed) -> str:
    """EXPLAIN of the check's statements, as they run (captured on their way to the database)."""
    sent = []

    def explain(execute, sql, params, many, context):
        if "WITH candidate" in sql:
            execute("EXPLAIN " + sql, params, many, context)
            sent.append("\n".join(row[0] for row in context["cursor"].fetchall()))
        return execute(sql, params, many, context)

    with tenant_scope(side.tenant), connection.cursor() as cursor:
        # A handful of rows: the planner would rightly scan; this asks whether the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        if bypass_rls:
            # The same statements with row-level security out of the way (the platform role).
            cursor.execute("SELECT set_config('role', %s, true)", [platform_role()])
        with connection.execute_wrapper(explain):
            conflicts_find(partner_id=partner.pk, **typed)
    return "\n\n".join(sent)


def test_the_name_and_domain_searches_can_use_their_indexes(acme):
    registered(acme, acme.partners[1], customer_name="Northwind Traders", customer_website="northwind.com")
    CustomerAccountFactory(tenant=acme.tenant, name="Northwind Traders", domain="northwind.com")
    typed = {"customer_name": "Northwind Traders", "customer_website": "northwind.com"}
    plan = _plan(acme, acme.partners[0], bypass_rls=True, **typed)
    # (With a handful of rows the planner prefers deal_status_idx over deal_active_customer_trgm for
    # the registrations' name branch; the bench's EXPLAIN ANALYZE at 1M rows is the check there.)
    for index in ("deal_active_domain_idx", "account_name_trgm", "account_domain_idx"):
        assert index in plan, plan
    # Under row-level security the exact-domain indexes serve (= is leakproof)...
    plan = _plan(acme, acme.partners[0], bypass_rls=False, **typed)
    assert "deal_active_domain_idx" in plan and "account_domain_idx" in plan, plan


def test_under_row_level_security_the_name_search_uses_its_trigram_index(acme):
    # given a vendor account (under row-level security, as the app role runs the check)
    CustomerAccountFactory(tenant=acme.tenant, name="Northwind Traders")
    # when the check plans its name search
    plan = _plan(acme, acme.partners[0], bypass_rls=False, customer_name="Northwind Traders")
    # then the trigram index serves it: similarity_op is LEAKPROOF (deals migration 0002), so the
    # policies do not force a scan of every row
    assert "account_name_trgm" in plan, plan


def test_the_similarity_operator_is_marked_leakproof():
    with connection.cursor() as cursor:
        cursor.execute("SELECT proleakproof FROM pg_proc WHERE proname = 'similarity_op'")
        assert cursor.fetchone() == (True,)
