"""What the generated OpenAPI document says besides the operations: how to authenticate, the
errors, writes, the change feed and the webhooks' envelope (drf-spectacular's postprocessing
hook, named in SPECTACULAR_SETTINGS)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

GUIDE = _(
    """The REST API of a vendor's partner portal, on the vendor's own host.

**Authentication.** `Authorization: Bearer prm_<prefix>_<secret>`: a key made on the Integrations
page (office or portal). A key acts as the person who made it, within its scopes; another
tenant's or partner's object is a 404.

**Errors** are `application/problem+json` (RFC 9457) with `status`, a stable `code` and `detail`;
invalid input (400) has `errors` per field.

**Writes.** Send `Idempotency-Key` with a POST: a retry gets the first answer and creates nothing.
Reads of a deal carry an `ETag`; send it back as `If-Match` with a PATCH: a stale one is a 412.
Over the key's rate limit: 429 with `Retry-After`. Lists page with `?cursor=`.

**Change feed.** `GET /api/v1/events/?after=<next>`: events in commit-safe order; keep `next`.
The event types are listed at `/api/v1/event-types/` (public).

**Webhooks.** Each delivery is a POST with the JSON body
`{"type": "<event type>", "timestamp": "<ISO 8601>", "data": <Event>}` (the same Event as the
feed's) and the Standard Webhooks headers `webhook-id` (the same on every retry of a message),
`webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`
with the endpoint's `whsec_` secret; two signatures for a day after a rotation). Answer 2xx within
10 seconds; anything else is retried with backoff for about a day, in order, then the endpoint is
disabled."""
)


def describe(result, generator, request, public):
    """drf-spectacular postprocessing hook: the guide as the document's description."""
    result.setdefault("info", {})["description"] = str(GUIDE)
    return result
