"""`kil serve` starts uvicorn with the web app on the given host and port."""

from __future__ import annotations

import pytest

from tests.support.webdata import Archive
from tests.web.liveserver import serve_subprocess


def test_serve_help(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("serve", "--help")
    assert "--host" in result.output and "--port" in result.output


@pytest.mark.slow
def test_kil_serve_answers_http(kil_env, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    import httpx

    with serve_subprocess(kil_env) as base:
        home = httpx.get(base + "/", timeout=10)
        assert home.status_code == 200 and "Keep it Local" in home.text
        assert httpx.get(base + "/api/jobs", timeout=10).json()["total"] == 3


@pytest.mark.parametrize("command", ["serve", "run"])
def test_a_port_in_use_is_one_line(cli, kil_env, command) -> None:  # type: ignore[no-untyped-def]
    """uvicorn's own start-up logs and an `ERROR: [Errno 98] error while attempting to bind`
    line, exit 3, where `kil demo` says it in one line."""
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = cli(command, "--host", "127.0.0.1", "--port", str(port), ok=False)
    assert result.exit_code == 5
    assert result.stderr.splitlines() == [
        f"error: port {port} on 127.0.0.1 is in use (choose another with --port)"
    ]
