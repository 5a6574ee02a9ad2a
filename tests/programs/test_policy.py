"""The policy decision: every reason a partner may be refused, each one shown to matter, all of
them collected at once; exclusivity that never names the other partner; the catalogue's
decisions in a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from partners.models import Partner, PartnerStatus
from prm.accounts.roles import PARTNER_ROLES, Role
from prm.errors import CrossTenantReference
from prm.tenancy.scope import platform_scope, tenant_scope
from programs.models import LicenceStatus, Program, TerritoryGrant, TierStanding
from programs.services import policy
from programs.services.policy import (
    Decision,
    deal_parameters,
    policy_decide,
    product_lines_for_partner,
)

from ..factories import (
    AuthorizationRuleFactory,
    EnrollmentFactory,
    LicenceTypeFactory,
    PartnerLicenceFactory,
    PartnerTypeFactory,
    ProductFactory,
    ProductLineFactory,
    ProgramFactory,
    RegionFactory,
    TerritoryGrantFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 15)


@pytest.fixture
def ladder(world):
    """acme's Resell program: Silver (1) < Gold (2) < Platinum (3); the Cloud Security line."""
    tenant = world.acme.tenant
    program = ProgramFactory(tenant=tenant, name="Resell", slug="resell")
    tiers = {
        name: TierFactory(tenant=tenant, program=program, name=name, rank=rank, protection_days=days)
        for name, rank, days in (("Silver", 1, 60), ("Gold", 2, 120), ("Platinum", 3, 180))
    }
    line = ProductLineFactory(tenant=tenant, name="Cloud Security", slug="cloud-security")
    return {"program": program, "line": line, **tiers}


def decide(side, *, as_partner_user=False, **kwargs) -> Decision:
    """Decide for acme partner 1 in the tenant scope, or as its own user would (partner scope).

    Every decision that the policy's SQL screen can make (a line, no amount) is also screened, as
    lead routing screens thousands of partners at once, and the two must agree."""
    partner = kwargs.pop("partner", side.partner)
    on = kwargs.pop("on", TODAY)
    scope = tenant_scope(side.tenant, partner=partner if as_partner_user else None)
    with scope:
        partner = Partner.objects.get(pk=partner.pk)
        decision = policy_decide(partner=partner, on=on, **{"action": "sell", **kwargs})
    if kwargs.get("action", "sell") != "register_deal" and kwargs.get("product_line") and not kwargs.get("product"):
        _assert_screen_agrees(side, partner, decision, on=on, **kwargs)
    return decision


def screened(tenant, partner, *, on=TODAY, product_line, country="", action="sell") -> tuple[str | None, bool]:
    """What ``policy_screen`` says of one partner, run in SQL as lead routing runs it: the first
    refusal's code (None: allowed) and whether the screen judged everything."""
    with tenant_scope(tenant):
        screen = policy.policy_screen(action=action, product_line=product_line, country=country, on=on)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT CASE {screen.case_when()} END FROM partners_partner p WHERE p.id = %(partner)s",
                {**screen.params, "partner": partner.pk},
            )
            (refusal,) = cursor.fetchone()
    return (refusal.partition(":")[2] if refusal else None), screen.complete


def _assert_screen_agrees(side, partner, decision, *, on, **kwargs) -> None:
    asked = {key: kwargs[key] for key in ("product_line", "country", "action") if key in kwargs}
    code, complete = screened(side.tenant, partner, on=on, **asked)
    codes = {"licence" if c.startswith("licence_") else c for c in decision.codes}
    if code is not None:
        assert code in codes, (code, decision.codes)
    elif complete:
        assert decision.allowed, (decision.codes, "the screen let it through")
    else:
        assert codes <= {"competency"}, decision.codes  # the screen leaves competencies to the holder


# --- the partner itself --------------------------------------------------------------------------


def test_an_active_partner_may_sell_a_line_without_rules(world, ladder):
    # given an active partner and a line with no rules
    # when the policy is asked
    decision = decide(world.acme, product_line=ladder["line"])
    # then it is allowed, with no reasons
    assert decision == Decision(allowed=True, reasons=())


