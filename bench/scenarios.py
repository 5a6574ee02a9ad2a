"""What the load runs: one scenario per page, as the person who would open it.

Later capabilities add theirs to ``SCENARIOS``. ``path``
may be a function of the ``Actors`` found in the generated data (e.g. a partner's id).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Count, Q

ANONYMOUS, STAFF, PARTNER = "anonymous", "staff", "partner"
# The tenant's administrator: the staff member who may make a staff API key (a channel manager may not).
ADMIN = "admin"
# Statements Django logs that only manage the transaction: real round trips, but no data.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


@dataclass(frozen=True)
class Actors:
    """The people and objects scenarios use, found in the bench database."""

    tenant_slug: str
    staff_email: str
    staff_user_id: int
    partner_email: str
    partner_user_id: int
    partner_id: int  # the partner user's company; also the back office's detail page
    search: str
    admin_email: str = ""
    admin_user_id: int = 0


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    path: str | Callable[[Actors], str]
    actor: str = ANONYMOUS
    bare_domain: bool = False  # the platform host instead of the tenant's
    floor: bool = False
    reference: bool = False  # the shell: the signed-in layout alone, which its actor's pages are compared with
    url_name: str = ""  # a page another change may not have added yet: skipped until it resolves
    queries: int | None = None  # pinned: the run says so when a warm request runs another number
    # The REST API: ``Authorization: Bearer <a key of the actor's>`` (made for the run,
    # ``api_keys``) instead of the session cookie.
    api_key: bool = False
    method: str = "GET"
    # A JSON body (a POST); "__N__" in it becomes a number of its own in every request (wrk: a token
    # of the wrk run, the thread and a count; in-process: a count), with ``RUN_TOKEN`` keeping bench
    # runs apart.
    body: Callable[[Actors], dict] | None = None
    status: int = 200  # what every request must answer

    def available(self) -> bool:
        if not self.url_name:
            return True
        from django.urls import NoReverseMatch, reverse

        try:
            reverse(self.url_name)
        except NoReverseMatch:
            return False
        return True

    def url_path(self, actors: Actors) -> str:
        return self.path(actors) if callable(self.path) else self.path

    def host(self, actors: Actors, base_domain: str) -> str:
        return base_domain if self.bare_domain else f"{actors.tenant_slug}.{base_domain}"

    def headers(self, cookies: dict[str, str], keys: dict[str, str]) -> dict[str, str]:
        """What a request carries besides the host: the actor's key or session cookie, and the
        body's type."""
        headers = {}
        if self.api_key:
            headers["Authorization"] = f"Bearer {keys[self.actor]}"
        elif cookies.get(self.actor):
            headers["Cookie"] = cookies[self.actor]
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def body_template(self, actors: Actors) -> str | None:
        """The body as sent, with "__N__" still in it (``numbered`` fills it)."""
        return None if self.body is None else json.dumps(self.body(actors), separators=(",", ":"))

    def described_actor(self) -> str:
        return f"{self.actor} (API key)" if self.api_key else self.actor


def numbered(template: str, number: str) -> str:
    return template.replace("__N__", number)


# Keeps the customer names of one bench run's registrations apart from another's.
RUN_TOKEN = secrets.token_hex(3)


