"""What the reports part of e-learning plugs into the foundation: the back office's "Learning
reports" and the partner admin's "Team learning" menu entries; called once from
LearningConfig.ready."""

from django.utils.translation import gettext_lazy as _

from prm.accounts.access import OFFICE, PORTAL
from prm.web.menu import menu_entry

from ..permissions import LEARNING_TEAM, LEARNING_VIEW

# The menu group of e-learning's pages (the other parts' entries share it).
GROUP = _("Learning")


def register() -> None:
    menu_entry(
        area=OFFICE,
        label=_("Reports"),
        url_name="office:learning_reports",
        capability=LEARNING_VIEW,
        order=48,
        group=GROUP,
    )
    menu_entry(
        area=PORTAL,
        label=_("Team learning"),
        url_name="portal:learning_team",
        capability=LEARNING_TEAM,
        order=48,
        group=GROUP,
    )
