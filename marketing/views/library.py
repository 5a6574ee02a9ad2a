"""Pages of the content library.

* portal: ``portal:library`` (search, filters, folder and tag facets, "new" and "updated"
  badges), ``portal:asset`` (an asset: description, versions, the terms to accept, the download
  or the player), ``portal:asset_terms_accept``, ``portal:asset_download`` (the current version:
  the file, or the link's address; recorded; refused until the terms are accepted);
* office: ``office:assets`` (every asset with its usage, filtered), ``office:asset_create``,
  ``office:asset`` (usage, versions, audience, history, publish and archive),
  ``office:asset_edit``, ``office:asset_version_add``, ``office:asset_version_download``,
  ``office:asset_publish``, ``office:asset_archive``, ``office:asset_usage`` (per partner),
  ``office:asset_folders`` (the folders; a new one) and ``office:asset_folder_rename``.

Reading: ``CONTENT_VIEW`` (partner users: what the audience and validity let them see, anything
else a 404) and ``MARKETING_VIEW`` (staff); writing: ``MARKETING_MANAGE``. The services check
again.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views import View

from prm.accounts.access import OFFICE, PORTAL, MemberRequiredMixin
from prm.tenancy.time import tenant_clock
from prm.web.files import document_response
from prm.web.views import ServiceView, call_service, paginate, query_without_page, shown_time, url_pattern

from ..forms_library import (
    AssetCreateForm,
    AssetForm,
    FolderForm,
    FolderRenameForm,
    LibraryFilterForm,
    OfficeFilterForm,
    PublishForm,
    TermsForm,
    VersionForm,
)
from ..models import AssetKind, PublishStatus
from ..permissions import CONTENT_VIEW, MARKETING_MANAGE, MARKETING_VIEW
from ..presenters_library import embed_url, kind_icon
from ..selectors.library import (
    asset_get_for_actor,
    asset_page_for_actor,
    asset_usage,
    asset_usage_by_partner,
    asset_version_get_for_actor,
    folder_get_for_actor,
    folder_list_for_actor,
    folder_options,
    library_facets_for_actor,
    library_for_actor,
    office_asset_list,
    office_asset_page,
)
from ..services.library import (
    AssetChange,
    Published,
    asset_archive,
    asset_create,
    asset_download_record,
    asset_publish,
    asset_terms_accept,
    asset_update,
    asset_version_add,
    asset_view_record,
    folder_create,
    folder_rename,
    library_visit_record,
)

T = "marketing/library/"


def _today(request):
    return tenant_clock(request.tenant)[0]


def _kind_label(kind: str) -> str:
    return AssetKind(kind).label


def _link(**params) -> str:
    """A query string of the library's filters (the empty ones left out)."""
    return "?" + urlencode({name: value for name, value in params.items() if value not in ("", None, False)})


def _download_name(version) -> str:
    """The name a downloaded file gets (without its extension: ``document_response`` adds the
    proven one)."""
    return (version.filename or "").rsplit(".", 1)[0] or f"asset-{version.asset_id}-v{version.number}"


# --- the portal ---------------------------------------------------------------------------------------