SCENARIOS: list[Scenario] = [
    Scenario("login", "Login page (anonymous)", "/accounts/login/"),
    Scenario(
        "shell_staff", "Shell: the signed-in layout, empty body (staff)", "/bench/shell/", actor=STAFF, reference=True
    ),
    Scenario(
        "shell_partner",
        "Shell: the signed-in layout, empty body (partner)",
        "/bench/shell/",
        actor=PARTNER,
        reference=True,
    ),
    Scenario("portal_home", "Portal home (partner user)", "/portal/", actor=PARTNER),
    Scenario("directory", "Partner directory, page 1 (staff)", "/office/partners/", actor=STAFF),
    Scenario(
        "directory_search",
        "Directory search + status filter (staff)",
        lambda a: f"/office/partners/?q={a.search}&status=active",
        actor=STAFF,
    ),
    Scenario("partner_detail", "Partner record (staff)", lambda a: f"/office/partners/{a.partner_id}/", actor=STAFF),
    Scenario(
        "portal_program",
        "Portal: program, tier and progress (partner user)",
        "/portal/program/",
        actor=PARTNER,
        url_name="portal:program",
    ),
    Scenario(
        "tier_reviews",
        "Tier reviews: proposals and at risk (staff)",
        "/office/tiers/",
        actor=STAFF,
        url_name="office:tier_reviews",
    ),
    Scenario(
        "deal_list",
        "Portal: the company's deal registrations (partner admin)",
        "/portal/deals/?tab=company",
        actor=PARTNER,
        url_name="portal:deal_list",
    ),
    Scenario(
        "deal_reviews",
        "Deal review queue, most urgent first (staff)",
        "/office/deals/",
        actor=STAFF,
        url_name="office:deal_reviews",
    ),
    Scenario(
        "deal_list_office",
        "Every deal registration but drafts, newest first (staff)",
        "/office/deals/all/",
        actor=STAFF,
        url_name="office:deal_list",
    ),
    Scenario(
        "deal_pipeline",
        "Deal pipeline: by stage, partner, tier, product line (staff)",
        "/office/deals/pipeline/",
        actor=STAFF,
        url_name="office:deal_pipeline",
    ),
    Scenario(
        "learning_catalogue",
        "Portal: the course catalogue (partner admin)",
        lambda a: _reversed("portal:learning_catalogue"),
        actor=PARTNER,
        url_name="portal:learning_catalogue",
        # the user, then the catalogue's reads (the tiers the partner holds, the page of courses with
        # the person's enrolments, prerequisites, categories, paths), as counted by the 2026-12-04 run
        queries=6,
    ),
    Scenario(
        "learning_mine",
        "Portal: my learning, in progress, completed, certificates (partner admin)",
        lambda a: _reversed("portal:learning_mine"),
        actor=PARTNER,
        url_name="portal:learning_mine",
        # the user and the person's enrolments with their courses, as counted by the 2026-12-04 run
        queries=2,
    ),
    Scenario(
        "learning_reports",
        "Learning reports: rates, certified people, expiring, items (staff)",
        lambda a: _reversed("office:learning_reports"),
        actor=STAFF,
        url_name="office:learning_reports",
        # warm: the user, the course options, the live list of certificates expiring (count, page); the
        # aggregate tables are kept REPORT_TTL seconds (cold: the rates, certified, expiring counts, items: 8)
        queries=4,
    ),
    Scenario(
        "learning_team",
        "Portal: the team's learning and who to certify next (partner admin)",
        lambda a: _reversed("portal:learning_team"),
        actor=PARTNER,
        url_name="portal:learning_team",
        # the user; people; competencies; programs' enrollments, ladder, standings; requirement params; candidates
        queries=8,
    ),
    Scenario(
        "applications_queue",
        "Partner applications: the open ones, oldest first (staff)",
        lambda a: _reversed("office:recruitment_applications"),
        actor=STAFF,
        url_name="office:recruitment_applications",
        # the user; the count and the page of applications; the page's scores (one query for its
        # rows): the same at 300 and 900 partners (2026-12-05 runs)
        queries=4,
    ),
    Scenario(
        "application_page",
        "One application in review: scores of its reviewers, checks, timeline (staff)",
        lambda a: _application_in_review(a.tenant_slug),
        actor=STAFF,
        url_name="office:recruitment_applications",
        # the user, the application; the active criteria; the scores; programs; checks with their
        # item and people; documents; duplicate flags; the timeline
        queries=9,
    ),
    Scenario(
        "onboarding_board",
        "Onboarding board: partners onboarding, the longest first (staff)",
        lambda a: _reversed("office:recruitment_onboarding_board"),
        actor=STAFF,
        url_name="office:recruitment_onboarding_board",
        # the user; the count and the page of onboardings; the tenant's time zone; the page's
        # overdue agreements (one query for its rows)
        queries=5,
    ),
    Scenario(
        "portal_agreements",
        "Portal: the company's agreements, accepted or not (partner admin)",
        lambda a: _reversed("portal:recruitment_agreements"),
        actor=PARTNER,
        url_name="portal:recruitment_agreements",
        # the user; enrolments, current versions, acceptances; the versions' texts; the acceptances
        # with who accepted: 7 at the default scale, as counted by the 2026-12-05 run (6 on a bench of
        # 300 partners, where the partner actor is another company)
        queries=7,
    ),
    Scenario(
        "lead_inbox",
        "Portal: the company's lead inbox, open offers and leads it holds (partner admin)",
        lambda a: _reversed("portal:leads"),
        actor=PARTNER,
        url_name="portal:leads",
        # the user; the open offers with their leads; the count and the page of the leads it holds,
        # with their owners: the same with 12 offers and 35 held leads (2026-12-05 runs)
        queries=4,
    ),
    Scenario(
        "lead_queue",
        "Leads: the vendor's queue and list of 150,000 leads (staff)",
        lambda a: _reversed("office:leads"),
        actor=STAFF,
        url_name="office:leads",
        # the user; the count (capped) and the page of the queue (queued, duplicates, referrals to
        # review) with the partners named; the saved filters: 4 at 300 and 5,000 partners (2026-12-05 runs)
        queries=4,
    ),
    Scenario(
        "portal_earnings",
        "Portal: the company's earnings, owed, claims, statements, the claim form (partner admin)",
        lambda a: _reversed("portal:earnings"),
        actor=PARTNER,
        url_name="portal:earnings",
        # the user; paid totals; the hold; the tenant's time zone (twice: two tenant_today()); held
        # totals; balances; a payout hold in force; statements; the rebate standings; the latest
        # claims; the campaigns open to claims; the won deals the claim form offers: 13 with the
        # generator's year of SPIFFs (2026-12-06; the suite pins 13 for a sales rep's page and 14
        # for a partner admin's in its own settings, tests/incentives/test_pages.py)
        queries=13,
    ),
    Scenario(
        "portal_statements",
        "Portal: every statement of the company and its people, a page at a time (partner admin)",
        lambda a: _reversed("portal:payout_statements"),
        actor=PARTNER,
        url_name="portal:payout_statements",
        # the user; the count; the page of payouts with their runs and payees: 3 (2026-12-06 run;
        # tests/incentives/test_pages.py pins 5 for a rep's list in its own settings)
        queries=3,
    ),
    Scenario(
        "portal_mdf",
        "Portal: the company's market development funds and its activities (partner admin)",
        lambda a: _reversed("portal:mdf"),
        actor=PARTNER,
        url_name="portal:mdf",
        queries=6,
    ),
    Scenario(
        "office_mdf_budgets",
        "MDF budgets with their balances and return (staff)",
        lambda a: _reversed("office:mdf_budgets"),
        actor=STAFF,
        url_name="office:mdf_budgets",
        queries=10,
    ),
    Scenario(
        "office_mdf_requests",
        "MDF requests and claims waiting, page 1 (staff)",
        lambda a: _reversed("office:mdf_requests"),
        actor=STAFF,
        url_name="office:mdf_requests",
        queries=6,
    ),
    Scenario(
        "scorecard_ranking",
        "Scorecards: the month ranked, best first, with the movers (staff)",
        lambda a: _reversed("office:scorecards"),
        actor=STAFF,
        url_name="office:scorecards",
        # the user; the scorecards; the latest month; the count (capped) and the page of the ~4,000
        # partners ranked; the movers up and down (2026-12-05 runs; tests/scorecards pins 9 statements)
        queries=7,
    ),
    Scenario(
        "scorecard_potential",
        "Scorecards: high-potential partners and why (staff)",
        lambda a: _reversed("office:scorecard_potential"),
        actor=STAFF,
        url_name="office:scorecard_potential",
        # the user; the scorecards; the latest month; the count and the page of ~800 flagged; the
        # partners tagged for investment (2026-12-05 runs)
        queries=6,
    ),
    Scenario(
        "scorecard_risks",
        "Scorecards: partners at risk and why (staff)",
        lambda a: _reversed("office:scorecard_risks"),
        actor=STAFF,
        url_name="office:scorecard_risks",
        # the user; the scorecards; the latest month; the count and the page of the channel manager's
        # partners at risk (the page's default: "my partners") (2026-12-05 runs)
        queries=5,
    ),
    Scenario(
        "scorecard_partner",
        "Scorecards: one partner's KPIs, trend and history (staff)",
        lambda a: _reversed("office:scorecard_partner", a.partner_id),
        actor=STAFF,
        url_name="office:scorecards",  # the drill-down's name needs an id: the list's resolves with it
        # the user; the partner; its enrolments; its 24 months of scores; the scorecards; the latest
        # snapshot; the KPIs' settings (2026-12-05 runs)
        queries=7,
    ),
    Scenario(
        "portal_scorecard",
        "Portal: the company's scorecard, what raises it most, its trend (partner admin)",
        lambda a: _reversed("portal:scorecard"),
        actor=PARTNER,
        url_name="portal:scorecard",
        # the user; the company's scorecards; their latest snapshots; the 24 months of scores; the
        # visible KPIs' settings (2026-12-05 runs; tests/scorecards pins 7 statements)
        queries=5,
    ),
    Scenario(
        "reviews_office",
        "Relationship reviews: due, scheduled and held, newest due first (staff)",
        lambda a: _reversed("office:reviews"),
        actor=STAFF,
        url_name="office:reviews",
        # the user; the page of reviews (the channel manager's default: its partners' open ones;
        # the bench has none) (2026-12-05 runs)
        queries=2,
    ),
    Scenario(
        "reviews_portal",
        "Portal: the company's relationship reviews (partner admin)",
        lambda a: _reversed("portal:reviews"),
        actor=PARTNER,
        url_name="portal:reviews",
        # the user; the company's reviews, their count, the open action items (2026-12-05 runs)
        queries=4,
    ),
    Scenario(
        "plans_office",
        "Business plans of every partner (staff; the bench generates none: the list's fixed cost)",
        lambda a: _reversed("office:plans"),
        actor=STAFF,
        url_name="office:plans",
        # the user; the (empty) page of plans (2026-12-05 runs)
        queries=2,
    ),
    Scenario(
        "plans_portal",
        "Portal: the company's business plans (partner admin; none generated)",
        lambda a: _reversed("portal:plans"),
        actor=PARTNER,
        url_name="portal:plans",
        # the user; the (empty) page of plans (2026-12-05 runs)
        queries=2,
    ),
    Scenario(
        "library_search",
        "Portal: the content library searched for a common word, page 1 (partner admin)",
        lambda a: _reversed("portal:library") + f"?q={LIBRARY_SEARCH}",
        actor=PARTNER,
        url_name="portal:library",
        # the user; the person's library visit (locked); the capped count and page 1 (the current
        # versions and the person's last downloads as subqueries of the page's rows); the folder and
        # tag facets in one statement (2026-12-05 runs)
        queries=5,
    ),
    Scenario(
        "library_browse",
        "Portal: the content library, one folder and its subfolders, page 1 (partner admin)",
        lambda a: _reversed("portal:library") + f"?folder={_library_folder(a.tenant_slug)}",
        actor=PARTNER,
        url_name="portal:library",
        # as library_search, the folder's subfolders from the per-process folder tree (2026-12-05 runs)
        queries=5,
    ),
    Scenario(
        "office_assets",
        "The content library's assets, latest changed first, with their usage (staff)",
        lambda a: _reversed("office:assets"),
        actor=STAFF,
        url_name="office:assets",
        # the user; the capped count and page 1; the page's views, downloads, partners and people
        # (one grouped query) (2026-12-05 runs)
        queries=4,
    ),
    Scenario(
        "locator_search",
        "Public locator: partners in a country with a competency, near a city, ranked (anonymous)",
        lambda a: _reversed("locator") + _locator_query(a.tenant_slug),
        url_name="locator",
        # the locator's settings; the search, scored, counted and paged in one statement (2026-12-05 runs)
        queries=2,
    ),
    Scenario(
        "locator_profile",
        "Public locator: a partner's profile and its contact form (anonymous)",
        lambda a: _reversed("locator_partner", _locator_profile(a.tenant_slug)),
        url_name="locator",
        # the settings; the profile with its partner; its locations, tiers, certifications (people
        # per certification) and competencies (2026-12-05 runs)
        queries=6,
    ),
    Scenario(
        "api_deal_list",
        "API: the company's deal registrations, first page of 50 (partner admin's key)",
        lambda a: _reversed("api:deal-list"),
        actor=PARTNER,
        url_name="api:deal-list",
        api_key=True,
        # the key (with its owner and user); the page of 51 deals; their lines (prefetched): 2026-12-05 run
        queries=3,
    ),
    Scenario(
        "api_deal_list_staff",
        "API: every deal registration but drafts, first page of 50 (tenant admin's key)",
        lambda a: _reversed("api:deal-list"),
        actor=ADMIN,
        url_name="api:deal-list",
        api_key=True,
        # the key; the page of 51 submitted deals of the million; their lines: 2026-12-05 run
        queries=3,
    ),
    Scenario(
        "api_deal_create",
        "API: register a deal, a draft with one product line (partner admin's key; writes rows)",
        lambda a: _reversed("api:deal-list"),
        actor=PARTNER,
        url_name="api:deal-list",
        api_key=True,
        method="POST",
        body=lambda a: _deal_body(a),
        status=201,
        # the key; the catalogue; the partner's enrollments (the program); the tenant's currency and
        # time zone (two reads); the deal, its line (after deleting none) and its event; the deal
        # read back with its lines: 11 (2026-12-05 run)
        queries=11,
    ),
    Scenario("floor_plain", "Floor: plain response, no database", "/bench/floor/plain/", bare_domain=True, floor=True),
    Scenario("floor_query", "Floor: 12 rows through a template", "/bench/floor/query/", floor=True),
]
QUERY_FLOOR = "floor_query"


