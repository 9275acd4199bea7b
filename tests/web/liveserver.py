"""Run `kil serve` as a real subprocess on a free loopback port, for HTTP and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_subprocess(
    env: dict[str, str], timeout: float = 20.0, extra_args: tuple[str, ...] = ()
) -> Iterator[str]:
    """`kil serve --host 127.0.0.1 --port N` with `env` (KIL_* settings) and `extra_args`
    (e.g. `--workers 2`); yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    full_env = {**os.environ, **env, "KIL_BASE_URL": base}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kil_feed",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *extra_args,
        ],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"kil serve exited {proc.returncode}:\n{output}")
            try:
                httpx.get(base + "/robots.txt", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("kil serve did not start in time") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
