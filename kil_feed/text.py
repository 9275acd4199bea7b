"""Text that must stay on one line wherever it goes: a mail header, a table cell, a name."""

from __future__ import annotations


def one_line(value: str | None) -> str:
    """`value` on one printable line: every control character (CR and LF above all, NUL,
    escapes, U+2028) a space, each run of whitespace one space, none at the ends. A name or
    title so cleaned can neither inject a header nor break a row of a table."""
    value = value or ""
    if not value.isprintable():
        value = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(value.split())
