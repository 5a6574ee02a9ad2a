"""Isolation cases of the Integrations pages: API keys and webhook endpoints, in the back office
(the vendor's admins: the staff's keys and endpoints) and in the portal (a partner's admins: the
partner's). Set-ups make a key or an endpoint of ``ctx.side`` as the area's admin (acme's vendor
admin, acme partner 1's admin). The REST API's own walk is tests/api/test_api_isolation.py.

The data export pages (start, list, download) of each area follow, at the end.

``FORM_VIEWS`` and ``NO_INPUT``: the pages' forms the hostile-input tests post to, and the
writes that take no input (tests/hostile/test_fuzz_forms.py)."""

from __future__ import annotations

from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from api.exports import data_export_request
from api.models import DataExport, ExportStatus, MessageStatus, WebhookEndpoint, WebhookMessage
from api.webhooks import endpoint_create, endpoint_set_active
from prm.accounts.credentials import api_key_create
from prm.accounts.models import ApiKey
from prm.tenancy.scope import platform_scope, tenant_scope

from ..isolation import OFFICE, Case, in_platform, office_page, office_write, portal_page, portal_write

ADMIN, PARTNER_ADMIN = ("admin",), ("partner_admin",)
HOOK = "https://hooks.example.com/matrix"
KEY = lambda ctx: [ctx.key.pk]  # noqa: E731  the area admin's key
ENDPOINT = lambda ctx: [ctx.endpoint.pk]  # noqa: E731  the area admin's endpoint
MESSAGE = lambda ctx: [ctx.endpoint.pk, ctx.message.pk]  # noqa: E731


def _admin(ctx, area):
    return ctx.side.admin if area == OFFICE else ctx.side.partner_admin


def _scope(member):
    return tenant_scope(member.tenant_id, partner=member.partner_id)


# --- set-ups and effects --------------------------------------------------------------------------


def key_of(area):
    def setup(ctx):
        member = _admin(ctx, area)
        with _scope(member):
            ctx.key = api_key_create(actor=member, name="Matrix key", scopes=["deals:read"]).key

    return setup


def endpoint_of(area, *, active=True, delivered_message=False):
    def setup(ctx):
        member = _admin(ctx, area)
        with _scope(member):
            ctx.endpoint, ctx.secret = endpoint_create(actor=member, url=HOOK, description="Matrix hook")
            if not active:
                endpoint_set_active(actor=member, endpoint=ctx.endpoint, active=False)
            if delivered_message:
                ctx.message = WebhookMessage.objects.create(
                    endpoint=ctx.endpoint,
                    partner_id=member.partner_id,
                    msg_id="msg_matrix",
                    event_type="deal.submitted",
                    payload={"id": 1},
                    status=MessageStatus.DELIVERED,
                    attempts=1,
                )

    return setup


@in_platform
def key_revoked(ctx):
    return ApiKey.objects.get(pk=ctx.key.pk).revoked_at is not None


@in_platform
def key_rotated(ctx):
    return ApiKey.objects.get(pk=ctx.key.pk).rotated_at is not None


def key_made(area):
    @in_platform
    def effect(ctx):
        member = _admin(ctx, area)
        return ApiKey.objects.filter(
            tenant_id=member.tenant_id, partner_id=member.partner_id, name="Matrix new"
        ).exists()

    return effect


def endpoint_made(area):
    @in_platform
    def effect(ctx):
        member = _admin(ctx, area)
        made = WebhookEndpoint.objects.filter(tenant_id=member.tenant_id, url="https://hooks.example.com/new")
        return made.filter(partner_id=member.partner_id).exists()

    return effect


@in_platform
def endpoint_edited(ctx):
    return WebhookEndpoint.objects.get(pk=ctx.endpoint.pk).description == "Matrix edited"


@in_platform
def endpoint_active(ctx):
    return WebhookEndpoint.objects.get(pk=ctx.endpoint.pk).is_active


def endpoint_inactive(ctx):
    return not endpoint_active(ctx)


@in_platform
def secret_rotated(ctx):
    return WebhookEndpoint.objects.get(pk=ctx.endpoint.pk).previous_secret != ""


@in_platform
def message_replayed(ctx):
    return WebhookMessage.objects.filter(endpoint_id=ctx.endpoint.pk, event_type="deal.submitted").count() == 2


class ShownWrite(Case):
    """A write whose success is the page itself (200), not a redirect: a key made or rotated
    answers with its secret, shown that once."""

    @property
    def success_status(self) -> int:
        return 200


def shown_write(case: Case) -> Case:
    return ShownWrite(**vars(case))


def key_listed(ctx) -> str:
    """The key's public part, as the list shows it (the page tests check that no secret is)."""
    return f"prm_{ctx.key.prefix}_"


NEW_KEY = {"name": "Matrix new", "scopes": ["deals:read"]}
NEW_ENDPOINT = {"url": "https://hooks.example.com/new", "description": "Matrix new"}
EDIT = {"url": HOOK, "description": "Matrix edited"}