def _reversed(url_name: str, *args) -> str:
    """A page's path from its URL name (pages of parts built in parallel: their paths are theirs)."""
    from django.urls import reverse

    return reverse(url_name, args=args or None)


_APPLICATIONS: dict[str, str] = {}


def _application_in_review(tenant_slug: str) -> str:
    """The page of the tenant's oldest application in review with its reviewers' scores (found
    once: the load asks for the path again per run)."""
    if tenant_slug not in _APPLICATIONS:
        from django.urls import reverse

        from prm.tenancy.models import Tenant
        from prm.tenancy.scope import tenant_scope
        from recruitment.models import Application, ApplicationStatus

        with tenant_scope(Tenant.objects.get(slug=tenant_slug)):
            found = (
                Application.objects.filter(status=ApplicationStatus.IN_REVIEW, scores__isnull=False)
                .order_by("created_at", "id")
                .values_list("id", flat=True)
                .first()
            )
        if found is None:
            raise SystemExit(f"the bench data of {tenant_slug!r} has no application in review with scores")
        _APPLICATIONS[tenant_slug] = reverse("office:recruitment_application", args=[found])
    return _APPLICATIONS[tenant_slug]


# The library's searches: a document word of the generator's titles (bench/datagen_marketing.py),
# in about 10 % of them.
LIBRARY_SEARCH = "datasheet"
LIBRARY_FOLDER = "Sales"  # a top folder of the generator's, with four subfolders
LOCATOR_COUNTRY, LOCATOR_NEAR = "US", "Chicago"
_MARKETING: dict[tuple[str, str], object] = {}


