"""The Nu Html Checker (npm's vnu-jar on the machine's Java) over every page type and the
newsletter's HTML email, in one run: zero errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.tokens import TEST_COPY_ID, preferences_url, unsubscribe_url
from newsletter.content import issue_content
from newsletter.pulse import IssuePulses
from newsletter.render import Audience, Renderer
from tests.support.validators import vnu_command, vnu_errors
from tests.support.webdata import Archive

pytestmark = pytest.mark.slow


def _documents(
    client: TestClient, settings: Settings, archive: Archive, engine: Engine
) -> dict[str, str]:
    base = settings.base_url
    sub = archive.subscribers["reader"]
    paths = {
        "home": "/", "news": "/news", "news-filtered": "/news?region=north-west", "jobs": "/jobs",
        "jobs-region": "/jobs?region=north-west",
        "jobs-sorted": "/jobs?sort=pay&closed=1", "job": f"/jobs/{archive.items['head']}",
        "closed-job": f"/jobs/{archive.items['closed']}", "issues": "/issues",
        "issue": f"/issues/{archive.issues['sent']}", "search": "/search",
        "search-results": "/search?q=procurement", "subscribe": "/subscribe",
        "search-common": "/search?q=the+council+or+waste", "search-stop": "/search?q=the",
        "preferences": preferences_url(settings, sub).removeprefix(base),
        "unsubscribe": unsubscribe_url(settings, sub).removeprefix(base),
        "test-copy": unsubscribe_url(settings, TEST_COPY_ID).removeprefix(base),
        "not-found": "/issues/999999", "invalid": "/jobs?rate_min=abc", "api-docs": "/api/docs",
        "market": "/market", "market-filtered": "/market?region=north-west&role=procurement",
    }  # fmt: skip
    with read_session(engine) as s:
        content = issue_content(archive.issues["sent"], session=s)
    # the market pulse as a send stores it, so the issue's web page shows it too
    pulses = IssuePulses(engine, settings, content.issue_id, content.week, keep=True)
    renderer = Renderer(settings, content, pulses)
    emails = {
        "email": renderer.render(Audience()).html,
        "email-north-west": renderer.render(Audience.of(regions=["North West"])).html,
    }
    assert all("Market pulse" in html for html in emails.values())
    docs = {name: client.get(path).text for name, path in paths.items()}
    assert "Market pulse" in docs["issue"]
    return docs | emails


def test_pages_and_email_are_valid_html(
    client: TestClient, settings: Settings, archive: Archive, engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "html"
    folder.mkdir()
    documents = _documents(client, settings, archive, engine)
    for name, html in documents.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    errors = vnu_errors(folder)
    assert errors == [], "\n".join(errors)
    assert len(documents) == 25


def test_the_checker_reports_errors(tmp_path: Path) -> None:
    """The validator itself: the issue's own findings are errors to it."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!doctype html><html lang="en"><head><title>t</title>'
        '<meta name="x-apple-disable-message-reformatting"></head><body>'
        '<time datetime="2026-11-30T10:00:00.123456+00:00">today</time></body></html>',
        encoding="utf-8",
    )
    run = subprocess.run(
        [*vnu_command(), "--errors-only", "--format", "json", "--stdout", str(bad)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    messages = [m["message"] for m in json.loads(run.stdout)["messages"]]
    assert any("datetime" in m for m in messages), messages
    assert any("content" in m for m in messages), messages
