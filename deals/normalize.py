"""Normalised end-customer identity for deal-registration conflict detection.

Conflict detection compares registrations by a *company key* (exact equality, and trigram
similarity with PostgreSQL ``pg_trgm`` over a GIN index) and by a *registrable domain* (exact
equality). Both are computed once, here, and stored next to the deal, so they must be:

* **stable**: the same customer typed differently by two partners ("Müller GmbH",
  "MULLER G.m.b.H.", "Muller") gives the same key; the rules only ever change together with a
  backfill of the stored keys;
* **ASCII for Latin-script names**: pg_trgm only builds trigrams from characters the database
  locale calls alphanumeric, and accents would make "Société" and "Societe" different trigrams.
  Letters of other scripts (Cyrillic, CJK, ...) are kept as they are, lower-cased, rather than
  dropped: dropping them would collapse unrelated companies onto one empty or short key;
* **about identity, not wording**: punctuation, ``&``/"and", a leading "the" and legal forms
  (Inc, Ltd, GmbH, S.A., Sp. z o.o., Pty Ltd, Sdn Bhd, ...) say nothing about *which* customer it
  is, so they go. Words that can name a different legal entity ("Group", "Holding") stay;
* **evidence or nothing**: a free-mail address (gmail.com, yahoo.co.uk, ...), an IP address,
  ``localhost``, a bare public suffix or garbage says nothing about the customer, so its domain
  is "" (no evidence) rather than a value that would make every gmail-using customer collide.

Domains are reduced to the registrable domain (``shop.eu.acme.co.uk`` -> ``acme.co.uk``) with the
Public Suffix List bundled in the ``publicsuffixlist`` package (no network at run time), private
section included, so ``acme.github.io`` and ``other.github.io`` stay two customers. Unicode
labels are stored in their ``xn--`` (punycode) form, so ``bücher.de`` and ``xn--bcher-kva.de``
are the same domain.

Nothing here raises on user input: these functions run on every keystroke of the "possible
conflict" hint and on CSV imports. This module imports nothing from the project on purpose, so the
bench generator, migrations and the import command can use it without Django set up.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from dataclasses import dataclass

from publicsuffixlist import PublicSuffixList

__all__ = [
    "FREE_MAIL_BRANDS",
    "FREE_MAIL_DOMAINS",
    "LEGAL_FORMS",
    "MAX_KEY_CHARS",
    "CustomerIdentity",
    "company_key",
    "registrable_domain",
]

# ---------------------------------------------------------------------------------------------
# Company names
# ---------------------------------------------------------------------------------------------

# Longer input is not a company name; bounding the work keeps the per-keystroke hint cheap.
MAX_NAME_CHARS = 1000
# Keys are stored in 200-character columns; a key can be longer than its name ("&" -> "and",
# "ß" -> "ss", "㍿" -> "株式会社"), so it is bounded here rather than failing at save time.
MAX_KEY_CHARS = 200

# Letters that NFKD does not decompose into an ASCII base letter plus marks. Apostrophes are
# deleted (not turned into a space) so "McDonald's" and "McDonalds" share a key; they are mapped
# before NFKD because NFKD turns some of them (U+00B4) into a space plus a combining mark.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",  # noqa: RUF001
        "ħ": "h",
        "ŧ": "t",
        "ŋ": "n",
        "ŀ": "l",
        "ſ": "s",  # noqa: RUF001
        "ƒ": "f",
        "ə": "e",
        # Marks that are not part of the name; NFKD would spell "™" out as "TM", glued to it.
        "™": "",
        "℠": "",
        "®": "",
        "©": "",
        "'": "",
        "’": "",  # noqa: RUF001
        "‘": "",  # noqa: RUF001
        "`": "",
        "´": "",  # noqa: RUF001
        "ʼ": "",  # noqa: RUF001
        "ʻ": "",  # noqa: RUF001
    }
)

# A dotted (or slashed) run of single letters is one abbreviation: "S.A.", "S. A.", "B.V.",
# "S.p.A.", "A/S", "I.B.M." collapse to "sa", "sa", "bv", "spa", "as", "ibm", so the legal-form
# table below can recognise them and "I.B.M." keys like "IBM".
_ABBREVIATION = re.compile(r"(?<![^\W_])[^\W\d_](?:[./] ?[^\W\d_])+(?![^\W_])\.?")
_ABBREVIATION_SEPARATOR = re.compile(r"[./ ]")


def _legal_forms(*forms: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(form.split()) for form in forms)


# Legal forms, written as they look *after* normalisation ("S.à r.l." -> "sa rl",
# "Sp. z o.o." -> "sp z oo", "GmbH & Co. KG" -> "gmbh and co kg"). They are stripped from the end
# of the name repeatedly, so "gmbh and co kg" also goes as "kg", then "and co", then "gmbh".
#
# Deliberately NOT here: "group", "holding", "holdings". "Acme Group" / "Acme Holdings" and
# "Acme" are often distinct legal entities (a holding and its operating company, buying
# separately), and an equal key is the strong claim "same customer" that blocks the second
# registration. Trigram similarity still rates "acme group" close to "acme", so the pair surfaces
# as a *possible* conflict for a reviewer to judge, which is the right strength of evidence.
# The same goes for "international", "technologies", "services" and the like.
LEGAL_FORMS = _legal_forms(
    # English-speaking countries
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "cos",
    "company",
    "and co",
    "and company",
    "co inc",
    "co ltd",
    "co limited",
    "ltd",
    "limited",
    "llc",
    "pllc",
    "llp",
    "lllp",
    "lp",
    "plc",
    "ulc",
    "cic",
    "pty",
    "pty ltd",
    "pty limited",
    "pvt",
    "pvt ltd",
    "private limited",
    "pte",
    "pte ltd",
    "soc ltd",
    "public company limited",
    "pcl",
    "ltee",  # Québec: Ltée
    # German-speaking countries
    "gmbh",
    "mbh",
    "gesmbh",
    "ges mbh",
    "ag",
    "kg",
    "kgaa",
    "gmbh co kg",
    "gmbh and co kg",
    "ag and co kg",
    "and co kg",
    "co kg",
    "ohg",
    "ug",
    "ug haftungsbeschrankt",
    "gbr",
    "ev",
    "eg",
    "se",
    # French-, Spanish-, Italian-, Portuguese-speaking countries
    "sa",
    "sas",
    "sasu",
    "sarl",
    "sa rl",
    "eurl",
    "sci",
    "snc",
    "sca",
    "and cie",
    "cie",
    "sl",
    "slu",
    "sll",
    "sau",
    "sa de cv",
    "sab de cv",
    "s de rl",
    "s de rl de cv",
    "cia",
    "and cia",
    "ltda",
    "eireli",
    "srl",
    "srls",
    "spa",
    "sapa",
    "scarl",
    "scrl",
    "sprl",
    # Benelux
    "bv",
    "nv",
    "vof",
    "cv",
    "bvba",
    "cvba",
    # Nordic countries
    "ab",
    "publ",  # "AB (publ)"
    "as",
    "asa",
    "aps",
    "oy",
    "oyj",
    "hf",
    "ehf",
    # Central and Eastern Europe, Greece, Turkey
    "sp z oo",
    "sp k",
    "sp j",
    "sro",
    "spol s ro",
    "kft",
    "zrt",
    "nyrt",
    "bt",
    "rt",
    "dd",
    "doo",
    "ae",
    "epe",
    "ike",
    "sti",
    "ltd sti",
    # Asia-Pacific
    "kk",
    "kabushiki kaisha",
    "gk",
    "godo kaisha",
    "yk",
    "sdn bhd",
    "sendirian berhad",
    "bhd",
    "berhad",
    "tbk",
)
_LONGEST_FORM = max(len(form) for form in LEGAL_FORMS)

# Words dropped from the start: "the", and legal forms written before the name: "PT Bank Mandiri"
# (Indonesia), "OOO Romashka" (Russia, transliterated). Only ones that never start an ordinary name.
LEADING_LEGAL_FORMS = _legal_forms("the", "pt", "ooo", "oao", "zao", "pao")


def company_key(name: str) -> str:
    """The comparison key of a company name: lower-case words (ASCII for Latin script), no legal form.

    "The Müller & Söhne GmbH & Co. KG" -> "muller and sohne"; "ACME, S.A." -> "acme".
    A name with letters never gets an empty key: a legal-form word is kept when it is all that is
    left ("Limited Inc" -> "limited", "The Company" -> "company").
    """
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFC", name[:MAX_NAME_CHARS]).casefold().translate(_LETTERS)
    # Casefolded again: compatibility forms fold to capitals ("™" -> "TM").
    text = "".join(_fold(char) for char in text).casefold()
    if not any(char.isalnum() for char in text):
        return ""  # no letters or digits ("&&", "!!!"): no evidence, not the key "and and"
    text = text.replace("&", " and ")
    text = _ABBREVIATION.sub(lambda match: _ABBREVIATION_SEPARATOR.sub("", match.group()), text)
    # Everything but letters, digits and (spacing) marks of other scripts separates words.
    text = "".join(char if unicodedata.category(char)[0] in "LNM" else " " for char in text)
    return " ".join(_strip_legal_forms(_bounded(text.split())))


def _bounded(words: list[str]) -> list[str]:
    """The leading words that fit in MAX_KEY_CHARS (cut before the legal forms go, so re-keying
    a stored key gives the same key)."""
    kept: list[str] = []
    length = -1
    for word in words:
        length += 1 + len(word)
        if length > MAX_KEY_CHARS:
            return kept or [word[:MAX_KEY_CHARS]]
        kept.append(word)
    return kept


@functools.lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """One character in its key form: Latin letters lose their accents, other scripts stay whole.

    NFKD splits an accented letter into base + combining marks and a compatibility form
    (full-width letter, ligature, superscript) into plain ones. Marks are dropped only when what
    is left is ASCII: in other scripts they distinguish letters (Japanese ガ/カ, Russian й/и), so
    those characters are kept composed (NFKC) instead.
    """
    base = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
    base = base.translate(_LETTERS)
    return base if base.isascii() else unicodedata.normalize("NFKC", char)


def _strip_legal_forms(words: list[str]) -> list[str]:
    """Drop legal forms from the end (and "the"/prefix forms from the start), keeping one word."""
    words = list(words)
    while len(words) > 1 and (words[0],) in LEADING_LEGAL_FORMS:
        del words[0]
    stripped = True
    while stripped:
        stripped = False
        # Longest first, and never the last word: "Limited Inc" keys as "limited", not "".
        for size in range(min(_LONGEST_FORM, len(words) - 1), 0, -1):
            tail = tuple(words[-size:])
            if tail in LEGAL_FORMS or tail == ("the",):  # "Acme Company Limited (The)"
                del words[-size:]
                stripped = True
                break
    return words


# ---------------------------------------------------------------------------------------------
# Domains
# ---------------------------------------------------------------------------------------------

# Checked against the *registrable* domain, so mail.yahoo.co.uk and yahoo.co.uk are both caught.
FREE_MAIL_DOMAINS = frozenset(
    {
        # Google, Microsoft, Apple, AOL, Yahoo
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "hotmail.de",
        "hotmail.it",
        "hotmail.es",
        "hotmail.nl",
        "hotmail.be",
        "hotmail.ca",
        "hotmail.com.au",
        "hotmail.com.br",
        "outlook.com",
        "outlook.fr",
        "outlook.de",
        "outlook.es",
        "outlook.it",
        "outlook.jp",
        "outlook.com.au",
        "outlook.com.br",
        "live.com",
        "live.co.uk",
        "live.fr",
        "live.de",
        "live.it",
        "live.nl",
        "live.be",
        "live.ca",
        "live.com.au",
        "live.jp",
        "msn.com",
        "passport.com",
        "windowslive.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "aol.co.uk",
        "aol.de",
        "aol.fr",
        "aim.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.it",
        "yahoo.es",
        "yahoo.ca",
        "yahoo.in",
        "yahoo.co.in",
        "yahoo.co.jp",
        "yahoo.com.au",
        "yahoo.com.br",
        "yahoo.com.mx",
        "yahoo.com.ar",
        "yahoo.com.sg",
        "yahoo.com.hk",
        "yahoo.com.tw",
        "ymail.com",
        "rocketmail.com",
        # Europe
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "gmx.at",
        "gmx.ch",
        "gmx.fr",
        "gmx.co.uk",
        "web.de",
        "t-online.de",
        "freenet.de",
        "arcor.de",
        "posteo.de",
        "mailbox.org",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "laposte.net",
        "libero.it",
        "virgilio.it",
        "alice.it",
        "tiscali.it",
        "bluewin.ch",
        "seznam.cz",
        "centrum.cz",
        "wp.pl",
        "o2.pl",
        "onet.pl",
        "interia.pl",
        "btinternet.com",
        "ntlworld.com",
        "skynet.be",
        "kpnmail.nl",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "tutanota.com",
        "tuta.io",
        "mail.com",
        "email.com",
        "zoho.com",
        "zohomail.com",
        "fastmail.com",
        "hushmail.com",
        "inbox.com",
        "hey.com",
        # Russia and neighbours
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "rambler.ru",
        "yandex.ru",
        "yandex.com",
        "yandex.by",
        "yandex.kz",
        "yandex.ua",
        "ya.ru",
        "ukr.net",
        # Asia, Latin America
        "qq.com",
        "foxmail.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sina.cn",
        "sohu.com",
        "aliyun.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "rediffmail.com",
        "bol.com.br",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "bellsouth.net",
        "cox.net",
        "charter.net",
        "earthlink.net",
        "sympatico.ca",
        "bigpond.com",
        "optusnet.com.au",
        "xtra.co.nz",
    }
)

# Providers that run free mail under their name in many countries (yahoo.com.vn, gmx.es,
# hotmail.co.th, ...): any registrable domain "<brand>.<public suffix>" counts. Only brands that
# are not ordinary words, so no real company's domain is mistaken for free mail.
FREE_MAIL_BRANDS = frozenset({"yahoo", "ymail", "hotmail", "gmx", "yandex", "googlemail"})

# Separators that IDNA treats as a full stop, and the characters that end a URL's authority.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # also scheme-relative "//host"
_AUTHORITY_END = re.compile(r"[/?#\\]")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_MAX_DOMAIN_CHARS = 253


@functools.cache
def _public_suffix_list() -> PublicSuffixList:
    # Parsed on first use (tens of milliseconds), not at import. accept_unknown=False: a TLD that
    # is not on the list (".local", ".internal", a typo) is not a customer's public website.
    return PublicSuffixList(accept_unknown=False)


def registrable_domain(value: str) -> str:
    """The registrable domain of a domain, URL or e-mail address, or "" when it is no evidence.

    "https://user@Shop.ACME.co.uk:8443/x?y" -> "acme.co.uk"; "jane@sales.acme.de" -> "acme.de";
    "jane@gmail.com", "10.0.0.1", "localhost", "co.uk", "http://" -> "".
    """
    host = _host_of(value)
    if not host:
        return ""
    domain = _public_suffix_list().privatesuffix(host)
    if not domain or domain in FREE_MAIL_DOMAINS or domain.split(".", 1)[0] in FREE_MAIL_BRANDS:
        return ""
    return domain


def _host_of(value: str) -> str:
    """The host of a URL, e-mail address or bare domain, lower-case and punycoded; "" if none."""
    if not isinstance(value, str):
        return ""
    # NFKC first so full-width forms of "/", "@" and ":" separate like the ASCII ones.
    text = unicodedata.normalize("NFKC", value).translate(_DOTS).strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    if "<" in text and ">" in text:  # "Jane Doe <jane@acme.com>"
        text = text[text.rindex("<") + 1 : text.rindex(">")]
    text = _SCHEME.sub("", text.strip())
    # The authority ends at the first "/", "?" or "#"; then user info ends at its last "@" (an
    # e-mail address is user info plus host), and a port follows the last ":".
    text = _AUTHORITY_END.split(text, maxsplit=1)[0]
    text = text.rpartition("@")[2]
    host, colon, port = text.rpartition(":")
    if not colon:
        host = text
    elif port and not port.isdigit():
        return ""
    host = host.strip(".").lower()
    if not host or len(host) > 4 * _MAX_DOMAIN_CHARS or _is_ip_address(host):
        return ""
    labels = [_ascii_label(label) for label in host.split(".")]
    if not all(labels) or labels[-1].isdigit():  # no TLD is all digits: "1.2.3" is an address
        return ""
    ascii_host = ".".join(labels)
    return ascii_host if len(ascii_host) <= _MAX_DOMAIN_CHARS else ""


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _ascii_label(label: str) -> str:
    """One DNS label in its canonical ASCII form ("Bücher", "xn--bcher-kva" -> "xn--bcher-kva")."""
    if label.startswith("xn--"):
        # Decode and re-encode, so a punycoded and a Unicode spelling end up identical.
        try:
            label = label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return ""
        if label.isascii():  # not a valid A-label: it must stand for a non-ASCII U-label
            return ""
    # IDNA 2008 semantics: NFKC plus lower-case, "ß" kept (faß.de and fass.de are two domains).
    label = unicodedata.normalize("NFKC", label).lower()
    if not label.isascii():
        if not all(unicodedata.category(char)[0] in "LNM" or char == "-" for char in label):
            return ""
        try:
            label = "xn--" + label.encode("punycode").decode("ascii")
        except UnicodeError:
            return ""
    return label if _LABEL.match(label) else ""


# ---------------------------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerIdentity:
    """What conflict detection compares: the company key and the registrable domain ("" = unknown)."""

    key: str
    domain: str

    @classmethod
    def of(cls, *, name: str, website: str = "", email: str = "") -> CustomerIdentity:
        """The identity of an end customer; the domain comes from the website, else the contact e-mail.

        A website that gives no evidence (free mail, an IP address, garbage) falls back to the
        e-mail address rather than leaving the domain empty.
        """
        return cls(key=company_key(name), domain=registrable_domain(website) or registrable_domain(email))
