"""SCORM 1.2 packages: what a zip holds (``inspect_package``), where its files live
(``store_package``) and which of them a request may read (``package_file``).

A package is a vendor's zip, judged by its content and refused with a sentence naming the problem:
not a zip, too large (packed, unpacked, too many files, a compression ratio only a bomb has), an
entry that would land outside its folder (absolute, ``..``, backslash, drive letter, symlink), a
name twice, no ``imsmanifest.xml`` at the root, a manifest with a DOCTYPE (entities are how XML
reaches outside the file), not SCORM 1.2, or a launch file the zip does not hold.

The files are unpacked under ``PRM_SCORM_ROOT/<tenant id>/<random token>/`` (private media, never
the static tree): into a temporary folder first, renamed into place once whole, so a failure
leaves nothing half-written. ``storage_path`` on the row is ``<tenant id>/<token>``.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import secrets
import shutil
import stat
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext

from prm.errors import PolicyViolation

MANIFEST = "imsmanifest.xml"
# The manifest is read whole: a real one is a few kilobytes, a large course's a few hundred.
MANIFEST_MAX_BYTES = 2 * 1024 * 1024
# A file whose unpacked size is this many times its packed size is a bomb, not a course (text
# compresses ~10x, a page of repeated markup ~50x); small files are let through whatever the ratio.
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_ALLOWED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
# Temporary folders of an upload that died (the process was killed mid-extraction) are removed
# by the next upload of the tenant once they are this old.
ORPHAN_AGE_SECONDS = 3600


@dataclass(frozen=True)
class PackageInfo:
    """What a valid package holds."""

    title: str
    identifier: str
    launch_path: str
    file_count: int
    size_bytes: int  # unpacked
    sha256: str
    # The regular files to unpack: (name in the zip, declared size).
    members: tuple[tuple[str, int], ...] = field(default=(), repr=False)


def _size(value: int) -> str:
    return filesizeformat(value)


def _refuse(message: str) -> PolicyViolation:
    return PolicyViolation(message, code="scorm_invalid")


def _local(tag: str) -> str:
    """An XML name without its namespace: manifests spell their namespaces in many ways."""
    return tag.rsplit("}", 1)[-1].lower()


def _child(element, name: str):
    return next((child for child in element if _local(child.tag) == name), None)


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _attr(element, name: str) -> str:
    """An attribute by local name, whatever its namespace or case (``adlcp:scormtype``,
    ``adlcp:scormType``)."""
    for key, value in element.attrib.items():
        if _local(key) == name.lower():
            return value.strip()
    return ""


def _text(element) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _check_name(name: str) -> str:
    """The entry's name if it stays inside the package's folder; else a refusal naming it."""
    shown = name[:120]
    if "\\" in name:
        raise _refuse(gettext("The zip has a name with a backslash (%(name)s): it is refused.") % {"name": shown})
    if name.startswith("/") or _DRIVE.match(name):
        raise _refuse(gettext("The zip has an absolute path (%(name)s): it is refused.") % {"name": shown})
    if any(ord(char) < 32 for char in name):
        raise _refuse(gettext("The zip has a name with control characters: it is refused."))
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        raise _refuse(
            gettext("The zip has a path that leads out of its folder (%(name)s): it is refused.") % {"name": shown}
        )
    if any(part in ("", ".") for part in parts):
        raise _refuse(gettext("The zip has a malformed name (%(name)s): it is refused.") % {"name": shown})
    return name


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    # Unix zips keep the file mode in the high 16 bits of the external attributes.
    return stat.S_ISLNK(info.external_attr >> 16)


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def inspect_package(upload) -> PackageInfo:
    """Judge an uploaded SCORM 1.2 zip by its content; ``PolicyViolation`` with a sentence naming
    the problem when it is refused. Reads the zip's directory and its manifest, nothing else."""
    size = getattr(upload, "size", None) or 0
    if size == 0:
        raise _refuse(gettext("The file is empty. Upload the SCORM package as a zip file."))
    if size > settings.PRM_SCORM_MAX_UPLOAD_BYTES:
        raise _refuse(
            gettext("The package is too large: keep it under %(size)s.")
            % {"size": _size(settings.PRM_SCORM_MAX_UPLOAD_BYTES)}
        )
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise _refuse(gettext("This is not a zip file. Upload the SCORM package as a zip file."))
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _refuse(gettext("The zip file is damaged and cannot be read.")) from error
    with archive:
        info = _inspect_archive(archive)
    return PackageInfo(**{**info, "sha256": _sha256(upload)})


