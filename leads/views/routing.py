"""Pages of the routing part of lead distribution:

* office: ``office:lead_routing`` (a lead's routing log, decision by decision: rules tried,
  candidates, each exclusion with the partners it named, rotation positions, the winner), with
  the manual routing of LEADS_MANAGE: ``office:lead_route_now`` (route now; releases a flagged
  duplicate), ``office:lead_offer_to`` (offer to a chosen partner), ``office:lead_offer_withdraw``;
* portal: ``portal:lead_capacity`` (the partner admin's monthly cap, daily quota, pause and
  out-of-office dates, and the company's locations: ``portal:lead_location_add``,
  ``portal:lead_location_remove``).
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views import View

from partners.selectors import location_get_for_actor
from partners.services import location_add, location_remove
from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.web.views import ServiceView

from ..forms_routing import CapacityForm, LocationForm, OfferToForm
from ..permissions import LEADS_CAPACITY, LEADS_MANAGE, LEADS_VIEW
from ..selectors.routing import capacity_page_for_actor, offer_partner_options, routing_log_for_actor
from ..services.routing_manual import capacity_save, lead_offer_to, lead_offer_withdraw, lead_route_now

LOG_TEMPLATE = "leads/routing/log.html"
CAPACITY_TEMPLATE = "leads/routing/capacity.html"


def _log_context(actor, lead_id: int, *, offer_form=None) -> dict:
    context = routing_log_for_actor(actor=actor, lead_id=lead_id)
    if context["can_offer"]:
        context["offer_form"] = offer_form or OfferToForm(partners=offer_partner_options(lead=context["lead"]))
    return context


class LeadRoutingView(MemberRequiredMixin, View):
    """A lead's routing log, readable by every staff member who reads leads."""

    area, capability = OFFICE, LEADS_VIEW

    def get(self, request, lead_id: int):
        return render(request, LOG_TEMPLATE, _log_context(self.actor, lead_id))


class _RoutingAction(ServiceView):
    area, capability = OFFICE, LEADS_MANAGE

    def get_object(self):
        return routing_log_for_actor(actor=self.actor, lead_id=self.kwargs["lead_id"])["lead"]

    def success_url(self, result) -> str:
        return reverse("office:lead_routing", kwargs={"lead_id": self.object.pk})

    def render_invalid(self, form):
        return render(self.request, LOG_TEMPLATE, _log_context(self.actor, self.object.pk, offer_form=form))


class LeadRouteNowView(_RoutingAction):
    def perform(self, data):
        return lead_route_now(actor=self.actor, lead=self.object)

    def success_message(self, decision) -> str:
        if decision.partner_id:
            return gettext("Lead %(reference)s is offered to %(partner)s.") % {
                "reference": self.object.reference,
                "partner": decision.partner.display_name,
            }
        return gettext("No partner could take lead %(reference)s: it stays in the queue.") % {
            "reference": self.object.reference
        }

    def render_invalid(self, form):
        return render(self.request, LOG_TEMPLATE, _log_context(self.actor, self.object.pk))


class LeadOfferToView(_RoutingAction):
    form_class = OfferToForm

    def get_form_kwargs(self):
        return {"partners": offer_partner_options(lead=self.object)}

    def perform(self, data):
        from partners.selectors import partner_get_for_actor

        partner = partner_get_for_actor(actor=self.actor, partner_id=data["partner"])
        return lead_offer_to(actor=self.actor, lead=self.object, partner=partner, note=data.get("note", ""))

    def success_message(self, offer) -> str:
        return gettext("Lead %(reference)s is offered to %(partner)s.") % {
            "reference": self.object.reference,
            "partner": offer.partner.display_name,
        }


