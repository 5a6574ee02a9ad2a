"""Every form and query-string filter, fed hostile input: never a server error, and whatever is
echoed back or stored renders inert.

Hostile values (support.hostile_text): oversized text, control characters with NUL among them
(PostgreSQL refuses NUL in text: it must be a form error, never a 500), right-to-left and CJK
scripts, emoji, combining marks, HTML and <script>, SQL-looking text. Each example keeps the
other fields valid and replaces one to three of them, so hostile values get past validation
and reach the database when the form lets them.
"""

from __future__ import annotations

import string
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from deals.models import SpecialPricingRequest
from partners.forms import (
    CommaListField,
    ContactForm,
    PartnerCreateForm,
    PartnerFilterForm,
    PartnerProfileForm,
    PartnerStatusForm,
)
from partners.models import Partner, PartnerStatus, SizeBand
from partners.services import PARTNER_STAFF_FIELDS
from prm.accounts.forms import AcceptInvitationForm, DeactivateForm, InvitationForm
from prm.accounts.models import Invitation, User
from prm.accounts.profile import ReadingSettingsForm
from prm.accounts.roles import Role
from prm.notifications.forms import PreferencesForm
from prm.notifications.kinds import KINDS
from prm.notifications.services import preferences_for
from prm.tenancy.forms import TenantSettingsForm
from prm.tenancy.scope import platform_scope, tenant_scope

from ..api import isolation as isolation_api
from ..conftest import make_client
from ..deals import office_setup, portal_setup, pricing_setup
from ..factories import InvitationFactory, NotificationFactory
from ..incentives import isolation as isolation_incentives
from ..leads import isolation_intake, isolation_offers, isolation_reports, isolation_routing
from ..learning import isolation_authoring, isolation_certification, isolation_learner, isolation_scorm
from ..marketing import isolation as isolation_marketing
from ..operations import isolation as isolation_operations
from ..programs import policy_setup, tier_setup
from ..recruitment import isolation_apply, isolation_imports, isolation_onboard, isolation_select
from ..scorecards import isolation as isolation_scorecards
from .support import HOSTILE, HOSTILE_QUICK, hostile_id, hostile_text, html_problems

pytestmark = pytest.mark.django_db


def survived(response):
    """No server error; an HTML answer holds nothing that could run script."""
    assert response.status_code < 500
    if response.streaming:  # an export: its rows are read (and could fail) only while it streams
        b"".join(response.streaming_content)
    elif response.get("Content-Type", "").startswith("text/html"):
        problems = html_problems(response.content.decode())
        assert problems == [], problems
    return response


def tampered(valid: dict, fields=None, value=hostile_text):
    """``valid`` with one to three of its fields (or of ``fields``) replaced by hostile values."""
    names = sorted(fields or valid)
    return st.sets(st.sampled_from(names), min_size=1, max_size=min(3, len(names))).flatmap(
        lambda chosen: st.fixed_dictionaries({name: value for name in sorted(chosen)}).map(lambda bad: {**valid, **bad})
    )


# Addresses Django's EmailValidator accepts, carrying payloads: a quoted local part may hold
# almost anything printable, and control characters.
_local_part = st.text(
    st.characters(min_codepoint=1, max_codepoint=126, exclude_characters='"\\\n\r\t'), min_size=1, max_size=40
)
hostile_email = st.one_of(
    hostile_text,
    _local_part.map(lambda local: f'"{local}"@example.com'),
    st.sampled_from(['"<script>alert(1)</script>"@example.com', '"\\"><img src=x onerror=alert(1)>"@example.com']),
    st.text(string.ascii_letters + ".+-_", min_size=1, max_size=64).map(lambda local: f"{local}@example.com"),
)


# --- partners ---------------------------------------------------------------------------------


def _company_fields(partner):
    return {
        "display_name": partner.display_name,
        "website": "https://partner.example",
        "phone": "+49 30 1234",
        "address_line": "Main street 1",
        "city": "Berlin",
        "postal_code": "10115",
        "regions_served": ["EMEA", "APAC"],
        "countries_served": ["DE", "FR"],
        "industries": ["Retail", "Healthcare"],
        "size_band": SizeBand.SMALL,
        "description": "We resell.",
    }


# The fields picked from fixed lists, and what a forged post might send for one: hostile items
# among the lists' values (each refused on its field, and shown back escaped).
_LIST_FIELDS = ["regions_served", "countries_served", "industries"]
hostile_list = st.lists(st.one_of(hostile_text, st.sampled_from(["EMEA", "DE", "Retail", "de", ""])), max_size=4)


def _create_fields(acme):
    return {
        "legal_name": "New Partner GmbH",
        "display_name": "New Partner",
        "partner_type": str(acme.partner_type.pk),
        "country": "DE",
        "website": "https://new.example",
        "account_manager": str(acme.manager.pk),
        "email_domains": "new.example, new.example.org",
    }


def _record_fields(acme):
    return {
        **_company_fields(acme.partner),
        "legal_name": acme.partner.legal_name,
        "email_domains": "p1.example",
        "partner_type": str(acme.partner_type.pk),
        "country": "DE",
        "account_manager": str(acme.manager.pk),
        "parent": "",
        "external_crm_id": "CRM-1",
        "tags": "invest, emea-focus",
    }


