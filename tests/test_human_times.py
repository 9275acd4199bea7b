"""Times for people (`kil status`): `today 08:14`, `3 days ago`; `--json` keeps ISO 8601."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from kil_feed.db import write_session
from kil_feed.storage.sources import record_fetches, upsert_source
from kil_feed.timeutil import human_time, utcnow

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_human_time_reads_like_speech() -> None:
    at = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    assert human_time(at(2026, 12, 1, 8, 14), now=NOW) == "today 08:14"
    assert human_time(at(2026, 11, 30, 17, 30), now=NOW) == "yesterday 17:30"
    assert human_time(at(2026, 12, 2, 6, 0), now=NOW) == "tomorrow 06:00"
    assert human_time(at(2026, 11, 28, 9, 0), now=NOW) == "3 days ago"
    assert human_time(at(2026, 12, 7, 6, 0), now=NOW) == "in 6 days (Mon 07 Dec 06:00)"
    assert human_time(at(2026, 1, 5, 6, 0), now=NOW) == "05 Jan 2026 06:00"
    assert human_time(None, now=NOW) == "never"
    # in the configured zone: 23:30 UTC on 30 June is 00:30 in London the next day
    summer = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert human_time(summer, now=summer, tz="Europe/London") == "today 00:30"


def test_status_shows_human_times_and_json_keeps_iso(cli: Any, engine: Any) -> None:
    from kil_feed.storage.sources import FetchOutcome

    with write_session(engine) as session:
        source, _ = upsert_source("lgc", session=session, url="https://example.org/f", kind="feed")
        record_fetches([FetchOutcome(source_id=source.id or 0)], session=session)
    out = cli("status").stdout
    assert "today " in out and "UTC" not in out.split("Next scheduled jobs")[1]
    data = json.loads(cli("status", "--json").stdout)
    (lgc,) = data["sources"]
    crawled = datetime.fromisoformat(lgc["last_crawled_at"])
    assert crawled.tzinfo is not None and abs((utcnow() - crawled).total_seconds()) < 60


def test_sources_list_shows_when_each_was_crawled_as_people_read_it(cli: Any, engine: Any) -> None:
    from kil_feed.storage.sources import FetchOutcome

    with write_session(engine) as session:
        source, _ = upsert_source("lgc", session=session, url="https://example.org/f", kind="feed")
        upsert_source("new", session=session, url="https://example.org/g", kind="feed")
        record_fetches([FetchOutcome(source_id=source.id or 0)], session=session)
    rows = {line.split("│")[1].strip(): line for line in cli("sources", "list").stdout.splitlines()
            if line.startswith("│")}  # fmt: skip
    local = human_time(utcnow(), tz="Europe/London")[: len("today ")]
    assert local in rows["lgc"] and "never" in rows["new"] and "T" not in rows["lgc"].split("│")[6]
    listed = {s["name"]: s for s in json.loads(cli("sources", "list", "--json").stdout)}
    assert datetime.fromisoformat(listed["lgc"]["last_crawled_at"]).tzinfo is not None
