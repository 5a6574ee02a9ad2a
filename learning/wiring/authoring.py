"""What the authoring part of e-learning plugs into the foundation (menu entries, home cards, action
sources, hooks, metrics); called once from LearningConfig.ready."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from prm.accounts.access import OFFICE
    from prm.events.labels import register_states
    from prm.web.menu import menu_entry

    from ..models import CourseStatus
    from ..permissions import LEARNING_VIEW

    # The first entry of the back office's "Learning" dropdown (the other parts add certificates,
    # SCORM packages and reports to the same group): after Pricing approvals (40), before Programs (50).
    menu_entry(
        area=OFFICE,
        label=_("Courses"),
        url_name="office:learning_courses",
        capability=LEARNING_VIEW,
        order=45,
        group=_("Learning"),
    )
    # Course timelines show "Draft → Published", not the stored codes.
    register_states("course", CourseStatus.choices)
