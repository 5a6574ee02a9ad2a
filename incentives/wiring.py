"""What incentives plug into the foundation: the menu entries, and the ``deal.won`` events that
make SPIFF claims (one outbox task per win, run after the win commits)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from deals import events as deal_events
from prm.accounts.access import OFFICE, PORTAL
from prm.web.menu import menu_entry


def _events_recorded(*, events) -> None:
    won = sorted({event.object_id for event in events if event.verb == deal_events.WON})
    reversed_ = [event for event in events if event.verb == deal_events.WIN_REVERSED]
    if not (won or reversed_):
        return
    from prm.events.services import outbox_enqueue_many

    from .tasks import SPIFFS_CLAWBACK, SPIFFS_FOR_WIN

    if won:
        outbox_enqueue_many(task_name=SPIFFS_FOR_WIN, kwargs_list=[{"deal_id": deal_id} for deal_id in won])
    if reversed_:
        # The reason is the staff member's own words (the event's note), shown to the payee as typed.
        outbox_enqueue_many(
            task_name=SPIFFS_CLAWBACK,
            kwargs_list=[{"deal_id": event.object_id, "reason": event.note} for event in reversed_],
        )


def register() -> None:
    from prm.events.hooks import events_recorded

    from .permissions import EARNINGS_OWN, INCENTIVES_VIEW, MDF_VIEW

    menu_entry(
        area=OFFICE,
        label=gettext_lazy("SPIFF claims"),
        url_name="office:spiff_claims",
        capability=INCENTIVES_VIEW,
        order=70,
        group=gettext_lazy("Incentives"),
    )
    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Payout runs"),
        url_name="office:payout_runs",
        capability=INCENTIVES_VIEW,
        order=71,
        group=gettext_lazy("Incentives"),
    )
    menu_entry(
        area=OFFICE,
        label=gettext_lazy("Market development funds"),
        url_name="office:mdf_budgets",
        capability=INCENTIVES_VIEW,
        order=72,
        group=gettext_lazy("Incentives"),
    )
    menu_entry(
        area=OFFICE,
        label=gettext_lazy("MDF requests"),
        url_name="office:mdf_requests",
        capability=INCENTIVES_VIEW,
        order=73,
        group=gettext_lazy("Incentives"),
    )
    menu_entry(
        area=PORTAL, label=gettext_lazy("Earnings"), url_name="portal:earnings", capability=EARNINGS_OWN, order=80
    )
    menu_entry(area=PORTAL, label=gettext_lazy("Funds"), url_name="portal:mdf", capability=MDF_VIEW, order=81)
    events_recorded.connect(_events_recorded)
    from . import extensions, metrics

    metrics.register_metrics()
    extensions.register()
