"""The scheduler's retry of deferred deliveries: a greylisted subscriber gets the issue by
itself, with back-off, for a bounded time; then the scheduler gives up and says so. Real
send functions, a real SMTP server on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.models import Issue, JobRun, JobWeekClaim
from kil_feed.scheduler.jobs import execute
from kil_feed.scheduler.retryjob import DEFERRED, MAX_WAIT, Due, due_retries, next_retry
from kil_feed.scheduler.runtime import Runtime
from kil_feed.storage import job_runs
from kil_feed.timeutil import as_utc, iso_week, utcnow
from newsletter.build import build_issue
from newsletter.edit import approve_issue
from tests.newsletter.conftest import tune
from tests.newsletter.helpers import ledger
from tests.newsletter.world import make_world
from tests.scheduler.conftest import fast

GREY = "london@example.org"
LOST = "national@example.org"


def _runtime(settings: Settings, engine: Engine, url: str, **schedule: Any) -> Runtime:
    sending = tune(settings, smtp_url=url, max_attempts=1, retry_backoff=0, recheck_links=False)
    return Runtime(settings=fast(sending, **schedule), engine=engine)


def _approved(engine: Engine, settings: Settings) -> int:
    make_world(engine, now=utcnow())
    issue = build_issue(engine, settings)
    assert issue is not None
    approve_issue(engine, int(issue.id), settings=settings)  # type: ignore[arg-type]
    return int(issue.id)  # type: ignore[arg-type]


def _claim(rt: Runtime) -> str:
    with read_session(rt.engine) as session:
        claim = job_runs.get_claim(
            "send", iso_week(utcnow(), rt.settings.timezone), session=session
        )
    assert claim is not None
    return claim.status


def _started_hours_ago(rt: Runtime, hours: float) -> None:
    """Move the start of the send (its week claim) back: a day's wait without the day."""
    week = iso_week(utcnow(), rt.settings.timezone)
    with write_session(rt.engine) as session:
        claim = session.get(JobWeekClaim, ("send", week))
        assert claim is not None
        claim.claimed_at = utcnow() - timedelta(hours=hours)
        session.add(claim)


def _when_due(rt: Runtime) -> None:
    """Bring the next retry forward to now. The back-off waits as long as the send has
    already taken (tested below), which on a busy machine is many seconds a try: moving
    the send's start and its last try back by what is left keeps the back-off's own gap."""
    first = timedelta(minutes=rt.settings.schedule.retry_first_minutes)
    with write_session(rt.engine) as session:
        for claim in job_runs.claims_with_status("send", DEFERRED, session=session):
            run = session.get(JobRun, claim.job_run_id) if claim.job_run_id else None
            started = as_utc(claim.claimed_at)
            last = as_utc(run.finished_at) if run and run.finished_at else started
            left = max(next_retry(started, last, first) - utcnow(), timedelta(0))  # type: ignore[arg-type]
            claim.claimed_at = started - left  # type: ignore[operator]
            if run is not None and run.finished_at is not None:
                run.finished_at = last - left  # type: ignore[operator]
    assert any(not d.give_up for d in due_retries(rt)), "no retry came due"


def test_the_scheduler_retries_a_greylisted_subscriber_until_the_issue_is_sent(
    any_engine: Engine, any_settings: Settings, smtp_server: Any
) -> None:
    rt = _runtime(any_settings, any_engine, smtp_server.url, retry_first_minutes=0.005)
    issue_id = _approved(any_engine, rt.settings)
    smtp_server.defer(GREY, times=3, reply="451 4.7.1 Greylisted, try again later")
    first = execute(rt, "send")
    assert first.status == "deferred", first.detail  # not "ok": one reader has not got it
    assert "1 deferred (451 4.7.1 Greylisted" in first.detail and "for up to 24 h" in first.detail
    assert _claim(rt) == "deferred"
    statuses = []
    for _ in range(3):  # the 2nd and 3rd tries are greylisted too, the 4th gets through
        _when_due(rt)
        statuses.append(execute(rt, "retry").status)
    assert statuses == ["deferred", "deferred", "ok"]
    assert _claim(rt) == "done"
    with read_session(any_engine) as session:
        assert session.get(Issue, issue_id).status == "sent"  # type: ignore[union-attr]
    got = smtp_server.recipients()
    assert sorted(got) == sorted(set(got)) and GREY in got  # delivered rows never resent
    assert smtp_server.handler.rcpt_attempts[GREY.lower()] == 4
    assert due_retries(rt) == []
    assert execute(rt, "send").status == "skipped"  # once a week, still