class LibraryView(MemberRequiredMixin, View):
    """The library as a partner user sees it: what is for it today, searched and filtered, with
    the folders and tags of what the search finds. Opening it counts as a visit (the "new"
    badges compare with the visit before, so they survive paging)."""

    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request):
        today = _today(request)
        visit = library_visit_record(actor=self.actor)
        since = visit.previous_at if visit is not None else None
        filter_form = LibraryFilterForm(request.GET)
        chosen = filter_form.values()
        new_since = since if chosen["new"] else None
        search = {"q": chosen["q"], "kind": chosen["kind"], "new_since": new_since}
        rows, counted = library_for_actor(
            actor=self.actor, today=today, folder_id=chosen["folder_id"], tag=chosen["tag"], **search
        )
        page = paginate(request, rows, count_from=counted)
        folders = {option.id: option for option in folder_options()}
        detail = url_pattern("portal:asset", "asset_id")
        for row in page.object_list:
            row["url"] = detail(row["id"])
            row["kind_label"] = _kind_label(row["kind"])
            row["icon"] = kind_icon(row["kind"])
            folder = folders.get(row["folder_id"])
            row["folder"] = folder.path if folder else ""
            row["is_new"] = since is not None and row["published_at"] is not None and row["published_at"] > since
            row["is_updated"] = bool(
                row["last_download"] and row["version_at"] and row["version_at"] > row["last_download"]
            )
            row["published"] = shown_time(row["published_at"])
        facets = library_facets_for_actor(actor=self.actor, today=today, **search)
        kept = {"q": chosen["q"], "kind": chosen["kind"], "new": "on" if chosen["new"] else ""}
        folder_facets = [
            {
                **item,
                "url": _link(**kept, tag=chosen["tag"], folder=item["folder"].id),
                "current": item["folder"].id == chosen["folder_id"],
            }
            for item in facets.folders
        ]
        tag_facets = [
            {
                "tag": tag,
                "count": count,
                "url": _link(**kept, folder=chosen["folder_id"], tag=tag),
                "current": tag == chosen["tag"],
            }
            for tag, count in facets.tags
        ]
        context = {
            "filter_form": filter_form,
            "chosen": chosen,
            "page": page,
            "query": query_without_page(request),
            "folder_facets": folder_facets,
            "tag_facets": tag_facets,
            "all_folders_url": _link(**kept, tag=chosen["tag"]),
            "all_tags_url": _link(**kept, folder=chosen["folder_id"]),
            "since": since,
            "first_visit": visit is not None and since is None,
            "kinds": [(value, label, kind_icon(value)) for value, label in AssetKind.choices],
            "filtered": any(chosen[name] for name in ("q", "folder_id", "kind", "tag", "new")),
        }
        return render(request, f"{T}portal_list.html", context)


def _portal_asset_context(request, actor, asset, *, terms_form=None) -> dict:
    page = asset_page_for_actor(actor=actor, asset=asset)
    current = asset.current_version
    may_download = not asset.requires_terms or page.accepted_at is not None
    return {
        "asset": asset,
        "page": page,
        "current": current,
        "kind_label": _kind_label(asset.kind),
        "icon": kind_icon(asset.kind),
        "embed": embed_url(current.url) if current is not None and asset.kind == AssetKind.VIDEO else None,
        "may_download": may_download,
        "terms_form": None if may_download else (terms_form or TermsForm()),
        "updated": bool(page.last_download and current is not None and current.created_at > page.last_download),
    }


class AssetView(MemberRequiredMixin, View):
    """An asset's page (a 404 for one the partner user may not see, also by URL): opening it is
    recorded as a view."""

    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request, asset_id: int):
        today = _today(request)
        asset = asset_get_for_actor(actor=self.actor, asset_id=asset_id, today=today)
        asset_view_record(actor=self.actor, asset=asset, today=today)
        return render(request, f"{T}portal_detail.html", _portal_asset_context(request, self.actor, asset))


class AssetTermsAcceptView(ServiceView):
    area, capability = PORTAL, CONTENT_VIEW
    form_class = TermsForm
    invalid_message = gettext_lazy("Tick the box to accept the terms of use.")

    def get_object(self):
        return asset_get_for_actor(actor=self.actor, asset_id=self.kwargs["asset_id"], today=_today(self.request))

    def perform(self, data):
        asset_terms_accept(actor=self.actor, asset=self.object)
        return self.object

    def success_message(self, asset) -> str:
        return gettext("Thank you: you accepted the terms of use and can download %(asset)s now.") % {
            "asset": asset.title
        }

    def success_url(self, asset) -> str:
        return reverse("portal:asset", args=[asset.pk])

    def render_invalid(self, form):
        context = _portal_asset_context(self.request, self.actor, self.object, terms_form=form)
        return render(self.request, f"{T}portal_detail.html", context)


class AssetDownloadView(MemberRequiredMixin, View):
    """The current version: the file as a download, or the link's (video's) address. Recorded;
    refused (back to the asset's page, saying why) until the person accepted its terms."""

    area, capability = PORTAL, CONTENT_VIEW

    def get(self, request, asset_id: int):
        today = _today(request)
        asset = asset_get_for_actor(actor=self.actor, asset_id=asset_id, today=today)
        outcome = call_service(request, asset_download_record, actor=self.actor, asset=asset, today=today)
        if not outcome.ok:
            return redirect("portal:asset", asset_id=asset.pk)
        return _serve(outcome.value, asset.kind)