class LeadOfferWithdrawView(_RoutingAction):
    def perform(self, data):
        return lead_offer_withdraw(actor=self.actor, lead=self.object)

    def success_message(self, offer) -> str:
        return gettext("The offer to %(partner)s is withdrawn; lead %(reference)s waits in the queue.") % {
            "partner": offer.partner.display_name,
            "reference": self.object.reference,
        }

    def render_invalid(self, form):
        return render(self.request, LOG_TEMPLATE, _log_context(self.actor, self.object.pk))


# --- the portal: capacity and locations ------------------------------------------------------------


def _capacity_context(actor, *, form=None, location_form=None) -> dict:
    context = capacity_page_for_actor(actor=actor)
    capacity = context["capacity"]
    context["form"] = form or CapacityForm(
        initial={
            "monthly_cap": capacity.monthly_cap,
            "daily_quota": capacity.daily_quota,
            "paused": capacity.paused,
            "paused_reason": capacity.paused_reason,
            "away_from": capacity.away_from,
            "away_until": capacity.away_until,
        }
    )
    context["location_form"] = location_form or LocationForm(auto_id="location_%s")
    return context


class LeadCapacityView(ServiceView):
    """The company's lead capacity: shown, and saved (a service with an event)."""

    area, capability = PORTAL, LEADS_CAPACITY
    form_class = CapacityForm

    def get(self, request):
        return render(request, CAPACITY_TEMPLATE, _capacity_context(self.actor))

    def perform(self, data):
        return capacity_save(actor=self.actor, partner=self.actor.partner, **data)

    def success_message(self, capacity) -> str:
        return gettext("Your lead capacity is saved.")

    def success_url(self, capacity) -> str:
        return reverse("portal:lead_capacity")

    def render_invalid(self, form):
        return render(self.request, CAPACITY_TEMPLATE, _capacity_context(self.actor, form=form))


class LocationAddView(ServiceView):
    area, capability = PORTAL, LEADS_CAPACITY
    form_class = LocationForm

    def get_form_kwargs(self):
        return {"auto_id": "location_%s"}

    def perform(self, data):
        return location_add(actor=self.actor, partner=self.actor.partner, **data)

    def success_message(self, location) -> str:
        if location.latitude is None:
            return gettext("%(place)s is added, without coordinates: nearest-first routing cannot use it.") % {
                "place": str(location)
            }
        return gettext("%(place)s is added.") % {"place": str(location)}

    def success_url(self, location) -> str:
        return reverse("portal:lead_capacity")

    def render_invalid(self, form):
        return render(self.request, CAPACITY_TEMPLATE, _capacity_context(self.actor, location_form=form))


class LocationRemoveView(ServiceView):
    area, capability = PORTAL, LEADS_CAPACITY

    def get_object(self):
        return location_get_for_actor(actor=self.actor, location_id=self.kwargs["location_id"])

    def perform(self, data):
        return location_remove(actor=self.actor, location=self.object)

    def success_message(self, result) -> str:
        return gettext("%(place)s is removed.") % {"place": str(self.object)}

    def success_url(self, result) -> str:
        return reverse("portal:lead_capacity")

    def render_invalid(self, form):
        return render(self.request, CAPACITY_TEMPLATE, _capacity_context(self.actor))


office_urls: list = [
    path("leads/<int:lead_id>/routing/", LeadRoutingView.as_view(), name="lead_routing"),
    path("leads/<int:lead_id>/routing/route/", LeadRouteNowView.as_view(), name="lead_route_now"),
    path("leads/<int:lead_id>/routing/offer/", LeadOfferToView.as_view(), name="lead_offer_to"),
    path("leads/<int:lead_id>/routing/withdraw/", LeadOfferWithdrawView.as_view(), name="lead_offer_withdraw"),
]
portal_urls: list = [
    path("leads/capacity/", LeadCapacityView.as_view(), name="lead_capacity"),
    path("leads/capacity/locations/", LocationAddView.as_view(), name="lead_location_add"),
    path(
        "leads/capacity/locations/<int:location_id>/remove/",
        LocationRemoveView.as_view(),
        name="lead_location_remove",
    ),
]
public_urls: list = []
