"""How the library's pages show an asset: its kind's icon, and the privacy player of a video."""

from __future__ import annotations

# The one place the product decides which videos it embeds (YouTube through youtube-nocookie,
# Vimeo), the hosts the Content-Security-Policy's frame-src allows.
from learning.services.authoring import video_embed_url

ICONS = {"file": "bi-file-earmark-text", "link": "bi-link-45deg", "video": "bi-play-btn"}


def kind_icon(kind: str) -> str:
    return ICONS.get(kind, "bi-file-earmark")


def embed_url(url: str) -> str | None:
    """The player's address of a YouTube or Vimeo video; None for any other address (the page
    links to it instead)."""
    return video_embed_url(url or "")