_PASSWORD = "a-Long-enough-passphrase-42"
_PREFERENCE_KEYS = [f"{kind}:{channel}" for kind in KINDS for channel in ("portal", "email")]


def _invitation_path(world):
    invitation = InvitationFactory(partner=world.acme.partner, invited_by=world.acme.partner_admin)
    return reverse("invitation_accept", args=[invitation.token])


def _tiers(world):
    """acme partner 1's tier ladder, pending proposal and a manual metric (made once per world)."""
    if not hasattr(world, "tiers"):
        world.tiers = SimpleNamespace(side=world.acme)
        tier_setup.tier_proposal(world.tiers)
        tier_setup.manual_metric(world.tiers)
    return world.tiers


# name -> (who posts, the path, valid data): every form view of the project, and allauth's two
# signed-out forms.
FORM_VIEWS = {
    "portal:company_edit": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:company_edit"),
        lambda w: _company_fields(w.acme.partner),
    ),
    "office:partner_create": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:partner_create"),
        lambda w: _create_fields(w.acme),
    ),
    "office:partner_edit": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:partner_edit", args=[w.acme.partner.pk]),
        lambda w: _record_fields(w.acme),
    ),
    "office:contact_create": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:contact_create", args=[w.acme.partner.pk]),
        lambda w: {
            "name": "Jo Contact",
            "email": "jo@p1.example",
            "phone": "+1 555",
            "role": "billing",
            "title": "CFO",
        },
    ),
    "office:partner_status": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:partner_status", args=[w.acme.partner.pk]),
        lambda w: {"to_status": "suspended", "reason": "Audit"},
    ),
    "office:staff_invite": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:staff_invite"),
        lambda w: {"email": "new.staff@acme.example", "role": "marketing"},
    ),
    "office:privacy_erase": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:privacy_erase", args=[w.acme.sales_rep.pk]),
        lambda w: {"confirm_email": w.acme.sales_rep.user.email},
    ),
    "office:partner_invite": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:partner_invite", args=[w.acme.partner.pk]),
        lambda w: {"email": "new.user@p1.example", "role": "sales"},
    ),
    "portal:people_invite": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:people_invite"),
        lambda w: {"email": "new.user@p1.example", "role": "sales"},
    ),
    "portal:membership_deactivate": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:membership_deactivate", args=[w.acme.sales_rep.pk]),
        lambda w: {"reason": "Left the company"},
    ),
    "invitation_accept": (
        lambda w: None,
        _invitation_path,
        lambda w: {"first_name": "Ada", "last_name": "Lovelace", "password1": _PASSWORD, "password2": _PASSWORD},
    ),
    "notifications:preferences": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("notifications:preferences"),
        lambda w: {key: "on" for key in _PREFERENCE_KEYS},
    ),
    "notifications:mark_read": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("notifications:mark_read"),
        lambda w: {"id": "1"},
    ),
    "office:settings": (
        lambda w: w.acme.admin,
        lambda w: reverse("office:settings"),
        lambda w: {"name": "Acme", "brand_color": "#1f4e8c", "default_currency": "EUR", "time_zone": "Europe/Berlin"},
    ),
    "office:proposal_decide": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:proposal_decide", args=[_tiers(w).proposal.pk]),
        lambda w: {"decision": "reject", "note": "Not yet"},
    ),
    "office:tier_override": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:tier_override", args=[w.acme.partner.pk, _tiers(w).enrollment.pk]),
        lambda w: {"tier": str(_tiers(w).gold.pk), "reason": "Strategic account", "until": "2099-01-01"},
    ),
    "office:metric_record": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:metric_record", args=[w.acme.partner.pk]),
        lambda w: {"metric": str(_tiers(w).metric.pk), "value": "7.5", "effective_on": "2020-01-01", "note": "Q1"},
    ),
    "portal:licences": (
        lambda w: w.acme.partner_admin,
        lambda w: reverse("portal:licences"),
        policy_setup.licence_upload_data,
    ),
    "office:licence_decide": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:licence_decide", args=[policy_setup.licence_for(w).licence.pk]),
        lambda w: {"decision": "reject", "reason": "Unreadable scan"},
    ),
    "office:saved_filter_save": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:saved_filter_save", args=["deals"]),
        lambda w: {"name": "Approved in Germany", "query": "status=approved&q=GmbH", "shared": "on"},
    ),
    # --- deals: office ---
    "office:deal_approve": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:deal_approve", args=[office_setup.for_world(w).deal.pk]),
        lambda w: {"note": "Looks fine"},
    ),
    "office:deal_reject": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:deal_reject", args=[office_setup.for_world(w).deal.pk]),
        lambda w: {"reason_code": "conflict", "message": "Registered by another partner first"},
    ),
    "office:deal_request_info": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:deal_request_info", args=[office_setup.for_world(w).deal.pk]),
        lambda w: {"fields_requested": "customer_website", "message": "Which site is it?"},
    ),
    "office:deal_duplicate": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:deal_duplicate", args=[office_setup.for_world(w).deal.pk]),
        lambda w: {"original": str(office_setup.for_world(w).original.pk)},
    ),
    "office:extension_decide": (
        lambda w: w.acme.manager,
        lambda w: reverse(
            "office:extension_decide",
            args=[office_setup.for_world(w).extended.pk, office_setup.for_world(w).extension.pk],
        ),
        lambda w: {"decision": "refuse", "note": "Not this quarter"},
    ),
    "office:deal_win": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:deal_win", args=[office_setup.for_world(w).won.pk]),
        lambda w: {"decision": "refuse", "reason": "No purchase order yet"},
    ),
    "office:deal_reverse_win": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:deal_reverse_win", args=[office_setup.for_world(w).won.pk]),
        lambda w: {"reason": "Order cancelled"},
    ),
    "office:deal_message": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:deal_message", args=[office_setup.for_world(w).deal.pk]),
        lambda w: {"body": "Which branches does it cover?", "internal": "on"},
    ),
    "office:deal_attachment_add": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:deal_attachment_add", args=[office_setup.for_world(w).deal.pk]),
        lambda w: {"file": portal_setup.pdf_upload(), "name": "Vendor quote"},
    ),
    "office:deal_register": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:deal_register"),
        lambda w: office_setup.registration_data(office_setup.for_world(w)),
    ),
    # --- deals: portal ---
    "portal:deal_create": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:deal_create"),
        portal_setup.registration_data,
    ),
    "portal:deal_edit": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:deal_edit", args=[portal_setup.portal_deals_for(w).draft.pk]),
        portal_setup.registration_data,
    ),
    "portal:deal_withdraw": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:deal_withdraw", args=[portal_setup.portal_deals_for(w).draft.pk]),
        lambda w: {"withdraw-reason": "Duplicate"},
    ),
    "portal:deal_stage": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:deal_stage", args=[portal_setup.portal_deals_for(w).approved.pk]),
        lambda w: {"stage-stage": "negotiate"},
    ),
    "portal:deal_extension": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:deal_extension", args=[portal_setup.portal_deals_for(w).approved.pk]),
        lambda w: {"extension-days": "30", "extension-reason": "Budget moved"},
    ),
    "portal:deal_won": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:deal_won", args=[portal_setup.portal_deals_for(w).approved.pk]),
        lambda w: {"won-amount": "9000", "won-won_on": "2020-01-01"},
    ),
    "portal:deal_lost": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:deal_lost", args=[portal_setup.portal_deals_for(w).approved.pk]),
        lambda w: {"lost-reason": "Competitor"},
    ),
    "portal:deal_message": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:deal_message", args=[portal_setup.portal_deals_for(w).approved.pk]),
        lambda w: {"body": "Hello"},
    ),
    "portal:deal_attachment_add": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:deal_attachment_add", args=[portal_setup.portal_deals_for(w).approved.pk]),
        lambda w: {"file": portal_setup.pdf_upload(), "name": "Quote"},
    ),
    # --- deals: special pricing ---
    "portal:deal_pricing": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:deal_pricing", args=[portal_setup.portal_deals_for(w).approved.pk]),
        lambda w: {
            "pricing-discount_percent": "12.5",
            "pricing-justification": "Competitor undercuts us",
            "pricing-competitor": "Initrode",
            "pricing-competitor_price": "8000",
        },
    ),
    "office:pricing_decide": (
        lambda w: w.acme.manager,
        lambda w: reverse(
            "office:pricing_decide", args=[pricing_setup.for_world(w).deal.pk, pricing_setup.for_world(w).pricing.pk]
        ),
        lambda w: {"decision": "reject", "note": "Too deep for this customer", "step": "channel_manager"},
    ),
    # --- a person's own language and time zone ---
    "office:profile": (
        lambda w: w.acme.manager,
        lambda w: reverse("office:profile"),
        lambda w: {"language": "de", "time_zone": "Europe/Berlin"},
    ),
    "portal:profile": (
        lambda w: w.acme.sales_rep,
        lambda w: reverse("portal:profile"),
        lambda w: {"language": "ja", "time_zone": "Asia/Tokyo"},
    ),
    "account_login": (
        lambda w: None,
        lambda w: reverse("account_login"),
        lambda w: {"login": w.acme.manager.user.email, "password": "not-the-password"},
    ),
    "account_reset_password": (
        lambda w: None,
        lambda w: reverse("account_reset_password"),
        lambda w: {"email": w.acme.manager.user.email},
    ),
    **isolation_authoring.form_views(),
    **isolation_learner.FORM_VIEWS,
    **isolation_scorm.FORM_VIEWS,
    **isolation_certification.FORM_VIEWS,
    **isolation_apply.FORM_VIEWS,
    **isolation_select.FORM_VIEWS,
    **isolation_onboard.FORM_VIEWS,
    **isolation_imports.FORM_VIEWS,
    **isolation_intake.FORM_VIEWS,
    **isolation_routing.FORM_VIEWS,
    **isolation_offers.FORM_VIEWS,
    **isolation_reports.FORM_VIEWS,
    **isolation_incentives.FORM_VIEWS,
    **isolation_api.FORM_VIEWS,
    **isolation_scorecards.FORM_VIEWS,
    **isolation_marketing.FORM_VIEWS,
}


