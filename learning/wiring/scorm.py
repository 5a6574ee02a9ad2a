"""What the scorm part of e-learning plugs into the foundation (menu entries, home cards, action
sources, hooks, metrics); called once from LearningConfig.ready."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE
from prm.web.menu import menu_entry

from ..permissions import LEARNING_VIEW


def register() -> None:
    # In the back office's "Learning" dropdown (the course editor and the reports add theirs to
    # the same group). The learner reaches the player from the course page.
    menu_entry(
        area=OFFICE,
        label=_("SCORM packages"),
        url_name="office:learning_scorm_packages",
        capability=LEARNING_VIEW,
        order=47,
        group=_("Learning"),
    )
