"""`kil run` as a real process: serves the web archive, runs the scheduler, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.scheduler.conftest import runs
from tests.support.waiting import WAIT_SECONDS, wait_until


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_kil_run_serves_and_schedules_and_stops_cleanly(  # type: ignore[no-untyped-def]
    kil_env, engine, tmp_path: Path
) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "KIL_SCHEDULE__CRAWL": "",
        "KIL_SCHEDULE__BUILD": "",
        "KIL_SCHEDULE__SEND": "",
        "KIL_SCHEDULE__HOUSEKEEPING": "* * * * * *",
        "KIL_SCHEDULE__HEARTBEAT_SECONDS": "0.3",
    }
    log = tmp_path / "run.out"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kil_feed", "run", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:

            def home() -> int | None:
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code
                except httpx.TransportError:
                    return None

            wait_until(
                lambda: proc.poll() is not None or (home() == 200 and runs(engine, "housekeeping")),
                "the web archive answering and a housekeeping run",
                detail=log.read_text,
            )
            assert proc.poll() is None, log.read_text()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(WAIT_SECONDS) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    output = log.read_text()
    assert "leading:" in output and "scheduler stopped" in output
    assert "Traceback" not in output
    # no run was left half-done by the shutdown
    assert all(r.finished_at is not None for r in runs(engine))
