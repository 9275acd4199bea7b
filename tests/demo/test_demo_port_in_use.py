"""`kil demo` on a port in use refuses before it writes or removes anything."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kil_feed.demo.workspace import Workspace


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port some other program listens on (127.0.0.1)."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_a_refused_start_leaves_no_demo_folder(cli, tmp_path: Path, busy_port: int) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "x"
    result = cli("demo", "--dir", str(folder), "--port", str(busy_port), ok=False)
    assert result.exit_code == 5
    assert result.stderr.splitlines() == [
        f"error: port {busy_port} on 127.0.0.1 is in use (choose another with --port)"
    ]
    assert not folder.exists()


def test_a_refused_reset_keeps_the_previous_demo(cli, tmp_path: Path, busy_port: int) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace(tmp_path / "x")
    ws.create()
    ws.update_state(site_port=41234)
    result = cli("demo", "--dir", str(ws.root), "--port", str(busy_port), "--reset", ok=False)
    assert result.exit_code == 5
    assert ws.load_state() == {"site_port": 41234}
