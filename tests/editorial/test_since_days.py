"""`--since today`, `yesterday` and a weekday name (`monday`, `mon`): from local midnight of
that day in the configured time zone (a weekday: its most recent one, today if it is
today). Anything else (`last week`) is still refused, and the hint lists what is taken.
Through the `kil` CLI, asserted on the database."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.timeutil import day_start, local_today
from tests.support.editorial import add_item, add_source, get

DAYS_BACK = range(8)  # today, yesterday, ... a week ago


@pytest.fixture
def around_midnights(engine: Engine, settings: Settings) -> dict[tuple[int, str], int]:
    """(days back, 'after'|'before') -> a pending item collected a minute after (before)
    local midnight of that day."""
    source = add_source(engine, "LGC")
    today = local_today(settings.timezone)
    ids = {}
    for back in DAYS_BACK:
        midnight = day_start(today - timedelta(days=back), settings.timezone)
        for side, shift in (("after", 1), ("before", -1)):
            when = midnight + timedelta(minutes=shift)
            ids[back, side] = add_item(
                engine, source, f"{back} days back, {side}", collected_at=when, published_at=when
            )
    return ids


def _since(ids: dict[tuple[int, str], int], back: int) -> set[int]:
    """The items collected from local midnight `back` days ago on."""
    return {i for (b, side), i in ids.items() if b < back or (b == back and side == "after")}


def _listed(cli: Any, since: str) -> set[int]:
    return {r["id"] for r in json.loads(cli("items", "list", "--since", since, "--json").output)}


def test_day_names_start_at_local_midnight(
    cli: Any, settings: Settings, around_midnights: dict[tuple[int, str], int]
) -> None:
    ids = around_midnights
    assert _listed(cli, "today") == _since(ids, 0)
    assert _listed(cli, "Yesterday") == _since(ids, 1)
    today = local_today(settings.timezone)
    for back in range(7):  # each weekday name: its most recent day, today's is today
        day = today - timedelta(days=back)
        name = day.strftime("%A")  # C locale: English names
        assert _listed(cli, name.lower()) == _since(ids, back), name
        assert _listed(cli, f" {name[:3].upper()} ") == _since(ids, back), name[:3]


def test_a_curation_command_takes_them_too(
    cli: Any, engine: Engine, around_midnights: dict[tuple[int, str], int]
) -> None:
    ids = around_midnights
    cli("items", "approve", "--since", "yesterday", "--yes")
    approved = {i for i in ids.values() if get(engine, i).status == "approved"}
    assert approved == _since(ids, 1)


@pytest.mark.parametrize("value", ["last week", "yesterday-ish", "tomorrow", "mondays", "7"])
def test_other_words_are_refused_with_the_forms_taken(cli: Any, value: str) -> None:
    bad = cli("items", "list", "--since", value, ok=False)
    assert bad.exit_code == 2
    (line,) = bad.output.strip().splitlines()
    assert line.startswith(f"error: bad --since {value!r}")
    for form in ("7d", "12h", "2w", "2026-11-01", "today", "yesterday", "monday"):
        assert form in line


def test_the_help_lists_them(cli: Any) -> None:
    for command in (("items", "list"), ("items", "approve"), ("review",), ("rules", "test")):
        assert "yesterday" in cli(*command, "--help").output
