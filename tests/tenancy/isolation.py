"""Isolation cases of the tenant's own settings: its logo (public, but only on its own host) and
the settings page of the back office."""

from __future__ import annotations

from django.core.files.base import ContentFile

from ..isolation import PUBLIC, Case, office_page


def logo(ctx):
    tenant = ctx.side.tenant
    tenant.logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 64), save=True)


CASES: dict[str, Case] = {
    "tenant_logo": Case(
        area=PUBLIC,
        setup=logo,
        object_scoped=True,
        expect={"anonymous": 200, "anonymous@platform": 404, "other_tenant@own_host": 404},
    ),
    "office:settings": office_page(allowed=("admin",)),
}
