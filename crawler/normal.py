"""Normalisation functions: canonical URLs, dates to UTC, HTML sanitising (pure, testable).

Dates: `parse_date` is the one reader of a date as published. A date that names no zone is
UK wall time (`uk_time`: Europe/London, so 09:00 is 08:00 UTC in summer), whichever way
it is written (ISO 8601, RFC 822, free text): this is a UK product, and UK publishers
leave the zone out when they mean their own clock."""

from __future__ import annotations

import email.utils
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import nh3
from w3lib.url import canonicalize_url

TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid",
    "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id",
    "wickedid", "ref_src", "cmpid",
}  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
SAFE_SCHEMES = {"http", "https", "mailto"}
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
}
URL_ATTRIBUTES = {"href", "src", "cite"}
_PLAIN_URL = re.compile(r"https?://[^\s\x00-\x1f\\/?#]+(?:[/?#][^\s\x00-\x1f]*)?")
# an URL that canonicalize_url gives back unchanged (most article links): lower-case ASCII
# host labels, no port, user, query or fragment, and a path of unreserved characters with
# no dot segment, so nothing to quote, sort, lower or resolve (a test checks the agreement)
_CANONICAL_URL = re.compile(
    r"https?://[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)*"
    r"(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*/?"
)


def canonical_url(url: str, *, strip_tracking: bool = True) -> str | None:
    """Lower-case host, no fragment, tracking parameters removed, query sorted; None if bad."""
    if _CANONICAL_URL.fullmatch(url):
        return url if url.count("/") > 2 else url + "/"
    return canonicalise(url, strip_tracking=strip_tracking)


def canonical_link(base: str, link: str, *, strip_tracking: bool = True) -> str | None:
    """`canonical_url(urljoin(base, link))`: a link canonical already needs neither."""
    if _CANONICAL_URL.fullmatch(link):  # absolute, so urljoin would give it back as it is
        return link if link.count("/") > 2 else link + "/"
    return canonical_url(urljoin(base, link), strip_tracking=strip_tracking)


def canonicalise(url: str, *, strip_tracking: bool = True) -> str | None:
    """`canonical_url` the long way, for any URL (w3lib's canonicalize_url)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    query = parts.query
    if strip_tracking and query:
        pairs = [
            (k, v)
            for k, v in parse_qsl(query, keep_blank_values=True)
            if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
        ]
        query = urlencode(pairs)
    cleaned = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))
    try:
        return canonicalize_url(cleaned, keep_fragments=False)
    except ValueError:
        return None


# the base URL of the fragment being sanitised, for the one reusable cleaner's filter
_BASE_URL: ContextVar[str] = ContextVar("kil_sanitise_base_url")


def _absolute(tag: str, attribute: str, value: str) -> str | None:
    """A URL attribute made absolute against the fragment's base; unsafe schemes go."""
    if attribute not in URL_ATTRIBUTES:
        return value
    value = value.strip()
    if value.startswith(("https://", "http://")) and _PLAIN_URL.fullmatch(value):
        return value  # already absolute and safe: what urljoin would give back
    joined = urljoin(_BASE_URL.get(), value)
    scheme = urlsplit(joined).scheme.lower()
    return joined if scheme in SAFE_SCHEMES else None


# built once: nh3.clean with keyword options builds a new sanitiser for every call, which
# took as long as the cleaning of a feed entry itself
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=SAFE_SCHEMES,
    attribute_filter=_absolute,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitise_html(html: str, base_url: str) -> str:
    """Allow-listed HTML only: no scripts, handlers, javascript:/data: URLs; links absolute."""
    if not html or not html.strip():
        return ""
    token = _BASE_URL.set(base_url)
    try:
        return _CLEANER.clean(html).strip()
    finally:
        _BASE_URL.reset(token)


