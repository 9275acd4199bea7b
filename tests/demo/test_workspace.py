"""The demo folder: created, reset only when it is ours, environment pinned and restored."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from kil_feed.demo.workspace import Workspace, environment, site_clock
from kil_feed.errors import ConflictError
from kil_feed.timeutil import utcnow


def test_reset_removes_only_a_demo_folder(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "demo")
    assert ws.reset() is False  # nothing there yet
    ws.create()
    (ws.root / "kil.db").write_bytes(b"x")
    assert ws.reset() is True and not ws.root.exists()

    other = tmp_path / "precious"
    other.mkdir()
    (other / "thesis.txt").write_text("do not delete")
    with pytest.raises(ConflictError, match="not a kil demo folder"):
        Workspace(other).reset()
    with pytest.raises(ConflictError, match="not a kil demo folder"):
        Workspace(other).create()
    assert (other / "thesis.txt").read_text() == "do not delete"


def test_state_survives_between_runs(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "demo")
    ws.create()
    ws.update_state(site_port=41234)
    assert Workspace(tmp_path / "demo").load_state() == {"site_port": 41234}


def test_environment_pins_the_demo_and_restores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIL_DATABASE_URL", "postgresql+psycopg://prod/kil")
    monkeypatch.setenv("KIL_NEWSLETTER__MAX_JOBS", "3")
    ws = Workspace(tmp_path / "demo")
    with environment(ws.env("http://127.0.0.1:8000")):
        assert os.environ["KIL_DATABASE_URL"].startswith("sqlite:///")
        assert "KIL_NEWSLETTER__MAX_JOBS" not in os.environ
        assert os.environ["KIL_DEMO"] == "true"
    assert os.environ["KIL_DATABASE_URL"] == "postgresql+psycopg://prod/kil"
    assert os.environ["KIL_NEWSLETTER__MAX_JOBS"] == "3"
    assert "KIL_DEMO" not in os.environ


def test_site_clock_is_reused_while_recent() -> None:
    recent = (utcnow() - timedelta(hours=2)).replace(microsecond=0)
    assert site_clock(recent.isoformat()) == recent
    stale = utcnow() - timedelta(days=2)
    assert utcnow() - site_clock(stale.isoformat()) < timedelta(minutes=1)
    future = utcnow() + timedelta(days=1)  # a clock change: never dates in the future
    assert site_clock(future.isoformat()) <= utcnow()
    for junk in (None, "yesterday", 42):
        assert utcnow() - site_clock(junk) < timedelta(minutes=1)