def _client_for(world, who):
    member = who(world)
    return make_client(member) if member is not None else make_client(None, host=world.acme.host)


@pytest.mark.parametrize("view", list(FORM_VIEWS))
def test_nul_in_each_field_of_each_form_view_is_refused_not_a_server_error(world, view):
    # given a form view, someone allowed to use it, and data it accepts
    who, path, valid = FORM_VIEWS[view]
    fields = valid(world)
    for name in fields:
        # when one field carries a NUL character (in the first item, for a list field)
        value = fields[name]
        value = [f"a\x00{value[0]}", *value[1:]] if isinstance(value, list) else f"a\x00{value}"
        response = _client_for(world, who).post(path(world), {**fields, name: value})
        # then the form refuses it (PostgreSQL would refuse it with an error): a 200 with the
        # form, or the view's redirect with a message; never a 500
        survived(response)
        assert response.status_code in (200, 302), f"{view}.{name}={value!r}: {response.status_code}"


def test_the_form_views_cover_every_post_page():
    # given the isolation matrix's write URLs and the pages with a form
    from ..test_isolation import CASES

    posted = {name for name, case in CASES.items() if case.method == "post"}
    with_forms = {"portal:company_edit", "office:partner_create", "office:partner_edit", "office:settings"}
    # then each one that takes input is fuzzed here (the rest post no fields: revoke, delete, ...)
    no_input = {
        "office:contact_delete",
        "office:membership_deactivate",
        "office:membership_reactivate",
        "office:invitation_revoke",
        "portal:membership_reactivate",
        "portal:invitation_revoke",
        "portal:deal_submit",
        "portal:deal_pricing_withdraw",
        "office:saved_filter_delete",
        *isolation_authoring.NO_INPUT,
        *isolation_learner.NO_INPUT,
        *isolation_scorm.NOT_FORMS,
        *isolation_apply.NO_INPUT,
        *isolation_select.NO_INPUT,
        *isolation_onboard.NO_INPUT,
        *isolation_imports.NO_INPUT,
        *isolation_intake.NO_INPUT,
        *isolation_routing.NO_INPUT,
        *isolation_offers.NO_INPUT,
        *isolation_reports.NO_INPUT,
        *isolation_incentives.NO_INPUT,
        *isolation_api.NO_INPUT,
        *isolation_scorecards.NO_INPUT,
        *isolation_marketing.NO_INPUT,
        *isolation_operations.NO_INPUT,
    }
    assert (posted | with_forms) - no_input <= set(FORM_VIEWS)


