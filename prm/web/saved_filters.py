"""Saved filters: a staff member saves the filters of a list page under a name and gets them back
in one click (links above the list); may delete their own; may share one with the whole back
office. The foundation of it, which every list page reuses:

* a list page declares itself (``filter_page``, from its app's ``AppConfig.ready``): its key, its
  URL name, the capability that opens it, and ``clean``: its filter form turning a query string
  into the query string of the valid, non-empty values (never trusted as typed or stored);
* ``saved_filter_save`` / ``saved_filter_delete`` write (locked, with an event);
* ``saved_filter_list_for_actor`` gives the page its links; the page includes
  ``web/_saved_filters.html`` with ``saved_filters``, ``saved_filter_page`` and ``query``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prm.errors import InvalidTransition, NotAllowed, PolicyViolation
from prm.events.services import event_record
from prm.events.verbs import verb
from prm.registry import Registry

from .models import SAVED_FILTER_NAME_MAX, SAVED_FILTER_QUERY_MAX, SavedFilter

SAVED = verb("saved_filter.saved", _("Filter saved"))
DELETED = verb("saved_filter.deleted", _("Filter deleted"))


@dataclass(frozen=True)
class FilterPage:
    """A list page whose filters may be saved."""

    url_name: str
    capability: str
    clean: Callable[[QueryDict], str]


FILTER_PAGES: Registry[FilterPage] = Registry("saved-filter page")


def filter_page(key: str, *, url_name: str, capability: str, clean: Callable[[QueryDict], str]) -> str:
    """Declare a list page whose filters may be saved (``key``: a slug, stored with each filter)."""
    return FILTER_PAGES.declare(key, FilterPage(url_name=url_name, capability=capability, clean=clean))


def _page_for(actor, page: str) -> FilterPage:
    entry = FILTER_PAGES.get(page)
    if entry is None or not actor.is_staff_member or not actor.can(entry.capability):
        raise NotAllowed(gettext("You may not save filters of this list."))
    return entry


# --- writes -------------------------------------------------------------------------------------------


@transaction.atomic
def saved_filter_save(*, actor, page: str, name: str, query: str, shared: bool = False) -> SavedFilter:
    """Save the page's filters (``query``, cleaned by the page's own filter form) under ``name``;
    the actor's filter of that name on that page is replaced. Locked on the owner's row of that
    name: of two saves at once, the second replaces the first (the unique constraint refuses a
    second row)."""
    entry = _page_for(actor, page)
    name = " ".join(name.split())
    if not name:
        raise PolicyViolation(gettext("Give the filter a name."))
    if len(name) > SAVED_FILTER_NAME_MAX:
        raise PolicyViolation(gettext("Keep the name under %(max)s characters.") % {"max": SAVED_FILTER_NAME_MAX})
    cleaned = entry.clean(QueryDict(query[: SAVED_FILTER_QUERY_MAX * 2]))
    if not cleaned:
        raise PolicyViolation(gettext("Choose at least one filter before saving it."))
    if len(cleaned) > SAVED_FILTER_QUERY_MAX:
        raise PolicyViolation(gettext("These filters are too long to save."))
    saved = SavedFilter.objects.select_for_update().filter(owner=actor, page=page, name=name).first()
    if saved is None:
        try:
            with transaction.atomic():
                saved = SavedFilter.objects.create(owner=actor, page=page, name=name, query=cleaned, shared=shared)
        except IntegrityError:
            raise InvalidTransition(gettext("A filter of this name was saved at the same moment; try again.")) from None
    else:
        saved.query, saved.shared = cleaned, shared
        saved.save(update_fields=["query", "shared"])
    event_record(
        actor=actor, target=saved, verb=SAVED, data={"page": page, "name": name, "query": cleaned, "shared": shared}
    )
    return saved


@transaction.atomic
def saved_filter_delete(*, actor, saved_filter: SavedFilter) -> None:
    """Delete a saved filter: only its owner may, shared or not. Locked: deleting it twice tells
    the second that it is gone already."""
    saved = SavedFilter.objects.select_for_update().filter(pk=saved_filter.pk).first()
    if saved is None:
        raise InvalidTransition(gettext("This saved filter was deleted already."))
    if saved.owner_id != actor.pk:
        raise NotAllowed(gettext("Only the person who saved a filter may delete it."))
    event_record(actor=actor, target=saved, verb=DELETED, data={"page": saved.page, "name": saved.name})
    saved.delete()


# --- reads --------------------------------------------------------------------------------------------


def _visible(actor) -> Q:
    return Q(owner=actor) | Q(shared=True)


def saved_filter_list_for_actor(*, actor, page: str) -> list[dict]:
    """The page's filters the actor may apply (their own and the shared ones), by name: each
    with ``url`` (the page with its query string) and ``mine`` (whether they may delete it)."""
    entry = FILTER_PAGES.require(page)
    base = reverse(entry.url_name)
    rows = SavedFilter.objects.filter(_visible(actor), page=page).values("id", "name", "query", "shared", "owner_id")
    return [{**row, "url": f"{base}?{row['query']}", "mine": row["owner_id"] == actor.pk} for row in rows]


def saved_filter_get_for_actor(*, actor, saved_filter_id: int) -> SavedFilter:
    """One saved filter the actor may see (their own or a shared one); any other is a 404."""
    saved = SavedFilter.objects.filter(_visible(actor), pk=saved_filter_id).first()
    if saved is None:
        raise Http404
    return saved
