"""What every API client relies on: keys (scopes, expiry, revocation, rotation with overlap),
problem responses, ETags with If-Match, rate limits, and the webhook address guard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from api.webhooks import guard_url
from prm.accounts.credentials import api_key_revoke, api_key_rotate
from prm.accounts.models import ApiKey
from prm.errors import PolicyViolation
from prm.tenancy.scope import tenant_scope

from ..deals.deal_setup import draft, make_catalogue
from .support import api_client, call, issue_key


def _key(secret: str) -> ApiKey:
    return ApiKey.objects.get(prefix=secret.split("_")[1])


def test_a_key_lacking_the_scope_is_refused_with_a_problem(world):
    acme = world.acme
    client = api_client(issue_key(acme.admin, scopes=["partners:read"]), acme.tenant)
    response = client.get("/api/v1/deals/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 403 and problem["code"] == "permission_denied"
    assert "deals:read" in problem["detail"]
    assert client.get("/api/v1/partners/").status_code == 200


def test_no_key_or_a_wrong_one_is_a_401_with_a_challenge(world):
    acme = world.acme
    assert api_client(None, acme.tenant).get("/api/v1/deals/").status_code == 401
    response = api_client("prm_0000_nope", acme.tenant).get("/api/v1/deals/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "authentication_failed"


def test_a_revoked_or_expired_key_stops_working(world):
    acme = world.acme
    secret = issue_key(acme.admin)
    client = api_client(secret, acme.tenant)
    assert client.get("/api/v1/partners/").status_code == 200
    with tenant_scope(acme.tenant):
        api_key_revoke(actor=acme.admin, key=_key(secret))
    assert client.get("/api/v1/partners/").status_code == 401

    soon = issue_key(acme.admin, expires_at=timezone.now() + timedelta(minutes=1))
    with tenant_scope(acme.tenant):
        ApiKey.objects.filter(pk=_key(soon).pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_client(soon, acme.tenant).get("/api/v1/partners/").status_code == 401


def test_a_rotated_key_keeps_the_old_secret_for_a_day(world):
    acme = world.acme
    old = issue_key(acme.admin)
    with tenant_scope(acme.tenant):
        new = api_key_rotate(actor=acme.admin, key=_key(old)).secret
    assert api_client(new, acme.tenant).get("/api/v1/partners/").status_code == 200
    assert api_client(old, acme.tenant).get("/api/v1/partners/").status_code == 200
    with tenant_scope(acme.tenant):
        ApiKey.objects.filter(prefix=old.split("_")[1]).update(previous_valid_until=timezone.now())
    assert api_client(old, acme.tenant).get("/api/v1/partners/").status_code == 401
    assert api_client(new, acme.tenant).get("/api/v1/partners/").status_code == 200


def test_a_key_marks_when_it_was_last_used(world):
    acme = world.acme
    secret = issue_key(acme.admin)
    api_client(secret, acme.tenant).get("/api/v1/partners/")
    with tenant_scope(acme.tenant):
        assert _key(secret).last_used_at is not None


def test_a_deactivated_owner_takes_the_key_with_them(world):
    acme = world.acme
    secret = issue_key(acme.partner_admin)
    with tenant_scope(acme.tenant):
        acme.partner_admin.__class__.objects.filter(pk=acme.partner_admin.pk).update(is_active=False)
    assert api_client(secret, acme.tenant).get("/api/v1/partners/").status_code == 401


def test_a_stale_update_is_refused_with_412(world):
    acme = world.acme
    deal = draft(acme.partner_admin, make_catalogue(acme))
    crm = api_client(issue_key(acme.partner_admin), acme.tenant)
    read = crm.get(f"/api/v1/deals/{deal.pk}/")
    etag = read["ETag"]

    # it changes after the CRM read it (another sync of the same CRM, say)
    assert call(crm, "PATCH", f"/api/v1/deals/{deal.pk}/", {"notes": "moved on"}).status_code == 200

    stale = call(crm, "PATCH", f"/api/v1/deals/{deal.pk}/", {"title": "Mine"}, If_Match=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    fresh = crm.get(f"/api/v1/deals/{deal.pk}/")
    assert fresh.json()["title"] != "Mine"
    ok = call(crm, "PATCH", f"/api/v1/deals/{deal.pk}/", {"title": "Mine"}, If_Match=fresh["ETag"])
    assert ok.status_code == 200 and ok.json()["title"] == "Mine"
    assert ok["ETag"] != fresh["ETag"]


def test_domain_refusals_are_problems_with_the_services_codes(world):
    acme = world.acme
    deal = draft(acme.partner_admin, make_catalogue(acme))
    crm = api_client(issue_key(acme.partner_admin), acme.tenant)
    assert call(crm, "POST", f"/api/v1/deals/{deal.pk}/submit/").status_code == 200
    again = call(crm, "POST", f"/api/v1/deals/{deal.pk}/submit/")
    assert again.status_code in (409, 422)
    assert again["Content-Type"] == "application/problem+json"
    assert again.json()["code"] in ("invalid_transition", "policy_violation")
    bad = call(crm, "POST", "/api/v1/deals/", {"customer_name": ""})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) >= {"customer_name", "lines", "currency"}


@pytest.mark.parametrize("rate", ["3/min"])
def test_a_key_over_its_rate_is_told_when_to_come_back(world, settings, rate):
    settings.PRM_API_RATE = rate
    cache.clear()
    acme = world.acme
    client = api_client(issue_key(acme.admin), acme.tenant)
    statuses = [client.get("/api/v1/partners/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/partners/")
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["code"] == "throttled"
    # another key of the tenant has its own budget
    assert api_client(issue_key(acme.partner_admin), acme.tenant).get("/api/v1/partners/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "https://127.0.0.1/hooks",
        "https://10.0.0.5/hooks",
        "https://192.168.1.2/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://localhost/hooks",
        "ftp://example.com/hooks",
        "https://user:pw@example.com/hooks",
    ],
)
def test_webhooks_never_go_to_local_or_private_addresses(settings, url):
    settings.PRM_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(PolicyViolation):
        guard_url(url)


def test_a_public_address_passes_the_guard(settings):
    settings.PRM_WEBHOOK_ALLOW_PRIVATE = False
    guard_url("https://93.184.216.34/hooks")  # a literal global address: no DNS needed


def test_a_crm_attaches_a_document_to_a_deal_and_reads_it_back(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from prm.web.files import minimal_pdf

    acme = world.acme
    deal = draft(acme.partner_admin, make_catalogue(acme))
    crm = api_client(issue_key(acme.partner_admin), acme.tenant)
    pdf = minimal_pdf("Quote 42")

    made = crm.post(
        f"/api/v1/deals/{deal.pk}/attachments/", {"file": SimpleUploadedFile("q.pdf", pdf), "name": "Quote"}
    )
    assert made.status_code == 201, made.content
    listed = crm.get(f"/api/v1/deals/{deal.pk}/attachments/").json()
    assert [a["name"] for a in listed] == ["Quote"]
    download = crm.get(f"/api/v1/deals/{deal.pk}/attachments/{made.json()['id']}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf
    # a file that is not a document is refused by the same check as the pages'
    refused = crm.post(f"/api/v1/deals/{deal.pk}/attachments/", {"file": SimpleUploadedFile("x.pdf", b"MZ not a pdf")})
    assert refused.status_code == 422 and refused.json()["code"] == "policy_violation"
    # the other partner's key cannot see it
    other = api_client(issue_key(acme.partner_admins[1]), acme.tenant)
    assert other.get(f"/api/v1/deals/{deal.pk}/attachments/").status_code == 404
