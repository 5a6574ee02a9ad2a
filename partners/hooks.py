"""How the apps above partners add to the master partner record, which knows nothing of them.

* **Record tabs** (``record_tab``). A partner's record in the back office is a row of tabs; each is
  a name (its URL ``office:partner_<name>``, at ``partners/<id>/<name>/``; the first, ``profile``,
  is ``office:partner_detail``), a label, a template (a partial: htmx gets it alone, the record page
  includes it) and a function that gives its context for one partner. Partners declares its own
  (profile, people, timeline); programs adds "Programs". The URLs and the tab row are built from
  this list, in ``order``. A tab's actions render the record again through ``record_page`` (with
  a bound form to show what was typed).
* **Directory facets** (``directory_facet``). Something an app knows about every partner, shown
  with the master record: a filter of the directory (a form field that validates the query-string
  value and whose choices are the filter's options, and ``narrow``: how a chosen value narrows
  the partners), what the record and the export prefetch for it, the cells it adds to a page of
  the directory (after "Type"; a function of the page's partner ids that gives each partner's
  cell HTML in one query: the directory's rows are a few fields, not model graphs; a partner
  missing from the answer shows a dash), its column in the CSV export (after "status"), and
  optionally a line of the record's profile (after "Status"). Programs adds the tier.

Both are declared from the app's ``AppConfig.ready``, like the foundation's menu entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from prm.registry import Registry

PROFILE = "profile"  # the record's first tab, at the record's own URL


@dataclass(frozen=True)
class RecordTab:
    name: str
    label: str
    template: str
    context: Callable  # (*, request, actor, partner) -> dict, evaluated in the view
    capability: str | None = None  # None: whoever may open the record
    order: int = 100


RECORD_TABS: Registry[RecordTab] = Registry("partner record tab")


def record_tab(
    *, name: str, label: str, template: str, context: Callable, capability: str | None = None, order: int = 100
) -> str:
    """Declare a tab of the partner record (from an ``AppConfig.ready``)."""
    tab = RecordTab(name=name, label=label, template=template, context=context, capability=capability, order=order)
    return RECORD_TABS.declare(name, tab)


def record_tabs() -> list[RecordTab]:
    """Every declared tab, in order."""
    return sorted((RECORD_TABS.require(name) for name in RECORD_TABS), key=lambda tab: (tab.order, tab.name))


def record_tab_url(name: str, partner_id: int) -> str:
    url_name = "office:partner_detail" if name == PROFILE else f"office:partner_{name}"
    return reverse(url_name, kwargs={"partner_id": partner_id})


def record_page(request, *, actor, partner, tab: str, context: dict | None = None, partial: bool = False):
    """The partner's record opened at ``tab``: its context from the tab's function, or ``context``
    when the caller has it (a tab's action showing its bound form again). ``partial``: the tab's
    content alone (htmx). An unknown tab is a 404; a tab whose capability the actor lacks, a 403."""
    chosen = RECORD_TABS.get(tab)
    if chosen is None:
        raise Http404
    if chosen.capability is not None and not actor.can(chosen.capability):
        raise PermissionDenied
    if context is None:
        context = chosen.context(request=request, actor=actor, partner=partner)
    page = {
        "partner": partner,
        "tab": tab,
        "tab_template": chosen.template,
        "tabs": [
            {"name": t.name, "label": t.label, "url": record_tab_url(t.name, partner.pk)}
            for t in record_tabs()
            if t.capability is None or actor.can(t.capability)
        ],
        "area": "office",
        **context,
    }
    return render(request, chosen.template if partial else "partners/partner_detail.html", page)


@dataclass(frozen=True)
class DirectoryFacet:
    name: str  # the query-string parameter
    label: str  # the filter's (hidden) label and the column's heading
    any_label: str  # the filter's empty option ("Any tier")
    field: Callable  # () -> a form field (required=False) that validates the parameter
    narrow: Callable  # (queryset, value) -> the partners the cleaned value selects
    prefetch: Callable  # () -> [Prefetch, ...]: what the CSV and the profile line read
    cells: Callable  # (partner ids) -> {partner id: the cell's HTML (format_html)}: once per page
    csv_column: str
    csv_value: Callable  # (partner) -> str, the CSV cell (made safe by the export)
    profile_template: str = ""  # a <dt>/<dd> pair of the record's profile (``partner``), or none
    order: int = 100


DIRECTORY_FACETS: Registry[DirectoryFacet] = Registry("partner directory facet")


def directory_facet(
    *,
    name: str,
    label: str,
    any_label: str,
    field: Callable,
    narrow: Callable,
    prefetch: Callable,
    cells: Callable,
    csv_column: str,
    csv_value: Callable,
    profile_template: str = "",
    order: int = 100,
) -> str:
    """Declare a facet of the partner directory (from an ``AppConfig.ready``)."""
    facet = DirectoryFacet(
        name=name,
        label=label,
        any_label=any_label,
        field=field,
        narrow=narrow,
        prefetch=prefetch,
        cells=cells,
        csv_column=csv_column,
        csv_value=csv_value,
        profile_template=profile_template,
        order=order,
    )
    return DIRECTORY_FACETS.declare(name, facet)


def directory_facets() -> list[DirectoryFacet]:
    """Every declared facet, in order."""
    return sorted(
        (DIRECTORY_FACETS.require(name) for name in DIRECTORY_FACETS), key=lambda facet: (facet.order, facet.name)
    )


def profile_facets() -> list[DirectoryFacet]:
    """The facets that add a line to the record's profile."""
    return [facet for facet in directory_facets() if facet.profile_template]