@pytest.mark.parametrize(
    ("status", "fragment"),
    [
        (PartnerStatus.SUSPENDED, "Your company is suspended"),
        (PartnerStatus.TERMINATED, "partnership has ended"),
        (PartnerStatus.APPLICANT, "application is still being reviewed"),
        (PartnerStatus.ONBOARDING, "still onboarding"),
    ],
)
def test_a_partner_that_is_not_active_is_refused_and_told_why(world, ladder, status, fragment):
    # given acme partner 1 in a status other than active
    with platform_scope():
        Partner.objects.filter(pk=world.acme.partner.pk).update(status=status)
    # when it asks to sell a line without rules
    decision = decide(world.acme, product_line=ladder["line"])
    # then the only reason is its status
    assert not decision.allowed
    assert decision.codes == ("partner_status",)
    assert fragment in decision.reasons[0].message


def test_an_onboarding_partner_may_register_a_deal_but_not_sell_yet(world, ladder):
    # given acme partner 1 still onboarding (its first registration is an onboarding step)
    with platform_scope():
        Partner.objects.filter(pk=world.acme.partner.pk).update(status=PartnerStatus.ONBOARDING)
    # when the policy is asked about registering a deal and about selling
    register = decide(world.acme, product_line=ladder["line"], action="register_deal")
    sell = decide(world.acme, product_line=ladder["line"])
    # then the registration is allowed and selling is refused because of the status
    assert "partner_status" not in register.codes
    assert sell.codes == ("partner_status",)


def test_an_onboarding_partners_catalogue_for_registration_offers_its_lines(world, ladder):
    # given acme partner 1 still onboarding, and the Cloud Security line with a product
    ProductFactory(line=ladder["line"], name="CS-1")
    with platform_scope():
        Partner.objects.filter(pk=world.acme.partner.pk).update(status=PartnerStatus.ONBOARDING)
    with tenant_scope(world.acme.tenant, partner=world.acme.partner):
        partner = Partner.objects.get(pk=world.acme.partner.pk)
        # when its catalogue is decided for the registration form, and for selling
        register = product_lines_for_partner(partner=partner, action="register_deal")
        sell = product_lines_for_partner(partner=partner)
    # then the line may be registered (the first deal is an onboarding step), not sold yet
    assert [(line.name, decision.allowed) for line, decision in register] == [("Cloud Security", True)]
    assert [decision.codes for _, decision in sell] == [("partner_status",)]


# --- minimum tier ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("tier", "allowed"), [("Silver", False), ("Gold", True), ("Platinum", True)])
def test_a_line_needing_gold_is_for_gold_and_above(world, ladder, tier, allowed):
    # given Cloud Security needs Gold in Resell, and partner 1 holds some tier there
    AuthorizationRuleFactory(product_line=ladder["line"], min_tier=ladder["Gold"])
    EnrollmentFactory(partner=world.acme.partner, tier=ladder[tier])
    # when the policy is asked
    decision = decide(world.acme, product_line=ladder["line"])
    # then the tier decides, and a refusal names the tier needed and the partner's own
    assert decision.allowed is allowed
    if not allowed:
        assert decision.codes == ("min_tier",)
        assert decision.reasons[0].message == (
            "Cloud Security needs the Gold tier of the Resell program; you are Silver."
        )


def test_a_partner_outside_the_program_is_told_it_is_not_enrolled(world, ladder):
    # given Cloud Security needs Gold in Resell, and partner 1 is in no program
    AuthorizationRuleFactory(product_line=ladder["line"], min_tier=ladder["Gold"])
    # when the policy is asked
    decision = decide(world.acme, product_line=ladder["line"])
    # then it is refused: not enrolled in Resell
    assert decision.codes == ("min_tier",)
    assert "not enrolled in that program" in decision.reasons[0].message


def _standing(enrollment, results, next_tier=None):
    with platform_scope():
        return TierStanding.objects.create(
            tenant_id=enrollment.tenant_id,
            enrollment=enrollment,
            partner_id=enrollment.partner_id,
            program_id=enrollment.program_id,
            qualifying_tier_id=enrollment.tier_id,
            next_tier=next_tier,
            results=results,
            evaluated_at=timezone.now(),
        )


