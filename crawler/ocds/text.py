"""Text of published notices: mojibake repaired (ftfy), HTML character references read,
whitespace tidied."""

from __future__ import annotations

import re
from html import unescape

from crawler.extract.text import has_mojibake

# runs of blanks to one space; a lone space (most of them) is not even matched
_SPACES = re.compile(r"(?: [ \t\u00a0\u202f]|[\t\u00a0\u202f])[ \t\u00a0\u202f]*")
_BLANKS = re.compile(r"\n\s*\n+")
# Contracts Finder escapes plain text as if it were HTML ("St Bede&apos;s")
_CHAR_REF = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def fix_text(value: str, *, keep_lines: bool = False) -> str:
    """`value` with doubly-encoded UTF-8 repaired and whitespace collapsed.

    ftfy is only asked when the text shows the marks of mojibake: most text is clean and
    ftfy's analysis is the dearest part of reading a notice. Character references
    ("&apos;", "&amp;") are read as the characters they name: OCDS text is plain text.
    """
    if "&" in value and _CHAR_REF.search(value):
        value = unescape(value)
    if has_mojibake(value):
        import ftfy

        value = ftfy.fix_text(value, normalization="NFC")
    if not keep_lines:
        return " ".join(value.split())  # what re's \s+ to " " and strip() give, faster
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if "  " in value or "\t" in value or "\u00a0" in value or "\u202f" in value:
        value = _SPACES.sub(" ", value)  # else there is no run of blanks to collapse
    lines = [line.strip() for line in value.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