@HOSTILE
@given(data=st.data())
def test_special_pricing_request_and_its_answer(world, data):
    # given a rep on its approved deal, and the channel manager who answers
    acme = world.acme
    deal = portal_setup.portal_deals_for(world).approved
    rep, manager = make_client(acme.sales_rep), make_client(acme.manager)
    valid = {
        "pricing-discount_percent": "12.5",
        "pricing-justification": "Competitor undercuts us",
        "pricing-competitor": "Initrode",
        "pricing-competitor_price": "8000",
    }
    # when the rep asks with hostile values
    response = survived(rep.post(reverse("portal:deal_pricing", args=[deal.pk]), data.draw(tampered(valid))))
    assert response.status_code in (200, 302)
    # (drawn whatever the database holds: examples share it, and hypothesis needs the same draws on replay)
    note = data.draw(hostile_text)
    # then both deal pages render inert; a pending request is answered with a hostile note
    office_page = reverse("office:deal_detail", args=[deal.pk])
    survived(manager.get(office_page))
    with platform_scope():
        pending = SpecialPricingRequest.objects.filter(deal_id=deal.pk, status="pending").first()
    if pending is not None:
        path = reverse("office:pricing_decide", args=[deal.pk, pending.pk])
        answer = survived(manager.post(path, {"decision": "reject", "note": note, "step": "channel_manager"}))
        assert answer.status_code in (200, 302)
        if answer.status_code == 200:  # the note was refused: the partner takes the request back
            rep.post(reverse("portal:deal_pricing_withdraw", args=[deal.pk, pending.pk]))
    survived(rep.get(reverse("portal:deal_detail", args=[deal.pk])))
    survived(manager.get(office_page))
    survived(manager.get(reverse("office:pricing_queue")))


@HOSTILE
@given(data=st.data())
def test_portal_company_edit(world, data):
    # given a partner admin on their company's edit form
    acme = world.acme
    client = make_client(acme.partner_admin)
    valid = _company_fields(acme.partner)
    values = data.draw(st.one_of(tampered(valid), tampered(valid, _LIST_FIELDS, value=hostile_list)))
    # when they submit hostile values
    response = survived(client.post(reverse("portal:company_edit"), values))
    # then it is saved (and the profile and the manager's view of it render inert) or refused
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        survived(client.get(reverse("portal:company")))
        survived(make_client(acme.manager).get(reverse("office:partner_detail", args=[acme.partner.pk])))


@HOSTILE
@given(data=st.data())
def test_office_partner_create(world, data):
    # given the vendor admin on the "add a partner" form
    acme = world.acme
    client = make_client(acme.admin)
    valid = _create_fields(acme)
    values = data.draw(
        st.one_of(
            tampered(valid, ["legal_name", "display_name", "country", "website", "email_domains"]),
            tampered(valid, ["partner_type", "account_manager"], value=hostile_id),
        )
    )
    # when they submit hostile values
    response = survived(client.post(reverse("office:partner_create"), values))
    # then the partner is created (and the directory renders inert) or the form says why not
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        survived(client.get(response["Location"]))
        survived(client.get(reverse("office:partner_list")))