def test_the_tier_reason_says_what_is_missing_for_the_tier_when_the_standing_knows(world, ladder):
    # given a Silver partner whose latest standing shows Gold's revenue requirement unmet
    AuthorizationRuleFactory(product_line=ladder["line"], min_tier=ladder["Gold"])
    enrollment = EnrollmentFactory(partner=world.acme.partner, tier=ladder["Silver"])
    gold = ladder["Gold"].pk
    _standing(
        enrollment,
        [
            {
                "requirement_id": 1,
                "tier_id": gold,
                "label": "Revenue",
                "value": 38000,
                "threshold": 50000,
                "operator": "gte",
                "met": False,
                "gap": 12000,
                "unit": "",
                "mandatory": True,
            },
            {
                "requirement_id": 2,
                "tier_id": gold,
                "label": "Certified people",
                "value": 3,
                "threshold": 2,
                "operator": "gte",
                "met": True,
                "gap": 0,
                "unit": "",
                "mandatory": True,
            },
            {
                "requirement_id": 3,
                "tier_id": ladder["Silver"].pk,
                "label": "Deals",
                "value": 1,
                "threshold": 5,
                "operator": "gte",
                "met": False,
                "gap": 4,
                "unit": "",
                "mandatory": True,
            },
        ],
        next_tier=ladder["Gold"],
    )
    # when the policy is asked
    decision = decide(world.acme, product_line=ladder["line"])
    # then the reason ends with what Gold still needs (only Gold's unmet requirements)
    assert decision.reasons[0].message == (
        "Cloud Security needs the Gold tier of the Resell program; you are Silver. To reach Gold: Revenue 12,000 more."
    )


@pytest.mark.parametrize("results", [[], ["garbage", 3, None], [{"tier_id": "x"}], [{"met": False}]])
def test_a_standing_without_usable_results_leaves_the_plain_tier_reason(world, ladder, results):
    # given a Silver partner whose standing has nothing usable about Gold
    AuthorizationRuleFactory(product_line=ladder["line"], min_tier=ladder["Gold"])
    enrollment = EnrollmentFactory(partner=world.acme.partner, tier=ladder["Silver"])
    _standing(enrollment, results)
    # when the policy is asked
    decision = decide(world.acme, product_line=ladder["line"])
    # then the reason is the plain one, and nothing breaks
    assert decision.reasons[0].message == "Cloud Security needs the Gold tier of the Resell program; you are Silver."


def test_a_line_needing_platinum_shows_the_way_to_the_next_tier(world, ladder):
    # given a Silver partner, a line needing Platinum, and a standing that knows only Gold's needs
    AuthorizationRuleFactory(product_line=ladder["line"], min_tier=ladder["Platinum"])
    enrollment = EnrollmentFactory(partner=world.acme.partner, tier=ladder["Silver"])
    entry = {
        "requirement_id": 1,
        "tier_id": ladder["Gold"].pk,
        "label": "Revenue",
        "threshold": "50000",
        "operator": "gte",
        "met": False,
        "gap": "2500.5",
        "unit": "EUR",
        "mandatory": False,
    }
    _standing(enrollment, [entry], next_tier=ladder["Gold"])
    # when the policy is asked
    message = decide(world.acme, product_line=ladder["line"]).reasons[0].message
    # then the first step is shown
    assert message.endswith("To reach Gold: Revenue 2,500.50 EUR more (optional).")


# --- partner types ----------------------------------------------------------------------------------


def test_a_line_for_other_partner_types_names_them_and_the_partners_own(world, ladder):
    # given Cloud Security is for MSPs and distributors only, and partner 1 is a reseller
    tenant = world.acme.tenant
    msp = PartnerTypeFactory(tenant=tenant, name="Managed service provider", slug="msp")
    distributor = PartnerTypeFactory(tenant=tenant, name="Distributor", slug="distributor")
    AuthorizationRuleFactory(product_line=ladder["line"], allowed_partner_type_ids=[msp.pk, distributor.pk])
    # when the policy is asked
    decision = decide(world.acme, product_line=ladder["line"])
    # then it is refused naming the allowed types and the partner's type
    assert decision.codes == ("partner_type",)
    assert decision.reasons[0].message == (
        "Cloud Security is sold only by these partner types: Distributor, Managed service provider. "
        "Your company is registered as Reseller."
    )