def test_the_scheduler_gives_up_after_the_retry_time_and_never_resends_an_unconfirmed_copy(
    any_engine: Engine, any_settings: Settings, smtp_server: Any
) -> None:
    rt = _runtime(any_settings, any_engine, smtp_server.url, retry_first_minutes=0.005)
    issue_id = _approved(any_engine, rt.settings)
    smtp_server.defer(GREY, times=1000, reply="451 4.7.1 Greylisted, try again later")
    smtp_server.drop_for(LOST)  # stored, then the connection drops before the 250
    assert execute(rt, "send").status == "deferred"
    _when_due(rt)
    retried = execute(rt, "retry")
    assert retried.status == "deferred" and "1 unconfirmed not sent again" in retried.detail
    _started_hours_ago(rt, 25)  # the retry time (24 h by default) is over
    assert due_retries(rt) == [Due(iso_week(utcnow(), rt.settings.timezone), give_up=True)]
    ended = execute(rt, "retry")
    assert ended.status == "failed" and "gave up after" in ended.detail, ended.detail
    assert "1 deliveries failed, 1 still pending" in ended.detail
    assert _claim(rt) == "gave_up" and due_retries(rt) == []
    rows = {r.subscriber_id: r for r in ledger(any_engine, issue_id)}
    by_email = {r.status: r for r in rows.values() if r.status != "sent"}
    assert by_email["failed"].smtp_reply == (
        "gave up after 24 h of temporary failures: 451 4.7.1 Greylisted, try again later"
    )
    assert by_email["pending"].smtp_reply.startswith("no reply")  # type: ignore[union-attr]
    assert smtp_server.recipients().count(LOST) == 1  # the first send's one try: no retry added one
    with read_session(any_engine) as session:
        assert session.get(Issue, issue_id).status == "sending"  # type: ignore[union-attr]


def test_back_off_doubles_from_the_first_wait_up_to_a_cap() -> None:
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    first = timedelta(minutes=5)
    tries, last = [], start
    for _ in range(9):
        last = next_retry(start, last, first)
        tries.append(round((last - start).total_seconds() / 60))
    assert tries[:6] == [5, 10, 20, 40, 80, 160]
    gaps = [b - a for a, b in zip(tries, tries[1:], strict=False)]
    assert max(gaps) == MAX_WAIT.total_seconds() / 60


def test_schedule_run_send_that_leaves_a_reader_deferred_exits_75(
    cli: Any, engine: Engine, settings: Settings, smtp_server: Any, monkeypatch: Any
) -> None:
    """`kil schedule --run send` exits as `kil issue send` does when readers are deferred
    (75, to retry later); it exited 0, so a cron wrapper saw a finished send."""
    sending = {"SMTP_URL": smtp_server.url, "NEWSLETTER__MAX_ATTEMPTS": "1",
               "NEWSLETTER__RETRY_BACKOFF": "0", "NEWSLETTER__RECHECK_LINKS": "false"}  # fmt: skip
    for key, value in sending.items():
        monkeypatch.setenv(f"KIL_{key}", value)
    _approved(engine, settings)
    smtp_server.defer(GREY, times=3, reply="451 4.7.1 Greylisted, try again later")
    result = cli("schedule", "--run", "send", ok=False)
    assert result.exit_code == 75, result.output
    assert "send: deferred: " in result.stdout and "1 deferred (451 4.7.1" in result.stdout
