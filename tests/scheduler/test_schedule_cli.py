"""`kil schedule` as real processes: --list, a stand-by that takes over, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kil_feed.db import make_engine
from tests.scheduler.conftest import runs
from tests.support.waiting import WAIT_SECONDS, wait_until

KIL = [sys.executable, "-m", "kil_feed"]


def test_list_shows_jobs_and_next_runs(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("schedule", "--list", "--json")
    jobs = json.loads(result.stdout)
    assert [j["job"] for j in jobs] == ["crawl", "build", "send", "housekeeping", "retry"]
    send = jobs[2]
    assert send["cron"] == "0 8 * * mon" and send["next_run"] and send["last_status"] is None
    assert "Scheduled jobs" in cli("schedule", "--list").stdout


def test_run_now_calls_the_job_and_logs_it(cli, engine) -> None:  # type: ignore[no-untyped-def]
    result = cli("schedule", "--run", "housekeeping")
    assert "housekeeping: ok" in result.stdout
    assert [r.status for r in runs(engine, "housekeeping")] == ["ok"]
    bad = cli("schedule", "--run", "nope", ok=False)
    assert bad.exit_code == 2 and "unknown job" in bad.output


def test_bad_cron_is_one_line_error(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KIL_SCHEDULE__SEND", "every monday")
    result = cli("schedule", ok=False)
    assert result.exit_code == 3 and "invalid cron expression" in result.output
    assert "Traceback" not in result.output


class Proc:
    """A `kil schedule` subprocess whose stdout is collected line by line."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str) -> None:
        self.log = cwd / f"{name}.out"
        self.handle = self.log.open("w")
        self.proc = subprocess.Popen(
            [*KIL, "schedule"], env=env, cwd=cwd, stdout=self.handle, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return self.log.read_text()

    def wait_for(self, text: str) -> None:
        wait_until(
            lambda: text in self.output() or self.proc.poll() is not None,
            f"{text!r} in the output",
            detail=lambda: f"output:\n{self.output()}",
        )
        assert text in self.output(), f"exited {self.proc.returncode} first:\n{self.output()}"

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(WAIT_SECONDS)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.handle.close()


@pytest.mark.slow
def test_a_second_scheduler_stands_by_and_takes_over_after_sigterm(  # type: ignore[no-untyped-def]
    any_settings, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "KIL_SCHEDULE__CRAWL": "",
        "KIL_SCHEDULE__BUILD": "",
        "KIL_SCHEDULE__SEND": "",
        "KIL_SCHEDULE__HOUSEKEEPING": "* * * * * *",
        "KIL_SCHEDULE__HEARTBEAT_SECONDS": "0.3",
        "KIL_SCHEDULE__LOCK_TTL_SECONDS": "3",
    }
    first = Proc(env, tmp_path, "first")
    second = None
    try:
        first.wait_for("leading:")
        second = Proc(env, tmp_path, "second")
        second.wait_for("stand-by: another scheduler is active")
        engine = make_engine(any_settings)
        try:

            def pids() -> list[str]:
                return [r.owner.rsplit(":", 1)[0].split(":", 1)[1] for r in runs(engine)]

            # while the first leads, the stand-by (retrying every 0.3 s) must not take over:
            # watch two more of the leader's every-second runs go by
            seen = pids().count(str(first.proc.pid))
            wait_until(lambda: pids().count(str(first.proc.pid)) >= seen + 2, "2 leader runs")
            assert "leading:" not in second.output()
            assert first.stop() == 0  # SIGTERM: a clean exit
            assert "scheduler stopped" in first.output() and "Traceback" not in first.output()
            second.wait_for("leading:")
            wait_until(lambda: str(second.proc.pid) in pids(), "a run by the new leader")
            owners = set(pids())
        finally:
            engine.dispose()
        assert owners == {str(first.proc.pid), str(second.proc.pid)}
        assert second.stop() == 0
        assert "scheduler stopped" in second.output()
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_status_shows_next_and_recent_scheduler_runs(cli, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KIL_SCHEDULE__SEND", "")
    cli("schedule", "--run", "housekeeping")
    cli("schedule", "--run", "send")
    data = json.loads(cli("status", "--json").stdout)["schedule"]
    assert dict((j["job"], j["next_run"]) for j in data["jobs"])["send"] is None
    assert [(r["job"], r["status"]) for r in data["recent_runs"]] == [
        ("send", "skipped"),
        ("housekeeping", "ok"),
    ]
    assert "no issue for" in data["recent_runs"][0]["detail"]
    out = cli("status").stdout
    assert "Recent scheduler runs" in out and "housekeeping" in out and "skipped" in out


@pytest.mark.slow
def test_a_stand_by_takes_over_from_a_leader_that_was_killed(  # type: ignore[no-untyped-def]
    any_settings, tmp_path: Path
) -> None:
    """SIGKILL leaves no chance to release: PostgreSQL drops the advisory lock with the
    connection at once, on SQLite the lock row lapses after `lock_ttl_seconds`."""
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "KIL_SCHEDULE__CRAWL": "",
        "KIL_SCHEDULE__BUILD": "",
        "KIL_SCHEDULE__SEND": "",
        "KIL_SCHEDULE__HOUSEKEEPING": "",
        "KIL_SCHEDULE__HEARTBEAT_SECONDS": "0.3",
        "KIL_SCHEDULE__LOCK_TTL_SECONDS": "2",
    }
    first = Proc(env, tmp_path, "first")
    second = None
    try:
        first.wait_for("leading:")
        second = Proc(env, tmp_path, "second")
        second.wait_for("stand-by: another scheduler is active")
        killed_at = time.monotonic()
        first.proc.kill()
        second.wait_for("leading:")
        # after the 2 s lock TTL (not the 60 s default), with slack for a busy machine
        assert time.monotonic() - killed_at < 2 + 20
        assert second.stop() == 0
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_an_unmigrated_database_is_a_clear_error(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KIL_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    result = cli("schedule", ok=False)
    assert result.exit_code == 8 and "kil db upgrade" in result.output


def test_run_help_names_every_job(cli) -> None:  # type: ignore[no-untyped-def]
    """`--run retry` works; the help listed every job but it."""
    from kil_feed.scheduler import JOB_NAMES

    text = " ".join(cli("schedule", "--help").output.split())
    assert f"Run one job ({', '.join(JOB_NAMES)}) now." in text