def test_a_line_for_the_partners_type_is_allowed(world, ladder):
    # given Cloud Security is for resellers and MSPs
    msp = PartnerTypeFactory(tenant=world.acme.tenant, name="MSP", slug="msp")
    AuthorizationRuleFactory(product_line=ladder["line"], allowed_partner_type_ids=[msp.pk, world.acme.partner_type.pk])
    # when / then the reseller may sell it
    assert decide(world.acme, product_line=ladder["line"]).allowed


# --- licences -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("licences", "code", "fragment"),
    [
        ([], "licence_missing", "has none on file. Upload it under Licences."),
        ([(LicenceStatus.PENDING, date(2026, 1, 1))], "licence_pending", "awaiting verification"),
        ([(LicenceStatus.REJECTED, date(2026, 1, 1))], "licence_rejected", "was rejected (Blurred scan)"),
        ([(LicenceStatus.VERIFIED, date(2025, 3, 3))], "licence_expired", "expired on 3 March 2025"),
        ([(LicenceStatus.PENDING, date(2025, 1, 1))], "licence_expired", "expired on 1 January 2025"),
        (
            [(LicenceStatus.REJECTED, date(2026, 1, 1)), (LicenceStatus.PENDING, date(2026, 1, 1))],
            "licence_pending",
            "awaiting verification",
        ),
        ([(LicenceStatus.VERIFIED, TODAY)], None, ""),  # valid through its expiry day
        ([(LicenceStatus.VERIFIED, date(2024, 1, 1)), (LicenceStatus.VERIFIED, date(2027, 1, 1))], None, ""),
    ],
)
def test_a_line_needing_a_licence_needs_a_verified_current_one(world, ladder, licences, code, fragment):
    # given Cloud Security needs an export licence, and partner 1's licences of that type
    export = LicenceTypeFactory(tenant=world.acme.tenant, name="Export licence")
    AuthorizationRuleFactory(product_line=ladder["line"], required_licence_type=export)
    for status, expires_on in licences:
        PartnerLicenceFactory(
            partner=world.acme.partner,
            licence_type=export,
            status=status,
            expires_on=expires_on,
            rejection_reason="Blurred scan" if status == LicenceStatus.REJECTED else "",
        )
    # another type's verified licence, and another partner's, count for nothing
    PartnerLicenceFactory(partner=world.acme.partner, licence_type=LicenceTypeFactory(tenant=world.acme.tenant))
    PartnerLicenceFactory(partner=world.acme.partners[1], licence_type=export)
    # when the policy is asked
    decision = decide(world.acme, product_line=ladder["line"])
    # then the reason says exactly what to do about the licence
    if code is None:
        assert decision.allowed
    else:
        assert decision.codes == (code,)
        assert "Export licence" in decision.reasons[0].message
        assert fragment in decision.reasons[0].message


# --- competencies -----------------------------------------------------------------------------------


def test_a_competency_cannot_be_met_before_the_learning_module_exists(world, ladder, monkeypatch):
    # given no competency holder registered, and a line needing a competency
    monkeypatch.setattr(policy, "competency_holders", [])
    AuthorizationRuleFactory(product_line=ladder["line"], required_competency="cloud-security")
    # when the policy is asked
    decision = decide(world.acme, product_line=ladder["line"])
    # then it is refused, honestly: competencies come from a module that is not there yet
    assert decision.codes == ("competency",)
    message = decision.reasons[0].message
    assert "cloud-security" in message and "learning module" in message and "channel manager" in message


def test_a_registered_competency_holder_decides_competencies(world, ladder, monkeypatch):
    # given a holder (as the learning app will register) that grants partner 1 one competency
    monkeypatch.setattr(policy, "competency_holders", [])
    asked = []

    def holder(*, partner, codes, on):
        asked.append(set(codes))
        return {"cloud-security"} if partner.pk == world.acme.partner.pk else set()

    policy.competency_holder(holder)
    AuthorizationRuleFactory(product_line=ladder["line"], required_competency="cloud-security")
    # when the policy is asked for partner 1 and partner 2
    mine = decide(world.acme, product_line=ladder["line"])
    theirs = decide(world.acme, product_line=ladder["line"], partner=world.acme.partners[1])
    # then the holder's answer counts, asked once per decision with the codes needed
    assert mine.allowed
    assert theirs.codes == ("competency",)
    assert "does not hold yet" in theirs.reasons[0].message
    assert asked == [{"cloud-security"}, {"cloud-security"}]


