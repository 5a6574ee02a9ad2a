"""The policy decision: may this partner sell a product line, register a deal for it, or be
offered a lead for it, in a given country?

This is the one place the rest of the system asks (deals, lead routing, the portal's catalogue,
the staff's policy check), so that the answer is the same everywhere. A decision lists **every**
unmet condition, each as a sentence the partner can act on: a partner that lacks a tier and a
licence should learn both at once, not one per attempt.

What is checked, for a product line (a product stands for its line):

* the partner is active (an onboarding partner may register deals, as its first registration is
  one of its onboarding steps, but not sell or receive leads yet);
* every authorization rule of the line: the minimum tier (in that tier's program), the allowed
  partner types, a verified and current licence, a competency;
* with a country: nobody else holds that country exclusively for the line (or for every line),
  and, when the line is sold only in granted territories, the partner holds a grant covering it
  (without a country: that it holds any grant for the line at all);
* for deal registration: the minimum amount and the roles allowed to register.

It reads only, and it never hands back another partner's rows: exclusive grants of other
partners are read in the tenant scope (a partner user's transaction cannot see them) and only a
yes/no leaves that scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.db.models import Prefetch, Q
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from partners.models import Partner, PartnerStatus, PartnerType
from prm.accounts.roles import PARTNER_ROLES, Role
from prm.countries import country_name
from prm.errors import assert_same_tenant
from prm.memo import tenant_memo
from prm.tenancy.scope import current_tenant_id, step_out_to_tenant
from prm.tenancy.time import tenant_today

from ..metrics import format_measure
from ..models import (
    AuthorizationRule,
    Enrollment,
    LicenceStatus,
    Operator,
    PartnerLicence,
    Product,
    ProductLine,
    TerritoryGrant,
    TierStanding,
)

ACTIONS = ("sell", "register_deal", "receive_lead")

# Deal protection when a partner is in no program (or its tiers say nothing better).
DEFAULT_PROTECTION_DAYS = 90


@dataclass(frozen=True)
class Reason:
    """One unmet condition. ``code`` is for programs (tests, the deals app), ``message`` for people."""

    code: str
    message: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[Reason, ...] = ()

    @classmethod
    def of(cls, reasons: Iterable[Reason]) -> Decision:
        reasons = tuple(reasons)
        return cls(allowed=not reasons, reasons=reasons)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)


@dataclass(frozen=True)
class DealParameters:
    """What deal registration needs to know about a partner's programs."""

    min_amount: Decimal
    currency: str
    protection_days: int
    roles: frozenset[str]


# --- competencies: a hook for the learning app ---------------------------------------------------

# A competency holder answers, for one partner, which of the asked competency codes it holds:
# ``holder(*, partner, codes: set[str], on: date) -> set[str]``. The learning app (certifications
# roll up into company competencies) registers one from its AppConfig.ready(); until then nothing
# is registered and a rule that needs a competency cannot be met. Asked once per decision (or
# once per catalogue), with every code at once, so a holder can answer with one query.
CompetencyHolder = Callable[..., set[str]]
competency_holders: list[CompetencyHolder] = []


def competency_holder(holder: CompetencyHolder) -> CompetencyHolder:
    """Register a competency holder (usable as a decorator)."""
    if holder not in competency_holders:
        competency_holders.append(holder)
    return holder


def _competencies_held(partner: Partner, codes: set[str], on: date) -> set[str]:
    held: set[str] = set()
    for holder in competency_holders:
        held |= set(holder(partner=partner, codes=set(codes), on=on))
    return held & codes


def competencies_held(*, partner: Partner, codes: set[str], on: date | None = None) -> set[str]:
    """Which of ``codes`` the partner holds on ``on`` (today), as the registered holders answer
    (none registered: none held). Lead routing asks it for a rule's required competencies."""
    if not codes:
        return set()
    return _competencies_held(partner, set(codes), on or tenant_today())


# --- certifications: a hook for the learning app ---------------------------------------------------

# A certification holder answers, for one partner, which of the asked certification codes at
# least one of its current people holds with a valid certificate on the day:
# ``holder(*, partner, codes: set[str], on: date) -> set[str]``. The learning app registers one;
# until then none is held. Lead routing asks it (a rule's required certifications), with every
# code at once, so a holder answers with one query.
CertificationHolder = Callable[..., set[str]]
certification_holders: list[CertificationHolder] = []


