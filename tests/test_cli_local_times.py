"""Every time the CLI shows people is in the configured `timezone`, in `human_time`'s one
style (`kil sources list` showed London time, `kil items list` UTC); `--json` keeps ISO UTC."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kil_feed.cli.output import time_cell
from kil_feed.storage.crawl_runs import start_runs
from kil_feed.storage.sources import record_fetches
from kil_feed.timeutil import human_time
from tests.support.editorial import add_item, add_source

SUMMER = datetime(2026, 7, 1, 10, 30, tzinfo=UTC)  # 11:30 BST
WINTER = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)  # 10:30 GMT


def _row(out: str, title: str) -> str:
    (line,) = [line for line in out.splitlines() if title in line]
    return line


@pytest.mark.parametrize(
    ("zone", "summer", "winter"),
    [("Europe/London", "01 Jul 2026 11:30", "15 Jan 2026 10:30"),
     ("UTC", "01 Jul 2026 10:30", "15 Jan 2026 10:30")],
)  # fmt: skip
def test_items_list_shows_published_times_in_the_configured_zone(
    cli: Any, engine: Any, monkeypatch: pytest.MonkeyPatch, zone: str, summer: str, winter: str
) -> None:
    monkeypatch.setenv("KIL_TIMEZONE", zone)
    source = add_source(engine, "lgc")
    add_item(engine, source, "Summer", published_at=SUMMER, collected_at=SUMMER)
    add_item(engine, source, "Winter", published_at=WINTER, collected_at=WINTER)
    out = cli("items", "list").stdout
    assert summer in _row(out, "Summer") and winter in _row(out, "Winter")
    listed = {i["title"]: i for i in json.loads(cli("items", "list", "--json").stdout)}
    assert listed["Summer"]["published_at"] == "2026-07-01T10:30:00+00:00"  # JSON as it was


def test_items_show_and_review_card_use_the_same_local_time(
    cli: Any, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_TIMEZONE", "Europe/London")
    item = add_item(engine, add_source(engine, "lgc"), "Summer", published_at=SUMMER,
                    collected_at=SUMMER)  # fmt: skip
    shown = cli("items", "show", str(item)).stdout
    assert "published_at: 01 Jul 2026 11:30" in shown and "10:30" not in shown
    data = json.loads(cli("items", "show", str(item), "--json").stdout)
    assert data["published_at"] == "2026-07-01T10:30:00+00:00"
    from rich.console import Console

    from kil_feed.cli.itemview import item_card
    from tests.support.editorial import get

    card = Console(width=100, record=True)
    card.print(item_card(get(engine, item), "lgc", 0, tz="Europe/London"))
    assert "lgc  ·  01 Jul 2026 11:30  ·  news" in card.export_text()


def test_subscribers_show_and_sources_show_use_the_local_time(
    cli: Any, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kil_feed.db import write_session
    from kil_feed.storage.sources import FetchOutcome

    monkeypatch.setenv("KIL_TIMEZONE", "America/New_York")
    cli("subscribers", "add", "a@example.org")
    shown = cli("subscribers", "show", "a@example.org").stdout
    created = json.loads(cli("subscribers", "show", "a@example.org", "--json").stdout)
    when = datetime.fromisoformat(created["created_at"])
    assert human_time(when, tz="America/New_York") in shown and created["created_at"] not in shown
    source = add_source(engine, "lgc")
    with write_session(engine) as session:
        record_fetches([FetchOutcome(source_id=source)], session=session)
        start_runs([source], session=session)
    data = json.loads(cli("sources", "show", "lgc", "--json").stdout)
    shown = cli("sources", "show", "lgc").stdout
    assert data["last_crawled_at"] not in shown and data["runs"][0]["started_at"] not in shown
    crawled = datetime.fromisoformat(data["last_crawled_at"])
    assert f"last_crawled_at: {human_time(crawled, tz='America/New_York')}" in shown
    started = time_cell(data["runs"][0]["started_at"], "America/New_York")
    assert any(line.startswith(f"│ {started} ") for line in shown.splitlines())


def test_time_cell_is_human_time_of_an_iso_value() -> None:
    assert time_cell("2026-07-01T10:30:00+00:00", "Europe/London") == human_time(
        SUMMER, tz="Europe/London"
    )
    assert time_cell(None, "UTC") == ""


def test_the_stand_by_scheduler_says_since_when_in_the_configured_zone(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kil_feed.config import load_settings
    from kil_feed.db import write_session
    from kil_feed.models import SchedulerLock
    from kil_feed.scheduler.lock import LOCK_NAME
    from kil_feed.scheduler.service import SchedulerService

    monkeypatch.setenv("KIL_TIMEZONE", "Europe/London")
    with write_session(engine) as session:
        session.add(SchedulerLock(name=LOCK_NAME, owner="relay-1 pid 42", acquired_at=SUMMER))
    message = SchedulerService(load_settings(), engine)._standby_message()
    assert message == (
        "stand-by: another scheduler is active (relay-1 pid 42, since 01 Jul 2026 11:30); "
        "waiting to take over"
    )