def _inspect_archive(archive: zipfile.ZipFile) -> dict:
    entries = archive.infolist()
    if len(entries) > settings.PRM_SCORM_MAX_FILES:
        raise _refuse(
            gettext("The package has too many files: at most %(count)s.") % {"count": settings.PRM_SCORM_MAX_FILES}
        )
    seen: set[str] = set()
    members: list[tuple[str, int]] = []
    total = 0
    for entry in entries:
        name = _check_name(entry.filename)
        if _is_symlink(entry):
            raise _refuse(gettext("The zip has a symbolic link (%(name)s): it is refused.") % {"name": name[:120]})
        # Case-insensitive: two names that differ only by case overwrite each other on many disks.
        key = name.rstrip("/").casefold()
        if key in seen:
            raise _refuse(gettext("The zip has the name %(name)s twice: it is refused.") % {"name": name[:120]})
        seen.add(key)
        if entry.is_dir():
            continue
        if entry.flag_bits & 0x1:
            raise _refuse(gettext("The zip is encrypted: upload it without a password."))
        if entry.compress_type not in _ALLOWED_METHODS:
            raise _refuse(gettext("The zip uses a compression method that is not supported."))
        if entry.file_size > RATIO_FLOOR_BYTES and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise _refuse(
                gettext("The zip's file %(name)s unpacks to far more than it holds: it is refused as a zip bomb.")
                % {"name": name[:120]}
            )
        total += entry.file_size
        if total > settings.PRM_SCORM_MAX_UNPACKED_BYTES:
            raise _refuse(
                gettext("The package unpacks to more than %(size)s: it is too large.")
                % {"size": _size(settings.PRM_SCORM_MAX_UNPACKED_BYTES)}
            )
        members.append((name, entry.file_size))
    files = {name for name, _ in members}
    if MANIFEST not in files:
        raise _refuse(gettext("The zip has no imsmanifest.xml at its root: it is not a SCORM package."))
    manifest = _read_manifest(archive)
    title, identifier, launch = _parse_manifest(manifest, files)
    return {
        "title": title[:200],
        "identifier": identifier[:200],
        "launch_path": launch,
        "file_count": len(members),
        "size_bytes": total,
        "members": tuple(members),
    }


def _read_manifest(archive: zipfile.ZipFile) -> bytes:
    entry = archive.getinfo(MANIFEST)
    if entry.file_size > MANIFEST_MAX_BYTES:
        raise _refuse(gettext("The package's imsmanifest.xml is too large."))
    try:
        with archive.open(entry) as handle:
            data = handle.read(MANIFEST_MAX_BYTES + 1)
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as error:
        raise _refuse(gettext("The zip file is damaged and cannot be read.")) from error
    if len(data) > MANIFEST_MAX_BYTES:
        raise _refuse(gettext("The package's imsmanifest.xml is too large."))
    return data


def _parse_manifest(data: bytes, files: set[str]) -> tuple[str, str, str]:
    # A DOCTYPE is how a document declares entities (external files, exponential expansion):
    # no SCORM manifest needs one, so none is parsed. UTF-16 manifests are checked decoded too.
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered or b"<\x00!\x00d\x00o\x00c" in lowered:
        raise _refuse(gettext("The package's imsmanifest.xml declares a DOCTYPE, which is not allowed."))
    try:
        # Safe here: a DOCTYPE (hence any entity) was refused above, and expat fetches nothing.
        root = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as error:
        raise _refuse(gettext("The package's imsmanifest.xml is not well-formed XML.")) from error
    if _local(root.tag) != "manifest":
        raise _refuse(gettext("The package's imsmanifest.xml has no manifest element."))
    _check_version(root, data)
    organizations = _child(root, "organizations")
    resources = _child(root, "resources")
    orgs = _children(organizations, "organization") if organizations is not None else []
    if not orgs or resources is None:
        raise _refuse(gettext("The package's imsmanifest.xml lists no organization or no resources."))
    default = _attr(organizations, "default")
    organization = next((org for org in orgs if _attr(org, "identifier") == default), orgs[0])
    items = (node for node in organization.iter() if _local(node.tag) == "item")
    item = next((node for node in items if _attr(node, "identifierref")), None)
    if item is None:
        raise _refuse(gettext("The package's organization has no item to launch."))
    ref = _attr(item, "identifierref")
    resource = next((res for res in _children(resources, "resource") if _attr(res, "identifier") == ref), None)
    if resource is None:
        raise _refuse(gettext("The package's first item names a resource the manifest does not have."))
    if _attr(resource, "scormtype").lower() != "sco":
        raise _refuse(gettext('The package\'s first item is not a SCO (adlcp:scormtype="sco"): nothing reports to us.'))
    href = _attr(resource, "href").split("?", 1)[0].split("#", 1)[0]
    base = _attr(resources, "base") + _attr(resource, "base")
    launch = posixpath.normpath(posixpath.join(base, href)) if href else ""
    if not href or launch.startswith(("../", "/")) or launch == ".." or launch not in files:
        raise _refuse(gettext("The package's launch file %(name)s is not in the zip.") % {"name": (href or "?")[:120]})
    title = _text(_child(organization, "title")) or _text(_child(item, "title")) or launch
    return title, _attr(root, "identifier"), launch