# ISO 8601 as written: extended (2026-07-01, 2026-07-01T09:00) or basic with a time of day
# (20260701T090000, 20260701T0900Z), which feedparser reads as the day alone
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}|^\d{8}T\d{2}")


def iso_datetime(text: str) -> datetime | None:
    """An ISO 8601 date or date-time as written (naive when it names no zone), or None."""
    if not _ISO.match(text):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


# the zone names RFC 822 defines, which email.utils reads; it reads any other ("BST",
# "CEST") as UTC, so a date with one goes to dateparser, which knows them
_RFC822_ZONES = frozenset(
    {"UT", "UTC", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"}
)


UK = ZoneInfo("Europe/London")


def uk_time(value: datetime) -> datetime:
    """An aware datetime: a naive one is UK wall time (GMT or BST as the date falls)."""
    return value if value.tzinfo else value.replace(tzinfo=UK)


def parse_date(value: object) -> datetime | None:
    """A UTC datetime from ISO 8601, RFC 822 or free text (dateparser); None if unreadable.
    Without a zone a date is UK time (`uk_time`), a day alone the start of that UK day."""
    if isinstance(value, datetime):
        return uk_time(value).astimezone(UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if (iso := iso_datetime(text)) is not None:
        return uk_time(iso).astimezone(UTC)
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return _dateparser(text[:100])
    zone = text.rsplit(None, 1)[-1]
    if zone.isalpha() and zone.upper() not in _RFC822_ZONES:  # "BST": email.utils says +00:00
        return _dateparser(text[:100]) or uk_time(parsed).astimezone(UTC)
    if parsed.tzinfo is None and zone == "-0000":  # RFC 5322: UTC, local zone unknown
        return parsed.replace(tzinfo=UTC)
    return uk_time(parsed).astimezone(UTC)


# Welsh month names (Sell2Wales, Welsh councils' bilingual pages: "5 Rhagfyr 2026"), as
# written after a numeral (unmutated); "Mawrth" is also Tuesday, Welsh either way
_WELSH_MONTH = re.compile(
    r"\b(?:ionawr|chwefror|mawrth|ebrill|mai|mehefin|gorffennaf|awst|medi|hydref|tachwedd|"
    r"rhagfyr)\b",
    re.IGNORECASE,
)
# Welsh "am" before a time is "at" ("am 12:00"); dateparser's Welsh reads it as a.m.
_WELSH_AT = re.compile(r"\bam\s+(?=\d{1,2}[:.]\d{2})", re.IGNORECASE)


def date_languages(text: str) -> list[str]:
    """The languages dateparser reads `text` in: English, or Welsh when it names a Welsh
    month. An explicit list, never detection among every locale (that costs seconds), and
    one language at a time: given ["en", "cy"], dateparser reads "20 Awst 2026" as the 20th
    of this month in AWST (Australian Western Standard Time), not 20 August."""
    return ["cy"] if _WELSH_MONTH.search(text) else ["en"]


def parse_free_date(text: str, settings: dict[str, Any]) -> datetime | None:
    """dateparser on free text in English or Welsh (`date_languages`), naive unless the
    text names a zone and `settings` ask for it; the one place dateparser is called."""
    import dateparser  # only free-text dates need it (~0.15 s to import)

    languages = date_languages(text)
    if languages != ["en"]:
        text = _WELSH_AT.sub("", text)
    parsed = dateparser.parse(text, languages=languages, settings=settings)
    if parsed is None and languages != ["en"]:  # a Welsh word in an English date
        parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed


@lru_cache(maxsize=2048)
def _dateparser(text: str) -> datetime | None:
    """Free text; a zone it names is kept, else UK time applied with zoneinfo (dateparser's
    own TIMEZONE uses the zone's offset today, so in winter a July date lost BST)."""
    try:
        parsed = parse_free_date(text, {"DATE_ORDER": "DMY"})
    except (ValueError, OverflowError, TypeError):
        return None
    return uk_time(parsed).astimezone(UTC) if parsed else None
