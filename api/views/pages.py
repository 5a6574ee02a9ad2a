"""The Integrations pages, in the back office (the vendor's own keys and endpoints, for its
admins) and in the portal (a partner's, for its admins): API keys (made, rotated, revoked; a
secret is shown once, on the answer to the POST that made it, and kept nowhere else) and webhook
endpoints (registered, changed, enabled or disabled, their signing secret rotated, their
delivery log with each attempt, a message sent again).

One set of views serves both areas: ``OfficeSide`` and ``PortalSide`` say where a page lives
(area, capability, URL namespace); the services decide whose keys and endpoints an actor
manages (the staff's, or the actor's partner's).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.accounts.credentials import (
    KEY_PREFIX,
    SCOPES,
    api_key_create,
    api_key_get_for_actor,
    api_key_list_for_actor,
    api_key_revoke,
    api_key_rotate,
    scopes_for,
)
from prm.accounts.roles import API_KEYS_MANAGE, PARTNER_API_KEYS_MANAGE
from prm.tenancy.time import tenant_clock
from prm.web.views import ServiceView, paginate, query_without_page, url_pattern

from ..forms import ApiKeyForm, EndpointForm
from ..models import WebhookAttempt
from ..webhooks import (
    endpoint_create,
    endpoint_get_for_actor,
    endpoint_list_for_actor,
    endpoint_rotate_secret,
    endpoint_secret,
    endpoint_set_active,
    endpoint_update,
    event_types_for,
    message_get_for_actor,
    message_list_for_actor,
    message_replay,
)

INTEGRATIONS = "api/integrations.html"
ENDPOINT = "api/webhook_detail.html"
MESSAGES_PER_PAGE = 20
RESPONSE_EXCERPT = 300  # characters of an endpoint's answer the log shows


class OfficeSide:
    """The back office's page: the vendor's keys and endpoints, for its admins."""

    area, capability, ns = OFFICE, API_KEYS_MANAGE, "office"

    def url(self, name: str, *args) -> str:
        return reverse(f"{self.ns}:{name}", args=args)


class PortalSide(OfficeSide):
    """The portal's page: the partner's keys and endpoints, for the partner's admins."""

    area, capability, ns = PORTAL, PARTNER_API_KEYS_MANAGE, "portal"


# --- the integrations page: keys and endpoints ------------------------------------------------


def _key_rows(keys, ns: str) -> list[dict]:
    """The keys as the list shows them: status (active, revoked, expired), scopes with their
    labels, the key's actions' URLs (one reverse() per action, not per row)."""
    now = timezone.now()
    rotate, revoke = url_pattern(f"{ns}:api_key_rotate", "key_id"), url_pattern(f"{ns}:api_key_revoke", "key_id")
    rows = []
    for key in keys:
        if key.revoked_at is not None:
            status = "revoked"
        elif key.expires_at is not None and key.expires_at <= now:
            status = "expired"
        else:
            status = "active"
        overlap = key.previous_valid_until if key.previous_valid_until and key.previous_valid_until > now else None
        rows.append(
            {
                "key": key,
                "public": f"{KEY_PREFIX}_{key.prefix}_…",  # what the key shows of itself: not its secret
                "status": status,
                "scopes": [(scope, SCOPES.get(scope, scope)) for scope in key.scopes],
                "created_by": key.owner.user,
                "previous_until": overlap if status == "active" else None,
                "rotate_url": rotate(key.pk),
                "revoke_url": revoke(key.pk),
            }
        )
    return rows


def _endpoint_rows(endpoints, ns: str) -> list[dict]:
    detail = url_pattern(f"{ns}:webhook_detail", "endpoint_id")
    return [{"endpoint": endpoint, "url": detail(endpoint.pk)} for endpoint in endpoints]


class IntegrationsView(OfficeSide, MemberRequiredMixin, View):
    """The keys and the endpoints of the actor's side, with a form to add each."""

    def key_form(self, data=None) -> ApiKeyForm:
        return ApiKeyForm(data, scopes=scopes_for(self.actor), auto_id="key_%s")

    def endpoint_form(self, data=None) -> EndpointForm:
        return EndpointForm(data, event_types=event_types_for(self.actor), auto_id="endpoint_%s")

    def render_page(self, *, key_form=None, endpoint_form=None, issued=None):
        """The page; ``issued``: a key just made or rotated, whose secret this answer shows (the
        only time it is shown: it is not kept, and the answer is not cached)."""
        actor = self.actor
        context = {
            "area": self.area,
            "partner": actor.partner if self.area == PORTAL else None,
            "keys": _key_rows(api_key_list_for_actor(actor=actor), self.ns),
            "endpoints": _endpoint_rows(endpoint_list_for_actor(actor=actor).order_by("-created_at", "-id"), self.ns),
            "key_form": key_form or self.key_form(),
            "endpoint_form": endpoint_form or self.endpoint_form(),
            "issued": issued,
            "docs_url": reverse("api:docs"),
            "key_create_url": self.url("api_key_create"),
            "endpoint_create_url": self.url("webhook_create"),
        }
        response = render(self.request, INTEGRATIONS, context)
        if issued is not None:
            response["Cache-Control"] = "no-store"
        return response

    def get(self, request):
        return self.render_page()