# --- territories --------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_partner_user", [False, True], ids=["staff", "partner-user"])
def test_an_exclusive_territory_of_another_partner_is_refused_without_naming_it(world, ladder, as_partner_user):
    # given acme partner 2 holds Germany exclusively for Cloud Security
    other = world.acme.partners[1]
    TerritoryGrantFactory(partner=other, product_line=ladder["line"], country="DE", exclusive=True)
    # when partner 1 (as staff would ask, and as its own user's transaction would) asks for Germany
    decision = decide(world.acme, product_line=ladder["line"], country="de", as_partner_user=as_partner_user)
    # then it is refused with the country's name, and nothing names or hints the holder
    assert decision.codes == ("territory_exclusive",)
    message = decision.reasons[0].message
    assert message == "Germany is an exclusive territory of another partner for Cloud Security."
    for hint in (other.display_name, other.legal_name, str(other.pk), "Partner 2"):
        assert hint not in message


def test_the_partner_users_scope_is_back_after_the_exclusivity_check(world, ladder):
    # given partner 2's exclusive grant and partner 1's own grant
    TerritoryGrantFactory(partner=world.acme.partners[1], product_line=ladder["line"], country="DE", exclusive=True)
    own = TerritoryGrantFactory(partner=world.acme.partner, product_line=ladder["line"], country="FR")
    with tenant_scope(world.acme.tenant, partner=world.acme.partner):
        # when partner 1's user asks about Germany
        policy_decide(
            partner=Partner.objects.get(pk=world.acme.partner.pk),
            action="sell",
            product_line=ladder["line"],
            country="DE",
            on=TODAY,
        )
        # then its transaction still sees only its own grants
        assert list(TerritoryGrant.objects.values_list("pk", flat=True)) == [own.pk]


@pytest.mark.parametrize(
    ("grant", "country", "refused"),
    [
        ({"country": "DE"}, "DE", True),
        ({"country": "DE"}, "FR", False),  # another country
        ({"region": True}, "AT", True),  # a region covering it
        ({"region": True}, "FR", False),
        ({"country": "DE", "every_line": True}, "DE", True),  # exclusive for every line
        ({"country": "DE", "other_line": True}, "DE", False),  # exclusive for another line only
        ({"country": "DE", "ended": True}, "DE", False),  # no longer in force
        ({"country": "DE", "future": True}, "DE", False),  # not yet in force
        ({"country": "DE", "shared": True}, "DE", False),  # shared, not exclusive
        ({"country": "DE", "own": True}, "DE", False),  # partner 1's own exclusive territory
    ],
)
def test_exclusive_territories_by_country_region_line_and_period(world, ladder, grant, country, refused):
    # given an exclusive grant (of partner 2 unless said otherwise) shaped as the case says
    tenant = world.acme.tenant
    kwargs = {
        "partner": world.acme.partner if grant.get("own") else world.acme.partners[1],
        "exclusive": not grant.get("shared"),
        "product_line": ladder["line"],
    }
    if grant.get("region"):
        kwargs |= {"country": "", "region": RegionFactory(tenant=tenant, name="DACH", countries=["DE", "AT", "CH"])}
    else:
        kwargs["country"] = grant["country"]
    if grant.get("every_line"):
        kwargs["product_line"] = None
    if grant.get("other_line"):
        kwargs["product_line"] = ProductLineFactory(tenant=tenant)
    if grant.get("ended"):
        kwargs |= {"valid_from": date(2020, 1, 1), "valid_until": TODAY}  # ended at the start of today
    if grant.get("future"):
        kwargs["valid_from"] = TODAY + timedelta(days=1)
    TerritoryGrantFactory(**kwargs)
    # when partner 1's user asks for the country
    decision = decide(world.acme, product_line=ladder["line"], country=country, as_partner_user=True)
    # then it is refused exactly when another partner holds it exclusively, now, for this line
    assert ("territory_exclusive" in decision.codes) is refused


@pytest.fixture
def territorial(ladder):
    """Cloud Security is sold only in granted territories."""
    line = ladder["line"]
    line.requires_territory = True
    with platform_scope():
        line.save(update_fields=["requires_territory"])
    return line


