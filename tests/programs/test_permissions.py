"""Who may do what to proposals, enrollments, manual metric values, licences and territories: every
action, every role, on its own company's object and on another partner's
(``programs.permissions``), first in the tables, then in the services and selectors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from prm.accounts.roles import Role
from prm.accounts.rules import allows
from programs.models import LicenceStatus
from programs.permissions import (
    DECIDE,
    ENROL,
    ENROLLMENT_RULES,
    GRANT,
    LICENCE_RULES,
    MANUAL_VALUE_RULES,
    OVERRIDE,
    PROPOSAL_RULES,
    RECORD,
    REJECT,
    REVOKE,
    TERRITORY_RULES,
    UPDATE,
    UPLOAD,
    VERIFY,
    VIEW,
    VIEW_EVIDENCE,
)
from programs.selectors.policies import licence_get_for_actor, territory_list_for_actor
from programs.selectors.tiers import (
    enrollment_get_for_actor,
    enrollment_list_for_actor,
    manual_value_get_for_actor,
    manual_value_list_for_actor,
    proposal_get_for_actor,
)
from programs.services.catalogue import (
    licence_reject,
    licence_upload,
    licence_verify,
    territory_grant,
    territory_revoke,
    territory_update,
)
from programs.services.decisions import (
    enrollment_create,
    manual_metric_record,
    proposal_approve,
    proposal_reject,
    tier_override,
)

from ..factories import (
    EnrollmentFactory,
    LicenceTypeFactory,
    ManualMetricFactory,
    ManualMetricValueFactory,
    PartnerLicenceFactory,
    TerritoryGrantFactory,
    TierChangeProposalFactory,
    TierFactory,
)
from ..matrix import NOBODY, PARTNER, STAFF, cast, own, service_cells, staff, table_cells
from .documents import small_pdf

MANAGERS = (Role.ADMIN, Role.CHANNEL_MANAGER)
SEEN = staff(*STAFF) | own(*PARTNER)  # staff see every partner's, partner users their own company's

EXPECTED = {
    "proposal": (PROPOSAL_RULES, {VIEW: staff(*STAFF), DECIDE: staff(*MANAGERS)}),
    "enrollment": (ENROLLMENT_RULES, {VIEW: SEEN, ENROL: staff(*MANAGERS), OVERRIDE: staff(*MANAGERS)}),
    "manual value": (MANUAL_VALUE_RULES, {VIEW: SEEN, VIEW_EVIDENCE: staff(*STAFF), RECORD: staff(*MANAGERS)}),
    "licence": (
        LICENCE_RULES,
        {
            VIEW: SEEN,
            UPLOAD: staff(*MANAGERS) | own(Role.PARTNER_ADMIN),
            VERIFY: staff(*MANAGERS),
            REJECT: staff(*MANAGERS),
        },
    ),
    "territory": (
        TERRITORY_RULES,
        {VIEW: SEEN, GRANT: staff(*MANAGERS), UPDATE: staff(*MANAGERS), REVOKE: staff(*MANAGERS)},
    ),
}
# The platform (no membership: the admin's superuser, a command) enrols and manages territories.
PLATFORM = {("enrollment", ENROL), ("territory", GRANT), ("territory", UPDATE), ("territory", REVOKE)}


@pytest.mark.parametrize("entity", list(EXPECTED))
def test_every_action_has_its_row(entity):
    table, expected = EXPECTED[entity]
    assert set(table) == set(expected)


@pytest.mark.parametrize(
    ("entity", "action"), [(entity, action) for entity, (_, rows) in EXPECTED.items() for action in rows]
)
def test_the_tables(entity, action):
    table, expected = EXPECTED[entity]
    assert table_cells(table[action]) == expected[action]
    assert allows(table[action], None, 1) == ((entity, action) in PLATFORM)


# --- the services and selectors refuse exactly those -------------------------------------------


def _objects(people):
    """For each partner (own, other): an enrollment in a two-tier program with a pending
    promotion, a manual value, a pending licence and a territory; and a program to enrol in."""
    tenant = people.tenant
    low = TierFactory(tenant=tenant, rank=1)
    high = TierFactory(program=low.program, rank=2)
    metric = ManualMetricFactory(tenant=tenant)
    licence_type = LicenceTypeFactory(tenant=tenant)
    objects = SimpleNamespace(
        high=high, metric=metric, licence_type=licence_type, open_tier=TierFactory(tenant=tenant, rank=1)
    )
    for whose, partner, country in (("own", people.own, "DE"), ("other", people.other, "FR")):
        enrollment = EnrollmentFactory(partner=partner, tier=low)
        setattr(
            objects,
            whose,
            SimpleNamespace(
                enrollment=enrollment,
                proposal=TierChangeProposalFactory(enrollment=enrollment, to_tier=high),
                value=ManualMetricValueFactory(partner=partner, metric=metric),
                licence=PartnerLicenceFactory(partner=partner, licence_type=licence_type, status=LicenceStatus.PENDING),
                grant=TerritoryGrantFactory(partner=partner, country=country),
            ),
        )
    return objects


def _pdf():
    return SimpleUploadedFile("licence.pdf", small_pdf(), "application/pdf")


# name: (entity, action, call(people, objects, actor, whose))
CALLS = {
    "proposal_get_for_actor": (
        "proposal",
        VIEW,
        lambda p, o, actor, whose: proposal_get_for_actor(actor=actor, proposal_id=getattr(o, whose).proposal.pk),
    ),
    "proposal_approve": (
        "proposal",
        DECIDE,
        lambda p, o, actor, whose: proposal_approve(actor=actor, proposal=getattr(o, whose).proposal),
    ),
    "proposal_reject": (
        "proposal",
        DECIDE,
        lambda p, o, actor, whose: proposal_reject(actor=actor, proposal=getattr(o, whose).proposal, note="Not yet"),
    ),
    "enrollment_list_for_actor": (
        "enrollment",
        VIEW,
        lambda p, o, actor, whose: enrollment_list_for_actor(actor=actor, partner_id=p.partner(whose).pk),
    ),
    "enrollment_get_for_actor": (
        "enrollment",
        VIEW,
        lambda p, o, actor, whose: enrollment_get_for_actor(
            actor=actor, partner_id=p.partner(whose).pk, enrollment_id=getattr(o, whose).enrollment.pk
        ),
    ),
    "enrollment_create": (
        "enrollment",
        ENROL,
        lambda p, o, actor, whose: enrollment_create(
            actor=actor, partner=p.partner(whose), program=o.open_tier.program
        ),
    ),
    "tier_override": (
        "enrollment",
        OVERRIDE,
        lambda p, o, actor, whose: tier_override(
            actor=actor, enrollment=getattr(o, whose).enrollment, tier=o.high, reason="Launch partner"
        ),
    ),
    "manual_value_list_for_actor": (
        "manual value",
        VIEW,
        lambda p, o, actor, whose: manual_value_list_for_actor(actor=actor, partner_id=p.partner(whose).pk),
    ),
    "manual_value_get_for_actor": (
        "manual value",
        VIEW_EVIDENCE,
        lambda p, o, actor, whose: manual_value_get_for_actor(actor=actor, value_id=getattr(o, whose).value.pk),
    ),
    "manual_metric_record": (
        "manual value",
        RECORD,
        lambda p, o, actor, whose: manual_metric_record(
            actor=actor,
            partner=p.partner(whose),
            metric=o.metric,
            value=Decimal(5),
            effective_on=date.today() - timedelta(days=1),
        ),
    ),
    "licence_get_for_actor": (
        "licence",
        VIEW,
        lambda p, o, actor, whose: licence_get_for_actor(actor=actor, licence_id=getattr(o, whose).licence.pk),
    ),
    "licence_upload": (
        "licence",
        UPLOAD,
        lambda p, o, actor, whose: licence_upload(
            actor=actor,
            partner=p.partner(whose),
            licence_type=o.licence_type,
            document=_pdf(),
            expires_on=date(2099, 1, 1),
        ),
    ),
    "licence_verify": (
        "licence",
        VERIFY,
        lambda p, o, actor, whose: licence_verify(actor=actor, licence=getattr(o, whose).licence),
    ),
    "licence_reject": (
        "licence",
        REJECT,
        lambda p, o, actor, whose: licence_reject(actor=actor, licence=getattr(o, whose).licence, reason="Blurred"),
    ),
    "territory_list_for_actor": (
        "territory",
        VIEW,
        lambda p, o, actor, whose: territory_list_for_actor(actor=actor, partner=p.partner(whose)),
    ),
    "territory_grant": (
        "territory",
        GRANT,
        lambda p, o, actor, whose: territory_grant(
            actor=actor, partner=p.partner(whose), country="NL", valid_from=date(2020, 1, 1)
        ),
    ),
    "territory_update": (
        "territory",
        UPDATE,
        lambda p, o, actor, whose: territory_update(
            actor=actor, grant=getattr(o, whose).grant, changes={"note": "Renewed"}
        ),
    ),
    "territory_revoke": (
        "territory",
        REVOKE,
        lambda p, o, actor, whose: territory_revoke(actor=actor, grant=getattr(o, whose).grant, reason="Ended"),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(CALLS))
def test_the_services(name):
    entity, action, call = CALLS[name]
    people = cast()
    objects = _objects(people)
    allowed = service_cells(people, lambda actor, whose: call(people, objects, actor, whose))
    assert allowed == EXPECTED[entity][1][action], f"{name}: allowed {sorted(allowed)}"
    assert allowed != NOBODY
