"""Several senders of one issue on PostgreSQL (#19): leased rows claimed with SKIP LOCKED,
leases that run out, one rate and one pause for all, and three real sender processes of
which one is killed twice."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kil_feed.config import NewsletterSettings, Settings
from kil_feed.db import make_engine, read_session, write_session, writer
from kil_feed.models import Issue, SendState, Subscriber
from kil_feed.storage import leases
from kil_feed.storage.deliveries import Outcome, record_outcomes
from kil_feed.timeutil import utcnow
from newsletter.ledgerwriter import GroupCommitter, Result
from newsletter.send import send_issue
from tests.conftest import _truncate_postgres
from tests.newsletter.conftest import tune
from tests.newsletter.helpers import approved_issue, kil_process, ledger
from tests.newsletter.world import make_world
from tests.support.countingsink import CountingSink

pytestmark = pytest.mark.postgres
# every wait on a whole `kil` process: its start-up alone took 17-33 s under two CPU hogs
# and went past 60 s on CI at load 14 (the 34 messages it then sends take under 1 s)
KIL_PROCESS_SECONDS = 140
SETUP_SECONDS = 60  # the test's own work besides its `kil` processes: the issue, the ledger


def _fits(processes: float) -> pytest.MarkDecorator:
    """pytest-timeout's limit for a test that waits for `processes` whole `kil` processes
    one after another (300 s, the default, held one such wait of 140 s and little more)."""
    return pytest.mark.timeout(processes * KIL_PROCESS_SECONDS + SETUP_SECONDS)


def _left(deadline: float) -> float:
    """The seconds until `deadline` (time.monotonic), at least a few: several waits on one
    process share its margin."""
    return max(deadline - time.monotonic(), 1.0)


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL only: what these tests exercise does not exist on SQLite."""
    _truncate_postgres(postgres_url)
    return postgres_url


@pytest.fixture
def sink() -> Iterator[CountingSink]:
    server = CountingSink().start()
    yield server
    server.stop()


def _subscribers(engine: Engine, n: int) -> None:
    regions = ["North West", "London", "Scotland"]
    with write_session(engine) as s:
        s.add_all(
            Subscriber(
                email=f"many{i:05d}@example.org",
                status="confirmed",
                regions=[regions[i % 3]] if i % 4 else [],
            )
            for i in range(n)
        )


def _sending_issue(engine: Engine, settings: Settings, subscribers: int) -> int:
    """An issue whose ledger exists (status `sending`) and nothing sent yet."""
    make_world(engine)
    _subscribers(engine, subscribers)
    issue_id = approved_issue(engine, settings)
    send_issue(engine, settings, issue_id, limit=0)  # creates the ledger, sends nothing
    return issue_id


