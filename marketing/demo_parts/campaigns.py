"""Demo data of campaigns in a box (acme only; idempotent), through the services: two published
campaigns (a storage launch with the "Digital campaign" MDF activity type and the library's first
assets, a backup awareness month without MDF) and a draft; Northwind's admin joined the launch with
a personalised e-mail and an MDF request pre-filled from it; leads cite the launch's code (three in
the vendor's queue, one offered to Northwind and accepted) and so does a deal Northwind registered
and won, so the office list and the campaign's page show attribution."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from deals.models import DealSource
from deals.selectors.deals import product_offer_for_actor
from deals.services import Attribution, deal_approve, deal_confirm_win, deal_mark_won, deal_register
from incentives.models import MdfActivityType
from incentives.selectors.mdf import partner_funds
from leads.models import LeadSource
from leads.services.intake import lead_receive
from leads.services.offers import offer_accept
from leads.services.routing_manual import lead_offer_to
from partners.models import Partner
from prm.accounts.models import Membership
from prm.accounts.roles import Role
from prm.errors import DomainError
from prm.tenancy.time import tenant_today
from prm.web.demo_kit import Demo

from ..models import Asset, Campaign, PublishStatus
from ..services.campaigns import MdfAsk, campaign_create, campaign_join, campaign_publish, campaign_set_assets

# Demo content as the vendor's marketing would write it (not product text).
LAUNCH = {
    "name": "Spring storage launch",
    "code": "storage-launch",
    "summary": "Launch the new storage line with mid-size banks: a landing page, six weeks of posts, a webinar.",
    "description": (
        "Who: IT leads of banks with 200 to 2,000 staff.\n"
        "What: the new storage line, 40% faster restores.\n"
        "How: a co-branded landing page, six weeks of sponsored posts, one webinar with our engineer.\n"
        "Cite the code storage-launch on every lead and deal registration it brings."
    ),
    "email_subject": "{{ partner }}: restores 40% faster with the new storage line",
    "email_body": (
        "Hello,\n\n"
        "the new storage line restores 40% faster than the one it replaces. {{ partner }} can show you "
        "how it fits your bank in a 30-minute call.\n\n"
        "Read more at {{ website }} or reply to this e-mail.\n\n"
        "Kind regards,\n{{ contact }}"
    ),
    "suggested_cost": Decimal("6000.00"),
}
BACKUP = {
    "name": "Backup awareness month",
    "code": "backup-month",
    "summary": "A month of reminders that a backup is only as good as its last restore test.",
    "email_subject": "When did {{ partner }} last test a restore for you?",
    "email_body": "Hello,\n\nbook a free restore test with us this month: {{ website }}\n\n{{ contact }}",
}
WEBINARS = {
    "name": "Partner webinar series",
    "code": "webinar-series",
    "summary": "Monthly webinars run by partners with a vendor engineer (being prepared).",
}
PROSPECTS = (
    ("Harbor Savings Bank", "DE", "Asked for the storage launch webinar."),
    ("Fjord Cooperative Bank", "SE", "Downloaded the landing page's brochure."),
    ("Alpine Private Bank", "CH", "Wants a restore test."),
    ("Meridian Credit Union", "GB", "Came from the sponsored posts; 600 staff."),
)


def load(demo: Demo) -> None:
    if demo.tenant.slug != "acme" or Campaign.objects.filter(code=LAUNCH["code"]).exists():
        return
    marketing = demo.staff.get("marketing") or demo.staff["admin"]
    today = tenant_today()
    fund_type = MdfActivityType.objects.filter(name="Digital campaign", is_active=True).first()
    assets = list(Asset.objects.filter(status=PublishStatus.PUBLISHED).order_by("id").values_list("id", flat=True)[:3])

    launch = campaign_create(
        actor=marketing,
        starts_on=today + timedelta(days=7),
        ends_on=today + timedelta(days=49),
        fund_type=fund_type,
        **LAUNCH,
    )
    if assets:
        campaign_set_assets(actor=marketing, campaign=launch, asset_ids=assets)
    launch = campaign_publish(actor=marketing, campaign=launch)
    backup = campaign_create(
        actor=marketing, starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=25), **BACKUP
    )
    if assets:
        campaign_set_assets(actor=marketing, campaign=backup, asset_ids=assets[-1:])
    campaign_publish(actor=marketing, campaign=backup)
    campaign_create(actor=marketing, **WEBINARS)

    northwind = Partner.objects.filter(display_name="Northwind").first()
    admin = (
        Membership.objects.filter(partner=northwind, role=Role.PARTNER_ADMIN, is_active=True).order_by("pk").first()
        if northwind
        else None
    )
    joined = _join(launch, admin, fund_type) if admin else None
    cited = _cite(demo, launch.code, northwind, admin)
    if joined is None:
        who = "nobody joined"
    elif joined.mdf_request_id:
        who = "Northwind joined the storage launch with an MDF request"
    else:
        who = "Northwind joined the storage launch"
    demo.notes.append(
        f"{demo.tenant.slug}: campaigns in a box: two published, one draft; {who}; "
        f"{cited} leads and deals cite storage-launch"
    )


def _join(launch: Campaign, admin: Membership, fund_type):
    """Northwind's admin joins the launch, asking for MDF from its open funds when it has some."""
    funds = partner_funds(partner_id=admin.partner_id, shown=0)["open_funds"] if fund_type else []
    mdf = None
    if funds:
        mdf = MdfAsk(
            allocation=funds[0]["allocation"],
            title=launch.name,
            description=launch.summary,
            starts_on=launch.starts_on,
            ends_on=launch.ends_on,
            cost=launch.suggested_cost,
            expected_leads=30,
            expected_pipeline=Decimal("250000.00"),
        )
    subject = "Northwind and the new storage line: restores 40% faster"
    body = LAUNCH["email_body"].replace("Kind regards,", "Talk soon,")
    try:
        return campaign_join(actor=admin, campaign=launch, email_subject=subject, email_body=body, mdf=mdf)
    except DomainError:  # the demo's funds refused the request: join without it
        return campaign_join(actor=admin, campaign=launch, email_subject=subject, email_body=body)


