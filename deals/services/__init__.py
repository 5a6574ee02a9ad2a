"""Every write of deal registration: one locked service per transition (see models.TRANSITIONS).

What other modules import from the package; helpers the services share stay in their modules."""

# The customer identity deal conflicts compare (company key, registrable domain): lead routing's
# named accounts are matched on the same.
from ..normalize import CustomerIdentity
from .accounts import IMPORT_COLUMNS, customer_accounts_import
from .closing import (
    deal_confirm_win,
    deal_mark_lost,
    deal_mark_won,
    deal_refuse_win,
    deal_reverse_win,
    deal_update_stage,
    deal_withdraw,
    extension_decide,
    extension_request,
)
from .common import PARTNER_EDITABLE_FIELDS, Attribution, business_deadline
from .conversation import attachment_add, message_post
from .pipeline import pipeline_refresh
from .pricing import pricing_chain, pricing_decide, pricing_request, pricing_withdraw
from .registration import deal_register, deal_register_role_refusal, deal_submit, deal_update
from .review import deal_approve, deal_mark_duplicate, deal_reject, deal_request_info
from .sweep import deals_sweep

__all__ = [
    "IMPORT_COLUMNS",
    "PARTNER_EDITABLE_FIELDS",
    "Attribution",
    "CustomerIdentity",
    "attachment_add",
    "business_deadline",
    "customer_accounts_import",
    "deal_approve",
    "deal_confirm_win",
    "deal_mark_duplicate",
    "deal_mark_lost",
    "deal_mark_won",
    "deal_refuse_win",
    "deal_register",
    "deal_register_role_refusal",
    "deal_reject",
    "deal_request_info",
    "deal_reverse_win",
    "deal_submit",
    "deal_update",
    "deal_update_stage",
    "deal_withdraw",
    "deals_sweep",
    "extension_decide",
    "extension_request",
    "message_post",
    "pipeline_refresh",
    "pricing_chain",
    "pricing_decide",
    "pricing_request",
    "pricing_withdraw",
]
