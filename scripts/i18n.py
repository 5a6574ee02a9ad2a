"""The translation catalogues: one per language in locale/<lang>/LC_MESSAGES/django.po, for the
whole repository (apps, templates, the foundation).

    python scripts/i18n.py extract            makemessages for every language, from the repo root
    python scripts/i18n.py compile            .po -> .mo with Babel (no GNU gettext needed)
    python scripts/i18n.py check-catalogues   fails on an untranslated or fuzzy entry

``extract`` needs GNU gettext (xgettext, msgmerge), as Django's makemessages does; ``compile``
and ``check-catalogues`` are pure Python, so ``make install`` compiles on any machine. The .mo
files are build output and never committed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
# The languages translated (settings.LANGUAGES minus English, the source language).
LANGUAGES = ("de", "fr", "es", "ja")
# What makemessages does not read: tools, dependencies, generated files, the tests.
IGNORED = (".venv", ".tools", "node_modules", "bench", "tests", "staticfiles", "var", "media", "deploy")


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def extract() -> int:
    """Run makemessages (ours: it also knows ``count_phrase``) for every language, from the repo
    root, into locale/."""
    LOCALE.mkdir(exist_ok=True)
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--add-location=file"]
    for language in LANGUAGES:
        command += ["-l", language]
    for name in IGNORED:
        command += ["--ignore", name, "--ignore", f"{name}/*"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "prm.settings.local")}
    return subprocess.call(command, cwd=ROOT, env=env)


def compile_catalogues() -> int:
    """Write each catalogue's .mo next to it (Babel), skipping fuzzy entries as gettext does."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in catalogues():
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name)
        # Written aside and renamed into place: a process reading the catalogue meanwhile (a
        # running server, the other test process) sees the old file or the new one, never half
        # of one. The name is this process's: the suite's two processes compile at once.
        partial = po.with_suffix(f".mo.{os.getpid()}.partial")
        with partial.open("wb") as target:
            write_mo(target, catalogue, use_fuzzy=False)
        partial.replace(po.with_suffix(".mo"))
        print(f"compiled {po.relative_to(ROOT)}")
    return 0


def problems(po: Path) -> list[str]:
    """The entries of one catalogue that are untranslated or fuzzy, as "<file>: <kind>: <msgid>"."""
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalogue = read_po(source, locale=po.parent.parent.name)
    found = []
    for message in catalogue:
        if not message.id:  # the header
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
        if message.fuzzy:
            found.append(f"{po.relative_to(ROOT)}: fuzzy: {msgid!r}")
        elif not all(strings):
            found.append(f"{po.relative_to(ROOT)}: untranslated: {msgid!r}")
    return found


def check_catalogues() -> int:
    found = [problem for po in catalogues() for problem in problems(po)]
    for problem in found:
        print(problem)
    print(f"{len(found)} untranslated or fuzzy entries in {len(catalogues())} catalogues")
    return 1 if found else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["extract", "compile", "check-catalogues"])
    command = parser.parse_args(argv).command
    if command == "extract":
        return extract()
    if command == "compile":
        return compile_catalogues()
    return check_catalogues()


if __name__ == "__main__":
    sys.exit(main())
