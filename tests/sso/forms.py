"""Reading an HTML form the way a browser would submit it (for the IdPs' sign-in pages)."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", {}))
        elif (
            tag == "input"
            and self.forms
            and attrs.get("name")
            and attrs.get("type") not in ("submit", "button", "checkbox", "radio")
        ):
            self.forms[-1][1][attrs["name"]] = attrs.get("value") or ""


def parse_form(page: str, index: int = 0) -> tuple[str, dict[str, str]]:
    """``(action, {name: value})`` of the page's ``index``-th form (its hidden and filled-in
    inputs; buttons left out)."""
    parser = _FormParser()
    parser.feed(page)
    if len(parser.forms) <= index:
        raise AssertionError(f"no form on the page:\n{page[:2000]}")
    return parser.forms[index]