class ApiKeyCreateView(IntegrationsView, ServiceView):
    """Make a key; the answer is the page with its secret, shown this once."""

    http_method_names = ["post"]

    def get_form(self):
        return self.key_form(self.request.POST)

    def perform(self, data):
        expires_at = None
        if data["expires_on"]:
            # The key works through the day chosen, in the vendor's time zone.
            _today, zone = tenant_clock(self.request.tenant)
            expires_at = datetime.combine(data["expires_on"] + timedelta(days=1), time.min, tzinfo=zone)
        return api_key_create(actor=self.actor, name=data["name"], scopes=data["scopes"], expires_at=expires_at)

    def success_message(self, issued):
        return gettext("The key %(name)s is ready.") % {"name": issued.key.name}

    def success_response(self, issued):
        return self.render_page(issued=issued)

    def render_invalid(self, form):
        return self.render_page(key_form=form)


class ApiKeyRotateView(IntegrationsView, ServiceView):
    """A new secret for a key (shown this once); the old one keeps working for a day."""

    http_method_names = ["post"]

    def get_object(self):
        return api_key_get_for_actor(actor=self.actor, key_id=self.kwargs["key_id"])

    def perform(self, data):
        return api_key_rotate(actor=self.actor, key=self.object)

    def success_message(self, issued):
        return gettext("The key %(name)s has a new secret. The previous one works for another 24 hours.") % {
            "name": issued.key.name
        }

    def success_response(self, issued):
        return self.render_page(issued=issued)

    def render_invalid(self, form):
        return redirect(self.url("integrations"))


class ApiKeyRevokeView(OfficeSide, ServiceView):
    def get_object(self):
        return api_key_get_for_actor(actor=self.actor, key_id=self.kwargs["key_id"])

    def perform(self, data):
        return api_key_revoke(actor=self.actor, key=self.object)

    def success_message(self, key):
        return gettext("The key %(name)s is revoked: it no longer signs anything in.") % {"name": key.name}

    def success_url(self, key=None):
        return self.url("integrations")

    def render_invalid(self, form):
        return redirect(self.success_url())


class EndpointCreateView(IntegrationsView, ServiceView):
    """Register an endpoint; its page shows the signing secret."""

    http_method_names = ["post"]

    def get_form(self):
        return self.endpoint_form(self.request.POST)

    def perform(self, data):
        return endpoint_create(
            actor=self.actor, url=data["url"], description=data["description"], event_types=data["event_types"]
        )

    def success_message(self, result):
        endpoint, _secret = result
        return gettext("Events will be posted to %(url)s. Verify their signatures with the signing secret below.") % {
            "url": endpoint.url
        }

    def success_url(self, result):
        endpoint, _secret = result
        return self.url("webhook_detail", endpoint.pk)

    def render_invalid(self, form):
        return self.render_page(endpoint_form=form)


# --- an endpoint's page: its secret, its settings, its delivery log --------------------------------