@pytest.mark.parametrize(
    ("grants", "country", "allowed"),
    [
        ([{"country": "DE"}], "DE", True),
        ([{"country": "AT"}], "DE", False),
        ([{"region": ["DE", "AT"]}], "DE", True),  # a region covering it
        ([{"country": "DE", "every_line": True}], "DE", True),  # a grant for every line
        ([{"country": "DE", "other_line": True}], "DE", False),  # a grant for another line
        ([{"country": "DE", "ended": True}], "DE", False),
        ([{"country": "DE", "shared": True}], "DE", True),
        ([], "DE", False),
        ([], "", False),  # no country asked, and no territory at all for the line
        ([{"country": "AT"}], "", True),  # no country asked: some territory for the line is enough
    ],
)
def test_a_territorial_line_needs_a_grant_covering_the_country(world, territorial, grants, country, allowed):
    # given partner 1's own grants
    tenant = world.acme.tenant
    for grant in grants:
        kwargs = {"partner": world.acme.partner, "product_line": territorial, "exclusive": not grant.get("shared")}
        if "region" in grant:
            kwargs |= {"country": "", "region": RegionFactory(tenant=tenant, countries=grant["region"])}
        else:
            kwargs["country"] = grant["country"]
        if grant.get("every_line"):
            kwargs["product_line"] = None
        if grant.get("other_line"):
            kwargs["product_line"] = ProductLineFactory(tenant=tenant)
        if grant.get("ended"):
            kwargs |= {"valid_from": date(2020, 1, 1), "valid_until": date(2024, 1, 1)}
        TerritoryGrantFactory(**kwargs)
    # when partner 1's user asks for the country
    decision = decide(world.acme, product_line=territorial, country=country, as_partner_user=True)
    # then a covering grant in force is needed
    assert decision.allowed is allowed
    if not allowed:
        assert decision.codes == ("territory_missing",)
        assert "Ask your channel manager" in decision.reasons[0].message


def test_a_missing_territory_lists_the_partners_own_territories_for_the_line(world, territorial):
    # given partner 1 holds Austria and the Nordics region for the line, France for another line
    tenant = world.acme.tenant
    partner = world.acme.partner
    TerritoryGrantFactory(partner=partner, product_line=territorial, country="AT")
    nordics = RegionFactory(tenant=tenant, name="Nordics", countries=["SE", "NO"])
    TerritoryGrantFactory(partner=partner, product_line=territorial, country="", region=nordics)
    TerritoryGrantFactory(partner=partner, product_line=ProductLineFactory(tenant=tenant), country="FR")
    # when it asks for Germany
    decision = decide(world.acme, product_line=territorial, country="DE", as_partner_user=True)
    # then the reason names Germany and its own territories for this line
    assert decision.reasons[0].message == (
        "Cloud Security is sold only in granted territories, and Germany is not one of yours "
        "(yours: Austria, Nordics). Ask your channel manager for a territory grant."
    )


# --- deal registration ----------------------------------------------------------------------------


@pytest.fixture
def eur(world):
    tenant = world.acme.tenant
    tenant.default_currency = "EUR"
    with platform_scope():
        tenant.save(update_fields=["default_currency"])
    return tenant


def _program(world, *, min_amount=0, roles=(), protection=90, name=None):
    program = ProgramFactory(tenant=world.acme.tenant, deal_min_amount=min_amount, deal_registration_roles=list(roles))
    tier = TierFactory(tenant=world.acme.tenant, program=program, protection_days=protection)
    return EnrollmentFactory(partner=world.acme.partner, tier=tier)


def test_a_deal_below_the_minimum_is_refused_with_both_amounts(world, ladder, eur):
    # given partner 1's program takes deals from EUR 5,000
    _program(world, min_amount=5000)
    # when a deal of EUR 1,200 is checked
    decision = decide(world.acme, action="register_deal", product_line=ladder["line"], amount=Decimal("1200"))
    # then it is refused, saying both amounts with their currency
    assert decision.codes == ("deal_amount",)
    assert decision.reasons[0].message == "Deals must be at least EUR 5,000.00; this one is EUR 1,200.00."
    # and a deal of the minimum, or selling (not registering), is fine
    assert decide(world.acme, action="register_deal", product_line=ladder["line"], amount=Decimal("5000")).allowed
    assert decide(world.acme, action="sell", product_line=ladder["line"], amount=Decimal("1200")).allowed


