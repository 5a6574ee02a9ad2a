"""Generator step for deal registrations (imported by bench/datagen.py after the programs' steps).

* ``plan.deals`` registrations (1,000,000 for acme by default) by the partners that have users,
  for about ``plan.deals / 5`` distinct end customers, so the same company is registered by
  several partners under several spellings (legal forms, case, ``www.`` or not). About 70 % of
  the customers have a web domain; the others are known by name (and sometimes a free-mail
  contact). Statuses: ~40 % active (submitted, information requested, approved, won awaiting
  confirmation), the rest closed (won, lost, rejected, withdrawn, expired, duplicate).
* 1-2 lines per registration from the generated catalogue.
* ``plan.deals / 50`` vendor accounts (customers, named, direct-only), most of them companies that
  partners also register.

``customer_key`` / ``customer_domain`` come from ``deals.normalize``, as the services compute them;
a spelling seen before is not normalised again (the same customers recur).
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import connection

from bench.datagen import FIRST_NAMES, LAST_NAMES, NOUNS, StepContext, step
from deals.models import CustomerAccount, Deal, DealLine, DealStage, DealStatus
from deals.normalize import company_key, registrable_domain
from programs.models import Product

S = DealStatus
# (status, weight): ~40 % active.
STATUS_MIX = [
    (S.SUBMITTED, 12),
    (S.INFO_REQUESTED, 3),
    (S.APPROVED, 22),
    (S.WON_PENDING, 3),
    (S.WON, 18),
    (S.LOST, 14),
    (S.REJECTED, 8),
    (S.WITHDRAWN, 6),
    (S.EXPIRED, 12),
    (S.DUPLICATE, 2),
]
DECIDED = {S.APPROVED, S.WON_PENDING, S.WON, S.LOST, S.REJECTED, S.EXPIRED, S.DUPLICATE}
PROTECTED = {S.APPROVED, S.WON_PENDING}

_ONSETS = "b br c ch cl d dr f fl g gr h j k kr l m n p pr qu r s sh st t tr v w z".split()  # noqa: SIM905 (word lists read better as text)
_VOWELS = "a e i o u ai ea io ou y".split()  # noqa: SIM905 (word lists read better as text)
_CODAS = ["", "", "n", "r", "x", "l", "s", "t", "m", "nd", "rk", "ll"]
_MORE_NOUNS = (  # noqa: SIM905 (word lists read better as text)
    "Foods Logistics Pharma Health Bank Insurance Motors Energy Retail Media Textiles Steel Chemicals Farms "
    "Hotels Airlines Shipping Builders Dental Clinic Academy University Software Robotics Foundry Brewing "
    "Capital Holdings Industries Trading Electronics Studios Realty Mining Telecom Water Packaging"
).split()
CUSTOMER_NOUNS = [*NOUNS, *_MORE_NOUNS]
LEGAL = [
    "",
    "",
    "",
    "Inc",
    "Inc.",
    "Ltd",
    "Limited",
    "GmbH",
    "AG",
    "S.A.",
    "SAS",
    "B.V.",
    "LLC",
    "Corp.",
    "Pty Ltd",
    "AB",
]
TLDS = ["com", "com", "com", "de", "co.uk", "fr", "nl", "io", "com.au", "ca", "se", "es", "it", "net"]
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com"]
COUNTRIES = ["US", "US", "US", "DE", "GB", "FR", "NL", "CA", "AU", "SE", "ES", "IT", "JP", "IN", "BR"]


def _word(rng: random.Random) -> str:
    syllables = rng.choice((2, 2, 3))
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)) + rng.choice(_CODAS)


def customers(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """``count`` distinct (name, domain or "", country) customers, most common first."""
    roots = sorted({_word(rng).capitalize() for _ in range(max(count // 12, 50))})
    seen, made = set(), []
    while len(made) < count:
        shape = rng.random()
        if shape < 0.55:
            name = f"{rng.choice(roots)} {rng.choice(CUSTOMER_NOUNS)}"
        elif shape < 0.75:
            name = f"{rng.choice(roots)}{rng.choice(['tech', 'soft', 'tron', 'ex', 'ica', 'ware', 'net'])}"
        elif shape < 0.9:
            name = f"{rng.choice(LAST_NAMES)} & {rng.choice(LAST_NAMES)} {rng.choice(CUSTOMER_NOUNS)}"
        else:
            name = f"{rng.choice(roots)} {rng.choice(roots)} {rng.choice(CUSTOMER_NOUNS)}"
        if name in seen:
            continue
        seen.add(name)
        stem = "".join(ch for ch in name.lower() if ch.isalnum())
        domain = f"{stem}.{rng.choice(TLDS)}" if rng.random() < 0.7 else ""
        made.append((name, domain, rng.choice(COUNTRIES)))
    return made


def _spelling(rng: random.Random, name: str) -> str:
    """How one partner types the customer: a legal form or none, sometimes upper case."""
    legal = rng.choice(LEGAL)
    typed = f"{name} {legal}" if legal else name
    return typed.upper() if rng.random() < 0.05 else typed


def _website(rng: random.Random, domain: str) -> str:
    roll = rng.random()
    if roll < 0.4:
        return f"https://www.{domain}"
    if roll < 0.7:
        return domain
    if roll < 0.85:
        return f"www.{domain}/contact"
    return ""  # only the contact's e-mail says it


class _Identity:
    """company_key / registrable_domain with memory: the same spellings recur a million times."""

    def __init__(self):
        self.keys: dict[str, str] = {}
        self.domains: dict[str, str] = {}

    def key(self, name: str) -> str:
        found = self.keys.get(name)
        if found is None:
            found = self.keys[name] = company_key(name)
        return found

    def domain(self, website: str, email: str) -> str:
        found = self.domains.get(website) if website else ""
        if found is None:
            found = self.domains[website] = registrable_domain(website)
        if found or not email:
            return found
        host = email.rpartition("@")[2]
        found = self.domains.get(host)
        if found is None:
            found = self.domains[host] = registrable_domain(email)
        return found


@step("deal registrations and vendor accounts")
def deals(ctx: StepContext) -> None:
    rng, plan = ctx.rng, ctx.plan
    count = plan.deals
    if count <= 0:
        return
    now = ctx.now
    sellers: dict[int, list[int]] = {}
    for user in ctx.made["partner_users"]:
        if user["active"]:
            sellers.setdefault(user["partner_id"], []).append(user["membership_id"])
    partner_ids = sorted(sellers)
    # A long tail of partners: a few register a lot.
    partner_weights = [min(rng.paretovariate(1.2), 40.0) for _ in partner_ids]
    partner_draws = rng.choices(partner_ids, weights=partner_weights, k=count)
    products = list(Product.objects.filter(tenant_id=ctx.tenant_id).values_list("id", "line_id", "list_price"))
    program_id = ctx.made["programs"][0]["id"]
    reviewers = ctx.made["managers"]
    companies = customers(rng, max(count // 5, 100))
    statuses = [s for s, _ in STATUS_MIX]
    status_draws = rng.choices(statuses, weights=[w for _, w in STATUS_MIX], k=count)
    stages = list(DealStage.values)
    identity = _Identity()
    ids = _reserve(Deal, count)
    lines: list[dict] = []

    def rows():
        for deal_id, partner_id, status in zip(ids, partner_draws, status_draws, strict=True):
            # Popular customers are registered more often (and by several partners).
            name, domain, country = companies[int(len(companies) * rng.random() ** 1.6)]
            typed = _spelling(rng, name)
            website = _website(rng, domain) if domain else ""
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = f"{first}.{last}".lower()
            email = (
                f"{local}@{domain}" if domain else (f"{local}@{rng.choice(FREE_MAIL)}" if rng.random() < 0.3 else "")
            )
            created = now - timedelta(days=rng.uniform(1, 720))
            submitted = created + timedelta(hours=rng.uniform(0, 48))
            decided = submitted + timedelta(hours=rng.uniform(2, 96)) if status in DECIDED else None
            amount = Decimal(rng.randrange(2_000, 900_000, 50))
            won = status == S.WON
            row = {
                "id": deal_id,
                "tenant_id": ctx.tenant_id,
                "partner_id": partner_id,
                "program_id": program_id,
                "registered_by_id": rng.choice(sellers[partner_id]),
                "status": status,
                "stage": rng.choice(stages),
                "title": f"{name} refresh",
                "customer_name": typed,
                "customer_key": identity.key(typed),
                "customer_website": website,
                "customer_domain": identity.domain(website, email),
                "customer_country": country,
                "contact_name": f"{first} {last}",
                "contact_email": email,
                "amount": amount,
                "currency": plan.currency,
                "expected_close_on": (created + timedelta(days=rng.randint(30, 240))).date(),
                "created_at": created,
                "updated_at": decided or submitted,
                "submitted_at": submitted,
                "decision_due_at": submitted + timedelta(hours=48),
                "reviewer_id": rng.choice(reviewers) if reviewers else None,
                "decided_at": decided,
                "decided_by_id": rng.choice(reviewers) if decided and reviewers else None,
                "protected_until": (decided + timedelta(days=90)).date() if status in PROTECTED else None,
                "won_amount": amount if won else None,
                "won_on": (decided + timedelta(days=rng.randint(5, 90))).date() if won else None,
                "rejection_reason": "conflict" if status in (S.REJECTED, S.DUPLICATE) else "",
            }
            for product_id, line_id, price in rng.sample(products, rng.choice((1, 1, 2))) if products else ():
                lines.append(
                    {
                        "tenant_id": ctx.tenant_id,
                        "deal_id": deal_id,
                        "partner_id": partner_id,
                        "product_id": product_id,
                        "product_line_id": line_id,
                        "quantity": rng.randint(1, 20),
                        "unit_price": price,
                    }
                )
            yield row
            if len(lines) >= 50_000:
                ctx.copy(DealLine, lines)
                lines.clear()

    ctx.copy(Deal, rows())
    ctx.copy(DealLine, lines)

    kinds = [
        (CustomerAccount.Kind.CUSTOMER, 70),
        (CustomerAccount.Kind.NAMED, 20),
        (CustomerAccount.Kind.DIRECT_ONLY, 10),
    ]
    accounts = []
    for number in range(max(count // 50, 10)):
        name, domain, country = (
            companies[rng.randrange(len(companies))]
            if rng.random() < 0.8
            else (
                f"{_word(rng).capitalize()} {rng.choice(CUSTOMER_NOUNS)}",
                "",
                rng.choice(COUNTRIES),
            )
        )
        legal_name = f"{name} {rng.choice(LEGAL)}".strip()
        accounts.append(
            {
                "tenant_id": ctx.tenant_id,
                "name": legal_name,
                "name_key": identity.key(legal_name),
                "domain": domain,
                "country": country,
                "kind": rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0],
                "external_id": f"ACC-{number:07d}",
                "created_at": now - timedelta(days=rng.uniform(30, 2000)),
            }
        )
    ctx.copy(CustomerAccount, accounts)
    with connection.cursor() as cursor:
        for model in (Deal, DealLine, CustomerAccount):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    ctx.made["deal_customers"] = len(companies)


def _reserve(model, count: int) -> list[int]:
    """Ids for ``count`` rows, taken from the sequence in one statement (setval, not nextval x N)."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return list(range(first, first + count))
