"""Text as people read it: one line for a mail header, a table cell or a name
(`one_line`), and an item's title and summary or an issue's intro as plain text
(`plain_text`), the one formatter the email, the web pages, the feeds and the API share."""

from __future__ import annotations

import html
import re

import nh3

# the one word cut lives in crawler/, which cannot import kil_feed
from crawler.extract.text import SEPARATORS as SEPARATORS
from crawler.extract.text import shorten as shorten

SUMMARY_CHARS = 280  # a summary on a card (the email's, a web listing's)
UNTITLED = "(untitled)"
_SPACE = re.compile(r"\s+")
_PARAGRAPH = re.compile(r"\n\s*\n")


def counted(count: int, noun: str) -> str:
    """'1 notice', '3 notices': a count with its noun, the one way every view says one."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def one_line(value: str | None) -> str:
    """`value` on one printable line: every control character (CR and LF above all, NUL,
    escapes, U+2028) a space, each run of whitespace one space, none at the ends. A name or
    title so cleaned can neither inject a header nor break a row of a table."""
    value = value or ""
    if not value.isprintable():
        value = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(value.split())


def plain_text(value: str | None, limit: int | None = None, *, keep: str = "") -> str:
    """Tags stripped (nh3, a script or style with its content), entities decoded,
    whitespace collapsed, optionally shortened: the one formatter of an item's title and
    summary and an issue's intro, whichever part (email, web page, feed, API) shows them.
    Feeds carry HTML in these fields; stored as it came, it read as `&lt;b&gt;` on the
    web and as text in the email. `keep` are characters kept although not printable (the
    search's match markers)."""
    text = _SPACE.sub(" ", html.unescape(nh3.clean(value or "", tags=set()))).strip()
    return shorten("".join(ch for ch in text if ch.isprintable() or ch in keep), limit)


def plain_title(value: str | None) -> str:
    """An item's title as `plain_text`, or "(untitled)" when nothing readable is left."""
    return plain_text(value) or UNTITLED


def plain_paragraphs(value: str | None) -> list[str]:
    """Text split at blank lines, each paragraph `plain_text`; empty ones left out."""
    return [text for part in _PARAGRAPH.split(value or "") if (text := plain_text(part))]


def plain_intro(value: str | None) -> str:
    """An issue's intro as one plain string (the API, the issues feed, `kil issue show
    --json`): its `plain_paragraphs`, a blank line between them, as the email sets them."""
    return "\n\n".join(plain_paragraphs(value))
