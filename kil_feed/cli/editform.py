"""Editing an item: `+T/-T` tag changes and the TOML form opened in `$EDITOR`.

The form is TOML so that quotes, newlines and lists survive a round trip; a form that does
not parse is kept in a file (and its path printed) so an editor's typing is never lost.
"""

from __future__ import annotations

import json
import tempfile
import textwrap
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from kil_feed.errors import ValidationError
from kil_feed.models import Item
from kil_feed.regions import ITL1_REGIONS, canonical_region

FORM_HEADER = (
    "# Edit item {id} ({kind}, {source}) and save; close without saving to change nothing.\n"
    '# TOML: strings in double quotes, lists like ["procurement", "social value"].\n'
    + textwrap.fill(
        "regions must be ITL1 names: " + ", ".join(ITL1_REGIONS) + ".",
        width=90,
        initial_indent="# ",
        subsequent_indent="# ",
    )
    + "\n"
)


@dataclass
class Changes:
    """What an edit sets; None leaves a field as it is."""

    title: str | None = None
    summary: str | None = None
    topics: list[str] | None = None
    regions: list[str] | None = None
    notes: str | None = None


def apply_deltas(
    current: Sequence[str],
    deltas: Sequence[str],
    *,
    regions: bool,
    check: Callable[[str], str] | None = None,
) -> list[str]:
    """`+T` (or plain `T`) adds, `-T` removes; case-insensitive; regions checked as ITL1,
    added topics by `check` (the topic list's: a typo is refused, a label becomes a slug)."""
    result = list(current)
    for raw in deltas:
        value = raw.strip()
        sign = "+"
        if value[:1] in "+-" and value:
            sign, value = value[0], value[1:].strip()
        if not value:
            raise ValidationError(f"empty {'region' if regions else 'topic'} in {raw!r}")
        if regions:
            value = canonical_region(value)
        elif check is not None and sign == "+":
            value = check(value)
        key = value.casefold()
        if sign == "+":
            if all(v.casefold() != key for v in result):
                result.append(value)
        else:
            result = [v for v in result if v.casefold() != key]
    return result


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def _toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


def render_form(item: Item, source_name: str) -> str:
    header = FORM_HEADER.format(id=item.id, kind=item.kind, source=source_name)
    return (
        f"{header}\n"
        f"title = {_toml_str(item.title)}\n"
        f"summary = {_toml_str(item.summary or '')}\n"
        f"topics = {_toml_list(item.topics or [])}\n"
        f"regions = {_toml_list(item.regions or [])}\n"
        f"notes = {_toml_str(item.editor_notes or '')}\n"
    )


def parse_form(
    text: str, check: Callable[[str], str] | None = None, current: Sequence[str] = ()
) -> Changes:
    """The edited form as changes; ValidationError says what is wrong (`check` refuses a
    topic the item did not already have that is not in the topic list)."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"the form is not valid TOML: {exc}") from None
    unknown = set(data) - {"title", "summary", "topics", "regions", "notes"}
    if unknown:
        raise ValidationError(f"unknown field {sorted(unknown)[0]!r} in the form")
    changes = Changes()
    for key in ("title", "summary", "notes"):
        if key in data:
            if not isinstance(data[key], str):
                raise ValidationError(f"{key} must be a string")
            setattr(changes, key, data[key])
    for key in ("topics", "regions"):
        if key in data:
            values = data[key]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValidationError(f"{key} must be a list of strings")
            values = [v.strip() for v in values if v.strip()]
            if key == "regions":
                values = [canonical_region(v) for v in values]
            elif check is not None:
                values = [v if v in current else check(v) for v in values]
            setattr(changes, key, list(dict.fromkeys(values)))
    if changes.title is not None and not changes.title.strip():
        raise ValidationError("the title cannot be empty")
    return changes


def edit_in_editor(
    item: Item, source_name: str, check: Callable[[str], str] | None = None
) -> Changes | None:
    """Open `$EDITOR` on the form; None if nothing was saved."""
    original = render_form(item, source_name)
    try:
        edited = click.edit(original, extension=".toml", require_save=True)
    except click.ClickException as exc:
        raise ValidationError(
            f"cannot open the editor: {exc.message}", hint="set $EDITOR"
        ) from None
    if edited is None or edited == original:
        return None
    try:
        return parse_form(edited, check, item.topics or [])
    except ValidationError as exc:
        with tempfile.NamedTemporaryFile(
            "w", suffix=".toml", prefix=f"kil-item-{item.id}-", delete=False, encoding="utf-8"
        ) as kept:
            kept.write(edited)
        raise ValidationError(
            exc.message, hint=f"nothing saved; your form is kept in {Path(kept.name)}"
        ) from None
