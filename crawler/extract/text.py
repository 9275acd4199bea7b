"""Text helpers shared by extractors and pipelines: HTML to plain text, whitespace."""

from __future__ import annotations

import re

from w3lib.html import remove_tags_with_content, replace_entities

# w3lib's remove_tags pattern, used without its Python callback per tag (which was most of
# the cost on 20 kB bodies); with no which_ones/keep every tag goes anyway
_TAGS = re.compile(r"</?([^ >/]+).*?>", re.DOTALL | re.IGNORECASE)
_HIDDEN = ("script", "style", "noscript", "template")
_CUT_LABEL = re.compile(r"(?<=[.!?])\s+[A-Z][\w /&()-]{1,30}:\s[^.!?]*$")
_BREAKS = re.compile(r"<(br|/p|/div|/li|/h\d)\b[^>]*>", re.IGNORECASE)
# mojibake leaves these behind: "Â£" for "£", "â€™" for "’", "Ã‚Â£" for "£" twice over
_MOJIBAKE = re.compile("[\u00c2\u00c3\u00e2][\u0080-\u00bf\u20ac\u201a-\u201e\u2020-\u2122]")


def has_mojibake(value: str) -> bool:
    """Whether `value` shows the marks of UTF-8 read as cp1252 or latin-1 (never ASCII)."""
    return not value.isascii() and _MOJIBAKE.search(value) is not None


def repair_mojibake(value: str) -> str:
    """`value` as its publisher typed it when UTF-8 was read as cp1252/latin-1 ("Â£500 per
    day" -> "£500 per day"); only the encoding is repaired (ftfy's `fix_encoding`: quotes,
    widths and entities stay as written), and ftfy is asked only when the marks show."""
    if not value or not has_mojibake(value):
        return value
    import ftfy

    return ftfy.fix_encoding(value)


def clean_text(value: str | None) -> str:
    """Collapse whitespace and decode entities in a plain-text value."""
    if not value:
        return ""
    if "&" in value:
        value = replace_entities(value)
    # str.split() splits on exactly the characters that the regex \s matches (both are
    # Py_UNICODE_ISSPACE), at a fifth of the cost of re.sub on a long body
    return " ".join(value.split())


def html_to_text(html: str | None) -> str:
    """Visible text of an HTML fragment (scripts and styles dropped), whitespace collapsed."""
    if not html:
        return ""
    if "<" not in html:
        return clean_text(html)
    html = _BREAKS.sub(" ", remove_tags_with_content(html, which_ones=_HIDDEN))
    return clean_text(_TAGS.sub("", html))


def shorten(text: str, limit: int = 300) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    # a labelled value cut short ("... the team. Rate: £425 - £475 per…") reads as a glitch:
    # end at the sentence before the label instead
    fragment = _CUT_LABEL.search(cut)
    if fragment and fragment.start() > limit * 0.4:
        return cut[: fragment.start()].rstrip()
    return cut.rstrip(" ,.;:-") + "…"
