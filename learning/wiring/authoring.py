"""What the authoring part of e-learning plugs into the foundation (menu entries, home cards, action
sources, hooks, metrics); called once from LearningConfig.ready."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from prm.accounts.access import OFFICE
    from prm.events.labels import register_states
    from prm.web.menu import menu_entry

    from ..models import CourseStatus
    from ..permissions import LEARNING_VIEW

    # After Programs (50-52), before Staff (60).
    menu_entry(area=OFFICE, label=_("Learning"), url_name="office:learning_courses", capability=LEARNING_VIEW, order=55)
    # Course timelines show "Draft → Published", not the stored codes.
    register_states("course", CourseStatus.choices)
