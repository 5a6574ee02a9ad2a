"""What the imports part of recruitment plugs into the foundation (called from RecruitmentConfig.ready):
the back office's "Import partners" entry in the "Recruitment" group, for vendor admins."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from prm.accounts.access import OFFICE
from prm.web.menu import menu_entry


def register() -> None:
    from ..permissions import PARTNERS_IMPORT

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Import partners"),
        url_name="office:recruitment_imports",
        capability=PARTNERS_IMPORT,
        order=39,
        group=gettext_lazy("Recruitment"),
    )