def test_a_deal_in_another_currency_is_not_compared_blindly(world, ladder, eur):
    # given a minimum in EUR
    _program(world, min_amount=5000)
    # when a USD amount is checked
    decision = decide(
        world.acme, action="register_deal", product_line=ladder["line"], amount=Decimal("9000"), currency="USD"
    )
    # then the partner is asked for EUR
    assert decision.codes == ("deal_currency",)


def test_a_role_that_may_not_register_deals_is_refused_naming_those_that_may(world, ladder):
    # given partner 1's program lets only partner admins register deals
    _program(world, roles=[Role.PARTNER_ADMIN])
    # when its sales rep and its admin check a deal
    rep = decide(world.acme, action="register_deal", product_line=ladder["line"], membership=world.acme.sales_rep)
    admin = decide(world.acme, action="register_deal", product_line=ladder["line"], membership=world.acme.partner_admin)
    # then the rep is refused, told which roles may; the admin may
    assert rep.codes == ("deal_role",)
    assert rep.reasons[0].message.startswith(
        "Deals are registered by Partner admin users; you are signed in as Sales rep."
    )
    assert admin.allowed


def test_deal_parameters_take_the_most_lenient_program_and_the_best_tier(world, eur):
    # given partner 1 in two programs: min 5,000 / admins only / 60 days, and min 2,000 / sales / 150 days
    _program(world, min_amount=5000, roles=[Role.PARTNER_ADMIN], protection=60)
    _program(world, min_amount=2000, roles=[Role.SALES], protection=150)
    # when the deal parameters are read
    with tenant_scope(world.acme.tenant):
        params = deal_parameters(partner=world.acme.partner)
    # then the lowest minimum, the longest protection and both roles apply
    assert params.min_amount == Decimal("2000")
    assert params.currency == "EUR"
    assert params.protection_days == 150
    assert params.roles == frozenset({Role.PARTNER_ADMIN, Role.SALES})


def test_deal_parameters_of_a_partner_in_no_program_are_the_defaults(world):
    with tenant_scope(world.acme.tenant):
        params = deal_parameters(partner=world.acme.partner)
    assert (params.min_amount, params.protection_days, params.roles) == (Decimal("0"), 90, frozenset(PARTNER_ROLES))


def test_a_program_open_to_every_role_opens_deals_to_every_role(world):
    # given one program for admins only, one that leaves roles open
    _program(world, roles=[Role.PARTNER_ADMIN])
    _program(world, roles=[])
    # when / then every partner role may register
    with tenant_scope(world.acme.tenant):
        assert deal_parameters(partner=world.acme.partner).roles == frozenset(PARTNER_ROLES)


def test_inactive_programs_do_not_count_for_deals(world):
    # given partner 1's only strict program is switched off
    enrollment = _program(world, min_amount=5000, roles=[Role.PARTNER_ADMIN])
    with platform_scope():
        Program.objects.filter(pk=enrollment.program_id).update(is_active=False)
    # when / then it sets neither minimum nor roles
    with tenant_scope(world.acme.tenant):
        params = deal_parameters(partner=world.acme.partner)
    assert params.min_amount == 0 and params.roles == frozenset(PARTNER_ROLES)


# --- all at once, products, misuse ----------------------------------------------------------------


def test_every_unmet_condition_is_a_reason_not_just_the_first(world, territorial, eur):
    # given a suspended Silver reseller, a line needing Gold, MSPs, a licence, a competency, a territory
    tenant = world.acme.tenant
    ladder_gold = TierFactory(tenant=tenant, name="Gold", rank=20)
    EnrollmentFactory(partner=world.acme.partner, tier=TierFactory(tenant=tenant, program=ladder_gold.program, rank=10))
    msp = PartnerTypeFactory(tenant=tenant, name="MSP", slug="msp")
    AuthorizationRuleFactory(product_line=territorial, min_tier=ladder_gold, allowed_partner_type_ids=[msp.pk])
    AuthorizationRuleFactory(
        product_line=territorial, required_licence_type=LicenceTypeFactory(tenant=tenant), required_competency="x"
    )
    with platform_scope():
        Program.objects.filter(pk=ladder_gold.program_id).update(
            deal_min_amount=5000, deal_registration_roles=["sales"]
        )
        Partner.objects.filter(pk=world.acme.partner.pk).update(status=PartnerStatus.SUSPENDED)
    TerritoryGrantFactory(partner=world.acme.partners[1], product_line=territorial, country="DE", exclusive=True)
    # when a deal is checked
    decision = decide(
        world.acme,
        action="register_deal",
        product_line=territorial,
        country="DE",
        amount=Decimal(10),
        membership=world.acme.partner_admin,
        as_partner_user=True,
    )
    # then every reason is there, in a stable order
    assert decision.codes == (
        "partner_status",
        "min_tier",
        "partner_type",
        "licence_missing",
        "competency",
        "territory_exclusive",
        "territory_missing",
        "deal_amount",
        "deal_role",
    )