def _check_version(root, data: bytes) -> None:
    metadata = _child(root, "metadata")
    version = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    if version in ("1.2", "ADL SCORM 1.2", "SCORM 1.2"):
        return
    # Old 1.2 packages have no schemaversion; their adlcp namespace says what they are.
    if not version and b"adlcp_rootv1p2" in data:
        return
    if "2004" in version or b"adlcp_v1p3" in data:
        raise _refuse(gettext("This is a SCORM 2004 package: only SCORM 1.2 packages are supported."))
    raise _refuse(gettext("The package's manifest does not say it is SCORM 1.2 (schemaversion)."))


# --- storage ----------------------------------------------------------------------------------


def scorm_root() -> Path:
    return Path(settings.PRM_SCORM_ROOT)


def package_dir(storage_path: str) -> Path:
    return scorm_root() / storage_path


def store_package(*, upload, info: PackageInfo, tenant_id: int) -> str:
    """Unpack the (inspected) zip under the tenant's folder; returns ``storage_path``. Unpacked
    into a temporary folder and renamed into place whole: a failure removes what it wrote. A file
    that unpacks to more than the zip declared for it (a lying header) stops the unpacking."""
    tenant_root = scorm_root() / str(int(tenant_id))
    tenant_root.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(tenant_root)
    token = secrets.token_hex(16)
    temporary = tenant_root / f".tmp-{token}"
    temporary.mkdir()
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            for name, declared in info.members:
                _extract(archive, name, declared, temporary)
        temporary.rename(tenant_root / token)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return f"{int(tenant_id)}/{token}"


def _extract(archive: zipfile.ZipFile, name: str, declared: int, into: Path) -> None:
    target = into.joinpath(*name.split("/"))
    # _check_name already refused every escape; this is the belt to its braces.
    if not target.resolve().is_relative_to(into.resolve()):
        raise _refuse(
            gettext("The zip has a path that leads out of its folder (%(name)s): it is refused.") % {"name": name}
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with archive.open(name) as source, open(target, "xb") as sink:
            for chunk in iter(lambda: source.read(256 * 1024), b""):
                written += len(chunk)
                if written > declared:
                    raise _refuse(
                        gettext("The zip's file %(name)s unpacks to more than it declares: it is refused.")
                        % {"name": name[:120]}
                    )
                sink.write(chunk)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as error:
        raise _refuse(gettext("The zip file is damaged and cannot be read.")) from error


def _remove_stale_temporaries(tenant_root: Path) -> None:
    cutoff = time.time() - ORPHAN_AGE_SECONDS
    for path in tenant_root.glob(".tmp-*"):
        try:
            if path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)
        except FileNotFoundError:
            continue


def stale_package_dirs(tenant_id: int) -> dict[str, Path]:
    """The tenant's unpacked folders older than ``ORPHAN_AGE_SECONDS``, by ``storage_path``: the
    caller keeps those a row names and removes the rest (an upload whose transaction rolled back
    after the files were in place, a package row deleted)."""
    tenant_root = scorm_root() / str(int(tenant_id))
    if not tenant_root.is_dir():
        return {}
    cutoff = time.time() - ORPHAN_AGE_SECONDS
    found = {}
    for path in tenant_root.iterdir():
        try:
            if path.is_dir() and not path.name.startswith(".") and path.stat().st_mtime < cutoff:
                found[f"{int(tenant_id)}/{path.name}"] = path
        except FileNotFoundError:
            continue
    return found


def remove_package_files(storage_path: str) -> None:
    """Remove a package's folder (its row was not saved)."""
    if storage_path:
        shutil.rmtree(package_dir(storage_path), ignore_errors=True)


def package_file(storage_path: str, path: str) -> Path | None:
    """The file ``path`` (as a URL names it) of the package stored at ``storage_path``; None when
    it is not a regular file inside the package's folder (an escape, a folder, nothing)."""
    if not path or "\\" in path or "\x00" in path or path.startswith("/") or _DRIVE.match(path):
        return None
    normal = posixpath.normpath(path)
    if normal in (".", "..") or normal.startswith("../"):
        return None
    root = package_dir(storage_path).resolve()
    candidate = root.joinpath(*normal.split("/")).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate
