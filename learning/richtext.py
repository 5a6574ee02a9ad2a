"""Lesson text and video: what authors may write, and what learners' browsers are given.

Rich text is cleaned with nh3 (an allow-list HTML sanitiser) when a lesson is saved, and again
when it is shown, so a row written any other way (an import, the admin, an old bug) cannot carry a
script to a learner. Videos are embedded only from allow-listed hosts, through their privacy
players, in a sandboxed frame the Content-Security-Policy names (``frame-src``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import nh3

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img", "span",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"https", "http", "mailto"}

# The hosts whose players a lesson may embed, and the player each URL becomes.
VIDEO_FRAME_SOURCES = ("https://www.youtube-nocookie.com", "https://player.vimeo.com")
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_VIMEO_ID = re.compile(r"^[0-9]{3,12}$")


def clean_html(html: str) -> str:
    """The allowed part of ``html``: no scripts, styles, event handlers or foreign frames; links
    open safely."""
    return nh3.clean(
        html or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def video_embed_url(url: str) -> str | None:
    """The privacy player's address for a YouTube or Vimeo link; None for any other address."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("https", "http"):
        return None
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    video_id = ""
    if host == "youtu.be":
        video_id = parts.path.strip("/")
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if parts.path == "/watch":
            video_id = (parse_qs(parts.query).get("v") or [""])[0]
        elif parts.path.startswith(("/embed/", "/shorts/", "/live/")):
            video_id = parts.path.split("/")[2]
        if _YOUTUBE_ID.match(video_id):
            return f"https://www.youtube-nocookie.com/embed/{video_id}"
        return None
    elif host in ("vimeo.com", "player.vimeo.com"):
        candidate = parts.path.rstrip("/").split("/")[-1]
        return f"https://player.vimeo.com/video/{candidate}" if _VIMEO_ID.match(candidate) else None
    if _YOUTUBE_ID.match(video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    return None
