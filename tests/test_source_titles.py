"""Source display titles (#16): TOML `title`, `--title`, else the feed's or site's own title
on the first crawl; shown (one formatter) on the web, in feeds, in email and in the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kil_feed.config import Settings
from kil_feed.db import read_session, write_session
from kil_feed.errors import ValidationError
from kil_feed.models import Source, source_display_name
from kil_feed.sources_file import parse_sources
from kil_feed.storage.sources import upsert_source
from kil_feed.web.app import create_app
from tests.support.webdata import seed_archive


def _title(engine, name: str) -> str | None:  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        return session.exec(select(Source.title).where(Source.name == name)).one()


def test_display_name_formatter() -> None:
    assert source_display_name("Manchester City Council", "mcc-jobs") == "Manchester City Council"
    assert source_display_name("  Jobs in Schools |\n North East ", "x") == (
        "Jobs in Schools | North East"
    )
    assert source_display_name(None, "mcc-jobs") == "mcc-jobs"
    assert source_display_name("   ", "mcc-jobs") == "mcc-jobs"


def test_title_in_toml_and_its_checks() -> None:
    text = '[[sources]]\nname = "mcc"\ntitle = "Manchester City Council"\nurl = "https://e.org/"\n'
    (spec,) = parse_sources(text, origin="t.toml")
    assert spec.title == "Manchester City Council"
    assert spec.fields()["title"] == "Manchester City Council"
    (untitled,) = parse_sources('[[sources]]\nname = "x"\nurl = "https://e.org/"\n', origin="t")
    assert "title" not in untitled.fields()  # a re-import keeps the title a crawl found
    with pytest.raises(ValidationError, match="'title' must be a string"):
        parse_sources('[[sources]]\nname = "x"\nurl = "https://e.org/"\ntitle = 3\n', origin="t")


def test_cli_title_add_list_import(cli, engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("sources", "add", "mcc", "https://example.org/jobs", "--kind", "jobs",
        "--title", "Manchester City Council")  # fmt: skip
    assert _title(engine, "mcc") == "Manchester City Council"
    listed = json.loads(cli("sources", "list", "--json").output)
    assert [(s["name"], s["title"], s["display_name"]) for s in listed] == [
        ("mcc", "Manchester City Council", "Manchester City Council")
    ]
    file = tmp_path / "sources.toml"
    file.write_text('[[sources]]\nname = "mcc"\nurl = "https://example.org/jobs"\nkind = "jobs"\n')
    cli("sources", "import", str(file))
    assert _title(engine, "mcc") == "Manchester City Council"  # kept: the file gives none
    file.write_text(file.read_text() + 'title = "MCC Jobs"\n')
    cli("sources", "import", str(file))
    assert _title(engine, "mcc") == "MCC Jobs"


def test_web_and_feeds_show_the_title(settings: Settings, engine) -> None:  # type: ignore[no-untyped-def]
    archive = seed_archive(engine)
    with write_session(engine) as session:
        upsert_source("Interim Board", session=session, title="Manchester City Council")
        upsert_source("LocalGov Wire", session=session, title="LocalGov Wire (LGA)")
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as client:
        job = client.get(f"/jobs/{archive.items['head']}").text
        assert "Apply at Manchester City Council" in job
        assert "Apply at Interim Board" not in job
        feed = client.get("/feeds/news.xml").text  # a news entry's author is its source
        assert "<name>LocalGov Wire (LGA)</name>" in feed
        news = client.get("/news").text
        assert "LocalGov Wire (LGA)" in news
    app.state.engine.dispose()
