"""Run `kil serve` as a real subprocess on a free loopback port, for HTTP and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.support.waiting import WAIT_SECONDS, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return False
    return True


@contextmanager
def serve_subprocess(
    env: dict[str, str], timeout: float = WAIT_SECONDS, extra_args: tuple[str, ...] = ()
) -> Iterator[str]:
    """`kil serve --host 127.0.0.1 --port N` with `env` (KIL_* settings) and `extra_args`
    (e.g. `--workers 2`); yields its base URL once it answers. Its output goes to a file (a
    pipe nobody reads could fill and block it) and is shown if it fails to start."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    full_env = {**os.environ, **env, "KIL_BASE_URL": base}
    argv = [sys.executable, "-m", "kil_feed", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with (
        tempfile.TemporaryFile() as log,
        subprocess.Popen(
            [*argv, *extra_args], env=full_env, stdout=log, stderr=subprocess.STDOUT
        ) as proc,
    ):

        def output() -> str:
            log.seek(0)
            return f"kil serve exited {proc.returncode}; its output:\n" + log.read().decode(
                errors="replace"
            )

        try:
            wait_until(
                lambda: proc.poll() is not None or _answers(base + "/robots.txt"),
                f"kil serve answering on {base}",
                timeout=timeout,
                detail=output,
            )
            if proc.poll() is not None:
                raise AssertionError(output())
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