def _marketing_found(tenant_slug: str, what: str, find):
    """Something of the generated marketing data, found once per run (the load asks again per run)."""
    if (tenant_slug, what) not in _MARKETING:
        from prm.tenancy.models import Tenant
        from prm.tenancy.scope import tenant_scope

        with tenant_scope(Tenant.objects.get(slug=tenant_slug)):
            found = find()
        if found is None:
            raise SystemExit(
                f"the bench data of {tenant_slug!r} has no {what}: generate it (bench/datagen_marketing.py)"
            )
        _MARKETING[tenant_slug, what] = found
    return _MARKETING[tenant_slug, what]


def _library_folder(tenant_slug: str) -> int:
    from marketing.models import AssetFolder

    return _marketing_found(
        tenant_slug,
        "library folder",
        lambda: AssetFolder.objects.filter(name=LIBRARY_FOLDER, parent=None).values_list("id", flat=True).first(),
    )


def _locator_query(tenant_slug: str) -> str:
    """The locator's search: partners in the largest country with the competency most partners
    hold, within the default distance of a city there."""

    def find():
        from django.db.models import Count

        from learning.models import CompetencyHolding

        held = (
            CompetencyHolding.objects.filter(lost_at__isnull=True, competency__is_active=True)
            .values("competency_id")
            .annotate(n=Count("id"))
            .order_by("-n", "competency_id")
            .first()
        )
        return held and f"?country={LOCATOR_COUNTRY}&competency={held['competency_id']}&near={LOCATOR_NEAR}"

    return _marketing_found(tenant_slug, "competency held", find)


