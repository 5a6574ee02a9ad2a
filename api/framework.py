"""The REST API's plumbing, shared by every resource: who is calling (an API key or the pages'
own session), what the key's scopes allow, errors as RFC 9457 problem responses, cursor
pagination, rate limits per key, ``Idempotency-Key`` on POST and ETags with ``If-Match``.

A resource's view is a ``ResourceView`` (or ``ResourceViewSet``): it declares ``scopes`` (what
a key needs to read and to write) and calls the apps' selectors and services with ``self.actor``,
the membership the request runs as (the key's owner, or the signed-in person): the same guards,
the same isolation (another tenant's or partner's object is a 404; row-level security under it)
and the same domain errors as the pages.
"""

from __future__ import annotations

import hashlib
import json
import math

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from prm.errors import CrossTenantReference, DomainError, InvalidTransition, NotAllowed, PolicyViolation

from .auth import SAFE, credential_of
from .models import IdempotencyRecord
from .pagination import Cursor

PROBLEM = "application/problem+json"


# --- errors as problems (RFC 9457) -------------------------------------------------------------


def problem(status_code: int, code: str, title: str, detail: str = "", **extra) -> Response:
    body = {"type": f"https://prm.dev/problems/{code}", "title": title, "status": status_code, "code": code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(body, status=status_code, content_type=PROBLEM)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


_DOMAIN_STATUS = (
    (CrossTenantReference, 404),
    (NotAllowed, 403),
    (InvalidTransition, 409),
    (PolicyViolation, 422),
    (DomainError, 422),
)


def exception_handler(exc, context):
    """Every error of the API as ``application/problem+json``: ``type``, ``title``, ``status``,
    ``code`` (stable, for programs), ``detail`` (a sentence for people) and, for invalid input,
    ``errors`` per field. The request's transaction rolls back (the middleware's)."""
    request = context.get("request")
    if request is not None:
        request._request._prm_view_raised = True
    if isinstance(exc, Http404):
        return problem(404, "not_found", gettext("Not found"), gettext("No such object here."))
    if isinstance(exc, DomainError):
        status_code = next(code for cls, code in _DOMAIN_STATUS if isinstance(exc, cls))
        return problem(status_code, exc.code, gettext("Refused"), exc.message)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return problem(400, "invalid", gettext("Invalid input"), gettext("See errors for each field."), errors=detail)
    if isinstance(exc, exceptions.Throttled):
        response = problem(429, "throttled", gettext("Too many requests"), str(exc.detail))
        response["Retry-After"] = str(math.ceil(exc.wait or 1))
        return response
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response = problem(exc.status_code, code, str(exc.default_detail), str(exc.detail))
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response.status_code = 401
            response.data["status"] = 401
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    return None


# --- idempotency and versions ------------------------------------------------------------------


def _fingerprint(request) -> str:
    body = request.body if hasattr(request, "body") else b""
    return hashlib.sha256(request.method.encode() + request.path.encode() + b"\n" + body).hexdigest()


def idempotent(create):
    """A POST handler with ``Idempotency-Key``: the first request's response is kept (in the
    request's transaction); a retry with the same key and body gets it again and does nothing;
    the same key with another body is refused (422). Without the header, the POST just runs."""

    def handler(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return create(self, request, *args, **kwargs)
        if len(key) > 255:
            return problem(
                400, "invalid_idempotency_key", gettext("Invalid input"), gettext("Idempotency-Key is too long.")
            )
        credential, fingerprint = credential_of(request), _fingerprint(request._request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(credential=credential, key=key, fingerprint=fingerprint)
        except IntegrityError:
            # Taken: by a request that committed (its response is kept), or one still running
            # (the insert above waited for it to finish).
            record = IdempotencyRecord.objects.get(credential=credential, key=key)
            if record.fingerprint != fingerprint:
                return problem(
                    422,
                    "idempotency_key_reused",
                    gettext("Refused"),
                    gettext("This Idempotency-Key was used for another request."),
                )
            response = Response(record.response, status=record.status_code)
            for name, value in record.headers.items():
                response[name] = value
            response["Idempotent-Replayed"] = "true"
            return response
        response = create(self, request, *args, **kwargs)
        record.status_code = response.status_code
        record.response = json.loads(json.dumps(response.data, default=str))
        record.headers = {name: response[name] for name in ("Location", "ETag") if name in response}
        record.save(update_fields=["status_code", "response", "headers"])
        return response

    handler.__name__ = create.__name__
    handler.__doc__ = create.__doc__
    return handler


def etag_of(*parts) -> str:
    return '"' + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32] + '"'


def check_if_match(request, current: str) -> None:
    """An update with ``If-Match`` is refused with 412 unless it names the current version."""
    wanted = request.headers.get("If-Match")
    if wanted is None or wanted.strip() == "*":
        return
    if current not in [tag.strip().removeprefix("W/") for tag in wanted.split(",")]:
        raise PreconditionFailed(gettext("The object changed since you read it: read it again (its ETag) and retry."))


# --- the base views ----------------------------------------------------------------------------


class _Actor:
    """``scopes``: {"read": "deals:read", "write": "deals:write"}; ``side``: "staff", "partner"
    or None (both)."""

    scopes: dict[str, str] = {}
    side: str | None = None

    @property
    def actor(self):
        return self.request._request.membership

    def required_scope(self, request) -> str | None:
        return self.scopes.get("read" if request.method in SAFE else "write")


class ResourceView(_Actor, APIView):
    pass


class ResourceViewSet(_Actor, GenericViewSet):
    pagination_class = Cursor
    lookup_value_converter = "int"  # /deals/<int:pk>/: a typed id in the schema, no int() here