class EndpointDetailView(OfficeSide, MemberRequiredMixin, View):
    """An endpoint with its signing secret, its actions and its messages, newest first, each with
    its attempts (what the endpoint answered)."""

    def get_endpoint(self):
        return endpoint_get_for_actor(actor=self.actor, endpoint_id=self.kwargs["endpoint_id"])

    def edit_form(self, endpoint, data=None) -> EndpointForm:
        initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
        return EndpointForm(data, initial=initial, event_types=event_types_for(self.actor), auto_id="edit_%s")

    def render_page(self, endpoint, *, edit_form=None):
        request = self.request
        log = message_list_for_actor(actor=self.actor, endpoint=endpoint)
        tries = Prefetch("tries", queryset=WebhookAttempt.objects.order_by("attempted_at", "id"))
        page = paginate(request, log.prefetch_related(tries), MESSAGES_PER_PAGE, count_from=log)
        now = timezone.now()
        rows = [
            {
                "message": message,
                "tries": [
                    {
                        "attempt": attempt,
                        "excerpt": attempt.response_body[:RESPONSE_EXCERPT],
                        "cut": len(attempt.response_body) > RESPONSE_EXCERPT,
                    }
                    for attempt in message.tries.all()
                ],
                "replay_url": self.url("webhook_replay", endpoint.pk, message.pk),  # a page holds 20 at most
            }
            for message in page.object_list
        ]
        context = {
            "endpoint": endpoint,
            "secret": endpoint_secret(endpoint),
            "previous_until": endpoint.previous_valid_until
            if endpoint.previous_secret and endpoint.previous_valid_until and endpoint.previous_valid_until > now
            else None,
            "edit_form": edit_form or self.edit_form(endpoint),
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "urls": {
                name: self.url(name, endpoint.pk)
                for name in ("webhook_edit", "webhook_enable", "webhook_disable", "webhook_rotate_secret")
            },
            "integrations_url": self.url("integrations"),
        }
        response = render(request, ENDPOINT, context)
        response["Cache-Control"] = "no-store"  # it shows the signing secret
        return response

    def get(self, request, endpoint_id: int):
        return self.render_page(self.get_endpoint())


class EndpointAction(EndpointDetailView, ServiceView):
    """One button or form posted on an endpoint's page: success and a refusal come back to it
    (with the message); the edit form's invalid input is shown again as typed."""

    http_method_names = ["post"]

    def get_object(self):
        return self.get_endpoint()

    def success_url(self, result=None):
        return self.url("webhook_detail", self.object.pk)

    def render_invalid(self, form):
        return redirect(self.success_url())


class EndpointEditView(EndpointAction):
    def get_form(self):
        return self.edit_form(self.object, self.request.POST)

    def perform(self, data):
        return endpoint_update(
            actor=self.actor,
            endpoint=self.object,
            url=data["url"],
            description=data["description"],
            event_types=data["event_types"],
        )

    def success_message(self, endpoint):
        return gettext("The endpoint is saved.")

    def render_invalid(self, form):
        return self.render_page(self.get_endpoint(), edit_form=form)


class EndpointEnableView(EndpointAction):
    active = True

    def perform(self, data):
        return endpoint_set_active(actor=self.actor, endpoint=self.object, active=self.active)

    def success_message(self, endpoint):
        if self.active:
            return gettext("The endpoint is enabled: waiting messages are sent, in order.")
        return gettext("The endpoint is disabled: its messages wait until it is enabled again.")


class EndpointDisableView(EndpointEnableView):
    active = False


class EndpointRotateSecretView(EndpointAction):
    def perform(self, data):
        return endpoint_rotate_secret(actor=self.actor, endpoint=self.object)

    def success_message(self, secret):
        return gettext(
            "The endpoint has a new signing secret. For 24 hours messages are signed with both, so switch "
            "your receiver to the new one within a day."
        )


class MessageReplayView(EndpointAction):
    """Send a message again: a new message with the same content, at the end of the queue."""

    def get_object(self):
        endpoint = self.get_endpoint()
        self.message = message_get_for_actor(actor=self.actor, endpoint=endpoint, message_id=self.kwargs["message_id"])
        return endpoint

    def perform(self, data):
        return message_replay(actor=self.actor, endpoint=self.object, message=self.message)

    def success_message(self, replay):
        return gettext("%(event_type)s is queued to be sent again as %(message)s.") % {
            "event_type": replay.event_type,
            "message": replay.msg_id,
        }


# --- the portal's: the same pages for a partner's admins -------------------------------------------


class PortalIntegrationsView(PortalSide, IntegrationsView):
    pass


class PortalApiKeyCreateView(PortalSide, ApiKeyCreateView):
    pass


class PortalApiKeyRotateView(PortalSide, ApiKeyRotateView):
    pass


class PortalApiKeyRevokeView(PortalSide, ApiKeyRevokeView):
    pass


class PortalEndpointCreateView(PortalSide, EndpointCreateView):
    pass


class PortalEndpointDetailView(PortalSide, EndpointDetailView):
    pass


class PortalEndpointEditView(PortalSide, EndpointEditView):
    pass


class PortalEndpointEnableView(PortalSide, EndpointEnableView):
    pass


class PortalEndpointDisableView(PortalSide, EndpointDisableView):
    pass


class PortalEndpointRotateSecretView(PortalSide, EndpointRotateSecretView):
    pass


class PortalMessageReplayView(PortalSide, MessageReplayView):
    pass
