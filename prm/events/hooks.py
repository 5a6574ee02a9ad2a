"""What the event log announces to the apps above the foundation (``prm.registry.Hook``)."""

from prm.registry import Hook

events_recorded = Hook(
    "events_recorded",
    "events: list[Event] -- rows ``event_record`` / ``event_record_many`` just wrote, in the current "
    "transaction (each with its verb and partner_id). Receivers must stay cheap: look at the verbs first and "
    "query only for those they care about; schedule their work after commit (``outbox_enqueue``).",
)