def test_a_product_stands_for_its_line(world, ladder):
    # given a product of Cloud Security, which needs Gold
    AuthorizationRuleFactory(product_line=ladder["line"], min_tier=ladder["Gold"])
    product = ProductFactory(line=ladder["line"], name="Firewall")
    retired = ProductFactory(line=ladder["line"], name="Old box", is_active=False)
    # when the policy is asked about the products
    decision = decide(world.acme, product=product)
    old = decide(world.acme, product=retired)
    # then the line's rules apply, and a retired product says so too
    assert decision.codes == ("min_tier",)
    assert old.codes == ("product_inactive", "min_tier")


def test_an_unknown_action_or_another_tenants_line_is_a_programming_error(world, ladder):
    foreign = ProductLineFactory(tenant=world.globex.tenant)
    with pytest.raises(ValueError, match="unknown policy action"):
        decide(world.acme, action="steal", product_line=ladder["line"])
    with pytest.raises(CrossTenantReference):
        decide(world.acme, product_line=foreign)


def _catalogue(world, n):
    """n active lines, each with a rule of every kind and a product; one retired line."""
    tenant = world.acme.tenant
    program = ProgramFactory(tenant=tenant)
    low, high = (TierFactory(tenant=tenant, program=program, rank=r) for r in (1, 2))
    enrollment = EnrollmentFactory(partner=world.acme.partner, tier=low)
    _standing(enrollment, [{"tier_id": high.pk, "label": "Revenue", "gap": 5, "met": False, "operator": "gte"}])
    msp = PartnerTypeFactory(tenant=tenant, slug="msp")
    licence = LicenceTypeFactory(tenant=tenant)
    PartnerLicenceFactory(partner=world.acme.partner, licence_type=licence)
    TerritoryGrantFactory(partner=world.acme.partner, product_line=None, country="DE")
    for i in range(n):
        line = ProductLineFactory(tenant=tenant, name=f"Line {i:02d}", requires_territory=True)
        ProductFactory(line=line)
        AuthorizationRuleFactory(product_line=line, min_tier=high if i % 2 else low)
        AuthorizationRuleFactory(product_line=line, allowed_partner_type_ids=[msp.pk, world.acme.partner_type.pk])
        AuthorizationRuleFactory(product_line=line, required_licence_type=licence)
    ProductLineFactory(tenant=tenant, is_active=False)


@pytest.mark.parametrize("lines", [1, 5])
def test_the_catalogue_decides_every_line_in_a_fixed_number_of_queries(world, lines, django_assert_num_queries):
    # given n lines with rules of every kind
    _catalogue(world, lines)
    with tenant_scope(world.acme.tenant, partner=world.acme.partner):
        partner = Partner.objects.get(pk=world.acme.partner.pk)
        # when the partner's catalogue is decided
        # then it costs: lines, rules, products, enrollments, standings, types, licences, grants
        with django_assert_num_queries(8):
            decided = product_lines_for_partner(partner=partner, on=TODAY)
            products = [p.name for line, _ in decided for p in line.active_products]
    # and each line's decision is the one policy_decide gives for it alone
    assert len(decided) == lines and len(products) == lines
    for line, decision in decided:
        assert decision == decide(world.acme, product_line=line, as_partner_user=True)
    assert [decision.allowed for _, decision in decided] == [i % 2 == 0 for i in range(lines)]


def test_the_catalogue_of_a_tenant_without_lines_is_empty(world, django_assert_num_queries):
    with tenant_scope(world.acme.tenant), django_assert_num_queries(1):
        assert product_lines_for_partner(partner=world.acme.partner) == []
