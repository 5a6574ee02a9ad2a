"""Who may do what in e-learning: the capabilities roles hold, and the one table of who may act on
a learner's records (enrolments, attempts, SCORM sessions, certificates), with its one guard
``learning_require``.

* Vendor staff author courses, certifications and competencies (``LEARNING_AUTHOR``: admins and
  channel marketing), read every learner's records and the reports (``LEARNING_VIEW``), and revoke
  certificates (``CERTIFICATES_REVOKE``).
* Every partner user learns (``LEARNING_TAKE``): a learner acts on its own records only.
* A partner admin reads the company's people's progress and certificates (``LEARNING_TEAM``),
  never another partner's people.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prm.accounts.roles import PARTNER_ROLES, STAFF_ROLES, Role, capability
from prm.accounts.rules import Rule, allows, enforce, narrow, refuse, rule
from prm.errors import assert_same_tenant

LEARNING_VIEW = capability("learning.view", roles=STAFF_ROLES)
LEARNING_AUTHOR = capability("learning.author", roles={Role.ADMIN, Role.MARKETING})
CERTIFICATES_REVOKE = capability("certificates.revoke", roles={Role.ADMIN, Role.CHANNEL_MANAGER})
LEARNING_TAKE = capability("learning.take", roles=PARTNER_ROLES)
LEARNING_TEAM = capability("learning.team", roles={Role.PARTNER_ADMIN})


class LearningAction(StrEnum):
    VIEW = "view"  # see a learner's record (enrolment, attempt, certificate)
    LEARN = "learn"  # act on one's own: enrol, complete a lesson, start and submit an attempt
    DOWNLOAD_CERTIFICATE = "download_certificate"
    REVOKE = "revoke"


A = LearningAction
# A learner acts on what it owns; a partner admin reads its company's people's records.
RULES: dict[LearningAction, Rule] = {
    # No refusal sentence: a record the actor may not see is a 404.
    A.VIEW: rule(staff={LEARNING_VIEW}, partner={LEARNING_TAKE}, company=LEARNING_TEAM),
    # Only the learner: ``learning_require`` adds "and it is the actor's own".
    A.LEARN: rule(
        partner={LEARNING_TAKE},
        refusal=_("Only the learner takes their own course."),
        staff_refusal=_("Vendor staff do not take courses for partners' people."),
    ),
    A.DOWNLOAD_CERTIFICATE: rule(staff={LEARNING_VIEW}, partner={LEARNING_TAKE}, company=LEARNING_TEAM),
    A.REVOKE: rule(staff={CERTIFICATES_REVOKE}, refusal=_("You may not revoke certificates.")),
}


def _owner_id(record) -> int | None:
    """The membership a learner's record belongs to (enrolment, attempt, session: ``learner``;
    certificate: ``holder``)."""
    return getattr(record, "learner_id", None) or getattr(record, "holder_id", None)


def learning_filter(actor, action: LearningAction = A.VIEW, *, owner_field: str = "learner_id") -> Q | None:
    """The learner records (of the current tenant) ``actor`` may take ``action`` on, as a filter;
    None when there are none. ``owner_field`` names the record's person (``holder_id`` for
    certificates)."""
    visible = narrow(RULES[action], actor, owner_field=owner_field)
    if action == A.LEARN and visible is not None:
        visible &= Q(**{owner_field: actor.pk})
    return visible


def learning_may(actor, record, action: LearningAction) -> bool:
    """Whether ``actor`` may take ``action`` on ``record`` (a learner record of its tenant)."""
    if actor is not None and actor.tenant_id != record.tenant_id:
        return False
    owner = _owner_id(record)
    if action == A.LEARN and (actor is None or owner != actor.pk):
        return False
    return allows(RULES[action], actor, record.partner_id, owner_id=owner)


def learning_require(actor, record, action: LearningAction) -> None:
    """The guard every learning service calls first: another tenant's record is a
    ``CrossTenantReference``; what the table does not allow, ``NotAllowed`` (seeing: a 404)."""
    assert_same_tenant(actor, record)
    if not learning_may(actor, record, action):
        raise refuse(RULES[action], actor)


# --- authoring: courses and SCORM packages belong to the vendor, not to a partner -----------------


class AuthoringAction(StrEnum):
    AUTHOR = "author"  # courses, versions, lessons, questions (the platform too: the admin's superuser)
    MANAGE_SCORM = "manage_scorm"  # upload packages, make courses of them


AUTHORING_RULES: dict[AuthoringAction, Rule] = {
    AuthoringAction.AUTHOR: rule(
        staff={LEARNING_AUTHOR},
        platform=True,
        refusal=_("Only channel marketing and vendor admins edit courses."),
    ),
    AuthoringAction.MANAGE_SCORM: rule(staff={LEARNING_AUTHOR}, refusal=_("You may not manage SCORM packages.")),
}


def course_require(actor, record=None, action: AuthoringAction = AuthoringAction.AUTHOR) -> None:
    """The guard of every authoring service: an author of the tenant of ``record`` (a course, a
    version, a lesson, a question, a package), or, for courses, the platform."""
    if record is not None:
        assert_same_tenant(actor, record)
    enforce(AUTHORING_RULES, action, actor, None)


def course_may_author(actor) -> bool:
    """Whether pages offer ``actor`` the editor's buttons (the services check again)."""
    return actor is not None and actor.is_staff_member and actor.can(LEARNING_AUTHOR)
