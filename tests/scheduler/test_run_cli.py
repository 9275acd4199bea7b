"""`kil run` as a real process: serves the web archive, runs the scheduler, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.scheduler.conftest import runs


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
            deadline = time.monotonic() + 20
            status = None
            while time.monotonic() < deadline:
                try:
                    status = httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code
                    if status == 200 and runs(engine, "housekeeping"):
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            assert status == 200, log.read_text()
            assert runs(engine, "housekeeping"), log.read_text()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    output = log.read_text()
    assert "leading:" in output and "scheduler stopped" in output
    assert "Traceback" not in output
    # no run was left half-done by the shutdown
    assert all(r.finished_at is not None for r in runs(engine))