def _serve(version, kind: str):
    if kind == AssetKind.FILE:
        return document_response(version.file, name=_download_name(version))
    return redirect(version.url)


# --- the back office: the list ------------------------------------------------------------------------


def _audience_summary(row) -> bool:
    return bool(
        row["audience_program_ids"]
        or row["audience_tier_ids"]
        or row["audience_partner_type_ids"]
        or row["audience_regions"]
        or row["audience_roles"]
    )


class OfficeAssetsView(MemberRequiredMixin, View):
    """Every asset, the latest changed (or the best match) first, with its views, downloads and
    partners; filters: words, folder, kind, tag, status."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request):
        filter_form = OfficeFilterForm(request.GET)
        rows, counted = office_asset_list(actor=self.actor, **filter_form.values())
        page = paginate(request, rows, count_from=counted)
        usage = asset_usage(asset_ids=[row["id"] for row in page.object_list])
        folders = {option.id: option for option in folder_options()}
        detail = url_pattern("office:asset", "asset_id")
        for row in page.object_list:
            row["url"] = detail(row["id"])
            row["kind_label"] = _kind_label(row["kind"])
            row["icon"] = kind_icon(row["kind"])
            row["status_label"] = PublishStatus(row["status"]).label
            folder = folders.get(row["folder_id"])
            row["folder"] = folder.path if folder else ""
            row["targeted"] = _audience_summary(row)
            row["usage"] = usage.get(row["id"])
        context = {
            "filter_form": filter_form,
            "page": page,
            "query": query_without_page(request),
            "may_manage": self.actor.can(MARKETING_MANAGE),
        }
        return render(request, f"{T}office_list.html", context)


# --- the back office: one asset -----------------------------------------------------------------------


def _office_asset_context(request, actor, asset_id: int, **bound) -> dict:
    page = office_asset_page(actor=actor, asset_id=asset_id)
    asset = page.asset
    today = _today(request)
    return {
        "page": page,
        "asset": asset,
        "kind_label": _kind_label(asset.kind),
        "icon": kind_icon(asset.kind),
        "status_label": PublishStatus(asset.status).label,
        "folder": next((o.path for o in folder_options() if o.id == asset.folder_id), ""),
        "may_manage": actor.can(MARKETING_MANAGE),
        "publish_form": bound.get("publish_form") or PublishForm(),
        "expired": asset.valid_until is not None and asset.valid_until < today,
        "not_yet": asset.valid_from is not None and asset.valid_from > today,
        "embed": embed_url(asset.current_version.url)
        if asset.current_version is not None and asset.kind == AssetKind.VIDEO
        else None,
    }


class OfficeAssetView(MemberRequiredMixin, View):
    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request, asset_id: int):
        return render(request, f"{T}office_detail.html", _office_asset_context(request, self.actor, asset_id))


def _folder_of(actor, folder_id):
    return folder_get_for_actor(actor=actor, folder_id=folder_id) if folder_id else None


class AssetCreateView(ServiceView):
    """A new asset: what it is and its first version, its details, audience, validity and terms.
    Saved as a draft; its page publishes it."""

    area, capability = OFFICE, MARKETING_MANAGE
    invalid_message = gettext_lazy("The asset was not created: correct the fields marked below.")

    def get_form(self):
        return AssetCreateForm(self.request.POST, self.request.FILES or None)

    def get(self, request):
        return self.render_invalid(AssetCreateForm())

    def perform(self, data):
        form = self.form
        fields = form.asset_fields()
        return asset_create(
            actor=self.actor,
            kind=data["kind"],
            file=data.get("file"),
            url=data.get("url") or "",
            notes=data.get("notes") or "",
            folder=_folder_of(self.actor, fields.pop("folder_id")),
            **fields,
        )

    def success_message(self, asset) -> str:
        return gettext("%(asset)s is saved as a draft: publish it when it is ready.") % {"asset": asset.title}

    def success_url(self, asset) -> str:
        return reverse("office:asset", args=[asset.pk])

    def render_invalid(self, form):
        return render(self.request, f"{T}office_form.html", {"form": form, "asset": None})


class _AssetAction(ServiceView):
    """A write on one asset from its pages: back to its page, or the page again with the form."""

    area, capability = OFFICE, MARKETING_MANAGE

    def get_object(self):
        return asset_get_for_actor(actor=self.actor, asset_id=self.kwargs["asset_id"], today=_today(self.request))

    def success_url(self, result) -> str:
        return reverse("office:asset", args=[self.object.pk])

    def render_invalid(self, form):
        context = _office_asset_context(self.request, self.actor, self.object.pk)
        return render(self.request, f"{T}office_detail.html", context)


class AssetEditView(_AssetAction):
    def get_form(self):
        return AssetForm(self.request.POST)

    def get(self, request, asset_id: int):
        self.object = asset = self.get_object()
        return self.render_invalid(AssetForm(initial=AssetForm.initial_from(asset)))

    def perform(self, data):
        fields = self.form.asset_fields()
        return asset_update(
            actor=self.actor, asset=self.object, folder=_folder_of(self.actor, fields.pop("folder_id")), **fields
        )

    def success_message(self, change: AssetChange) -> str:
        if not change.changed:
            return gettext("Nothing was changed.")
        if change.acceptances_cleared:
            return ngettext(
                "Saved. The terms changed: the person who had accepted them accepts the new terms before the "
                "next download.",
                "Saved. The terms changed: the %(count)s people who had accepted them accept the new terms "
                "before their next download.",
                change.acceptances_cleared,
            ) % {"count": change.acceptances_cleared}
        return gettext("Saved.")

    def render_invalid(self, form):
        return render(self.request, f"{T}office_form.html", {"form": form, "asset": self.object})


class AssetVersionAddView(_AssetAction):
    """A new version (a page of its own): it replaces the current one for new downloads."""

    def get_form(self):
        return VersionForm(self.request.POST, self.request.FILES or None, kind=self.object.kind)

    def get(self, request, asset_id: int):
        self.object = self.get_object()
        return self.render_invalid(VersionForm(kind=self.object.kind))

    def perform(self, data):
        return asset_version_add(
            actor=self.actor,
            asset=self.object,
            file=data.get("file"),
            url=data.get("url") or "",
            notes=data.get("notes") or "",
        )

    def success_message(self, version) -> str:
        return gettext("Version %(version)s is now the current one: new downloads get it.") % {
            "version": version.number
        }

    def render_invalid(self, form):
        return render(self.request, f"{T}office_version_form.html", {"form": form, "asset": self.object})


class AssetPublishView(_AssetAction):
    form_class = PublishForm

    def perform(self, data):
        return asset_publish(actor=self.actor, asset=self.object, notify_audience=bool(data.get("notify")))

    def success_message(self, published: Published) -> str:
        if published.visible_from is not None:
            return gettext(
                "Published: partners in its audience see it from %(day)s, the first day of its validity."
            ) % {"day": date_format(published.visible_from, "SHORT_DATE_FORMAT")}
        if published.notified:
            return ngettext(
                "Published: partners in its audience see it now, and %(count)s person was told.",
                "Published: partners in its audience see it now, and %(count)s people were told.",
                published.notified,
            ) % {"count": published.notified}
        return gettext("Published: partners in its audience see it now.")

    def render_invalid(self, form):
        context = _office_asset_context(self.request, self.actor, self.object.pk, publish_form=form)
        return render(self.request, f"{T}office_detail.html", context)


class AssetArchiveView(_AssetAction):
    def perform(self, data):
        return asset_archive(actor=self.actor, asset=self.object)

    def success_message(self, asset) -> str:
        return gettext("Archived: partners no longer see it. Its history and usage stay.")


class AssetVersionDownloadView(MemberRequiredMixin, View):
    """Any version of an asset, for staff (not recorded: usage counts partners)."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request, asset_id: int, version_id: int):
        version = asset_version_get_for_actor(actor=self.actor, asset_id=asset_id, version_id=version_id)
        return _serve(version, version.asset.kind)


