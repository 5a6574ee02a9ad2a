"""What the certification part of e-learning plugs into the foundation and into programs (called
once from LearningConfig.ready):

* the back office's "Certificates" menu entry;
* ``prm.accounts.hooks.partner_users_changed``: a person who joins or leaves a partner changes
  its competencies the same day (recomputed after commit, through the outbox);
* ``programs.hooks.competency_holder``: the product authorization policy asks which competencies a
  partner holds on a day; ``programs.hooks.certification_holder``: lead routing asks which
  certifications a partner's people hold;
* ``programs.hooks.register_metric``: ``learning.certified_people`` and ``learning.competencies``
  for tier requirements (``learning.metrics``);
* "at risk": programs' tier card offers no hook for it, so the partner admin's home gets an action
  source, "Certificates to renew", naming the competency a certificate's expiry would cost.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from prm.accounts.access import OFFICE, PORTAL
from prm.events.services import outbox_enqueue
from prm.memo import tenant_memo
from prm.web.home import ActionGroup, ActionItem, action_source
from prm.web.menu import menu_entry


def _partner_users_changed(*, partner_ids: list[int]) -> None:
    from ..services.certification import COMPETENCIES_RECOMPUTE

    if partner_ids:
        outbox_enqueue(task_name=COMPETENCIES_RECOMPUTE, partner_ids=sorted(set(partner_ids)))


def _competencies_held(*, partner, codes: set[str], on) -> set[str]:
    from prm.tenancy.time import tenant_today

    from ..selectors.certificates import competency_codes_held

    return competency_codes_held(partner_id=partner.pk, codes=codes, on=on, today=tenant_today())


def _certifications_held(*, partner, codes: set[str], on) -> set[str]:
    """Which of the certification ``codes`` one of the partner's current, active people holds with
    a certificate valid on ``on`` (one query): lead routing's required certifications."""
    from django.db.models import Q

    from ..models import Certificate, CertificateStatus

    return set(
        Certificate.objects.filter(
            holder__partner_id=partner.pk,
            holder__is_active=True,
            certification__code__in=sorted(codes),
            status=CertificateStatus.ACTIVE,
            issued_on__lte=on,
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .values_list("certification__code", flat=True)
        .distinct()
    )


def _competency_certifications() -> tuple[int, ...]:
    """The certifications some active competency requires (reference data: the admin that edits
    competencies calls ``reference_changed``)."""
    from ..models import CompetencyRequirement

    return tuple(
        sorted(
            set(
                CompetencyRequirement.objects.filter(competency__is_active=True).values_list(
                    "certification_id", flat=True
                )
            )
        )
    )


def _certificates_to_renew(*, actor, tenant, limit: int) -> ActionGroup | None:
    """The partner admin's people's certificates inside their renewal window whose expiry would
    cost the company a competency (one query)."""
    if actor.partner_id is None:
        return None
    from datetime import datetime, time

    from django.utils import timezone

    from prm.tenancy.time import tenant_today

    from ..selectors.certificates import certificates_at_risk

    if not tenant_memo("learning.competency_certifications", _competency_certifications):
        return None  # no competency to lose: the home pays nothing
    risks = certificates_at_risk(today=tenant_today(), partner_id=actor.partner_id, in_window=True)
    if not risks:
        return None
    url = reverse("portal:learning_certificates")
    items = []
    seen = set()
    for risk in risks:
        if risk.certificate_id in seen:
            continue
        seen.add(risk.certificate_id)
        items.append(
            ActionItem(
                title=gettext("%(person)s: %(certification)s")
                % {"person": risk.holder_name, "certification": risk.certification},
                detail=gettext("%(competency)s is at risk: %(remaining)s of %(needed)s certified people would remain.")
                % {"competency": risk.competency, "remaining": risk.remaining, "needed": risk.needed},
                url=url,
                due=timezone.make_aware(datetime.combine(risk.expires_on, time.max)),
                due_label=gettext("certificate expires"),
            )
        )
    return ActionGroup(
        name="certificates_to_renew",
        label=gettext("Certificates to renew"),
        count=len(items),
        items=items[:limit],
        url=url,
    )


def register() -> None:
    from prm.accounts.hooks import partner_users_changed
    from programs.hooks import certification_holder, competency_holder

    from ..metrics import register_metrics
    from ..permissions import LEARNING_TAKE, LEARNING_TEAM, LEARNING_VIEW

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Certificates"),
        url_name="office:learning_certificates",
        capability=LEARNING_VIEW,
        order=46,
        group=gettext_lazy("Learning"),
    )
    menu_entry(
        area=PORTAL,
        label=gettext_lazy("Certificates"),
        url_name="portal:learning_certificates",
        capability=LEARNING_TAKE,
        order=47,
        group=gettext_lazy("Learning"),
    )
    partner_users_changed.connect(_partner_users_changed)
    competency_holder(_competencies_held)
    certification_holder(_certifications_held)
    register_metrics()
    action_source(
        area=PORTAL, name="certificates_to_renew", items=_certificates_to_renew, capability=LEARNING_TEAM, order=45
    )
