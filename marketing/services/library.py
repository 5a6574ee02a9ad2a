"""The content library's writes.

* The vendor's marketing (``MARKETING_MANAGE``): ``folder_create`` / ``folder_rename``;
  ``asset_create`` (with its first version: an uploaded document, or the address of a link or a
  video), ``asset_update`` (title, description, tags, folder, audience, validity, terms),
  ``asset_version_add`` (the new version becomes the one new downloads get; the history stays),
  ``asset_publish`` (optionally telling the partner users in the audience) and ``asset_archive``.
  Every write of an asset's words keeps its ``search`` vector (``_index``: one UPDATE).
* Partner users (``CONTENT_VIEW``, on an asset available to them: ``asset_require``):
  ``asset_terms_accept`` (once per asset), ``asset_view_record`` (the asset's page was opened) and
  ``asset_download_record`` (a version was served), both appended to ``AssetActivity``;
  ``library_visit_record`` (the library was opened: "new since your last visit").

**Locks.** Every write of an asset locks its row first, so a new version and an edit (or two
versions) take turns: version numbers never collide and the current version is the last one
added. A visit locks the person's visit row.

**Changing the terms** of an asset that asks for them clears the acceptances given so far: people
accept the new terms before their next download (the edit says how many were cleared).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Func, Max, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from prm.errors import NotAllowed, PolicyViolation, assert_same_tenant
from prm.events.services import changes_apply, event_record
from prm.memo import reference_changed
from prm.notifications.services import notify
from prm.tenancy.time import tenant_today
from prm.web.files import document_kind

from .. import events, notifications
from ..models import (
    Asset,
    AssetActivity,
    AssetActivityKind,
    AssetFolder,
    AssetKind,
    AssetTermsAcceptance,
    AssetVersion,
    LibraryVisit,
    PublishStatus,
)
from ..permissions import CONTENT_VIEW, marketing_manage_require
from ..selectors.audience import audience_matches, audience_members
from .audience import EVERYONE, AudienceChoice, audience_fields
from .text import typed_text

TITLE_MAX, DESCRIPTION_MAX, TERMS_MAX, NOTES_MAX = 200, 20_000, 20_000, 2_000
FOLDER_NAME_MAX, URL_MAX, FILENAME_MAX = 120, 500, 200
TAG_MAX, TAGS_MAX = 40, 20
# "New since your last visit" compares with the visit before this one; pages opened within this
# long of the last one are the same visit (paging, filtering, coming back from an asset).
VISIT_GAP = timedelta(minutes=30)
# What an upload that is no document is told (``prm.web.files.document_kind``'s refusal).
NOT_AN_ASSET_FILE = gettext_lazy("Upload a PDF, PNG or JPEG file: other formats cannot be offered for download.")


@dataclass(frozen=True)
class AssetChange:
    """What an edit came to: the asset, the fields changed, and how many acceptances of the
    terms it cleared (the terms changed)."""

    asset: Asset
    changed: tuple[str, ...] = ()
    acceptances_cleared: int = 0


@dataclass(frozen=True)
class Published:
    """A publication: the asset, and how many partner users were told (``notify_audience``);
    ``visible_from``: the first day of its validity when that is still ahead (nobody is told then)."""

    asset: Asset
    notified: int = 0
    visible_from: date | None = None


# --- who may ------------------------------------------------------------------------------------------


def asset_is_available(asset: Asset, actor, *, today: date, enrolments=None) -> bool:
    """Whether a partner user may see ``asset`` today: published, within its validity, and in its
    audience (the Python twin of ``selectors.library.available_filter``)."""
    return (
        asset.status == PublishStatus.PUBLISHED
        and (asset.valid_from is None or asset.valid_from <= today)
        and (asset.valid_until is None or asset.valid_until >= today)
        and audience_matches(asset, actor, enrolments=enrolments)
    )


def asset_require(actor, asset: Asset, *, today: date | None = None) -> None:
    """A partner user's use of an asset (accept its terms, open it, download it): ``CONTENT_VIEW``
    and the asset available to them today; else ``NotAllowed``."""
    if actor is None or not actor.is_partner_user or not actor.can(CONTENT_VIEW):
        raise NotAllowed(gettext("Your role does not allow this."))
    if not asset_is_available(asset, actor, today=today or tenant_today()):
        raise NotAllowed(gettext("This content is not available to you."), code="asset_unavailable")


# --- cleaning -----------------------------------------------------------------------------------------


def clean_tags(tags) -> list[str]:
    """Tags as typed, spaces tidied, duplicates (ignoring case) dropped, in their first order."""
    kept: dict[str, str] = {}
    for tag in tags or ():
        tag = " ".join(str(tag).split())
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise PolicyViolation(
                gettext("A tag has at most %(limit)s characters (%(tag)s has more).") % {"limit": TAG_MAX, "tag": tag}
            )
        kept.setdefault(tag.casefold(), tag)
    if len(kept) > TAGS_MAX:
        raise PolicyViolation(gettext("At most %(limit)s tags, please.") % {"limit": TAGS_MAX})
    return list(kept.values())


def _validity(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from and valid_until and valid_until < valid_from:
        raise PolicyViolation(gettext("The validity ends on or after the day it starts."), code="asset_validity")


def _terms(requires_terms: bool, terms: str) -> str:
    terms = typed_text(terms, TERMS_MAX)
    if requires_terms and not terms:
        raise PolicyViolation(
            gettext("Write the terms people accept before downloading, or untick the box."), code="asset_terms"
        )
    return terms


def _address(url: str) -> str:
    url = typed_text(url, URL_MAX, empty=gettext("Give the address of the link or video."))
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as error:
        raise PolicyViolation(gettext("Give a web address starting with https:// (or http://).")) from error
    return url


def _folder(actor, folder: AssetFolder | None) -> AssetFolder | None:
    if folder is not None:
        assert_same_tenant(actor, folder)
    return folder


# --- the search vector --------------------------------------------------------------------------------


def _index(asset_id: int) -> None:
    """The asset's ``search`` from its row as saved: title (A), tags (B), description (C), with the
    'simple' configuration (the library is multilingual: no stemming, no stop words). One UPDATE."""
    Asset.objects.filter(pk=asset_id).update(search=_vector())


def _vector() -> SearchVector:
    """``setweight(to_tsvector('simple', title), 'A') || ... tags 'B' || ... description 'C'``."""
    tags = Func(F("tags"), Value(" "), function="array_to_string", output_field=CharField())
    return (
        SearchVector("title", weight="A", config="simple")
        + SearchVector(tags, weight="B", config="simple")
        + SearchVector("description", weight="C", config="simple")
    )


# --- versions -----------------------------------------------------------------------------------------


def _stored_file(file) -> tuple[object, str, int]:
    """The upload checked by its content (``document_kind``), renamed to its proven extension for
    storage; with the name it is offered under (the uploader's name, the proven extension)."""
    if file is None:
        raise PolicyViolation(gettext("Choose the file to upload."), code="asset_file")
    kind = document_kind(file, refusal=str(NOT_AN_ASSET_FILE))
    original = (getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = " ".join(original.rsplit(".", 1)[0].split())[: FILENAME_MAX - 5] or "document"
    size = getattr(file, "size", 0) or 0
    file.name = f"asset.{kind}"  # only the proven extension survives (private_upload_path)
    return file, f"{stem}.{kind}", size


def _new_version(actor, asset: Asset, *, file=None, url: str = "", notes: str = "") -> AssetVersion:
    """The next version of the (locked) asset: a document for a file asset, an address otherwise."""
    notes = typed_text(notes, NOTES_MAX)
    fields: dict = {"notes": notes}
    if asset.kind == AssetKind.FILE:
        fields["file"], fields["filename"], fields["size"] = _stored_file(file)
    else:
        fields["url"] = _address(url)
    last = AssetVersion.objects.filter(asset=asset).aggregate(last=Max("number"))["last"] or 0
    return AssetVersion.objects.create(asset=asset, number=last + 1, created_by=actor, **fields)


def _lock(asset: Asset) -> Asset:
    return Asset.objects.select_for_update().get(pk=asset.pk)


# --- folders ------------------------------------------------------------------------------------------


def _folder_name(name: str, parent: AssetFolder | None, *, exclude_id: int | None = None) -> str:
    name = typed_text(name, FOLDER_NAME_MAX, empty=gettext("Give the folder a name."))
    twins = AssetFolder.objects.filter(parent=parent, name__iexact=name)
    if exclude_id is not None:
        twins = twins.exclude(pk=exclude_id)
    if twins.exists():
        raise PolicyViolation(
            gettext("There is already a folder called %(name)s here.") % {"name": name}, code="folder_exists"
        )
    return name


@transaction.atomic
def folder_create(*, actor, name: str, parent: AssetFolder | None = None) -> AssetFolder:
    """A new folder of the library (under ``parent``, or at the top)."""
    marketing_manage_require(actor)
    parent = _folder(actor, parent)
    name = _folder_name(name, parent)
    try:
        with transaction.atomic():
            folder = AssetFolder.objects.create(name=name, parent=parent)
    except IntegrityError as error:  # the same name created at the same moment
        raise PolicyViolation(
            gettext("There is already a folder called %(name)s here.") % {"name": name}, code="folder_exists"
        ) from error
    reference_changed()  # the lists' folder filters are memoised (selectors.library.folder_options)
    return folder


@transaction.atomic
def folder_rename(*, actor, folder: AssetFolder, name: str) -> AssetFolder:
    """A folder's new name (its assets stay in it)."""
    marketing_manage_require(actor)
    folder = AssetFolder.objects.select_for_update().get(pk=folder.pk)
    name = _folder_name(name, folder.parent, exclude_id=folder.pk)
    if name == folder.name:
        return folder
    folder.name = name
    folder.save(update_fields=["name"])
    reference_changed()
    return folder


# --- assets -------------------------------------------------------------------------------------------


@transaction.atomic
def asset_create(
    *,
    actor,
    title: str,
    kind: str,
    description: str = "",
    tags=(),
    folder: AssetFolder | None = None,
    audience: AudienceChoice = EVERYONE,
    valid_from: date | None = None,
    valid_until: date | None = None,
    requires_terms: bool = False,
    terms: str = "",
    language: str = "",
    file=None,
    url: str = "",
    notes: str = "",
) -> Asset:
    """A new asset, a draft, with its first version (``file`` for a file, ``url`` for a link or a
    video); published by ``asset_publish``."""
    marketing_manage_require(actor)
    if kind not in AssetKind.values:
        raise PolicyViolation(gettext("Choose what the asset is: a file, a link or a video."))
    _validity(valid_from, valid_until)
    asset = Asset.objects.create(
        title=typed_text(title, TITLE_MAX, empty=gettext("Give the asset a title.")),
        kind=kind,
        description=typed_text(description, DESCRIPTION_MAX),
        tags=clean_tags(tags),
        folder=_folder(actor, folder),
        valid_from=valid_from,
        valid_until=valid_until,
        requires_terms=bool(requires_terms),
        terms=_terms(requires_terms, terms),
        language=typed_text(language, 8),
        created_by=actor,
        **audience_fields(audience),
    )
    version = _new_version(actor, asset, file=file, url=url, notes=notes)
    asset.current_version = version
    asset.save(update_fields=["current_version"])
    _index(asset.pk)
    event_record(
        actor=actor,
        target=asset,
        verb=events.ASSET_DRAFTED,
        to_state=asset.status,
        message=gettext_noop("%(asset)s created as a draft."),
        params={"asset": asset.title},
        data={"kind": kind, "version": version.number},
    )
    return asset


@transaction.atomic
def asset_update(
    *,
    actor,
    asset: Asset,
    title: str,
    description: str = "",
    tags=(),
    folder: AssetFolder | None = None,
    audience: AudienceChoice = EVERYONE,
    valid_from: date | None = None,
    valid_until: date | None = None,
    requires_terms: bool = False,
    terms: str = "",
    language: str = "",
) -> AssetChange:
    """An asset's words, place, audience, validity and terms (its kind and versions stay).
    Nothing changed: nothing happens. New terms clear the acceptances given so far."""
    marketing_manage_require(actor)
    asset = _lock(asset)
    _validity(valid_from, valid_until)
    folder = _folder(actor, folder)
    new = {
        "title": typed_text(title, TITLE_MAX, empty=gettext("Give the asset a title.")),
        "description": typed_text(description, DESCRIPTION_MAX),
        "tags": clean_tags(tags),
        "folder_id": folder.pk if folder else None,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "requires_terms": bool(requires_terms),
        "terms": _terms(requires_terms, terms),
        "language": typed_text(language, 8),
        **audience_fields(audience),
    }
    diff = changes_apply(instance=asset, changes=new)
    if not diff:
        return AssetChange(asset=asset)
    cleared = 0
    if asset.requires_terms and ("terms" in diff or "requires_terms" in diff):
        cleared, _by_model = AssetTermsAcceptance.objects.filter(asset=asset).delete()
    asset.save()
    if {"title", "tags", "description"} & set(diff):
        _index(asset.pk)
    event_record(
        actor=actor,
        target=asset,
        verb=events.ASSET_CHANGED,
        message=gettext_noop("%(asset)s changed."),
        params={"asset": asset.title},
        data={"changes": diff, "acceptances_cleared": cleared},
    )
    return AssetChange(asset=asset, changed=tuple(diff), acceptances_cleared=cleared)


@transaction.atomic
def asset_version_add(*, actor, asset: Asset, file=None, url: str = "", notes: str = "") -> AssetVersion:
    """A new version of an asset: it becomes the current one (what new downloads get); the
    earlier versions stay in its history."""
    marketing_manage_require(actor)
    asset = _lock(asset)
    version = _new_version(actor, asset, file=file, url=url, notes=notes)
    asset.current_version = version
    asset.save(update_fields=["current_version", "updated_at"])
    event_record(
        actor=actor,
        target=asset,
        verb=events.ASSET_VERSIONED,
        message=gettext_noop("Version %(version)s of %(asset)s added."),
        params={"version": version.number, "asset": asset.title},
        data={"version": version.number},
        note=version.notes,
    )
    return version


@transaction.atomic
def asset_publish(*, actor, asset: Asset, notify_audience: bool = False) -> Published:
    """Publish a draft (or an archived asset again): partner users in its audience see it within
    its validity. ``notify_audience``: they are told (in the portal, and by e-mail as each one
    chose), once it is valid. Already published: nothing happens."""
    marketing_manage_require(actor)
    asset = _lock(asset)
    if asset.status == PublishStatus.PUBLISHED:
        return Published(asset=asset)
    today = tenant_today()
    if asset.valid_until is not None and asset.valid_until < today:
        raise PolicyViolation(
            gettext("Its validity ended on %(day)s: extend it before publishing.")
            % {"day": date_format(asset.valid_until, "SHORT_DATE_FORMAT")},
            code="asset_expired",
        )
    if asset.current_version_id is None:
        raise PolicyViolation(gettext("Add a version before publishing."), code="asset_no_version")
    was = asset.status
    asset.status, asset.published_at = PublishStatus.PUBLISHED, timezone.now()
    asset.save(update_fields=["status", "published_at", "updated_at"])
    event = event_record(
        actor=actor,
        target=asset,
        verb=events.ASSET_PUBLISHED,
        from_state=was,
        to_state=asset.status,
        message=gettext_noop("%(asset)s published."),
        params={"asset": asset.title},
        data={"notify_audience": bool(notify_audience)},
    )
    if asset.valid_from is not None and asset.valid_from > today:
        return Published(asset=asset, visible_from=asset.valid_from)
    notified = 0
    if notify_audience:
        recipients = list(audience_members(asset).select_related("user").order_by("pk"))
        notify(
            recipients=recipients,
            kind=notifications.ASSET_NEW,
            title=gettext_noop("New in the library: %(asset)s"),
            body=gettext_noop("%(vendor)s published %(asset)s for you in the content library."),
            params={"asset": asset.title, "vendor": actor.tenant.name},
            url=reverse("portal:asset", args=[asset.pk]),
            event=event,
        )
        notified = len(recipients)
    return Published(asset=asset, notified=notified)


@transaction.atomic
def asset_archive(*, actor, asset: Asset) -> Asset:
    """Withdraw an asset from the portal (its history and usage stay; it can be published again).
    Already archived: nothing happens."""
    marketing_manage_require(actor)
    asset = _lock(asset)
    if asset.status == PublishStatus.ARCHIVED:
        return asset
    was = asset.status
    asset.status = PublishStatus.ARCHIVED
    asset.save(update_fields=["status", "updated_at"])
    event_record(
        actor=actor,
        target=asset,
        verb=events.ASSET_ARCHIVED,
        from_state=was,
        to_state=asset.status,
        message=gettext_noop("%(asset)s archived."),
        params={"asset": asset.title},
    )
    return asset


# --- partner users ------------------------------------------------------------------------------------


@transaction.atomic
def asset_terms_accept(*, actor, asset: Asset) -> AssetTermsAcceptance | None:
    """The person accepts the asset's terms of use (once: a second acceptance changes nothing, and
    a new version does not ask again). None when the asset has no terms."""
    asset_require(actor, asset)
    if not asset.requires_terms:
        return None
    acceptance, created = AssetTermsAcceptance.objects.get_or_create(
        asset=asset,
        membership=actor,
        defaults={"partner_id": actor.partner_id, "accepted_at": timezone.now()},
    )
    if created:
        event_record(
            actor=actor,
            target=asset,
            partner_id=actor.partner_id,
            verb=events.ASSET_TERMS_ACCEPTED,
            message=gettext_noop("Accepted the terms of use of %(asset)s."),
            params={"asset": asset.title},
        )
    return acceptance


def terms_accepted(actor, asset: Asset) -> bool:
    return AssetTermsAcceptance.objects.filter(asset=asset, membership=actor).exists()


def _activity(actor, asset: Asset, kind: str, version_id: int | None) -> AssetActivity:
    return AssetActivity.objects.create(
        asset=asset,
        version_id=version_id,
        membership=actor,
        partner_id=actor.partner_id,
        kind=kind,
        at=timezone.now(),
    )


@transaction.atomic
def asset_view_record(*, actor, asset: Asset, today: date | None = None) -> AssetActivity:
    """The person opened the asset's page (appended: the vendor's usage figures, the
    content-engagement metric)."""
    asset_require(actor, asset, today=today)
    return _activity(actor, asset, AssetActivityKind.VIEW, asset.current_version_id)


@transaction.atomic
def asset_download_record(*, actor, asset: Asset, today: date | None = None) -> AssetVersion:
    """The person downloads (opens) the asset: its current version, recorded (appended) and
    returned for the view to serve. Refused until the person accepted the asset's terms."""
    asset_require(actor, asset, today=today)
    if asset.requires_terms and not terms_accepted(actor, asset):
        raise PolicyViolation(
            gettext("Accept the terms of use first: then you can download it."), code="asset_terms_required"
        )
    # The current version as stored now (not as the caller read the asset): new downloads get
    # the newest version even from a page opened before it was added.
    current = Asset.objects.filter(tenant_id=asset.tenant_id, pk=asset.pk).values("current_version_id")
    version = AssetVersion.objects.get(asset_id=asset.pk, pk=Subquery(current))
    _activity(actor, asset, AssetActivityKind.DOWNLOAD, version.pk)
    return version


@transaction.atomic
def library_visit_record(*, actor, now=None) -> LibraryVisit | None:
    """The person opened the library: a visit more than ``VISIT_GAP`` after the last one moves
    ``previous_at`` to it ("new since your last visit" is what was published after
    ``previous_at``); pages within the gap are the same visit, so the badges survive paging.
    Staff have no visits (None)."""
    if actor is None or not actor.is_partner_user:
        return None
    now = now or timezone.now()
    visit = LibraryVisit.objects.select_for_update().filter(membership=actor).first()
    if visit is None:
        try:
            with transaction.atomic():
                return LibraryVisit.objects.create(membership=actor, partner_id=actor.partner_id, visited_at=now)
        except IntegrityError:  # the first visit, in two tabs at once
            visit = LibraryVisit.objects.select_for_update().get(membership=actor)
    if now - visit.visited_at >= VISIT_GAP:
        visit.previous_at, visit.visited_at = visit.visited_at, now
        visit.save(update_fields=["previous_at", "visited_at"])
    return visit
