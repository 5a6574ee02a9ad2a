"""Finds user-facing text written outside Django's translation functions.

    python scripts/check_translatable.py                 every template and module; exit 1 on findings
    python scripts/check_translatable.py --report-only   the same, always exit 0
    python scripts/check_translatable.py PATH ...        only these files or folders

Templates (Django's own Lexer): text between tags with a letter in it that is not inside
{% translate %} / {% blocktranslate %}, a comment, <script> or <style>; and the values of the
attributes people read (title, alt, placeholder, aria-label, aria-description, value of a
button). Variables and tags are not text.

Python (ast): a string literal (or f-string) handed straight to a user-facing sink without a
gettext function around it: messages.success/error/..., ValidationError, a form or model field's
label/help_text/verbose_name/error_messages/empty_label, a model field's verbose name given first,
choices and TextChoices labels, Meta.verbose_name(_plural), the domain errors of prm/errors.py,
notification titles and bodies (notify, Message, tell), event verbs', notification kinds' and
menu entries' labels.

Deliberate exceptions go in scripts/translatable_allowlist.txt: ``<path glob> <text>`` per line
(the text exactly as reported; ``*`` for any text in that file).
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import re
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWLIST = ROOT / "scripts" / "translatable_allowlist.txt"
SKIPPED_DIRS = {".venv", ".tools", "node_modules", "bench", "tests", "migrations", "staticfiles", "var", "media"}
SKIPPED_DIRS |= {"__pycache__", ".git", "scripts", "deploy", "locale", "static"}

# --- what is user-facing ----------------------------------------------------------------------

VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription"}
TRANSLATING = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "count_phrase",
    "format_lazy",
}
MESSAGE_FUNCTIONS = {"success", "error", "info", "warning", "debug", "add_message"}
TEXT_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label", "empty"}
NOTIFICATION_CALLS = {"notify", "Message", "tell"}
NOTIFICATION_KEYWORDS = {"title", "body"}
DOMAIN_ERRORS = {"DomainError", "InvalidTransition", "PolicyViolation", "NotAllowed", "CrossTenantReference"}
LABELLED_DECLARATIONS = {"verb": 1, "kind": 1}  # function -> position of its user-facing label
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}
LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    kind: str
    text: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.kind}: {self.text!r}"


def has_letters(text: str) -> bool:
    return bool(LETTER.search(text))


# --- templates --------------------------------------------------------------------------------


def _masked(source: str) -> str:
    """The template with every tag, variable, comment and {% blocktranslate %} block blanked
    out (newlines kept, so positions and line numbers hold): what remains is literal text."""
    from django.template.base import DebugLexer, TokenType

    out: list[str] = []
    depth = {"blocktranslate": 0, "comment": 0}
    openers = {"blocktranslate": "blocktranslate", "blocktrans": "blocktranslate", "comment": "comment"}
    closers = {"endblocktranslate": "blocktranslate", "endblocktrans": "blocktranslate", "endcomment": "comment"}
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        raw = source[start:end]
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split(None, 1)[0] if token.contents else ""
            if name in openers:
                depth[openers[name]] += 1
            elif name in closers:
                depth[closers[name]] = max(0, depth[closers[name]] - 1)
        if token.token_type == TokenType.TEXT and not any(depth.values()):
            out.append(raw)
        else:
            out.append(re.sub(r"[^\n]", " ", raw))
    return "".join(out)


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        for name, value in attrs:
            if value and name in VISIBLE_ATTRIBUTES and has_letters(value):
                self.found.append((self.getpos()[0], f"attribute {name}", value.strip()))
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            value = dict(attrs).get("value") or ""
            if has_letters(value):
                self.found.append((self.getpos()[0], "attribute value", value.strip()))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and has_letters(data):
            leading = data[: len(data) - len(data.lstrip())]
            self.found.append((self.getpos()[0] + leading.count("\n"), "text", " ".join(data.split())))


def check_template_source(source: str, path: str) -> list[Finding]:
    finder = _TextFinder()
    finder.feed(_masked(source))
    finder.close()
    return [Finding(path, line, kind, text) for line, kind, text in finder.found]


# --- Python -----------------------------------------------------------------------------------


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _untranslated(node: ast.AST | None) -> str | None:
    """The text of ``node`` if it is literal text outside a translation function, else None."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if has_letters(node.value) else None
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return text if has_letters(text) else None
    if isinstance(node, ast.BinOp):  # "a" + "b", "text %s" % x: the left side decides
        return _untranslated(node.left) or (_untranslated(node.right) if isinstance(node.op, ast.Add) else None)
    if isinstance(node, ast.IfExp):
        return _untranslated(node.body) or _untranslated(node.orelse)
    return None  # a call (gettext(...), or anything else), a name, an attribute: not literal here


