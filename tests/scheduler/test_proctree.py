"""The hard time limit kills the whole tree of a hung child, and the next child still runs."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import psutil

from kil_feed.scheduler.proctree import Children, kill_tree, run_limited
from tests.support.waiting import WAIT_SECONDS, wait_until

# A child that starts a grandchild, prints both pids and hangs.
HANG = """
import subprocess, sys, time
g = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(g.pid, flush=True)
time.sleep(600)
"""


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_hung_child_and_its_grandchild_are_killed_at_the_limit() -> None:
    started = time.monotonic()
    # 3 s: time enough for the child to start its grandchild even on a busy machine
    result = run_limited([sys.executable, "-c", HANG], time_limit=3)
    elapsed = time.monotonic() - started
    assert result.timed_out and not result.interrupted
    assert 3 <= elapsed < 3 + 30  # the limit, then SIGTERM's grace at most (and slack)
    assert result.stdout.split(), "killed before it started its grandchild: limit too short"
    grandchild = int(result.stdout.split()[0])
    assert _gone(grandchild)
    # and the next one runs normally
    after = run_limited(
        [sys.executable, "-c", "import sys; print(sys.stdin.read())"], input="hi", time_limit=10
    )
    assert (after.returncode, after.stdout.strip(), after.timed_out) == (0, "hi", False)


def test_a_child_that_ignores_sigterm_is_killed() -> None:
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ignoring', flush=True); time.sleep(600)"
    )
    with subprocess.Popen(
        [sys.executable, "-c", stubborn], stdout=subprocess.PIPE, text=True, start_new_session=True
    ) as proc:
        assert proc.stdout is not None and proc.stdout.readline() == "ignoring\n"  # ready
        kill_tree(proc, grace=0.5)  # what run_limited does at the limit
        assert proc.wait(WAIT_SECONDS) == -signal.SIGKILL


def test_shutdown_interrupts_running_children() -> None:
    children = Children()
    holder: dict[str, object] = {}

    def run() -> None:
        holder["result"] = run_limited(
            [sys.executable, "-c", "import time; time.sleep(600)"], time_limit=60, children=children
        )

    thread = threading.Thread(target=run)
    thread.start()
    wait_until(lambda: children.kill_all() == 1, "the running child ended by kill_all")
    thread.join(WAIT_SECONDS)
    result = holder["result"]
    assert result.interrupted and not result.timed_out  # type: ignore[attr-defined]