class AssetUsageView(MemberRequiredMixin, View):
    """Who used an asset: per partner, views, downloads, people and the last use."""

    area, capability = OFFICE, MARKETING_VIEW

    def get(self, request, asset_id: int):
        asset = asset_get_for_actor(actor=self.actor, asset_id=asset_id, today=_today(request))
        rows, counted = asset_usage_by_partner(asset=asset)
        page = paginate(request, rows, count_from=counted)
        record = url_pattern("office:partner_detail", "partner_id")
        for row in page.object_list:
            row["partner_url"] = record(row["partner_id"])
            row["last"] = shown_time(row["last_at"])
        context = {"asset": asset, "page": page, "query": query_without_page(request)}
        return render(request, f"{T}office_usage.html", context)


# --- the back office: folders -------------------------------------------------------------------------


def _folders_context(actor, *, form=None, rename_form=None, rename_id=None) -> dict:
    rows = folder_list_for_actor(actor=actor)
    for row in rows:
        bound = rename_form if rename_id == row["folder"].id else None
        row["rename_form"] = bound or FolderRenameForm(
            initial={"name": row["folder"].name}, auto_id=f"rename_{row['folder'].id}_%s"
        )
    return {
        "rows": rows,
        "form": form or FolderForm(),
        "may_manage": actor.can(MARKETING_MANAGE),
    }


