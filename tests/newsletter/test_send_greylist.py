"""A greylisting relay and a resumed send: the one-line summary of `kil issue send`
adds up (sent + failed + deferred + not tried yet + earlier runs' = the subscribers), and
the pause reason says its counts are those of the first tries, not the run's."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from newsletter.connections import MIN_FAILURES_TO_PAUSE
from tests.newsletter.helpers import approved_issue, ledger
from tests.newsletter.world import add_subscribers, make_world

BUCKETS = (
    "sent earlier",
    "failed earlier",
    "sent",
    "failed",
    "deferred",
    "skipped",
    "not tried yet",
    "unconfirmed not sent again",
    "by the other senders",
)
BUCKET = re.compile(rf"(\d+) ({'|'.join(BUCKETS)})(?=,|$)")


def buckets(line: str, issue_id: int) -> tuple[dict[str, int], int]:
    """The counts of a summary line by what they count, and the 'of N subscribers' total."""
    counts = line.split(f"issue {issue_id}: ", 1)[1].split("; ", 1)[0]
    total = re.search(r", of (\d+) subscribers", counts)
    assert total is not None, line
    flat = re.sub(r" \([^()]*\)", "", counts[: total.start()])
    found = {label: int(n) for n, label in BUCKET.findall(flat)}
    return found, int(total.group(1))


@pytest.fixture
def issue_id(engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> int:
    make_world(engine)  # 4 confirmed subscribers
    add_subscribers(engine, 16)
    monkeypatch.setenv("KIL_NEWSLETTER__RETRY_BACKOFF", "0.01")
    monkeypatch.setenv("KIL_NEWSLETTER__MAX_ATTEMPTS", "2")
    monkeypatch.setenv("KIL_NEWSLETTER__SMTP_CONNECTIONS", "3")
    return approved_issue(engine, settings)


def test_a_greylisted_send_pauses_with_counts_that_add_up(
    cli: Any, engine: Engine, issue_id: int, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    for address in ["eve", "london", "national", "nw"] + [f"reader{i:03d}" for i in range(16)]:
        smtp_server.defer(f"{address}@example.org", times=10, reply="451 4.7.1 Greylisted")
    result = cli("issue", "send", str(issue_id), ok=False)
    assert result.exit_code == 7, result.output  # paused, as before
    line = result.stderr.strip().splitlines()[-1]
    # every first try was deferred; the pause is decided as each batch of results comes
    # back (3 connections), so it can come at the 5th try or a few later
    paused = re.search(r"paused: (\d+) of the first (\d+) deliveries failed or were deferred", line)
    assert paused is not None, line
    errors, first = map(int, paused.groups())
    assert errors == first >= MIN_FAILURES_TO_PAUSE, line
    found, total = buckets(line, issue_id)
    rows = ledger(engine, issue_id)
    tried = sum(r.attempts > 0 for r in rows)
    assert total == 20 and sum(found.values()) == 20, line
    assert found["deferred"] == tried >= 5 and found["not tried yet"] == 20 - tried, line
    assert found["sent"] == 0 and "failed" not in found
    assert Counter(r.status for r in rows) == {"pending": 20}

    result = cli("issue", "send", str(issue_id), "--json", ok=False)
    assert result.exit_code == 7
    report = json.loads(result.stdout)
    assert report["deferred"] + report["not_tried"] == report["pending"] == 20
    assert report["by_other_senders"] == 0 and report["failed_earlier"] == 0
    found, total = buckets(report["message"], issue_id)
    left = {"deferred": report["deferred"], "not tried yet": report["not_tried"]}
    assert found == {"sent": 0} | left


def test_a_resumed_send_counts_what_earlier_runs_did(
    cli: Any, engine: Engine, issue_id: int, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_SMTP_URL", smtp_server.url)
    smtp_server.reject("eve@example.org", "550 5.1.1 No such user")
    smtp_server.defer("london@example.org", times=10, reply="451 4.7.1 Greylisted")
    result = cli("issue", "send", str(issue_id), "--limit", "12", ok=False)
    assert result.exit_code == 75, result.output
    first, total = buckets(result.stdout.strip().splitlines()[-1], issue_id)
    assert total == 20 and sum(first.values()) == 20
    assert (first["failed"], first["deferred"], first["not tried yet"]) == (1, 1, 8)

    smtp_server.reset()
    result = cli("issue", "send", str(issue_id))
    line = result.stdout.strip().splitlines()[-1]
    found, total = buckets(line, issue_id)
    assert found == {"sent": 9, "sent earlier": 10, "failed earlier": 1}, line
    assert total == 20 and line.endswith("0 still pending, status sent")
    assert Counter(r.status for r in ledger(engine, issue_id)) == {"sent": 19, "failed": 1}