class _PythonFinder(ast.NodeVisitor):
    def __init__(self, path: str):
        self.path = path
        self.found: list[Finding] = []
        self.class_stack: list[ast.ClassDef] = []

    def add(self, node: ast.AST, kind: str, value: ast.AST | None):
        text = _untranslated(value)
        if text is not None:
            self.found.append(Finding(self.path, node.lineno, kind, text))

    def visit_ClassDef(self, node: ast.ClassDef):
        self.class_stack.append(node)
        is_choices = any(_name(base).endswith("Choices") for base in node.bases)
        for statement in node.body:
            if (
                is_choices
                and isinstance(statement, ast.Assign)
                and isinstance(statement.value, ast.Tuple)
                and len(statement.value.elts) >= 2
            ):
                self.add(statement, "choice label", statement.value.elts[-1])
            if node.name == "Meta" and isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if _name(target) in ("verbose_name", "verbose_name_plural"):
                        self.add(statement, f"Meta.{_name(target)}", statement.value)
        self.generic_visit(node)
        self.class_stack.pop()

    def visit_Call(self, node: ast.Call):
        name = _name(node.func)
        owner = _name(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        if owner == "messages" and name in MESSAGE_FUNCTIONS:
            position = 2 if name == "add_message" else 1
            self.add(node, f"messages.{name}", node.args[position] if len(node.args) > position else None)
            for keyword in node.keywords:
                if keyword.arg == "message":
                    self.add(node, f"messages.{name}", keyword.value)
        if name == "ValidationError" or name in DOMAIN_ERRORS:
            self.add(node, name, node.args[0] if node.args else None)
            for keyword in node.keywords:
                if keyword.arg == "message":
                    self.add(node, name, keyword.value)
        if name in LABELLED_DECLARATIONS and len(node.args) > LABELLED_DECLARATIONS[name]:
            self.add(node, f"{name} label", node.args[LABELLED_DECLARATIONS[name]])
        if owner == "models" and name.endswith("Field") and name not in RELATION_FIELDS and node.args:
            self.add(node, "model field verbose name", node.args[0])
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS and name not in ("kind", "verb"):
                self.add(node, keyword.arg, keyword.value)
            elif keyword.arg == "error_messages" and isinstance(keyword.value, ast.Dict):
                for value in keyword.value.values:
                    self.add(node, "error_messages", value)
            elif keyword.arg == "choices" and isinstance(keyword.value, ast.List | ast.Tuple):
                for element in keyword.value.elts:
                    if isinstance(element, ast.Tuple) and len(element.elts) == 2:
                        self.add(node, "choice label", element.elts[1])
            elif keyword.arg in NOTIFICATION_KEYWORDS and name in NOTIFICATION_CALLS:
                self.add(node, f"notification {keyword.arg}", keyword.value)
        self.generic_visit(node)


def check_python_source(source: str, path: str) -> list[Finding]:
    finder = _PythonFinder(path)
    finder.visit(ast.parse(source, filename=path))
    return finder.found


# --- the walk ---------------------------------------------------------------------------------


def _files(paths: list[Path]):
    for path in paths:
        if path.is_file():
            yield path
            continue
        for candidate in sorted(path.rglob("*")):
            relative = candidate.relative_to(ROOT) if candidate.is_relative_to(ROOT) else candidate
            if any(part in SKIPPED_DIRS for part in relative.parts[:-1]) or not candidate.is_file():
                continue
            if candidate.suffix == ".py" or (candidate.suffix in (".html", ".txt") and "templates" in relative.parts):
                yield candidate


def load_allowlist(path: Path = ALLOWLIST) -> list[tuple[str, str]]:
    entries = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                pattern, _, text = line.partition(" ")
                entries.append((pattern, text.strip()))
    return entries


def allowed(finding: Finding, allowlist: list[tuple[str, str]]) -> bool:
    return any(fnmatch.fnmatch(finding.path, pattern) and text in ("*", finding.text) for pattern, text in allowlist)


def check(paths: list[Path], allowlist: list[tuple[str, str]] | None = None) -> list[Finding]:
    allowlist = load_allowlist() if allowlist is None else allowlist
    found: list[Finding] = []
    for file in _files(paths):
        shown = str(file.relative_to(ROOT)) if file.is_relative_to(ROOT) else str(file)
        source = file.read_text(encoding="utf-8")
        found += check_python_source(source, shown) if file.suffix == ".py" else check_template_source(source, shown)
    return sorted(f for f in found if not allowed(f, allowlist))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--report-only", action="store_true", help="list the findings, exit 0")
    arguments = parser.parse_args(argv)
    found = check([p.resolve() for p in arguments.paths] or [ROOT])
    for finding in found:
        print(finding)
    print(f"{len(found)} user-facing texts outside the translation functions")
    return 0 if arguments.report_only or not found else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    django.setup()
    sys.exit(main())