class FoldersView(ServiceView):
    """The library's folders (how many assets each holds); a new folder (``MARKETING_MANAGE``)."""

    area, capability = OFFICE, MARKETING_VIEW
    form_class = FolderForm
    invalid_message = gettext_lazy("The folder was not created: correct the fields marked below.")

    def get(self, request):
        return render(request, f"{T}office_folders.html", _folders_context(self.actor))

    def post(self, request, *args, **kwargs):
        if not self.actor.can(MARKETING_MANAGE):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def perform(self, data):
        return folder_create(actor=self.actor, name=data["name"], parent=_folder_of(self.actor, data.get("parent")))

    def success_message(self, folder) -> str:
        return gettext("Folder %(folder)s created.") % {"folder": folder.name}

    def success_url(self, folder) -> str:
        return reverse("office:asset_folders")

    def render_invalid(self, form):
        return render(self.request, f"{T}office_folders.html", _folders_context(self.actor, form=form))


class FolderRenameView(ServiceView):
    area, capability = OFFICE, MARKETING_MANAGE

    def get_object(self):
        return folder_get_for_actor(actor=self.actor, folder_id=self.kwargs["folder_id"])

    def get_form(self):
        return FolderRenameForm(self.request.POST, auto_id=f"rename_{self.kwargs['folder_id']}_%s")

    def perform(self, data):
        return folder_rename(actor=self.actor, folder=self.object, name=data["name"])

    def success_message(self, folder) -> str:
        return gettext("Folder renamed to %(folder)s.") % {"folder": folder.name}

    def success_url(self, folder) -> str:
        return reverse("office:asset_folders")

    def render_invalid(self, form):
        context = _folders_context(self.actor, rename_form=form, rename_id=self.object.pk)
        return render(self.request, f"{T}office_folders.html", context)


ASSET = "library/<int:asset_id>/"
office_urlpatterns: list = [
    path("library/", OfficeAssetsView.as_view(), name="assets"),
    path("library/new/", AssetCreateView.as_view(), name="asset_create"),
    path("library/folders/", FoldersView.as_view(), name="asset_folders"),
    path("library/folders/<int:folder_id>/rename/", FolderRenameView.as_view(), name="asset_folder_rename"),
    path(ASSET, OfficeAssetView.as_view(), name="asset"),
    path(f"{ASSET}edit/", AssetEditView.as_view(), name="asset_edit"),
    path(f"{ASSET}versions/add/", AssetVersionAddView.as_view(), name="asset_version_add"),
    path(
        f"{ASSET}versions/<int:version_id>/download/",
        AssetVersionDownloadView.as_view(),
        name="asset_version_download",
    ),
    path(f"{ASSET}publish/", AssetPublishView.as_view(), name="asset_publish"),
    path(f"{ASSET}archive/", AssetArchiveView.as_view(), name="asset_archive"),
    path(f"{ASSET}usage/", AssetUsageView.as_view(), name="asset_usage"),
]
portal_urlpatterns: list = [
    path("library/", LibraryView.as_view(), name="library"),
    path(ASSET, AssetView.as_view(), name="asset"),
    path(f"{ASSET}terms/", AssetTermsAcceptView.as_view(), name="asset_terms_accept"),
    path(f"{ASSET}download/", AssetDownloadView.as_view(), name="asset_download"),
]