def _cite(demo: Demo, code: str, partner, admin) -> int:
    """Leads and a won deal citing ``code``; how many."""
    marketing = demo.staff.get("marketing") or demo.staff["admin"]
    cam = demo.staff.get("cam") or demo.staff["admin"]
    leads = [
        lead_receive(
            actor=marketing,
            source=LeadSource.MANUAL,
            company=company,
            country=country,
            description=need,
            campaign=code,
            route=False,
        ).lead
        for company, country, need in PROSPECTS
    ]
    count = len(leads)
    if partner is None or admin is None:
        return count
    try:
        offer = lead_offer_to(actor=cam, lead=leads[-1], partner=partner, note="From the storage launch")
        offer_accept(actor=admin, offer=offer, next_step="Book the 30-minute call", expected_value=Decimal("40000"))
    except DomainError as refused:  # the demo's policies: the lead stays in the queue
        demo.notes.append(f"marketing (campaigns): the campaign's lead was not offered: {refused.message}")
    products = product_offer_for_actor(actor=admin).products
    if not products:
        return count
    try:
        deal = deal_register(
            actor=admin,
            partner=partner,
            customer_name="Harbor Savings Bank",
            customer_country="DE",
            currency=products[0].currency,
            expected_close_on=tenant_today() + timedelta(days=30),
            lines=[(products[0], 4, None)],
            title="Storage for the new data centre",
            submit=True,
            attribution=Attribution(source=DealSource.PARTNER, campaign=code),
        )
        if deal.status == "submitted":
            deal = deal_approve(actor=cam, deal=deal)
        deal = deal_mark_won(actor=admin, deal=deal, amount=deal.amount, won_on=tenant_today())
        if deal.status != "won":
            deal_confirm_win(actor=cam, deal=deal)
    except DomainError as refused:  # a policy of the demo's catalogue
        demo.notes.append(f"marketing (campaigns): the campaign's deal stopped: {refused.message}")
        return count
    return count + 1