def _cases(area: str, page, write, allowed) -> dict[str, Case]:
    ns = "office" if area == OFFICE else "portal"
    key, endpoint = key_of(area), endpoint_of(area)
    return {
        f"{ns}:integrations": page(allowed=allowed, setup=key, contains=key_listed),
        f"{ns}:api_key_create": shown_write(write(allowed=allowed, data=NEW_KEY, effect=key_made(area))),
        f"{ns}:api_key_rotate": shown_write(write(allowed=allowed, setup=key, args=KEY, effect=key_rotated)),
        f"{ns}:api_key_revoke": write(allowed=allowed, setup=key, args=KEY, effect=key_revoked),
        f"{ns}:webhook_create": write(allowed=allowed, data=NEW_ENDPOINT, effect=endpoint_made(area)),
        f"{ns}:webhook_detail": page(allowed=allowed, setup=endpoint, args=ENDPOINT, contains=lambda ctx: ctx.secret),
        f"{ns}:webhook_edit": write(allowed=allowed, setup=endpoint, args=ENDPOINT, data=EDIT, effect=endpoint_edited),
        f"{ns}:webhook_enable": write(
            allowed=allowed, setup=endpoint_of(area, active=False), args=ENDPOINT, effect=endpoint_active
        ),
        f"{ns}:webhook_disable": write(allowed=allowed, setup=endpoint, args=ENDPOINT, effect=endpoint_inactive),
        f"{ns}:webhook_rotate_secret": write(allowed=allowed, setup=endpoint, args=ENDPOINT, effect=secret_rotated),
        f"{ns}:webhook_replay": write(
            allowed=allowed,
            setup=endpoint_of(area, delivered_message=True),
            args=MESSAGE,
            effect=message_replayed,
        ),
    }


CASES: dict[str, Case] = {
    **_cases(OFFICE, office_page, office_write, ADMIN),
    **_cases("portal", portal_page, portal_write, PARTNER_ADMIN),
}


# --- the forms, for the hostile-input tests ---------------------------------------------------------


def _world_endpoint(world, area: str):
    """An endpoint of the area's admin in ``world`` (made once per world)."""
    attribute = f"_api_endpoint_{area}"
    if not hasattr(world, attribute):
        ctx = SimpleNamespace(side=world.acme)
        endpoint_of(area)(ctx)
        setattr(world, attribute, ctx.endpoint)
    return getattr(world, attribute)


def _form_views(area: str) -> dict:
    ns = "office" if area == OFFICE else "portal"
    who = (lambda w: w.acme.admin) if area == OFFICE else (lambda w: w.acme.partner_admin)
    endpoint = {"url": "https://hooks.example.com/fuzz", "description": "Fuzz", "event_types": ["deal.won"]}
    return {
        f"{ns}:api_key_create": (
            who,
            lambda w: reverse(f"{ns}:api_key_create"),
            lambda w: {"name": "Fuzz", "scopes": ["deals:read"], "expires_on": "2099-01-01"},
        ),
        f"{ns}:webhook_create": (who, lambda w: reverse(f"{ns}:webhook_create"), lambda w: dict(endpoint)),
        f"{ns}:webhook_edit": (
            who,
            lambda w: reverse(f"{ns}:webhook_edit", args=[_world_endpoint(w, area).pk]),
            lambda w: dict(endpoint),
        ),
    }


FORM_VIEWS: dict = {**_form_views(OFFICE), **_form_views("portal")}
NO_INPUT: set[str] = {
    f"{ns}:{name}"
    for ns in ("office", "portal")
    for name in (
        "api_key_rotate",
        "api_key_revoke",
        "webhook_enable",
        "webhook_disable",
        "webhook_rotate_secret",
        "webhook_replay",
    )
}


# --- the data export pages (api/views/exports.py) ----------------------------------------------------

EXPORT = lambda ctx: [ctx.export.pk]  # noqa: E731  the area admin's export


def export_of(area, *, ready=False):
    """An export of the area admin's side, queued (the worker does not run in the walk) or, with
    ``ready``, done with a zip to download."""

    def setup(ctx):
        member = _admin(ctx, area)
        with platform_scope():  # the side's export under way, if a set-up before made one (a walk of all pages)
            ctx.export = DataExport.objects.filter(
                tenant_id=member.tenant_id, partner_id=member.partner_id, status__in=["queued", "running"]
            ).first()
        if ctx.export is None:
            with _scope(member):
                ctx.export = data_export_request(actor=member)
        if ready:
            empty_zip = b"PK\x05\x06" + bytes(18)
            name = default_storage.save("private/dataexport/matrix", ContentFile(empty_zip))
            with platform_scope():
                DataExport.objects.filter(pk=ctx.export.pk).update(
                    status=ExportStatus.DONE, file=name, finished_at=timezone.now()
                )

    return setup


def export_made(area):
    @in_platform
    def effect(ctx):
        member = _admin(ctx, area)
        return DataExport.objects.filter(tenant_id=member.tenant_id, partner_id=member.partner_id).exists()

    return effect


def _export_cases(area: str, page, write, allowed) -> dict[str, Case]:
    ns = "office" if area == OFFICE else "portal"
    return {
        f"{ns}:data_export": page(allowed=allowed, setup=export_of(area), contains="Start an export"),
        f"{ns}:data_export_start": write(allowed=allowed, effect=export_made(area)),
        f"{ns}:data_export_download": page(allowed=allowed, setup=export_of(area, ready=True), args=EXPORT),
    }


CASES.update(
    {
        **_export_cases(OFFICE, office_page, office_write, ADMIN),
        **_export_cases("portal", portal_page, portal_write, PARTNER_ADMIN),
    }
)
NO_INPUT |= {"office:data_export_start", "portal:data_export_start"}