@HOSTILE
@given(data=st.data())
def test_office_partner_edit(world, data):
    # given a channel manager on a partner's record form (every field staff may edit)
    acme = world.acme
    client = make_client(acme.manager)
    valid = _record_fields(acme)
    assert set(valid) == set(PARTNER_STAFF_FIELDS)
    ids = ["partner_type", "account_manager", "parent"]
    values = data.draw(
        st.one_of(
            tampered(valid, [name for name in valid if name not in ids]),
            tampered(valid, ids, value=st.one_of(hostile_id, st.just(str(acme.partners[1].pk)))),
            tampered(valid, _LIST_FIELDS, value=hostile_list),
        )
    )
    path = reverse("office:partner_edit", args=[acme.partner.pk])
    # when they submit hostile values
    response = survived(client.post(path, values))
    # then it is saved (the record, its timeline and the export stay sound) or refused
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        for tab in ("office:partner_detail", "office:partner_timeline"):
            survived(client.get(reverse(tab, args=[acme.partner.pk])))
        assert client.get(reverse("office:partner_export")).status_code == 200


def test_a_crm_id_another_partner_holds_is_a_form_error(world, client_for):
    # given partner 2 with a CRM id
    acme = world.acme
    with platform_scope():
        Partner.objects.filter(pk=acme.partners[1].pk).update(external_crm_id="CRM-TAKEN")
    # when partner 1 is given the same id
    response = client_for(acme.manager).post(
        reverse("office:partner_edit", args=[acme.partner.pk]),
        {**_record_fields(acme), "external_crm_id": "CRM-TAKEN"},
    )
    # then the form says so (no IntegrityError)
    assert response.status_code == 200
    assert "external_crm_id" in response.context["form"].errors


@HOSTILE
@given(data=st.data())
def test_contact_create(world, data):
    # given a channel manager adding a contact to a partner
    acme = world.acme
    client = make_client(acme.manager)
    valid = {"name": "Jo Contact", "email": "jo@p1.example", "phone": "+1 555", "role": "billing", "title": "CFO"}
    values = data.draw(
        st.one_of(
            tampered(valid, ["name", "phone", "title", "role"]),
            tampered(valid, ["email"], value=hostile_email),
        )
    )
    # when they submit hostile values
    response = survived(client.post(reverse("office:contact_create", args=[acme.partner.pk]), values))
    # then the contact is added (and both sides' pages render inert) or refused
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        survived(client.get(reverse("office:partner_people", args=[acme.partner.pk])))
        survived(client.get(reverse("office:partner_timeline", args=[acme.partner.pk])))
        survived(make_client(acme.partner_admin).get(reverse("portal:company")))


@HOSTILE
@given(data=st.data())
def test_status_change(world, data):
    # given a channel manager changing a partner's status
    acme = world.acme
    client = make_client(acme.manager)
    statuses = st.sampled_from(PartnerStatus.values)
    values = data.draw(
        st.one_of(
            st.fixed_dictionaries({"to_status": statuses, "reason": hostile_text}),
            st.fixed_dictionaries({"to_status": st.one_of(hostile_text, statuses), "reason": st.just("Audit")}),
        )
    )
    # when they submit hostile values
    response = survived(client.post(reverse("office:partner_status", args=[acme.partner.pk]), values))
    # then it is a redirect back to the record (done, or with a message); the timeline and the
    # partner admins' notifications render inert
    assert response.status_code == 302
    assert response["Location"] == reverse("office:partner_detail", args=[acme.partner.pk])
    survived(client.get(reverse("office:partner_timeline", args=[acme.partner.pk])))
    survived(make_client(acme.partner_admins[1]).get(reverse("notifications:list")))


# --- people -----------------------------------------------------------------------------------

_ROLE = st.one_of(st.sampled_from(Role.values), hostile_text)


@HOSTILE
@given(email=hostile_email, role=_ROLE)
def test_staff_invitation(world, email, role):
    # given the vendor admin inviting a colleague
    client = make_client(world.acme.admin)
    # when the address and role are hostile
    response = survived(client.post(reverse("office:staff_invite"), {"email": email, "role": role}))
    # then the invitation is sent (and the staff page lists it inert) or the form says why not
    assert response.status_code in (200, 302)
    survived(client.get(reverse("office:staff")))


@HOSTILE
@given(email=hostile_email, role=_ROLE)
def test_partner_invitation(world, email, role):
    # given a channel manager inviting a partner's user
    acme = world.acme
    client = make_client(acme.manager)
    # when the address and role are hostile
    response = survived(
        client.post(reverse("office:partner_invite", args=[acme.partner.pk]), {"email": email, "role": role})
    )
    # then it is back to the people tab (sent, or with a message), which renders inert
    assert response.status_code == 302
    survived(client.get(response["Location"]))


@HOSTILE
@given(email=hostile_email, role=_ROLE)
def test_portal_invitation(world, email, role):
    # given a partner admin inviting a colleague
    client = make_client(world.acme.partner_admin)
    # when the address and role are hostile
    response = survived(client.post(reverse("portal:people_invite"), {"email": email, "role": role}))
    # then the invitation is sent (and the people page lists it inert) or the form says why not
    assert response.status_code in (200, 302)
    survived(client.get(reverse("portal:people")))