def certification_holder(holder: CertificationHolder) -> CertificationHolder:
    """Register a certification holder (usable as a decorator)."""
    if holder not in certification_holders:
        certification_holders.append(holder)
    return holder


def certifications_held(*, partner: Partner, codes: set[str], on: date | None = None) -> set[str]:
    """Which of ``codes`` the partner holds on ``on`` (today): the union of the holders' answers."""
    codes = set(codes)
    if not codes:
        return set()
    held: set[str] = set()
    for holder in certification_holders:
        held |= set(holder(partner=partner, codes=set(codes), on=on or tenant_today()))
    return held & codes


# --- formatting ------------------------------------------------------------------------------


def format_money(amount: Decimal | int | None, currency: str) -> str:
    """``EUR 5,000.00``: amounts in messages and pages, always with their currency."""
    value = number_format(Decimal(amount or 0), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{currency} {value}".strip()


def _day(value: date) -> str:
    return date_format(value, "j F Y")


def _join(names: Iterable[str]) -> str:
    names = [name for name in names if name]
    if len(names) <= 1:
        return "".join(names)
    return gettext("%(names)s or %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def grant_in_force(on: date) -> Q:
    """Grants in force on a day. ``valid_until`` is the first day a grant no longer applies, so
    that revoking one (``valid_until`` = today) takes effect at once."""
    return Q(valid_from__lte=on) & (Q(valid_until__isnull=True) | Q(valid_until__gt=on))


def grant_countries(grant: TerritoryGrant) -> set[str]:
    """The countries a grant covers (its country, or its region's countries)."""
    if grant.country:
        return {grant.country}
    return set(grant.region.countries or []) if grant.region_id else set()


def grant_label(grant: TerritoryGrant) -> str:
    return country_name(grant.country) if grant.country else (grant.region.name if grant.region_id else "?")


# --- what a decision needs to know about the partner, read once ------------------------------------


@dataclass
class _Facts:
    partner: Partner
    on: date
    type_names: dict[int, str]
    enrollments: dict[int, Enrollment]  # by program id
    standings: dict[int, TierStanding]  # by enrollment id
    licences: dict[int, list[PartnerLicence]]  # by licence type id
    grants: list[TerritoryGrant]  # the partner's own grants in force
    competencies: set[str]


def _rules_query():
    return AuthorizationRule.objects.select_related("min_tier__program", "required_licence_type").order_by("id")


def _load_facts(partner: Partner, rules: list[AuthorizationRule], *, need_grants: bool, on: date) -> _Facts:
    """Everything the rules ask about, in at most six queries whatever the number of rules.

    A query runs only when some rule needs its answer: the deals app asks for every
    registration, and most lines have few rules.
    """
    facts = _Facts(partner, on, {}, {}, {}, {}, [], set())
    if any(rule.min_tier_id for rule in rules):
        enrollments = Enrollment.objects.filter(partner=partner).select_related("tier", "program")
        facts.enrollments = {enrollment.program_id: enrollment for enrollment in enrollments}
        standings = TierStanding.objects.filter(partner=partner).select_related("next_tier")
        facts.standings = {standing.enrollment_id: standing for standing in standings}
    type_ids = {type_id for rule in rules for type_id in rule.allowed_partner_type_ids}
    if type_ids:
        types = PartnerType.objects.filter(pk__in=type_ids | {partner.partner_type_id})
        facts.type_names = {partner_type.pk: partner_type.name for partner_type in types}
    licence_type_ids = {rule.required_licence_type_id for rule in rules if rule.required_licence_type_id}
    if licence_type_ids:
        for licence in PartnerLicence.objects.filter(partner=partner, licence_type_id__in=licence_type_ids):
            facts.licences.setdefault(licence.licence_type_id, []).append(licence)
    if need_grants:
        facts.grants = list(
            TerritoryGrant.objects.filter(partner=partner).filter(grant_in_force(on)).select_related("region")
        )
    codes = {rule.required_competency for rule in rules if rule.required_competency}
    if codes and competency_holders:
        facts.competencies = _competencies_held(partner, codes, on)
    return facts


# --- the checks ------------------------------------------------------------------------------

_STATUS_MESSAGES = {
    PartnerStatus.APPLICANT: _(
        "Your company's application is still being reviewed: nothing can be sold or registered until it is approved."
    ),
    PartnerStatus.ONBOARDING: _(
        "Your company is still onboarding: finish onboarding with your channel manager to start selling."
    ),
    PartnerStatus.SUSPENDED: _(
        "Your company is suspended: nothing can be sold or registered until the "
        "suspension is lifted. Contact your channel manager."
    ),
    PartnerStatus.TERMINATED: _("Your company's partnership has ended: nothing can be sold or registered."),
}


def _status_reason(partner: Partner, action: str) -> Reason | None:
    if partner.status == PartnerStatus.ACTIVE:
        return None
    if partner.status == PartnerStatus.ONBOARDING and action == "register_deal":
        return None  # registering a first deal is part of onboarding (recruitment's checklist)
    return Reason("partner_status", str(_STATUS_MESSAGES.get(partner.status, _("Your company is not active."))))


def _progress_towards(standing: TierStanding | None, needed) -> str:
    """ "To reach Gold: Revenue 12,000 more." from the latest evaluation, when it says so."""
    if standing is None:
        return ""
    results = [entry for entry in (standing.results or []) if isinstance(entry, dict)]
    target = needed
    entries = [entry for entry in results if entry.get("tier_id") == needed.pk]
    if not entries and standing.next_tier_id and standing.next_tier is not None:
        # The evaluation keeps only the next tier's requirements: the first step on the way.
        target = standing.next_tier
        entries = [entry for entry in results if entry.get("tier_id") == target.pk]
    missing = [text for text in (_missing(entry) for entry in entries if not entry.get("met")) if text]
    if not missing:
        return ""
    return gettext("To reach %(tier)s: %(missing)s.") % {"tier": target.name, "missing": "; ".join(missing)}


def _missing(entry: dict) -> str:
    label = str(entry.get("label") or "").strip() or gettext("a requirement")
    unit = str(entry.get("unit") or "").strip()
    operator = entry.get("operator") or "gte"
    gap = _decimal(entry.get("gap"))
    threshold = _decimal(entry.get("threshold"))
    if gap is not None and gap > 0 and operator in ("gte", "gt", "lte", "lt"):
        more = gettext("%(label)s %(gap)s more") if operator in ("gte", "gt") else gettext("%(label)s %(gap)s less")
        text = more % {"label": label, "gap": format_measure(gap, unit)}
    elif threshold is not None:
        words = Operator(operator).label if operator in Operator.values else Operator.GTE.label
        text = gettext("%(label)s %(operator)s %(threshold)s") % {
            "label": label,
            "operator": words,
            "threshold": format_measure(threshold, unit),
        }
    else:
        text = label
    if entry.get("mandatory") is False:
        return gettext("%(requirement)s (optional)") % {"requirement": text}
    return text


def _tier_reason(line: ProductLine, rule: AuthorizationRule, facts: _Facts) -> Reason | None:
    needed = rule.min_tier
    enrollment = facts.enrollments.get(needed.program_id)
    if enrollment is not None and enrollment.tier.rank >= needed.rank:
        return None
    program = needed.program.name
    if enrollment is None:
        return Reason(
            "min_tier",
            gettext(
                "%(line)s needs the %(tier)s tier of the %(program)s program; "
                "your company is not enrolled in that program. Ask your channel manager about joining it."
            )
            % {"line": line.name, "tier": needed.name, "program": program},
        )
    message = gettext("%(line)s needs the %(tier)s tier of the %(program)s program; you are %(own)s.") % {
        "line": line.name,
        "tier": needed.name,
        "program": program,
        "own": enrollment.tier.name,
    }
    progress = _progress_towards(facts.standings.get(enrollment.pk), needed)
    return Reason("min_tier", f"{message} {progress}" if progress else message)


def _type_reason(line: ProductLine, rule: AuthorizationRule, facts: _Facts) -> Reason | None:
    partner = facts.partner
    if partner.partner_type_id in rule.allowed_partner_type_ids:
        return None
    allowed = sorted(facts.type_names[i] for i in rule.allowed_partner_type_ids if i in facts.type_names)
    own = facts.type_names.get(partner.partner_type_id) or gettext("another type")
    return Reason(
        "partner_type",
        gettext("%(line)s is sold only by these partner types: %(allowed)s. Your company is registered as %(own)s.")
        % {"line": line.name, "allowed": ", ".join(allowed) or gettext("none configured"), "own": own},
    )


def _licence_reason(line: ProductLine, rule: AuthorizationRule, facts: _Facts) -> Reason | None:
    kind = rule.required_licence_type
    held = facts.licences.get(kind.pk, [])
    on = facts.on
    if any(lic.status == LicenceStatus.VERIFIED and lic.expires_on >= on for lic in held):
        return None
    pending = [lic for lic in held if lic.status == LicenceStatus.PENDING and lic.expires_on >= on]
    expired = sorted(
        (lic for lic in held if lic.status != LicenceStatus.REJECTED and lic.expires_on < on),
        key=lambda lic: lic.expires_on,
    )
    rejected = sorted(
        (lic for lic in held if lic.status == LicenceStatus.REJECTED), key=lambda lic: (lic.uploaded_at, lic.pk)
    )
    if pending:
        return Reason(
            "licence_pending",
            gettext(
                "%(line)s needs a verified %(licence)s; yours is awaiting verification. "
                "It counts as soon as the vendor verifies it."
            )
            % {"line": line.name, "licence": kind.name},
        )
    if expired:
        return Reason(
            "licence_expired",
            gettext(
                "%(line)s needs a current %(licence)s; yours expired on %(date)s. "
                "Upload the renewed licence under Licences."
            )
            % {"line": line.name, "licence": kind.name, "date": _day(expired[-1].expires_on)},
        )
    if rejected:
        why = rejected[-1].rejection_reason.strip().rstrip(".")
        return Reason(
            "licence_rejected",
            (
                gettext(
                    "%(line)s needs a verified %(licence)s; the one you uploaded was rejected (%(why)s). "
                    "Upload a valid one under Licences."
                )
                if why
                else gettext(
                    "%(line)s needs a verified %(licence)s; the one you uploaded was rejected. "
                    "Upload a valid one under Licences."
                )
            )
            % {"line": line.name, "licence": kind.name, "why": why},
        )
    return Reason(
        "licence_missing",
        gettext("%(line)s needs a verified %(licence)s, and your company has none on file. Upload it under Licences.")
        % {"line": line.name, "licence": kind.name},
    )


def _competency_reason(line: ProductLine, rule: AuthorizationRule, facts: _Facts) -> Reason | None:
    code = rule.required_competency
    if code in facts.competencies:
        return None
    if not competency_holders:
        return Reason(
            "competency",
            gettext(
                "%(line)s needs the %(code)s competency. Competencies come from certifications in the learning "
                "module, which is not available yet: ask your channel manager."
            )
            % {"line": line.name, "code": code},
        )
    return Reason(
        "competency",
        gettext(
            "%(line)s needs the %(code)s competency, which your company does not hold yet. "
            "Competencies come from your people's certifications."
        )
        % {"line": line.name, "code": code},
    )


def _rule_reasons(line: ProductLine, rules: list[AuthorizationRule], facts: _Facts) -> list[Reason]:
    reasons: list[Reason] = []
    for rule in rules:
        checks = (
            (rule.min_tier_id, _tier_reason),
            (rule.allowed_partner_type_ids, _type_reason),
            (rule.required_licence_type_id, _licence_reason),
            (rule.required_competency, _competency_reason),
        )
        for condition, check in checks:
            reason = check(line, rule, facts) if condition else None
            if reason is not None and reason not in reasons:
                reasons.append(reason)
    return reasons


def _exclusive_elsewhere(*, partner: Partner, line: ProductLine, country: str, on: date) -> bool:
    """Whether another partner holds ``country`` exclusively for the line (or for every line).

    A partner user's transaction sees only its own grants (row-level security), so from its seat
    every territory would look free: the check steps out to the tenant scope (step_out_to_tenant), and
    only a yes/no comes back (never the holder, nor any row).
    """
    with step_out_to_tenant():
        return (
            TerritoryGrant.objects.filter(exclusive=True)
            .exclude(partner_id=partner.pk)
            .filter(grant_in_force(on))
            .filter(Q(product_line=line) | Q(product_line__isnull=True))
            .filter(Q(country=country) | Q(region__countries__contains=[country]))
            .exists()
        )


def _territory_reasons(line: ProductLine, country: str, facts: _Facts) -> list[Reason]:
    reasons = []
    if country and _exclusive_elsewhere(partner=facts.partner, line=line, country=country, on=facts.on):
        reasons.append(
            Reason(
                "territory_exclusive",
                gettext("%(country)s is an exclusive territory of another partner for %(line)s.")
                % {"country": country_name(country), "line": line.name},
            )
        )
    if not line.requires_territory:
        return reasons
    own = [grant for grant in facts.grants if grant.product_line_id in (line.pk, None)]
    if country and any(country in grant_countries(grant) for grant in own):
        return reasons
    if not country and own:
        return reasons
    if own:
        names = ", ".join(sorted({grant_label(grant) for grant in own}))
        reasons.append(
            Reason(
                "territory_missing",
                gettext(
                    "%(line)s is sold only in granted territories, and %(country)s is not one of "
                    "yours (yours: %(names)s). Ask your channel manager for a territory grant."
                )
                % {"line": line.name, "country": country_name(country), "names": names},
            )
        )
    else:
        if country:
            message = gettext(
                "%(line)s is sold only in granted territories, and your company holds none for it. "
                "Ask your channel manager for a territory grant covering %(country)s."
            )
        else:
            message = gettext(
                "%(line)s is sold only in granted territories, and your company holds none for it. "
                "Ask your channel manager for a territory grant."
            )
        reasons.append(Reason("territory_missing", message % {"line": line.name, "country": country_name(country)}))
    return reasons


def _deal_reasons(
    partner: Partner, *, amount: Decimal | None, currency: str, membership, params: DealParameters
) -> list[Reason]:
    reasons = []
    if amount is not None:
        currency = (currency or params.currency).upper()
        if currency != params.currency and params.min_amount > 0:
            reasons.append(
                Reason(
                    "deal_currency",
                    gettext("Deals are checked against a minimum of %(minimum)s: enter the amount in %(currency)s.")
                    % {"minimum": format_money(params.min_amount, params.currency), "currency": params.currency},
                )
            )
        elif amount < params.min_amount:
            reasons.append(
                Reason(
                    "deal_amount",
                    gettext("Deals must be at least %(minimum)s; this one is %(amount)s.")
                    % {
                        "minimum": format_money(params.min_amount, params.currency),
                        "amount": format_money(amount, currency),
                    },
                )
            )
    if membership is not None and membership.role not in params.roles:
        allowed = sorted(_role_label(role) for role in params.roles)
        reasons.append(
            Reason(
                "deal_role",
                gettext(
                    "Deals are registered by %(roles)s users; you are signed in as %(own)s. "
                    "Ask a colleague in one of those roles, or your company's admin."
                )
                % {"roles": _join(allowed), "own": _role_label(membership.role)},
            )
        )
    return reasons


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


# --- the public functions ----------------------------------------------------------------------


def _tenant_currency(partner: Partner) -> str:
    from prm.tenancy.models import Tenant

    return Tenant.objects.only("default_currency").get(pk=partner.tenant_id).default_currency


def _parameters_from(enrollments: list[Enrollment], currency: str) -> DealParameters:
    programs = {enrollment.program_id: enrollment.program for enrollment in enrollments if enrollment.program.is_active}
    current = [enrollment for enrollment in enrollments if enrollment.program_id in programs]
    # The most lenient program wins: a partner in two programs may do what either allows.
    min_amount = min((program.deal_min_amount for program in programs.values()), default=Decimal("0"))
    protection = max((enrollment.tier.protection_days for enrollment in current), default=DEFAULT_PROTECTION_DAYS)
    if not programs or any(not program.deal_registration_roles for program in programs.values()):
        roles = frozenset(PARTNER_ROLES)
    else:
        roles = frozenset(role for program in programs.values() for role in program.deal_registration_roles)
    return DealParameters(
        min_amount=Decimal(min_amount), currency=currency, protection_days=protection, roles=frozenset(roles)
    )


def deal_parameters(*, partner: Partner) -> DealParameters:
    """The partner's deal-registration parameters over its active programs: the lowest minimum
    amount, the best protection of its current tiers (90 days when enrolled nowhere), and the
    roles that may register (every partner role when any program leaves it open)."""
    enrollments = list(Enrollment.objects.filter(partner=partner).select_related("tier", "program"))
    return _parameters_from(enrollments, _tenant_currency(partner))


def policy_decide(
    *,
    partner: Partner,
    action: str,
    product_line: ProductLine | None = None,
    product: Product | None = None,
    country: str = "",
    amount: Decimal | None = None,
    currency: str = "",
    membership=None,
    on: date | None = None,
) -> Decision:
    """May ``partner`` do ``action`` (one of ACTIONS) for a product or product line, in ``country``?

    Every unmet condition is a reason; no reasons means allowed. Without a line or product only
    the partner's status (and, for deals, amount and role) are judged.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown policy action {action!r}; one of {ACTIONS}")
    assert_same_tenant(partner, product_line, product, membership)
    on = on or tenant_today()
    country = (country or "").strip().upper()
    reasons: list[Reason] = []
    status = _status_reason(partner, action)
    if status:
        reasons.append(status)
    if product is not None:
        if product_line is not None and product.line_id != product_line.pk:
            raise ValueError("the product is not of that product line")
        product_line = product.line
        if not product.is_active:
            reasons.append(
                Reason("product_inactive", gettext("%(product)s is no longer sold.") % {"product": product.name})
            )
    if product_line is not None:
        if not product_line.is_active:
            reasons.append(
                Reason("line_inactive", gettext("%(line)s is no longer offered.") % {"line": product_line.name})
            )
        rules = list(_rules_query().filter(product_line=product_line))
        facts = _load_facts(partner, rules, need_grants=product_line.requires_territory, on=on)
        reasons += _rule_reasons(product_line, rules, facts)
        reasons += _territory_reasons(product_line, country, facts)
    if action == "register_deal":
        reasons += _deal_reasons(
            partner, amount=amount, currency=currency, membership=membership, params=deal_parameters(partner=partner)
        )
    return Decision.of(reasons)


# --- the same decision for many partners at once, in SQL ----------------------------------------


@dataclass(frozen=True)
class PolicyScreen:
    """``policy_decide`` for every partner of a statement at once: SQL predicates over a partner
    row (``alias``), each true when its condition refuses that partner.

    ``checks`` are ``(code, predicate)`` in the order ``policy_decide`` lists its reasons, with the
    same codes (a licence that is pending, expired or rejected is ``licence``: the screen does not
    say which). ``params`` are named parameters (``%(pol_...)s``) the predicates use. ``complete``
    is False when a condition is not judged in SQL (a required competency: the learning app
    answers it per partner through ``competency_holder``); the caller then confirms a partner
    the screen passes with ``policy_decide``.

    Lead routing (issue 15) puts the checks in the candidates statement, so that thousands of
    enrolled partners are judged in one query rather than one decision per partner, and so that
    an exclusive territory's holder is found wherever it ranks.
    """

    checks: tuple[tuple[str, str], ...]
    params: dict
    complete: bool
    # With a country held exclusively: the one partner that may pass (``exclusive_holder``), or
    # nobody at all (two holders, a line's and every line's, each "another partner" to the
    # other). A caller judging thousands of partners can then judge only that one and count
    # the rest as refused ("territory_exclusive"), which is what the checks would say of them.
    exclusive_holder: int | None = None
    exclusive_to_nobody: bool = False

    def case_when(self, label: str = "policy") -> str:
        """``WHEN <predicate> THEN '<label>:<code>'`` for each check, for a ``CASE``."""
        return "\n".join(f"WHEN {predicate} THEN '{label}:{code}'" for code, predicate in self.checks)


_GRANT_IN_FORCE_SQL = "g.valid_from <= %(pol_on)s AND (g.valid_until IS NULL OR g.valid_until > %(pol_on)s)"


@dataclass(frozen=True)
class _ScreenRule:
    min_tier: tuple[int, int] | None  # (program id, rank)
    partner_type_ids: tuple[int, ...]
    licence_type_id: int | None
    competency: str


@dataclass(frozen=True)
class _ScreenLine:
    """What the screen needs of a product line, memoised per line (``tenant_memo``; built afresh
    after a save of a line, a rule or a tier: ``programs.apps``)."""

    pk: int
    tenant_id: int
    is_active: bool
    requires_territory: bool
    rules: tuple[_ScreenRule, ...]


def _screen_line(line_id: int) -> _ScreenLine | None:
    def build() -> _ScreenLine | None:
        line = ProductLine.objects.filter(pk=line_id).first()
        if line is None:
            return None
        rules = tuple(
            _ScreenRule(
                min_tier=(rule.min_tier.program_id, rule.min_tier.rank) if rule.min_tier_id else None,
                partner_type_ids=tuple(rule.allowed_partner_type_ids or ()),
                licence_type_id=rule.required_licence_type_id,
                competency=rule.required_competency or "",
            )
            for rule in _rules_query().filter(product_line_id=line_id)
        )
        return _ScreenLine(line.pk, line.tenant_id, line.is_active, line.requires_territory, rules)

    return tenant_memo(f"programs.screen_line.{line_id}", build)


def policy_screen(
    *,
    action: str,
    product_line: ProductLine | None = None,
    product_line_id: int | None = None,
    country: str = "",
    on: date | None = None,
    alias: str = "p",
    holders: Callable[..., set[int]] | None = None,
) -> PolicyScreen:
    """The set-based form of ``policy_decide(action=..., product_line=..., country=...)`` (amounts
    and roles of deal registration are not screened). The line (``product_line`` or its id) and
    its rules come from a memo; with a country, who holds it exclusively is read (one query:
    ``exclusive_holders``, or ``holders``, a caller's memo of it); the rest is SQL for the
    caller's statement."""
    if action not in ACTIONS or action == "register_deal":
        raise ValueError(f"policy_screen judges 'sell' and 'receive_lead', not {action!r}")
    on = on or tenant_today()
    country = (country or "").strip().upper()
    p = alias
    checks: list[tuple[str, str]] = [("partner_status", f"{p}.status <> '{PartnerStatus.ACTIVE.value}'")]
    params: dict = {"pol_on": on, "pol_country": country}
    complete = True
    line_id = product_line.pk if product_line is not None else product_line_id
    line = _screen_line(line_id) if line_id is not None else None
    if line is None:
        return PolicyScreen(tuple(checks), params, complete)
    params["pol_line"] = line.pk
    if not line.is_active:
        checks.append(("line_inactive", "TRUE"))
    params["pol_tenant"] = line.tenant_id
    # Each set is uncorrelated ("id NOT IN (SELECT partner_id ...)"), so PostgreSQL reads it once
    # into a hash and probes it per partner, instead of a subquery per partner.
    for n, rule in enumerate(line.rules):
        if rule.min_tier is not None:
            params[f"pol_program_{n}"], params[f"pol_rank_{n}"] = rule.min_tier
            checks.append(
                (
                    "min_tier",
                    f"{p}.id NOT IN (SELECT pe.partner_id FROM programs_enrollment pe"  # noqa: S608 (names, no values)
                    " JOIN programs_tier pt ON pt.id = pe.tier_id AND pt.tenant_id = pe.tenant_id"
                    f" WHERE pe.tenant_id = %(pol_tenant)s AND pe.program_id = %(pol_program_{n})s"
                    f" AND pt.rank >= %(pol_rank_{n})s)",
                )
            )
        if rule.partner_type_ids:
            params[f"pol_types_{n}"] = list(rule.partner_type_ids)
            checks.append(
                ("partner_type", f"NOT COALESCE({p}.partner_type_id = ANY(%(pol_types_{n})s::bigint[]), FALSE)")
            )
        if rule.licence_type_id:
            params[f"pol_licence_{n}"] = rule.licence_type_id
            checks.append(
                (
                    "licence",
                    f"{p}.id NOT IN (SELECT pl.partner_id FROM programs_partnerlicence pl"  # noqa: S608 (names, no values)
                    f" WHERE pl.tenant_id = %(pol_tenant)s AND pl.licence_type_id = %(pol_licence_{n})s"
                    f" AND pl.status = '{LicenceStatus.VERIFIED.value}' AND pl.expires_on >= %(pol_on)s)",
                )
            )
        if rule.competency:
            complete = False
    holder, nobody = None, False
    if country:
        held = (holders or exclusive_holders)(line_id=line.pk, country=country, on=on)
        if len(held) == 1:
            holder = params["pol_holder"] = next(iter(held))
            checks.append(("territory_exclusive", f"{p}.id <> %(pol_holder)s"))
        elif held:  # two holders (a line's and every line's): each is "another partner" to the other
            nobody = True
            checks.append(("territory_exclusive", "TRUE"))
    if line.requires_territory:
        covers = ""
        if country:
            covers = "AND (g.country = %(pol_country)s OR r.countries @> ARRAY[%(pol_country)s]::varchar[])"
        checks.append(
            (
                "territory_missing",
                f"{p}.id NOT IN (SELECT g.partner_id FROM programs_territorygrant g"  # noqa: S608 (names, no values)
                " LEFT JOIN programs_region r ON r.id = g.region_id AND r.tenant_id = g.tenant_id"
                f" WHERE g.tenant_id = %(pol_tenant)s AND {_GRANT_IN_FORCE_SQL}"
                f" AND (g.product_line_id = %(pol_line)s OR g.product_line_id IS NULL) {covers})",
            )
        )
    return PolicyScreen(tuple(checks), params, complete, exclusive_holder=holder, exclusive_to_nobody=nobody)


_EXCLUSIVE_HOLDERS_SQL = f"""
SELECT DISTINCT g.partner_id FROM programs_territorygrant g
LEFT JOIN programs_region r ON r.id = g.region_id AND r.tenant_id = g.tenant_id
WHERE g.tenant_id = %(pol_tenant)s AND g.exclusive AND {_GRANT_IN_FORCE_SQL}
    AND (g.product_line_id = %(pol_line)s OR g.product_line_id IS NULL)
    AND (g.country = %(pol_country)s OR r.countries @> ARRAY[%(pol_country)s]::varchar[])
"""  # noqa: S608 (a constant of this module)


def exclusive_holders(*, line_id: int, country: str, on: date) -> set[int]:
    """Who holds ``country`` exclusively for ``line`` (or for every line) on ``on``: read in the
    tenant scope, like ``_exclusive_elsewhere``; the ids stay inside the screen's SQL. Plain SQL
    (``grant_in_force``'s test, the screen's own): routing asks it for nearly every lead, and the
    ORM's building of it cost more than the query."""
    with step_out_to_tenant(), connection.cursor() as cursor:
        cursor.execute(
            _EXCLUSIVE_HOLDERS_SQL,
            {"pol_tenant": current_tenant_id(), "pol_line": line_id, "pol_country": country, "pol_on": on},
        )
        return {partner_id for (partner_id,) in cursor.fetchall()}


def product_lines_for_partner(
    *, partner: Partner, on: date | None = None, action: str = "sell"
) -> list[tuple[ProductLine, Decision]]:
    """Every active product line with what the partner may do about it (the "sell" decision, or
    ``action``'s: "register_deal" for the registration form, which an onboarding partner may use).

    A fixed number of queries whatever the number of lines and rules: lines with their rules
    and active products (``line.active_products``), then the partner's enrollments, standings,
    licences and grants once each; the decisions are made in Python.
    """
    lines = list(
        ProductLine.objects.filter(is_active=True)
        .order_by("name", "id")
        .prefetch_related(
            Prefetch("rules", queryset=_rules_query(), to_attr="policy_rules"),
            Prefetch(
                "products", queryset=Product.objects.filter(is_active=True).order_by("name"), to_attr="active_products"
            ),
        )
    )
    if not lines:
        return []
    on = on or tenant_today()
    rules = [rule for line in lines for rule in line.policy_rules]
    facts = _load_facts(partner, rules, need_grants=any(line.requires_territory for line in lines), on=on)
    if action not in ACTIONS:
        raise ValueError(f"unknown policy action {action!r}; one of {ACTIONS}")
    status = _status_reason(partner, action)
    decided = []
    for line in lines:
        reasons = [status] if status else []
        reasons += _rule_reasons(line, line.policy_rules, facts)
        reasons += _territory_reasons(line, "", facts)
        decided.append((line, Decision.of(reasons)))
    return decided
