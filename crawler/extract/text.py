"""Text helpers shared by extractors and pipelines: HTML to plain text, whitespace."""

from __future__ import annotations

import re

from w3lib.html import remove_tags_with_content, replace_entities

# w3lib's remove_tags pattern, used without its Python callback per tag (which was most of
# the cost on 20 kB bodies); with no which_ones/keep every tag goes anyway
_TAGS = re.compile(r"</?([^ >/]+).*?>", re.DOTALL | re.IGNORECASE)
_HIDDEN = ("script", "style", "noscript", "template")
_CUT_LABEL = re.compile(r"(?<=[.!?])\s+[A-Z][\w /&()-]{1,30}:\s[^.!?]*$")
SEPARATORS = " :;,.-–—|·…"  # what a cut text never ends in before its ellipsis
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


def shorten(text: str, limit: int | None, *, whole_words: float = 0.0, labels: bool = False) -> str:
    """Plain text cut to at most `limit` characters (None or 0: no limit) at a word, with an
    ellipsis: a word that ends exactly where the ellipsis goes is kept, a head without a
    space (one word longer than the limit) is cut in the word, and separators left at the
    end (`SEPARATORS`: "Budget 2026 —", "£2m.") go before the ellipsis. The project's one
    word cut: the crawler's summaries, a card's summary, the email's preheader, a built
    subject's lead. Never sanitised again (a second pass would read "a <b> c" as a tag).
    `whole_words`: the word is cut instead when the last space is in the first such
    fraction of the limit (a summary keeps most of its room). `labels`: a labelled value
    cut short ("... the team. Rate: £425 - £475 per…") reads as a glitch, so the text ends
    at the sentence before the label, without an ellipsis."""
    if limit is not None and limit < 0:
        raise ValueError(f"a limit cannot be negative: {limit}")
    if not limit or len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if not text[limit - 1].isspace() and space > max(0, limit * whole_words):
        head = head[:space]  # the word the limit falls in is left out whole
    if labels and (fragment := _CUT_LABEL.search(head)) and fragment.start() > limit * 0.4:
        return head[: fragment.start()].rstrip()
    return head.rstrip(SEPARATORS) + "…"