@HOSTILE
@given(data=st.data())
def test_accepting_an_invitation_with_a_new_account(world, data):
    # given a fresh invitation, opened by someone without an account
    invitation = InvitationFactory(partner=world.acme.partner, invited_by=world.acme.partner_admin)
    client = make_client(None, host=world.acme.host)
    valid = {"first_name": "Ada", "last_name": "Lovelace", "password1": _PASSWORD, "password2": _PASSWORD}
    values = data.draw(tampered(valid))
    # when they create their account with hostile values
    response = survived(client.post(reverse("invitation_accept", args=[invitation.token]), values))
    # then they are in (and their first page renders inert), or the form says why not
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        survived(client.get(reverse("portal:home")))
        survived(make_client(world.acme.partner_admin).get(reverse("portal:people")))


@pytest.mark.parametrize("state", ["revoked", "expired", "accepted"])
def test_a_spent_invitation_link_creates_no_account_when_posted_to(world, state):
    # given an invitation that was revoked, has expired or was used
    invitation = InvitationFactory(partner=world.acme.partner, invited_by=world.acme.partner_admin)
    field = {"revoked": "revoked_at", "accepted": "accepted_at", "expired": "expires_at"}[state]
    with platform_scope():
        Invitation.objects.filter(pk=invitation.pk).update(**{field: timezone.now() - timedelta(days=1)})
    # when someone posts the new-account form to its link anyway (the page itself says "gone")
    client = make_client(None, host=world.acme.host)
    response = client.post(
        reverse("invitation_accept", args=[invitation.token]),
        {"first_name": "Late", "last_name": "Comer", "password1": _PASSWORD, "password2": _PASSWORD},
    )
    # then the answer is the same "no longer valid" page, and no account was made
    assert response.status_code == 410
    assert not User.objects.filter(email__iexact=invitation.email).exists()


def test_an_invitation_to_a_suspended_partner_creates_no_account(world):
    # given a pending invitation to a partner that was suspended after it was sent
    invitation = InvitationFactory(partner=world.acme.partner, invited_by=world.acme.partner_admin)
    with platform_scope():
        Partner.objects.filter(pk=world.acme.partner.pk).update(status=PartnerStatus.SUSPENDED)
    # when the invitee fills in the new-account form
    response = make_client(None, host=world.acme.host).post(
        reverse("invitation_accept", args=[invitation.token]),
        {"first_name": "Late", "last_name": "Comer", "password1": _PASSWORD, "password2": _PASSWORD},
    )
    # then they are told why, and no account is left behind without its membership
    assert response.status_code == 200
    assert "suspended" in response.content.decode()
    assert not User.objects.filter(email__iexact=invitation.email).exists()


@HOSTILE_QUICK
@given(reason=hostile_text)
def test_deactivation_reason(world, reason):
    # given a partner admin deactivating (then restoring) a colleague
    acme = world.acme
    client = make_client(acme.partner_admin)
    # when the reason is hostile
    response = survived(
        client.post(reverse("portal:membership_deactivate", args=[acme.sales_rep.pk]), {"reason": reason})
    )
    # then it is done, and the people page renders inert
    assert response.status_code == 302
    survived(client.get(reverse("portal:people")))
    survived(client.post(reverse("portal:membership_reactivate", args=[acme.sales_rep.pk])))


# --- notifications ------------------------------------------------------------------------------


@HOSTILE
@given(
    values=st.dictionaries(
        st.one_of(st.sampled_from(_PREFERENCE_KEYS), hostile_text.filter(bool)),
        st.one_of(st.sampled_from(["on", "true", "1", "false", "0", ""]), hostile_text),
        max_size=8,
    )
)
def test_notification_preferences(world, values):
    # given a sales rep on their notification settings
    client = make_client(world.acme.sales_rep)
    # when they post hostile keys and values (url-encoded, as the browser sends this form)
    body = urlencode(values)
    response = survived(
        client.post(reverse("notifications:preferences"), body, content_type="application/x-www-form-urlencoded")
    )
    # then they are saved as booleans for the known kinds only
    assert response.status_code in (200, 302)
    with tenant_scope(world.acme.tenant):
        assert set(preferences_for(actor=world.acme.sales_rep)) == set(KINDS)


@HOSTILE
@given(page=hostile_id, ids=st.lists(hostile_id, max_size=4))
@example(page="²", ids=["²"])  # str.isdigit() is true for "²", int() refuses it: was a 500
@example(page=str(2**70), ids=[str(2**70), "-1", "\x00"])
def test_notifications_page_and_mark_read(world, page, ids):
    # given a partner admin with a notification
    acme = world.acme
    NotificationFactory(recipient=acme.partner_admin, title="<b>Hello</b>")
    client = make_client(acme.partner_admin)
    # when the page number and the ids to mark read are hostile
    survived(client.get(reverse("notifications:list"), {"page": page}))
    response = survived(client.post(reverse("notifications:mark_read"), {"id": ids}))
    # then the page shows and the marking answers with a redirect
    assert response.status_code == 302


# --- the directory's query string -------------------------------------------------------------

_FILTERS = ["q", "type", "tier", "status", "country", "manager", "sort", "page"]


