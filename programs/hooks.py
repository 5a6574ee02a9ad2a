"""How the apps above programs plug into it.

* **Metrics.** A tier requirement measures a metric: an app that owns data registers the SQL that
  measures it for every partner of a tenant (``register_metric``, from its ``AppConfig.ready``;
  deals registers revenue from won deals and approved registrations). ``only_partners`` and
  ``window_start`` are the pieces every such SQL needs. See ``programs.metrics``.
* **Competencies.** A product's authorization rule may require a competency: the learning app will
  register a holder that answers which competencies a partner holds (``competency_holder``). See
  ``programs.services.policy``.
* **Certifications.** A lead routing rule may require certifications: the learning app registers
  a holder that answers which certification codes a partner's current people hold
  (``certification_holder``).
"""

from .metrics import MetricSQL, only_partners, window_start
from .metrics import register as register_metric
from .services.policy import certification_holder, competency_holder

__all__ = [
    "MetricSQL",
    "certification_holder",
    "competency_holder",
    "only_partners",
    "register_metric",
    "window_start",
]
