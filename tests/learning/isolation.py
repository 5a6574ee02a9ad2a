"""Isolation cases of e-learning, one module per part (the walk reads ``CASES``)."""

from __future__ import annotations

from . import (
    isolation_authoring,
    isolation_certification,
    isolation_learner,
    isolation_reports,
    isolation_scorm,
)

CASES = {
    **isolation_authoring.CASES,
    **isolation_learner.CASES,
    **isolation_scorm.CASES,
    **isolation_certification.CASES,
    **isolation_reports.CASES,
}