def _locator_profile(tenant_slug: str) -> int:
    """A public profile showing everything (tier, certifications, competencies, locations, contact)
    of an active partner that holds competencies: the fullest page."""

    def find():
        from learning.models import CompetencyHolding
        from marketing.models import ProfileStatus, PublicProfile

        holders = CompetencyHolding.objects.filter(lost_at__isnull=True).values("partner_id")
        return (
            PublicProfile.objects.filter(
                status=ProfileStatus.PUBLIC,
                partner__status="active",
                partner_id__in=holders,
                show_tier=True,
                show_certifications=True,
                show_competencies=True,
                show_locations=True,
                show_contact=True,
            )
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )

    return _marketing_found(tenant_slug, "public profile", find)


_DEAL_BODIES: dict[int, dict] = {}


def _deal_body(actors: Actors) -> dict:
    """A registration as an integration would send it for the partner actor: an end customer of
    its own per request (name and web domain numbered), a close date two months ahead, one line of
    a product the partner may register (found once: the load asks for the body again per run)."""
    if actors.partner_user_id not in _DEAL_BODIES:
        from datetime import timedelta

        from django.utils import timezone

        from deals.selectors.deals import product_offer_for_actor, product_options_for_actor
        from prm.accounts.models import Membership
        from prm.tenancy.models import Tenant
        from prm.tenancy.scope import tenant_scope

        tenant = Tenant.objects.get(slug=actors.tenant_slug)
        with tenant_scope(tenant, partner=actors.partner_id):
            actor = Membership.objects.select_related("partner", "user").get(user_id=actors.partner_user_id)
            catalogue = {product.pk for product in product_options_for_actor(actor=actor)}
            offered = [product for product in product_offer_for_actor(actor=actor).products if product.pk in catalogue]
            country = actor.partner.country
        if not offered:
            raise SystemExit(f"the bench's partner actor {actors.partner_email} may register no product")
        product = min(offered, key=lambda p: p.pk)
        _DEAL_BODIES[actors.partner_user_id] = {
            "customer_name": f"Bench API customer {RUN_TOKEN} __N__",
            "customer_website": f"https://api-{RUN_TOKEN}-__N__.bench.example",
            "customer_country": country or "US",
            "currency": tenant.default_currency or "USD",
            "expected_close_on": (timezone.now().date() + timedelta(days=60)).isoformat(),
            "title": "Bench API registration",
            "contact_name": "Bench Contact",
            "contact_email": "buyer@api-__N__.bench.example",
            "lines": [{"product": product.pk, "quantity": 3}],
        }
    return _DEAL_BODIES[actors.partner_user_id]


