"""A real SCORM 1.2 package, made in memory by the tests (no binary fixture in the repository).

``make_scorm_zip()`` builds imsmanifest.xml, index.html and scorm.js. On load the page finds
``window.parent.API``, calls ``LMSInitialize("")`` and shows what the LMS handed it (entry,
status, location, suspend data: what a resumed learner sees). "Save my place" stores a location
and suspend data and commits; "Finish" reports a score of 90 and ``passed``, commits and finishes.

``bad=`` gives the malformed variants the validation must refuse: ``no_manifest``, ``traversal``
(``../``), ``absolute``, ``backslash``, ``symlink``, ``duplicate``, ``oversize`` (a large
incompressible file: set a small ``PRM_SCORM_MAX_UPLOAD_BYTES``), ``bomb`` (a file that unpacks
a thousand times larger than it is packed), ``not_zip``, ``doctype``, ``missing_launch``,
``scorm2004``, ``not_sco``.
"""

from __future__ import annotations

import io
import os
import stat
import warnings
import zipfile

MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="{identifier}" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
{doctype_marker}  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>{version}</schemaversion>
  </metadata>
  <organizations default="org-1">
    <organization identifier="org-1">
      <title>{title}</title>
      <item identifier="item-1" identifierref="res-1">
        <title>{title}</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res-1" type="webcontent" adlcp:scormtype="{scormtype}" href="{launch}">
      <file href="{launch}"/>
      <file href="scorm.js"/>
    </resource>
  </resources>
</manifest>
"""

INDEX = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title><script src="scorm.js" defer></script></head>
<body>
  <h1>{title}</h1>
  <p>Entry: <span id="entry"></span></p>
  <p>Status: <span id="status"></span></p>
  <p>Place: <span id="location"></span></p>
  <p>Saved data: <span id="suspend"></span></p>
  <button type="button" id="save">Save my place</button>
  <button type="button" id="finish">Finish</button>
  <p id="done" hidden>Finished</p>
</body>
</html>
"""

SCRIPT = """(function () {
  var api = window.parent && window.parent.API;
  function show(id, element) { document.getElementById(id).textContent = api.LMSGetValue(element); }
  api.LMSInitialize("");
  show("entry", "cmi.core.entry");
  show("status", "cmi.core.lesson_status");
  show("location", "cmi.core.lesson_location");
  show("suspend", "cmi.suspend_data");
  document.getElementById("save").addEventListener("click", function () {
    api.LMSSetValue("cmi.core.lesson_location", "page-2");
    api.LMSSetValue("cmi.suspend_data", "step=2;answers=a,b");
    api.LMSSetValue("cmi.core.lesson_status", "incomplete");
    api.LMSSetValue("cmi.core.exit", "suspend");
    api.LMSCommit("");
    show("location", "cmi.core.lesson_location");
    show("suspend", "cmi.suspend_data");
  });
  document.getElementById("finish").addEventListener("click", function () {
    api.LMSSetValue("cmi.core.score.raw", "90");
    api.LMSSetValue("cmi.core.lesson_status", "passed");
    api.LMSCommit("");
    api.LMSFinish("");
    document.getElementById("done").hidden = false;
  });
})();
"""


def _writestr(archive: zipfile.ZipFile, name: str, data: bytes | str, *, mode: int | None = None, stored=False):
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    if mode is not None:
        info.external_attr = mode << 16
    archive.writestr(info, data)


def make_scorm_zip(
    *, title: str = "Selling the platform (SCORM)", launch: str = "index.html", bad: str | None = None
) -> bytes:
    """The bytes of a SCORM 1.2 zip (see the module's docstring)."""
    if bad == "not_zip":
        return b"%PDF-1.4\nnot a zip at all\n%%EOF\n"
    manifest = MANIFEST.format(
        identifier="com.example.selling",
        title=title,
        launch=launch,
        version="2004 4th Edition" if bad == "scorm2004" else "1.2",
        scormtype="asset" if bad == "not_sco" else "sco",
        doctype_marker="",
    )
    if bad == "doctype":
        manifest = manifest.replace(
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n',
        )
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate variant's name
        with zipfile.ZipFile(buffer, "w") as archive:
            if bad != "no_manifest":
                _writestr(archive, "imsmanifest.xml", manifest)
            if bad != "missing_launch":
                _writestr(archive, launch, INDEX.format(title=title))
            _writestr(archive, "scorm.js", SCRIPT)
            _writestr(archive, "assets/", b"", mode=stat.S_IFDIR | 0o755)
            _writestr(archive, "assets/style.css", "body { font-family: sans-serif; }")
            if bad == "traversal":
                _writestr(archive, "assets/../../evil.html", "<p>escaped</p>")
            elif bad == "absolute":
                _writestr(archive, "/etc/evil.html", "<p>absolute</p>")
            elif bad == "backslash":
                _writestr(archive, "assets\\..\\..\\evil.html", "<p>backslash</p>")
            elif bad == "symlink":
                _writestr(archive, "assets/link", "/etc/passwd", mode=stat.S_IFLNK | 0o777)
            elif bad == "duplicate":
                _writestr(archive, "assets/style.css", "body { color: red; }")
            elif bad == "oversize":
                _writestr(archive, "assets/video.bin", os.urandom(300 * 1024), stored=True)
            elif bad == "bomb":
                _writestr(archive, "assets/bomb.txt", b"\0" * (20 * 1024 * 1024))
    return buffer.getvalue()
