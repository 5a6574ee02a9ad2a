"""The lead reports: fairness and acceptance time (back office), aging, and a partner admin's lead
share, on a small world with known answers (tests/leads/reports_setup.py); the CSV exports,
isolation of the partner's page, and pinned query counts."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, LeadCapacity, LeadStatus, OfferStatus, QueueReason
from leads.selectors.reports import fairness_for_actor, period_for
from prm.memo import reference_changed
from prm.tenancy.scope import platform_scope, tenant_scope

from ..conftest import body, csv_rows, make_client
from ..factories import EnrollmentFactory, PartnerFactory
from ..query_budget import assert_pinned, cost
from .factories import LeadFactory, RoutingDecisionFactory, offer_with_outcome
from .reports_setup import lead_report_world

pytestmark = pytest.mark.django_db

FAIRNESS = "/office/leads/fairness/"
AGING = "/office/leads/aging/"
SHARE = "/portal/leads/share/"


@pytest.fixture
def rw(world):
    ctx = SimpleNamespace(side=world.acme, world=world)
    lead_report_world(ctx)
    # Globex routes leads too: nothing of theirs may show on acme's pages.
    other = SimpleNamespace(side=world.globex, world=world)
    lead_report_world(other)
    ctx.globex = other
    return ctx


def _table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def _fairness_csv(client, query: str = "period=30") -> dict[str, list[str]]:
    rows = csv_rows(client.get(f"{FAIRNESS}?{query}&format=csv"))
    header, *data = rows
    return {row[1]: dict(zip(header, row, strict=True)) for row in data}


# --- fairness ------------------------------------------------------------------------------------


def test_fairness_counts_each_partner_against_its_weight(rw):
    rows = _fairness_csv(make_client(rw.side.manager))
    p1, p2 = (partner.display_name for partner in rw.side.partners)
    # The suspended partner is out of the rotation (no offers, no row); globex is not here.
    assert set(rows) == {p1, p2, "Quiet Partner"}
    first = rows[p1]
    assert [first[k] for k in ("Program", "Weight", "Rotation weight")] == ["Lead program", "3", "6"]
    # 6 offered (one pinned to its named account), 5 of them rotation offers of the program's 7.
    assert [first[k] for k in ("Offered", "Rotation offers", "Expected offers")] == ["6", "5", "3.5"]
    assert [first[k] for k in ("Expected share (%)", "Actual share (%)", "Deviation (points)")] == [
        "50.0",
        "71.4",
        "21.4",
    ]
    # Accepted counts the returned one and the pinned one; 3 of 3 + 1 declined + 1 timed out.
    counts = ("Accepted", "Declined", "Timed out", "Returned", "Withdrawn", "Pending")
    assert [first[k] for k in counts] == ["3", "1", "1", "1", "0", "1"]
    assert first["Acceptance rate (%)"] == "60.0"
    assert [first[k] for k in ("Converted", "Won", "Won amount (USD)")] == ["1", "1", "1000.00"]
    # Answered after 1, 2, 4 and 6 hours; accepted after 2, 4 and 6.
    assert [
        first[k]
        for k in (
            "Median hours to answer",
            "90th percentile hours to answer",
            "Median hours to accept",
            "90th percentile hours to accept",
        )
    ] == ["3.0", "5.4", "4.0", "5.6"]
    second = rows[p2]
    assert [second[k] for k in ("Weight", "Expected share (%)", "Actual share (%)", "Deviation (points)")] == [
        "2",
        "33.3",
        "28.6",
        "-4.7",
    ]
    # Its win was in EUR: counted, not summed into the USD amount.
    assert [second[k] for k in ("Acceptance rate (%)", "Converted", "Won", "Won amount (USD)")] == [
        "50.0",
        "1",
        "1",
        "0",
    ]
    quiet = rows["Quiet Partner"]
    assert [quiet[k] for k in ("Weight", "Offered", "Expected share (%)", "Actual share (%)", "Expected offers")] == [
        "1",
        "0",
        "16.7",
        "0.0",
        "1.2",
    ]
    assert quiet["Acceptance rate (%)"] == "" and quiet["Median hours to answer"] == ""


def test_the_page_shows_the_totals_the_chart_and_the_most_offered_first(rw):
    page = body(make_client(rw.side.manager).get(f"{FAIRNESS}?period=30"))
    totals = page[page.index('id="totals"') : page.index('id="fairness-title"')]
    # 8 offered, 4 accepted, 2 declined, 1 timed out: 57.1%; 2 converted, 2 won, $1,000.00 (USD only).
    for figure in (">8<", ">4<", "57.1%", ">1<", ">2<", "$1,000.00"):
        assert figure in totals, figure
    table = _table(page, "fairness")
    p1, p2 = (partner.display_name for partner in rw.side.partners)
    assert table.index(p1) < table.index(p2) < table.index("Quiet Partner")
    assert "71.4%" in table and "50.0%" in table and "3 / 6" in table
    assert 'data-chart-source="fairness-chart"' in page and "Expected share (%)" in page
    assert "Globex" not in page and "Suspended Partner" not in page


def test_the_under_served_come_first_when_asked(rw):
    table = _table(body(make_client(rw.side.manager).get(f"{FAIRNESS}?period=30&sort=below")), "fairness")
    p1, p2 = (partner.display_name for partner in rw.side.partners)
    assert table.index("Quiet Partner") < table.index(p2) < table.index(p1)


def test_the_period_and_the_program_narrow_the_report(rw):
    client = make_client(rw.side.manager)
    p1 = rw.side.partners[0]
    # an offer 60 days ago counts in the last 90 days, not the last 30
    offer_with_outcome(
        partner=p1,
        status=OfferStatus.DECLINED,
        offered_at=timezone.now() - timedelta(days=60),
        hours=1,
        rule=rw.leads.rule,
    )
    assert _fairness_csv(client, "period=30")[p1.display_name]["Offered"] == "6"
    assert _fairness_csv(client, "period=90")[p1.display_name]["Offered"] == "7"
    day = (timezone.now() - timedelta(days=60)).date()
    custom = f"period=custom&start={day - timedelta(days=1):%Y-%m-%d}&end={day + timedelta(days=1):%Y-%m-%d}"
    assert _fairness_csv(client, custom)[p1.display_name]["Offered"] == "1"
    # another program of acme's: its rotation only
    other = EnrollmentFactory(partner=rw.side.partners[1], tier__program__name="Services").program
    with tenant_scope(rw.side.tenant):
        reference_changed()  # (the admin says so when it adds a tier)
    rows = _fairness_csv(client, f"period=30&program={other.pk}")
    assert list(rows) == [rw.side.partners[1].display_name]
    assert rows[rw.side.partners[1].display_name]["Offered"] == "0"


def test_acceptance_time_overall_and_by_program(rw):
    page = body(make_client(rw.side.manager).get(f"{FAIRNESS}?period=30"))
    table = _table(page, "acceptance")
    # answered after 1, 2, 3, 4, 6, 10 h (median 3.5, p90 8.0); accepted after 2, 4, 6, 10 (5.0, 8.8)
    overall = table[table.index("All programs") : table.index("</tr>", table.index("All programs"))]
    assert [cell for cell in ("6", "4", "5.0", "8.8", "3.5", "8.0") if f">{cell}<" not in overall] == []
    assert "Lead program" in table


def test_an_empty_tenant_shows_empty_states(world):
    page = body(make_client(world.acme.manager).get(FAIRNESS))
    assert "No partner is in a program&#x27;s rotation" in page or "No partner is in a program's rotation" in page
    assert 'data-chart-source="fairness-chart"' not in page
    aging = body(make_client(world.acme.manager).get(AGING))
    assert "No offer is waiting for an answer." in aging and "The queue is empty." in aging


def test_a_stale_page_number_gives_the_last_page(rw):
    page = body(make_client(rw.side.manager).get(f"{FAIRNESS}?period=30&page=9"))
    assert "Quiet Partner" in _table(page, "fairness")


def test_the_export_escapes_formulas(rw):
    partner = rw.side.partners[0]
    with platform_scope():
        partner.display_name = "=HYPERLINK(1)"
        partner.save(update_fields=["display_name"])
    rows = _fairness_csv(make_client(rw.side.manager))
    assert "'=HYPERLINK(1)" in rows


# --- aging ---------------------------------------------------------------------------------------


def test_aging_buckets_open_offers_and_the_queue(rw):
    side, now = rw.side, timezone.now()
    p2 = side.partners[1]
    # open offers: 1 h (not opened), 10 h (opened: the world's), 30 h (not opened), 3 days (opened, overdue)
    offer_with_outcome(partner=p2, offered_at=now - timedelta(hours=1))
    offer_with_outcome(partner=p2, offered_at=now - timedelta(hours=30))
    overdue = offer_with_outcome(partner=p2, offered_at=now - timedelta(days=3), opened=True)
    # the queue: the world's 4 declined, timed out and returned leads (queued now, no decision: < 1 day),
    # one queued 2 days ago, one 10 days ago
    for days in (2, 10):
        lead = LeadFactory(tenant=side.tenant, status=LeadStatus.QUEUED, queue_reason=QueueReason.NO_CANDIDATE)
        RoutingDecisionFactory(lead=lead, created_at=now - timedelta(days=days))
    page = body(make_client(side.manager).get(AGING))
    ages = _table(page, "offer-ages")
    rows = [row for row in ages.split("<tr>")[2:]]
    cells = [[c.split(">")[-1] for c in row.split("</td>")[:-1]] for row in rows]
    # (not opened, opened, total, overdue) per bucket: < 4 h, 4-24 h, 1-2 days, > 2 days
    assert cells == [["1", "0", "1", "0"], ["0", "1", "1", "0"], ["1", "0", "1", "0"], ["0", "1", "1", "1"]]
    queue = _table(page, "queue-ages")
    queue_rows = [row.split("</td>")[0].split(">")[-1] for row in queue.split("<tr>")[2:]]
    assert queue_rows == ["4", "1", "0", "1"]
    summary = page[page.index('id="summary"') : page.index("</p>", page.index('id="summary"'))]
    assert "4 offers wait for an answer (2 not opened yet); 6 leads wait in the queue." in " ".join(summary.split())
    assert "No partner could take it: <strong>2</strong>" in page
    # the list: the nearest deadline first (the overdue one)
    listed = _table(page, "open-offers")
    assert listed.index(overdue.lead.reference) < listed.index(rw.leads.offers["pending"].lead.reference)
    assert "Overdue" in listed and "Globex" not in page


def test_the_aging_export_lists_every_open_offer(rw):
    rows = csv_rows(make_client(rw.side.manager).get(f"{AGING}?format=csv"))
    header, *data = rows
    assert header[:3] == ["Lead", "Company", "Partner"]
    assert [row[2] for row in data] == [rw.side.partners[0].display_name]
    assert data[0][0] == rw.leads.offers["pending"].lead.reference and data[0][8] == ""


# --- the partner's lead share --------------------------------------------------------------------


def test_the_partner_admin_sees_its_share_against_its_weight(rw):
    side = rw.side
    with platform_scope():
        LeadCapacity.objects.create(tenant=side.tenant, partner=side.partners[0], monthly_cap=10, daily_quota=2)
    page = body(make_client(side.partner_admin).get(SHARE))
    program = rw.leads.program.pk
    assert "Your weight is 3 of a rotation weighing 6 in all: about 50.0% of the program" in page
    months = _table(page, f"months-{program}")
    # the offers were made in the last three days: this month or the last one holds its 5 of 7
    assert ">5<" in months and ">3.5<" in months and "71.4%" in months
    answers = _table(page, f"answers-{program}")
    # it accepted 3 of 5 decided (60.0%); the program 4 of 7 (57.1%). Response time (timed out at
    # its 48 h deadline): its 1, 2, 4, 6, 48 -> 4.0; the program's 1, 2, 3, 4, 6, 10, 48 -> 4.0
    assert "60.0%" in answers and "57.1%" in answers and ">4.0<" in answers
    capacity = page[page.index('id="capacity"') : page.index("</section>", page.index('id="capacity"'))]
    assert "of your monthly cap of 10" in capacity and "of your daily quota of 2" in capacity


def test_the_share_page_names_no_other_partner(rw):
    side = rw.side
    page = body(make_client(side.partner_admin).get(SHARE))
    p2 = side.partners[1]
    for text in (p2.display_name, "Quiet Partner", "Suspended Partner", "Globex", "Silver"):
        assert text not in page, text
    # the other partner's own page shows its own figures
    other = body(make_client(side.partner_admins[1]).get(SHARE))
    assert "Your weight is 2 of a rotation weighing 6" in other
    assert side.partners[0].display_name not in other


def test_a_paused_partner_away_and_without_program(world):
    side = world.acme
    today = timezone.localdate()
    with platform_scope():
        LeadCapacity.objects.create(
            tenant=side.tenant,
            partner=side.partner,
            paused=True,
            paused_reason="Hiring",
            away_from=today - timedelta(days=1),
            away_until=today + timedelta(days=1),
        )
    page = body(make_client(side.partner_admin).get(SHARE))
    assert "You are paused" in page and "Hiring" in page and 'id="away"' in page
    assert "not enrolled in a program yet" in page
    assert "(no monthly cap)" in page


def test_only_partner_admins_open_the_share_page(rw):
    assert make_client(rw.side.sales_rep).get(SHARE).status_code == 403
    assert make_client(rw.side.manager).get(SHARE).status_code == 404
    assert make_client(rw.side.partner_admin).get(FAIRNESS).status_code == 404
    assert make_client(rw.side.partner_admin).get(AGING).status_code == 404


def test_the_menu_links_the_pages(rw):
    office = body(make_client(rw.side.manager).get(FAIRNESS))
    assert reverse("office:lead_fairness") in office and reverse("office:lead_aging") in office
    assert reverse("portal:lead_share") in body(make_client(rw.side.partner_admin).get("/portal/"))


# --- query counts ---------------------------------------------------------------------------------


def _more_partners(ctx, count: int) -> None:
    """``count`` more partners in the rotation, each offered a lead and answering it."""
    side = ctx.side
    for n in range(count):
        partner = PartnerFactory(tenant=side.tenant, display_name=f"Extra {n}", partner_type=side.partner_type)
        EnrollmentFactory(partner=partner, tier=ctx.leads.registered)
        offer_with_outcome(
            partner=partner,
            status=OfferStatus.ACCEPTED if n % 2 else OfferStatus.DECLINED,
            offered_at=timezone.now() - timedelta(days=1),
            hours=n + 1,
            rule=ctx.leads.rule,
        )
        offer_with_outcome(partner=partner, offered_at=timezone.now() - timedelta(hours=n), rule=ctx.leads.rule)


@pytest.mark.parametrize(
    ("who", "path", "pinned"),
    [
        ("manager", f"{FAIRNESS}?period=30", 5),
        ("manager", AGING, 6),
        ("partner_admin", SHARE, 9),
    ],
)
def test_the_pages_cost_the_same_for_few_partners_as_for_many(rw, no_queries_from_templates, who, path, pinned):
    member = getattr(rw.side, who)
    few = cost(member, path)
    _more_partners(rw, 30)
    many = cost(member, path)
    assert_pinned(few, many, pinned, path)


def test_the_fairness_page_pages_through_many_partners(rw):
    _more_partners(rw, 30)
    client = make_client(rw.side.manager)
    first = _table(body(client.get(f"{FAIRNESS}?period=30&sort=name")), "fairness")
    second = _table(body(client.get(f"{FAIRNESS}?period=30&sort=name&page=2")), "fairness")
    assert first.count('<th scope="row"') == 25 and second.count('<th scope="row"') == 8
    assert "33 partners and programs; the CSV has every one." in first
    assert len(_fairness_csv(client)) == 33


def test_money_is_decimal(rw):
    with tenant_scope(rw.side.tenant):
        zone = zoneinfo.ZoneInfo(rw.side.tenant.time_zone)
        period = period_for("30", today=timezone.now().astimezone(zone).date(), zone=zone)
        report = fairness_for_actor(actor=rw.side.manager, period=period, currency="USD", limit=None)
    assert report.totals.won_amount == Decimal("1000.00") and isinstance(report.rows[0].won_amount, Decimal)


def test_aging_shows_accepted_leads_nobody_works(rw):
    side, now = rw.side, timezone.now()

    def held_cells():
        held = _table(body(make_client(side.manager).get(AGING)), "held-ages")
        rows = held.split("<tr>")[2:]
        return [[int(c.split(">")[-1]) for c in row.split("</td>")[:-1]] for row in rows]

    before = held_cells()
    # an accepted lead untouched for 20 days, and one being worked but untouched for 40 days
    with tenant_scope(side.tenant):
        for status, days in ((LeadStatus.ACCEPTED, 20), (LeadStatus.WORKING, 40)):
            lead = LeadFactory(tenant=side.tenant, status=status, partner=side.partner, accepted_at=now)
            Lead.objects.filter(pk=lead.pk).update(updated_at=now - timedelta(days=days))
    after = held_cells()
    # (accepted, being worked, total) per bucket: < 7 days, 7-14, 14-30, > 30 days
    added = [
        [a - b for a, b in zip(row_after, row_before, strict=True)]
        for row_after, row_before in zip(after, before, strict=True)
    ]
    assert added == [[0, 0, 0], [0, 0, 0], [1, 0, 1], [0, 1, 1]]
