"""Every write of deal registration: one locked service per transition (see models.TRANSITIONS)."""

from .closing import (
    deal_confirm_win,
    deal_expire,
    deal_mark_lost,
    deal_mark_won,
    deal_refuse_win,
    deal_update_stage,
    deal_withdraw,
    extension_decide,
    extension_request,
)
from .common import PARTNER_EDITABLE_FIELDS, business_deadline, program_of
from .pipeline import pipeline_refresh
from .registration import deal_register, deal_register_role_refusal, deal_submit, deal_update, rule_matches
from .review import deal_approve, deal_mark_duplicate, deal_reject, deal_request_info
from .sweep import SweepSummary, deals_sweep

__all__ = [
    "PARTNER_EDITABLE_FIELDS",
    "SweepSummary",
    "business_deadline",
    "deal_approve",
    "deal_confirm_win",
    "deal_expire",
    "deal_mark_duplicate",
    "deal_mark_lost",
    "deal_mark_won",
    "deal_refuse_win",
    "deal_register",
    "deal_register_role_refusal",
    "deal_reject",
    "deal_request_info",
    "deal_submit",
    "deal_update",
    "deal_update_stage",
    "deal_withdraw",
    "deals_sweep",
    "extension_decide",
    "extension_request",
    "pipeline_refresh",
    "program_of",
    "rule_matches",
]

from .accounts import IMPORT_COLUMNS, ImportResult, customer_accounts_import
from .conversation import attachment_add, message_post
from .pricing import pricing_bands, pricing_chain, pricing_decide, pricing_request, pricing_withdraw

__all__ += ["IMPORT_COLUMNS", "ImportResult", "customer_accounts_import"]
__all__ += ["attachment_add", "message_post"]

__all__ += ["pricing_bands", "pricing_chain", "pricing_decide", "pricing_request", "pricing_withdraw"]