@HOSTILE
@given(
    query=st.dictionaries(
        st.sampled_from(_FILTERS), st.one_of(hostile_id, st.lists(hostile_text, min_size=2, max_size=3)), min_size=1
    )
)
@example(query={"type": "\x00", "tier": "²", "manager": str(2**70), "country": "D\x00", "page": "\x00", "q": "\x00"})
def test_directory_filters(world, query):
    # given a channel manager on the directory
    client = make_client(world.acme.manager)
    path = reverse("office:partner_list")
    # when the query string is hostile (repeated keys included)
    page = survived(client.get(path, query))  # the filter form (echoing the query) and the results
    export = survived(client.get(reverse("office:partner_export"), query))
    # then the page and the export both answer
    assert page.status_code == export.status_code == 200
    assert 'id="results"' in page.content.decode()


# --- the back office's deal list's query string ---------------------------------------------------

_DEAL_FILTERS = [
    "q",
    "partner",
    "partner_name",
    "status",
    "stage",
    "line",
    "close_from",
    "close_to",
    "protected_from",
    "protected_to",
    "page",
]


@HOSTILE
@given(
    query=st.dictionaries(
        st.sampled_from(_DEAL_FILTERS),
        st.one_of(hostile_id, hostile_text, st.lists(hostile_text, min_size=2, max_size=3)),
        min_size=1,
    )
)
@example(query={"partner": str(2**70), "line": "²", "close_from": "0000-00-00", "protected_to": "\x00", "q": "\x00"})
@example(query={"partner": "-1", "line": str(2**70), "close_to": "9999-12-31", "partner_name": "%_\\"})
def test_deal_list_filters(world, query):
    # given a channel manager on the list of every registration, with one approved
    client = make_client(world.acme.manager)
    office_setup.for_world(world)
    # when the query string is hostile (repeated keys included), whole page and htmx swap
    page = survived(client.get(reverse("office:deal_list"), query))
    swap = survived(client.get(reverse("office:deal_list"), query, HTTP_HX_REQUEST="true"))
    # then both answer
    assert page.status_code == swap.status_code == 200
    assert 'id="results"' in page.content.decode() and 'id="results"' in swap.content.decode()


@HOSTILE
@given(data=st.data())
def test_saved_filters_of_the_deal_list(world, data):
    # given a channel manager saving the deal list's filters
    client = make_client(world.acme.manager)
    valid = {"name": "Approved", "query": "status=approved&q=GmbH", "shared": "on"}
    # when the name or the query string (saved, then applied from the list) is hostile
    survived(client.post(reverse("office:saved_filter_save", args=["deals"]), data.draw(tampered(valid))))
    # then the list with every saved filter on it still answers, the saved ones inert
    assert survived(client.get(reverse("office:deal_list"))).status_code == 200


@HOSTILE_QUICK
@given(value=hostile_text)
def test_raw_bytes_in_query_strings_and_bodies(world, value):
    # given a channel manager, and bytes that are no valid UTF-8 mixed with hostile text
    client = make_client(world.acme.manager)
    raw = quote(value.encode("utf-8", "surrogatepass") + b"\xff\xfe\xc3(", safe="")
    # when they arrive percent-encoded in a query string and a form body
    survived(client.get(f"{reverse('office:partner_list')}?q={raw}&country={raw}&page={raw}"))
    survived(
        client.post(
            reverse("office:contact_create", args=[world.acme.partner.pk]),
            data=f"name={raw}&role={raw}",
            content_type="application/x-www-form-urlencoded",
        )
    )


# --- the tenant's settings (text fields; the logo has its own tests) ----------------------------


@HOSTILE_QUICK
@given(data=st.data())
def test_portal_settings(world, data):
    # given the vendor admin on the portal settings
    acme = world.acme
    client = make_client(acme.admin)
    valid = {
        "name": "Acme",
        "brand_color": "#1f4e8c",
        "default_currency": "EUR",
        "default_language": "de",
        "time_zone": "Europe/Berlin",
    }
    values = data.draw(tampered(valid))
    # when they submit hostile values
    response = survived(client.post(reverse("office:settings"), values))
    # then they are saved (every page, with the name in its title and bar, renders inert) or refused
    assert response.status_code in (200, 302)
    survived(client.get(reverse("office:dashboard")))
    survived(make_client(acme.partner_admin).get(reverse("portal:home")))


# --- signing in (allauth's forms) ----------------------------------------------------------------


@HOSTILE
@given(login=hostile_email, password=hostile_text)
def test_sign_in_and_password_reset(world, login, password):
    # given someone signed out
    client = make_client(None, host=world.acme.host)
    # when the sign-in and password reset forms get hostile values
    signed = survived(client.post(reverse("account_login"), {"login": login, "password": password}))
    reset = survived(client.post(reverse("account_reset_password"), {"email": login}))
    # then they answer with the form or the next step
    assert signed.status_code in (200, 302) and reset.status_code in (200, 302)


# --- addresses: ids and tokens in the path, the host ----------------------------------------------


