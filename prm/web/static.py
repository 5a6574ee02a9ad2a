"""Static-file storages whose URLs are worked out once per process.

``{% static %}`` with a manifest storage looks the hashed name up and joins it to STATIC_URL on
every call: ~0.15 ms each, six on every page's layout (a tenth of the signed-in shell's cost).
The manifest does not change while a process runs (a deploy restarts it), so each name's URL is
kept after its first lookup. A name missing from the manifest still raises every time.
"""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class _RememberedUrls:
    def url(self, name, force=False):
        urls = self.__dict__.setdefault("_remembered_urls", {})
        key = (name, force)
        url = urls.get(key)
        if url is None:
            url = urls[key] = super().url(name, force)
        return url


class StaticStorage(_RememberedUrls, CompressedManifestStaticFilesStorage):
    """Production's: whitenoise's compressed manifest, URLs remembered."""


class UncompressedStaticStorage(_RememberedUrls, ManifestStaticFilesStorage):
    """The bench's: the same manifest without the pre-compression (prm/settings/bench.py)."""