def _wait(what: str, cond: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_concurrent_claims_never_share_a_row(any_engine: Engine, any_settings: Settings) -> None:
    issue_id = _sending_issue(any_engine, any_settings, 400)
    got: dict[str, list[int]] = {"a": [], "b": [], "c": []}

    def claim(owner: str) -> None:
        while True:
            with writer(any_engine).begin() as conn:
                rows = leases.claim_batch(issue_id, owner, 7, 60, session=conn)
            if not rows:
                return
            got[owner] += [r.delivery_id for r in rows]

    threads = [threading.Thread(target=claim, args=(o,)) for o in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    claimed = got["a"] + got["b"] + got["c"]
    assert len(claimed) == len(set(claimed)) == 404  # 4 world subscribers + 400
    assert all(got.values()), "every claimer should have had a share"


def test_ledger_marks_in_one_statement_or_a_transaction_and_the_pool_gets_its_connection_back(
    any_engine: Engine, any_settings: Settings
) -> None:
    issue_id = _sending_issue(any_engine, any_settings, 6)
    rows = ledger(any_engine, issue_id)
    engine = make_engine(any_settings.database_url, pool_size=1, max_overflow=0)
    try:
        committer = GroupCommitter(engine, lambda batch: None)
        sent = [Result(r.id, r.subscriber_id, "sent", 1, f"<m{r.id}@x>", 250, "ok") for r in rows]
        for result in sent[:-1]:
            committer.record(result)
        committer.record(replace(sent[-1], status="failed", code=550, reply="5.7.1 no"))
        committer.close()
        with engine.connect() as conn:  # the pool's only connection: the committer's
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
    finally:
        engine.dispose()
    marks = {
        r.id: (r.status, r.message_id, r.sent_at is not None) for r in ledger(any_engine, issue_id)
    }
    assert marks == {
        **{r.id: ("sent", f"<m{r.id}@x>", True) for r in rows[:-1]},
        rows[-1].id: ("failed", f"<m{rows[-1].id}@x>", False),
    }


def test_rows_of_a_sender_whose_lease_ran_out_are_sent_by_another(
    any_engine: Engine, any_settings: Settings, sink: CountingSink
) -> None:
    issue_id = _sending_issue(any_engine, any_settings, 20)
    with writer(any_engine).begin() as conn:  # a sender on another machine took 10, then died
        taken = leases.claim_batch(issue_id, "elsewhere:1:dead01", 10, 1.5, session=conn)
    ids = {t.delivery_id for t in taken}
    expiry = {r.id: r.lease_expires_at for r in ledger(any_engine, issue_id) if r.id in ids}
    report = send_issue(any_engine, tune(any_settings, smtp_url=sink.url), issue_id)
    assert report.sent == 24 and report.status == "sent" and report.pending == 0
    assert {mid_count for mid_count in sink.per_recipient().values()} == {1}
    sent = {r.id: r.sent_at for r in ledger(any_engine, issue_id) if r.status == "sent"}
    # it waited for the lease to run out (the database's clock on this machine, not a
    # stopwatch started after the claim, which a loaded machine could start late)
    assert all(sent[i] >= expiry[i] for i in ids), (sent, expiry)  # type: ignore[operator]


def test_rows_of_a_dead_sender_on_this_machine_are_freed_without_waiting(
    any_engine: Engine, any_settings: Settings, sink: CountingSink
) -> None:
    issue_id = _sending_issue(any_engine, any_settings, 10)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(30)
    owner = f"{socket.gethostname()}:{gone.pid}:dead02"
    with writer(any_engine).begin() as conn:
        leases.claim_batch(issue_id, owner, 14, 3600, session=conn)
    report = send_issue(any_engine, tune(any_settings, smtp_url=sink.url), issue_id)
    assert report.sent == 14 and report.status == "sent"


def test_live_holder_is_waited_for_not_robbed(
    any_engine: Engine, any_settings: Settings, sink: CountingSink
) -> None:
    issue_id = _sending_issue(any_engine, any_settings, 10)
    owner = f"{socket.gethostname()}:{os.getpid()}:alive3"  # this very process: alive
    with writer(any_engine).begin() as conn:
        taken = leases.claim_batch(issue_id, owner, 4, 3600, session=conn)
    assert len(taken) == 4
    seen: list[int] = []
    waited: list[str] = []

    def holder() -> None:
        """Give the rows back once the send has sent every free row and waits for them
        (an event, not a timer: a 1 s timer raced the send on a loaded machine). Given back
        even when that wait fails, or the send would wait an hour for the live holder."""
        try:
            _wait("the free rows sent", lambda: _sent(any_engine, issue_id) == 10, 120)
            seen.append(sink.count())
        except AssertionError as exc:
            waited.append(str(exc))
        finally:
            _release(any_engine, issue_id, owner)

    releaser = threading.Thread(target=holder)
    releaser.start()
    report = send_issue(any_engine, tune(any_settings, smtp_url=sink.url), issue_id)
    releaser.join()  # it ends once it has given the rows back, which the send waited for
    assert not waited, waited
    assert seen == [10], "the held rows were sent before their holder gave them back"
    # the 4 held rows were sent only once their holder gave them back, by this send
    assert report.sent == 14 and report.status == "sent"
    assert {r.status for r in ledger(any_engine, issue_id)} == {"sent"}


def test_rows_given_back_while_a_claim_skips_them_are_still_sent(
    any_engine: Engine,
    any_settings: Settings,
    sink: CountingSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A holder giving its rows back while our claim skipped them (locked: SKIP LOCKED) and
    committing before we asked who still holds rows: none held, none claimed, and the send
    ended with them pending (seen once with a release on a timer on a loaded machine)."""
    issue_id = _sending_issue(any_engine, any_settings, 10)
    owner = f"{socket.gethostname()}:{os.getpid()}:alive5"
    with writer(any_engine).begin() as conn:
        assert len(leases.claim_batch(issue_id, owner, 4, 3600, session=conn)) == 4
    giving_back = writer(any_engine).connect()  # the release in progress: rows locked
    giving_back.begin()
    leases.release_leases(issue_id, owner, session=giving_back)
    claim_batch = leases.claim_batch

    def claim_while_given_back(*args: Any, **kwargs: Any) -> list[Any]:
        rows = claim_batch(*args, **kwargs)
        if not rows and giving_back.in_transaction():
            giving_back.commit()  # the holder's commit lands right after our claim
        return rows

    monkeypatch.setattr(leases, "claim_batch", claim_while_given_back)
    try:
        report = send_issue(any_engine, tune(any_settings, smtp_url=sink.url), issue_id)
    finally:
        giving_back.close()
    assert (report.sent, report.pending, report.status) == (14, 0, "sent")


def _sent(engine: Engine, issue_id: int) -> int:
    return sum(r.status == "sent" for r in ledger(engine, issue_id))


def _release(engine: Engine, issue_id: int, owner: str) -> None:
    with writer(engine).begin() as conn:
        leases.release_leases(issue_id, owner, session=conn)


def _senders(n: int, engine: Engine, settings: Settings, issue_id: int, **kw: Any) -> list[Any]:
    """`n` sends of the issue at once (threads of this process); their reports."""
    reports: list[Any] = []
    threads = [
        threading.Thread(
            target=lambda: reports.append(send_issue(engine, settings, issue_id, **kw))
        )
        for _ in range(n)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return reports


def test_the_rate_holds_across_senders(
    any_engine: Engine, any_settings: Settings, sink: CountingSink
) -> None:
    issue_id = _sending_issue(any_engine, any_settings, 56)  # 60 messages
    settings = tune(any_settings, smtp_url=sink.url, smtp_connections=1)  # claims of 25 rows
    reports = _senders(3, any_engine, settings, issue_id, rate=20.0)
    times = sorted(sink.times())
    assert len(times) == 60 and sum(r.sent for r in reports) == 60
    assert sum(1 for r in reports if r.sent) >= 2, "the senders should have shared the work"
    # 60 starts at 20/s for all three together take 2.95 s; each at 20/s alone, they would
    # take 1.25 s (25 + 25 + 10). A message may start late on a busy machine, never early:
    # the margin is for a first message late by up to 0.95 s (with 30 messages and 0.1 s,
    # a first one late by 0.14 s once failed a correct send)
    assert times[-1] - times[0] >= 59 / 20 - 0.95


def test_error_rate_pause_stops_every_sender_and_a_new_send_lifts_it(
    any_engine: Engine, any_settings: Settings, smtp_server: Any
) -> None:
    issue_id = _sending_issue(any_engine, any_settings, 60)
    for i in range(0, 60, 2):  # half the addresses refused for good
        smtp_server.reject(f"many{i:05d}@example.org", "550 5.7.1 Refused")
    # one connection: claims of 25 rows, so both senders have rows (with 4, the first claims
    # all 64 and the other, finding none, ends before the pause instead of being stopped by it)
    settings = tune(any_settings, smtp_url=smtp_server.url, smtp_connections=1)
    reports = _senders(2, any_engine, settings, issue_id, rate=100.0)
    assert len(reports) == 2 and all(r.paused for r in reports)
    assert all("deliveries failed" in r.message for r in reports)
    with read_session(any_engine) as s:
        state = s.get(SendState, issue_id)
        assert state is not None and state.paused_reason
        assert s.get(Issue, issue_id).status == "sending"  # type: ignore[union-attr]
    attempted = sum(r.attempted for r in reports)
    assert attempted < 40, "both senders should have stopped soon after the pause"
    smtp_server.reset()
    again = send_issue(any_engine, settings, issue_id)  # the editor fixed it: resume
    assert not again.paused and again.status == "sent"


def test_senders_count_the_copies_they_send_again_after_a_lost_reply(
    any_engine: Engine, any_settings: Settings, smtp_server: Any
) -> None:
    issue_id = _sending_issue(any_engine, any_settings, 26)  # 30 rows
    lost = [f"many{i:05d}@example.org" for i in (3, 14, 25)]
    for address in lost:  # the server stores each copy and hangs up before its 250
        smtp_server.drop_for(address)
    settings = tune(any_settings, smtp_url=smtp_server.url, smtp_connections=1)
    first = send_issue(any_engine, settings, issue_id)
    assert (first.sent, first.unconfirmed, first.pending) == (27, 3, 3)
    smtp_server.reset()  # the server is fixed: the next run tries the deferred rows
    reports = _senders(2, any_engine, settings, issue_id)
    assert sum(r.sent for r in reports) == 3
    assert sum(r.resent_unconfirmed for r in reports) == 3  # counted by whoever sent them
    told = [r.message for r in reports if r.resent_unconfirmed]
    assert told and all("after an unconfirmed copy (they may get it twice)" in m for m in told)
    assert sorted(smtp_server.recipients()) == lost


@_fits(processes=2)
def test_worker_send_joins_a_send_begun_elsewhere(
    any_engine: Engine, any_settings: Settings, sink: CountingSink
) -> None:
    issue_id = _sending_issue(any_engine, any_settings, 30)
    proc = kil_process(any_settings, sink.url, "worker", "send", "--once")
    out, err = proc.communicate(timeout=KIL_PROCESS_SECONDS)  # its exit is the event
    assert proc.returncode == 0, err.decode()
    assert f"issue {issue_id}: 34 sent" in out.decode()
    with read_session(any_engine) as s:
        assert s.get(Issue, issue_id).status == "sent"  # type: ignore[union-attr]
    again = kil_process(any_settings, sink.url, "worker", "send", "--once")
    out, _ = again.communicate(timeout=KIL_PROCESS_SECONDS)
    assert again.returncode == 0 and "nothing to do" in out.decode()


def test_worker_send_on_sqlite_refuses_in_one_line(cli: Any) -> None:
    result = cli("worker", "send", "--once", ok=False)
    assert result.exit_code == 3
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "send workers need PostgreSQL" in lines[0]


def _sent_marks(engine: Engine) -> None:
    """Count in a table every time the issue turns `sent` (a trigger: what any process did)."""
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS test_sent_mark (issue_id int, at timestamptz)"
        )
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION test_note_sent() RETURNS trigger AS $$ BEGIN "
            "INSERT INTO test_sent_mark VALUES (NEW.id, clock_timestamp()); RETURN NEW; END "
            "$$ LANGUAGE plpgsql"
        )
        conn.exec_driver_sql(
            "CREATE OR REPLACE TRIGGER test_sent AFTER UPDATE OF status ON issue FOR EACH ROW "
            "WHEN (NEW.status = 'sent') EXECUTE FUNCTION test_note_sent()"
        )


def _drop_sent_marks(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS test_sent ON issue")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS test_note_sent()")
        conn.exec_driver_sql("DROP TABLE IF EXISTS test_sent_mark")


@pytest.mark.slow
@_fits(processes=4)  # five processes, which overlap: one margin for start-up, three to send
def test_three_senders_one_killed_twice_miss_nobody(
    any_engine: Engine, any_settings: Settings, sink: CountingSink
) -> None:
    subscribers = 5000
    make_world(any_engine)
    _subscribers(any_engine, subscribers - 4)
    issue_id = approved_issue(any_engine, any_settings)
    _sent_marks(any_engine)
    connections = NewsletterSettings.model_fields["smtp_connections"].default
    env = {
        "KIL_NEWSLETTER__LEASE_SECONDS": "2",
        "KIL_NEWSLETTER__SMTP_CONNECTIONS": str(connections),
    }
    deadline = time.monotonic() + 4 * KIL_PROCESS_SECONDS  # for every wait below
    try:
        # two editors' sends start at once (one creates the ledger), a worker joins later
        a = kil_process(any_settings, sink.url, "issue", "send", str(issue_id), env=env)
        b = kil_process(any_settings, sink.url, "issue", "send", str(issue_id), env=env)
        _wait("the first messages", lambda: sink.count() >= 200, _left(deadline))
        c = kil_process(any_settings, sink.url, "worker", "send", "--once", env=env)
        victim = a
        for at in (1500, 3000):  # kill a sender, start another; kill that one too
            _wait(f"{at} messages", lambda at=at: sink.count() >= at, _left(deadline))
            assert victim.poll() is None, "the victim finished before it could be killed"
            victim.send_signal(signal.SIGKILL)
            victim.communicate(timeout=KIL_PROCESS_SECONDS)  # reaps it, closes its pipes
            assert victim.returncode == -signal.SIGKILL
            victim = kil_process(any_settings, sink.url, "worker", "send", "--once", env=env)
        survivors = [b, c, victim]
        for proc in survivors:
            out, err = proc.communicate(timeout=_left(deadline))
            assert proc.returncode == 0, err.decode()
            assert b"Traceback" not in err
        got = sink.per_recipient()
        recipients = {rcpt for rcpt, _ in got}
        assert len(recipients) == subscribers, "nobody missed"
        assert len(got) == subscribers, "one Message-ID per recipient"
        duplicates = sum(got.values()) - subscribers
        bound = 2 * connections  # two kills, one accepted-but-unrecorded per connection each
        assert duplicates <= bound, f"{duplicates} duplicates: more than one per connection"
        rows = ledger(any_engine, issue_id)
        assert len(rows) == subscribers and {r.status for r in rows} == {"sent"}
        with read_session(any_engine) as s:
            issue = s.get(Issue, issue_id)
            assert issue is not None and issue.status == "sent" and issue.sent_at is not None
        with any_engine.connect() as conn:
            marks = conn.execute(sa.text("SELECT count(*) FROM test_sent_mark")).scalar()
        assert marks == 1, f"the issue turned sent {marks} times"
    finally:
        _drop_sent_marks(any_engine)


def _lock_row(engine: Engine, delivery_id: int) -> sa.engine.Connection:
    """A connection whose open transaction holds delivery row `delivery_id` locked."""
    conn = engine.connect()
    conn.begin()
    conn.execute(sa.text("SELECT id FROM delivery WHERE id = :id FOR UPDATE"), {"id": delivery_id})
    return conn


def test_the_lease_heartbeat_skips_a_row_a_commit_holds_and_never_waits(
    any_engine: Engine, any_settings: Settings
) -> None:
    """Waiting on a row that the ledger writer's commit held, the heartbeat and that commit
    could lock the same rows in different orders: PostgreSQL then failed one (a deadlock)."""
    issue_id = _sending_issue(any_engine, any_settings, 6)
    with writer(any_engine).begin() as conn:
        held = [r.delivery_id for r in leases.claim_batch(issue_id, "me", 10, 60, session=conn)]
    committing = _lock_row(any_engine, held[2])
    try:
        with writer(any_engine).begin() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '5s'")  # waiting: an error
            renewed = leases.renew_leases(issue_id, "me", 60, session=conn)
    finally:
        committing.close()
    assert renewed == len(held) - 1


def test_ledger_commits_lock_their_rows_in_id_order(
    any_engine: Engine, any_settings: Settings
) -> None:
    """A commit waiting for one row holds none above it: two commits of overlapping rows
    (a lease taken over after it ran out) wait for each other in turn, never in a cycle."""
    issue_id = _sending_issue(any_engine, any_settings, 6)
    ids = [r.id for r in ledger(any_engine, issue_id)][:3]
    low, middle, high = ids
    with any_engine.begin() as conn:  # rows updated before lie out of id order on disk
        conn.execute(sa.text("UPDATE delivery SET attempts = attempts WHERE id = :id"), {"id": low})
    blocker = _lock_row(any_engine, middle)
    outcomes = [
        leases_outcome(delivery_id)
        for delivery_id in (high, middle, low)  # unsorted batch
    ]
    errors: list[BaseException] = []

    def commit() -> None:
        try:
            with writer(any_engine).begin() as conn:
                record_outcomes(outcomes, session=conn)
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)

    thread = threading.Thread(target=commit)
    thread.start()
    try:
        _wait("the commit to wait for the held row", lambda: _waiting_for_a_row(any_engine))
        # the commit holds the row below the one it waits for, and not the one above
        assert _locked_elsewhere(blocker, low)
        assert not _locked_elsewhere(blocker, high)
    finally:
        blocker.close()
        thread.join(30)
    assert errors == []
    statuses = {r.id: r.status for r in ledger(any_engine, issue_id)}
    assert [statuses[i] for i in ids] == ["sent"] * 3


def leases_outcome(delivery_id: int) -> Outcome:
    return Outcome(delivery_id, "sent", 1, f"<m{delivery_id}@x>", 250, "ok", utcnow())


def _waiting_for_a_row(engine: Engine) -> bool:
    with engine.connect() as conn:
        waiting = conn.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
        ).scalar_one()
    return bool(waiting)


def _locked_elsewhere(conn: sa.engine.Connection, delivery_id: int) -> bool:
    """Whether another transaction holds the row (tried without waiting, in a savepoint)."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(
            sa.text("SELECT id FROM delivery WHERE id = :id FOR UPDATE NOWAIT"), {"id": delivery_id}
        )
    except sa.exc.OperationalError:
        savepoint.rollback()
        return True
    savepoint.rollback()
    return False


def test_a_send_longer_than_the_lease_never_claims_again_the_rows_it_deferred(
    any_engine: Engine, any_settings: Settings, smtp_server: Any
) -> None:
    """A deferred row waits for the next run, not for a lease: freed after LEASE_SECONDS,
    the same run took it again and sent a lost-reply row two more copies."""
    issue_id = _sending_issue(any_engine, any_settings, 26)  # 30 rows
    lost, grey = "many00000@example.org", "many00001@example.org"
    smtp_server.drop_for(lost)  # every copy stored, the reply never comes
    smtp_server.defer(grey, times=100, reply="451 4.7.1 Greylisted")
    settings = tune(
        any_settings,
        smtp_url=smtp_server.url,
        smtp_connections=1,
        lease_seconds=1,
        retry_backoff=0.01,
        max_attempts=2,
    )
    started = time.monotonic()
    report = send_issue(any_engine, settings, issue_id, rate=10.0)  # ~3 s: three leases
    assert time.monotonic() - started > 2.5
    assert smtp_server.recipients().count(lost) == 2, "a lost-reply row: two copies in all"
    assert smtp_server.handler.rcpt_attempts[grey] == 2  # max_attempts, once
    assert (report.sent, report.deferred, report.unconfirmed) == (28, 2, 1)
    assert report.pending == 2 and report.exit_code == 75
    # the next run an editor starts retries them at once, not after a lease
    smtp_server.reset()
    again = send_issue(any_engine, settings, issue_id)
    assert (again.sent, again.resent_unconfirmed, again.status) == (2, 1, "sent")
    assert sorted(smtp_server.recipients()) == [lost, grey]


@_fits(processes=2)
def test_worker_send_that_leaves_rows_deferred_exits_75_as_issue_send_does(
    any_engine: Engine, any_settings: Settings, smtp_server: Any
) -> None:
    issue_id = _sending_issue(any_engine, any_settings, 6)
    smtp_server.defer("many00002@example.org", times=100, reply="451 4.7.1 Greylisted")
    env = {"KIL_NEWSLETTER__MAX_ATTEMPTS": "2"}
    proc = kil_process(any_settings, smtp_server.url, "worker", "send", "--once", env=env)
    out, err = proc.communicate(timeout=KIL_PROCESS_SECONDS)
    assert proc.returncode == 75, err.decode()
    assert f"issue {issue_id}: 9 sent, 1 deferred (451 4.7.1 Greylisted)" in out.decode()
    assert b"Traceback" not in err
    again = kil_process(any_settings, smtp_server.url, "worker", "send", "--once", env=env)
    out, _ = again.communicate(timeout=KIL_PROCESS_SECONDS)  # the deferred row: next run
    assert again.returncode == 0 and "nothing to do" in out.decode()


@_fits(processes=2)
def test_the_next_issue_send_retries_deferred_rows_at_once_not_after_the_lease(
    any_engine: Engine, any_settings: Settings, smtp_server: Any
) -> None:
    """It found every pending row waiting out a lease (60 s), sent nothing and exited 0
    with a tick; the rows only waited for a run, and this is one."""
    issue_id = _sending_issue(any_engine, any_settings, 6)
    grey = "many00003@example.org"
    smtp_server.defer(grey, times=1, reply="451 4.7.1 Greylisted")
    env = {"KIL_NEWSLETTER__MAX_ATTEMPTS": "1", "KIL_NEWSLETTER__LEASE_SECONDS": "60"}
    first = kil_process(any_settings, smtp_server.url, "issue", "send", str(issue_id), env=env)
    out, err = first.communicate(timeout=KIL_PROCESS_SECONDS)
    assert first.returncode == 75, err.decode()
    assert "9 sent, 1 deferred (451 4.7.1 Greylisted)" in out.decode()
    again = kil_process(any_settings, smtp_server.url, "issue", "send", str(issue_id), env=env)
    out, err = again.communicate(timeout=KIL_PROCESS_SECONDS)
    assert again.returncode == 0, err.decode()
    done = "1 sent, 9 sent earlier, of 10 subscribers; 0 still pending, status sent"
    assert f"issue {issue_id}: {done}" in out.decode()
    assert smtp_server.recipients().count(grey) == 1


def test_a_send_that_joins_a_live_sender_says_so_and_its_report_names_it(
    any_engine: Engine, any_settings: Settings, sink: CountingSink
) -> None:
    """`kil issue send` while another live process holds rows: one warning line before it
    waits for them (it used to wait in silence), `other_senders` in --json."""
    issue_id = _sending_issue(any_engine, any_settings, 10)
    owner = f"{socket.gethostname()}:{os.getpid()}:alive4"  # this very process: alive
    with writer(any_engine).begin() as conn:
        assert len(leases.claim_batch(issue_id, owner, 4, 3600, session=conn)) == 4
    proc = kil_process(any_settings, sink.url, "issue", "send", str(issue_id), "--json")
    deadline = time.monotonic() + KIL_PROCESS_SECONDS  # one process: its waits share it
    ready, _, _ = select.select([proc.stderr], [], [], _left(deadline))  # it used to be silent
    assert ready, "no line on stderr while the send waited for the other sender's rows"
    first = proc.stderr.readline().decode()  # type: ignore[union-attr]
    assert first.startswith(f"warning: issue {issue_id} is already being sent by 1 other ")
    assert f"sender ({owner}): this send joins it" in first
    _wait("the free rows sent", lambda: len(sink.handler.received) >= 10, _left(deadline))
    _release(any_engine, issue_id, owner)  # the other sender ends, leaving its 4 rows
    out, err = proc.communicate(timeout=_left(deadline))
    assert proc.returncode == 0, err.decode()
    report = json.loads(out)
    assert report["other_senders"] == [owner] and report["sent"] == 14
    assert f"sent together with 1 other sender ({owner})" in report["message"]
    assert report["status"] == "sent"