# Ids no row has (a small one could be a real row's): the edges of PostgreSQL's integer types,
# and beyond anything a bigint holds.
@pytest.mark.parametrize("number", [0, 2**31, 2**63, 2**80])
def test_ids_in_the_path_of_any_size(world, number):
    # given a channel manager and a partner admin
    acme = world.acme
    office, portal = make_client(acme.manager), make_client(acme.partner_admin)
    # when every id-taking page gets an id of any size
    for name in ("office:partner_detail", "office:partner_people", "office:partner_timeline", "office:partner_edit"):
        assert survived(office.get(reverse(name, args=[number]))).status_code == 404
    for name in ("office:partner_status", "office:contact_create", "office:partner_invite"):
        assert survived(office.post(reverse(name, args=[number]))).status_code == 404
    assert survived(office.post(reverse("office:contact_delete", args=[acme.partner.pk, number]))).status_code == 404
    for name in ("office:membership_deactivate", "office:membership_reactivate", "office:invitation_revoke"):
        assert survived(office.post(reverse(name, args=[number]))).status_code == 404
    for name in ("portal:membership_deactivate", "portal:membership_reactivate", "portal:invitation_revoke"):
        assert survived(portal.post(reverse(name, args=[number]))).status_code == 404
    # then each is simply not found (or, on the platform host, not one of theirs)
    platform = make_client(acme.manager, host="localhost")
    assert survived(platform.post(reverse("portal_open", args=[number]))).status_code == 404


@HOSTILE_QUICK
@given(token=hostile_text.filter(lambda t: "/" not in t and t.strip(".") != ""))
def test_tokens_in_the_path(world, token):
    # given someone following a link with a hostile token in it
    client = make_client(None, host=world.acme.host)
    path_token = quote(token, safe="")
    # when they open an invitation or a sign-in hand-off with it
    invitation = survived(client.get(f"/invitations/{path_token}/"))
    accept = survived(client.post(f"/invitations/{path_token}/", {"first_name": "a"}))
    handoff = survived(client.get(f"/handoff/{path_token}/"))
    # then nothing is found
    assert invitation.status_code == accept.status_code == handoff.status_code == 404


@HOSTILE
@given(host=st.one_of(hostile_text, st.text(string.ascii_letters + string.digits + ".-:[]_", max_size=40)))
def test_hostile_host_headers(world, host):
    # given any Host header at all
    client = make_client(None, host=host)
    # when a page is requested with it
    response = client.get("/office/partners/")
    # then it is refused (bad host), not found, or a sign-in redirect: never an error
    assert response.status_code in (302, 400, 404)


# --- NUL in every field of every form -------------------------------------------------------------


def _forms(world):
    """Every form of the project, unbound, built as its view builds it."""
    acme = world.acme
    with tenant_scope(acme.tenant):
        preferences = preferences_for(actor=acme.manager)
    return {
        "PartnerProfileForm": lambda data: PartnerProfileForm(
            data, instance=acme.partner, editable_fields=PARTNER_STAFF_FIELDS
        ),
        "PartnerCreateForm": lambda data: PartnerCreateForm(data),
        "PartnerFilterForm": lambda data: PartnerFilterForm(data),
        "PartnerStatusForm": lambda data: PartnerStatusForm(data),
        "ContactForm": lambda data: ContactForm(data),
        "InvitationForm": lambda data: InvitationForm(data, roles=list(Role.values)),
        "AcceptInvitationForm": lambda data: AcceptInvitationForm(data),
        "DeactivateForm": lambda data: DeactivateForm(data),
        "PreferencesForm": lambda data: PreferencesForm(data, preferences=preferences, membership=acme.manager),
        "TenantSettingsForm": lambda data: TenantSettingsForm(data, instance=acme.tenant),
        "ReadingSettingsForm": lambda data: ReadingSettingsForm(data, instance=User(pk=acme.manager.user_id)),
        **isolation_authoring.every_form(),
    }


def test_nul_in_any_text_or_choice_field_of_any_form_is_an_error_on_that_field(world):
    # given every form, and every field of it that takes text, a choice or an id
    acme = world.acme
    failures = []
    with tenant_scope(acme.tenant):
        for form_name, build in _forms(world).items():
            for name, field in build(None).fields.items():
                if isinstance(field, forms.BooleanField | forms.FileField):
                    continue
                # when the field holds a NUL character (alone, or inside otherwise valid text)
                for value in ("\x00", "ok\x00", "DE\x00", "a.example, b\x00.example"):
                    form = build({name: value})
                    # then the form rejects that field (the database would refuse it)
                    if form.is_valid() or name not in form.errors:
                        failures.append(f"{form_name}.{name} accepts {value!r}")
    assert failures == []


def test_comma_list_field_rejects_nul_in_any_item():
    # given the comma-separated list field of partner profiles
    field = CommaListField()
    # when an item holds a NUL character
    # then it is a validation error, not a list PostgreSQL would refuse
    with pytest.raises(forms.ValidationError):
        field.clean("retail, he\x00alth")
    assert field.clean("retail, health") == ["retail", "health"]


def test_the_strategies_reach_what_they_claim():
    # given the hostile text strategy, sampled a few hundred times
    seen = SimpleNamespace(nul=False, big=False, script=False, rtl=False)

    @settings(HOSTILE, max_examples=300)
    @given(value=hostile_text)
    def sample(value):
        seen.nul |= "\x00" in value
        seen.big |= len(value) >= 2000
        seen.script |= "<script>" in value
        seen.rtl |= any("\u0590" <= c <= "\u06ff" for c in value)

    sample()
    # then NUL, oversized text, markup and right-to-left scripts are all in it
    assert seen.nul and seen.big and seen.script and seen.rtl