# The shell each actor's pages are compared with.
SHELLS = {STAFF: "shell_staff", PARTNER: "shell_partner"}
IN_PROCESS_REQUESTS = 20


def typical_partner_admins():
    """Partner admins of active partners with a few people, both programs and contacts, in id
    order: the bench's partner actor is the first (the lead generator gives its company an inbox)."""
    from partners.models import PartnerStatus
    from prm.accounts.models import Membership
    from prm.accounts.roles import MembershipKind, Role

    return (
        Membership.objects.filter(
            kind=MembershipKind.PARTNER,
            role=Role.PARTNER_ADMIN,
            is_active=True,
            partner__status=PartnerStatus.ACTIVE,
        )
        .annotate(
            people=Count("partner__memberships", distinct=True),
            programs=Count("partner__enrollments", distinct=True),
            contacts=Count("partner__contacts", distinct=True),
        )
        .filter(Q(people__gte=3) & Q(programs__gte=2) & Q(contacts__gte=2))
        .order_by("id")
    )


def find_actors(*, tenant_slug: str, search: str) -> Actors:
    """A channel account manager (no MFA needed), a partner admin of a typical active partner and
    the tenant's first administrator (the staff API key's owner)."""
    from prm.accounts.models import Membership
    from prm.accounts.roles import MembershipKind, Role
    from prm.tenancy.models import Tenant
    from prm.tenancy.scope import tenant_scope

    tenant = Tenant.objects.get(slug=tenant_slug)
    with tenant_scope(tenant):
        staff = (
            Membership.objects.filter(kind=MembershipKind.STAFF, role=Role.CHANNEL_MANAGER, is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        )
        admin = (
            Membership.objects.filter(kind=MembershipKind.STAFF, role=Role.ADMIN, is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        )
        partner_user = typical_partner_admins().select_related("user").first()
        if partner_user is None:  # a tiny scale: any active partner admin
            partner_user = (
                Membership.objects.filter(
                    kind=MembershipKind.PARTNER, role=Role.PARTNER_ADMIN, is_active=True, partner__status="active"
                )
                .select_related("user")
                .order_by("id")
                .first()
            )
    if staff is None or partner_user is None or admin is None:
        raise SystemExit(
            f"the bench data of {tenant_slug!r} has no channel manager, no administrator or no active partner admin"
        )
    return Actors(
        tenant_slug=tenant_slug,
        staff_email=staff.user.email,
        staff_user_id=staff.user_id,
        partner_email=partner_user.user.email,
        partner_user_id=partner_user.user_id,
        partner_id=partner_user.partner_id,
        search=search,
        admin_email=admin.user.email,
        admin_user_id=admin.user_id,
    )


def session_cookie(user_id: int) -> str:
    """A signed-in session for the user, made directly (no login round trip, no password check)."""
    from prm.accounts.models import User

    user = User.objects.get(pk=user_id)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


API_KEY_NAME = "bench"
API_KEY_SCOPES = ["deals:read", "deals:write"]


def api_keys(actors: Actors) -> dict[str, str]:
    """An API key per actor the API scenarios run as, made now through the service (a key's
    secret is shown only when it is made): the partner admin's, in its partner's scope, and the
    tenant administrator's. Two rows per bench run."""
    from prm.accounts.credentials import api_key_create
    from prm.accounts.models import Membership
    from prm.tenancy.models import Tenant
    from prm.tenancy.scope import tenant_scope

    tenant = Tenant.objects.get(slug=actors.tenant_slug)
    keys = {}
    for actor, user_id, partner_id in (
        (PARTNER, actors.partner_user_id, actors.partner_id),
        (ADMIN, actors.admin_user_id, None),
    ):
        with tenant_scope(tenant, partner=partner_id):
            owner = Membership.objects.select_related("partner", "user").get(user_id=user_id)
            keys[actor] = api_key_create(actor=owner, name=API_KEY_NAME, scopes=API_KEY_SCOPES).secret
    return keys


def measure_queries(scenario: Scenario, actors: Actors, cookies: dict[str, str], keys: dict[str, str]) -> dict:
    """The status, size and SQL of one warm request through Django's test client, and the mean
    SQL time and CPU time of ``IN_PROCESS_REQUESTS`` more (in this process: no HTTP, no server)."""
    import time

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    headers = scenario.headers(cookies, keys)
    cookie = headers.pop("Cookie", "")
    if cookie:
        name, value = cookie.split("=", 1)
        client.cookies[name] = value
    path = scenario.url_path(actors)
    host = scenario.host(actors, settings.PRM_BASE_DOMAIN)
    template = scenario.body_template(actors)
    sent = iter(range(1, 10**9))

    def request():
        body = numbered(template, f"q{next(sent)}") if template is not None else ""
        return client.generic(
            scenario.method,
            path,
            body,
            content_type=headers.get("Content-Type", "application/octet-stream"),
            headers={name: value for name, value in headers.items() if name != "Content-Type"},
            HTTP_HOST=host,
        )

    request()  # warm: first-request work (caches) is not the steady state
    with CaptureQueriesContext(connection) as captured:
        response = request()
    statements = [query["sql"] for query in captured.captured_queries]
    sql_seconds, cpu_started = 0.0, time.process_time()
    for _ in range(IN_PROCESS_REQUESTS):
        with CaptureQueriesContext(connection) as timed:
            request()
        sql_seconds += sum(float(query["time"]) for query in timed.captured_queries)
    cpu_seconds = time.process_time() - cpu_started
    return {
        "status": response.status_code,
        "bytes": len(response.content),
        "queries": sum(1 for sql in statements if not sql.startswith(TRANSACTION_CONTROL)),
        "round_trips": len(statements),
        "sql": statements,
        # Wall time of the statements as the client saw them (round trips included).
        "sql_ms": round(sql_seconds / IN_PROCESS_REQUESTS * 1000, 2),
        # This process's CPU (Django, the ORM, templates, the driver), per request.
        "python_cpu_ms": round(cpu_seconds / IN_PROCESS_REQUESTS * 1000, 2),
    }
