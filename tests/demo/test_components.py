"""A missing component gives one clear line naming it, never an ImportError traceback."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from kil_feed.demo.components import MissingComponentError, require
from kil_feed.errors import KilError


def test_present_component_is_returned() -> None:
    from kil_feed.demo.server import fill_placeholders

    assert require("kil_feed.demo.server", "fill_placeholders", "x") is fill_placeholders


def test_missing_module_names_itself_and_its_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "newsletter.build", None)  # as if not installed
    with pytest.raises(MissingComponentError) as info:
        require("newsletter.build", "build_issue", "build this week's issue")
    message = str(info.value)
    assert "cannot build this week's issue" in message
    assert "newsletter.build.build_issue" in message and "#5" in message
    assert isinstance(info.value, KilError)


def test_missing_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kil_feed.crawling", types.ModuleType("kil_feed.crawling"))
    with pytest.raises(MissingComponentError, match="kil_feed.crawling has no run_crawl"):
        require("kil_feed.crawling", "run_crawl", "crawl the demo site")


def test_a_broken_import_inside_a_component_is_not_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kil_demo_component.py").write_text("import kil_demo_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="kil_demo_missing_dependency"):
        require("kil_demo_component", "run", "do something")
