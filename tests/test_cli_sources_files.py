"""Sources files (TOML and OPML) in and out: every source is accounted for, a bad one is
reported with its line and never stored, and `kil sources add` refuses what cannot work."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from kil_feed.db import read_session
from kil_feed.storage.sources import list_sources
from tests.conftest import DATA_DIR

OPML_DIR = DATA_DIR / "opml"


def _names(kil_env: dict[str, str]) -> dict[str, Any]:
    from kil_feed.db import make_engine

    engine = make_engine(kil_env["KIL_DATABASE_URL"])
    try:
        with read_session(engine) as session:
            return {s.name: s for s in list_sources(session=session)}
    finally:
        engine.dispose()


MIXED = """\
[[sources]]
name = "good"
url = "https://example.org/feed.xml"

[[sources]]
name = "bad-regex"
url = "https://example.org/jobs"
kind = "jobs"
[sources.options]
follow_pattern = "/job/(["

[[sources]]
name = "bad-url"
url = "http://exa mple.org/"

[[sources]]
name = "good"
url = "https://example.org/other.xml"

[[sources]]
name = "typo"
url = "https://example.org/jobs2"
[sources.options]
follow_patern = "/job/"
"""


def test_a_toml_import_accounts_for_every_source(
    cli: Any, kil_env: dict[str, str], tmp_path: Path
) -> None:
    file = tmp_path / "sources.toml"
    file.write_text(MIXED, encoding="utf-8")
    result = cli("sources", "import", str(file), ok=False)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == "imported 5 sources: 1 new, 0 updated, 0 unchanged, 4 invalid"
    assert lines[1].startswith("  line 5: source 'bad-regex': option follow_pattern = '/job/(['")
    assert "not a valid regular expression" in lines[1]
    assert lines[2] == "  line 12: source 'bad-url': not a valid URL: 'http://exa mple.org/'"
    assert lines[3] == "  line 16: duplicate name 'good' (line 1)"
    assert lines[4] == (
        "  line 20: source 'typo': unknown option 'follow_patern' (did you mean 'follow_pattern'?)"
    )
    assert set(_names(kil_env)) == {"good"}
    report = json.loads(cli("sources", "import", str(file), "--json", ok=False).stdout)
    assert report["unchanged"] == ["good"] and report["added"] == report["updated"] == []
    assert [r["line"] for r in report["invalid"]] == [5, 12, 16, 20]


def test_reimporting_an_unchanged_file_says_unchanged(cli: Any) -> None:
    first = cli("sources", "import", "--defaults").output
    assert " 0 updated, 0 unchanged, 0 invalid" in first
    again = cli("sources", "import", "--defaults").output
    assert ": 0 new, 0 updated, " in again and " 0 invalid" in again
    total = int(again.split()[1])
    assert f"{total} unchanged" in again


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://exa mple.org/", "not a valid URL"),
        ("http://127.0.0.1%2f@example.org:{port}/", "cannot carry a user name or password"),
        ("http://LOCALHOST.:{port}/", "non-public address 127.0.0.1"),
        ("http://0x7f.1:{port}/feed", "non-public address 127.0.0.1"),
        ("http://example.org:99999/", "not a valid URL"),
        ("ftp://example.org/feed", "only http and https"),
    ],
)
def test_sources_add_refuses_urls_that_cannot_work(
    cli: Any, kil_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    monkeypatch.setenv("KIL_ALLOW_PRIVATE_NETWORKS", "false")
    result = cli("sources", "add", "bad", url.format(port=8080), ok=False)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert _names(kil_env) == {}


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("follow_pattern=/job/([", "not a valid regular expression"),
        ("link_selector=h3 >> a", "not a valid CSS selector"),
        ("link_xpath=//a[", "not a valid XPath"),
        ("max_articles=0", "at least 1"),
        ("mode=xml", "must be one of html, json, sitemap, feed"),
    ],
)
def test_sources_add_refuses_options_that_cannot_work(
    cli: Any, kil_env: dict[str, str], option: str, message: str
) -> None:
    result = cli("sources", "add", "x", "https://example.org/", "--kind", "jobs",
                 "--option", option, ok=False)  # fmt: skip
    assert result.exit_code == 2 and message in result.stderr
    assert _names(kil_env) == {}


def test_sources_add_stores_the_url_as_the_crawler_reads_it(
    cli: Any, kil_env: dict[str, str]
) -> None:
    cli("sources", "add", "x", "https://EXAMPLE.org:443/a/../feed.xml",
        "--option", "link_selector=h3 a::attr(href)")  # fmt: skip
    assert _names(kil_env)["x"].url == "https://example.org/feed.xml"


def test_a_real_opml_export_imports_every_feed(cli: Any, kil_env: dict[str, str]) -> None:
    file = OPML_DIR / "freshrss-starter-pack.opml"
    out = cli("sources", "import", str(file)).output
    assert out.splitlines()[0] == "imported 45 sources: 45 new, 0 updated, 0 unchanged, 0 invalid"
    sources = _names(kil_env)
    assert sources["BBC News - World"].url == "http://feeds.bbci.co.uk/news/world/rss.xml"
    assert sources["El País"].url.startswith("https://feeds.elpais.com/")  # non-ASCII title
    assert {s.kind for s in sources.values()} == {"feed"}
    assert "45 unchanged" in cli("sources", "import", str(file)).output
    # a second real file (OPML 1.0, single-quoted declaration) adds its own feeds
    turing = cli("sources", "import", str(OPML_DIR / "turing-ai-rss-feeds.opml")).output
    assert "12 new" in turing


def test_export_opml_and_toml_import_again_unchanged(
    cli: Any, kil_env: dict[str, str], tmp_path: Path
) -> None:
    cli("sources", "import", str(OPML_DIR / "turing-ai-rss-feeds.opml"))
    cli("sources", "add", "lga-news", "https://www.local.gov.uk/about/news", "--kind", "page",
        "--option", "link_selector=h3 a", "--topic", "local-government")  # fmt: skip
    opml = tmp_path / "out.opml"
    result = cli("sources", "export", "--format", "opml", "--out", str(opml))
    assert "1 page and jobs sources are not in the OPML" in result.stderr
    assert "12 unchanged, 0 invalid" in cli("sources", "import", str(opml)).output
    toml = cli("sources", "export").stdout
    (tmp_path / "out.toml").write_text(toml, encoding="utf-8")
    again = cli("sources", "import", str(tmp_path / "out.toml")).output
    assert again.splitlines()[0] == "imported 13 sources: 0 new, 0 updated, 13 unchanged, 0 invalid"
    assert 'link_selector = "h3 a"' in toml and 'topics = [\n    "local-government",' in toml


def test_a_billion_laughs_opml_is_refused_without_expanding(
    cli: Any, kil_env: dict[str, str]
) -> None:
    started = time.monotonic()
    result = cli("sources", "import", str(OPML_DIR / "billion-laughs.opml"), ok=False)
    assert time.monotonic() - started < 10  # expanding it would take minutes and gigabytes
    assert result.exit_code == 2
    assert "billion-laughs.opml is refused: EntitiesForbidden" in result.stderr
    assert result.stderr.count("\n") == 1 and _names(kil_env) == {}


def test_a_source_without_a_name_or_url_says_which_is_missing(
    cli: Any, kil_env: dict[str, str], tmp_path: Path
) -> None:
    """A table without `name` was "'name' must be a string", as if one had been given."""
    file = tmp_path / "sources.toml"
    file.write_text(
        '[[sources]]\nurl = "https://example.org/a.xml"\n\n'
        '[[sources]]\nname = "no-url"\n\n'
        '[[sources]]\nname = 5\nurl = "https://example.org/b.xml"\n',
        encoding="utf-8",
    )
    lines = cli("sources", "import", str(file), ok=False).output.splitlines()
    assert lines[1:] == [
        "  line 1: a source needs a name",
        "  line 4: source 'no-url' has no url",
        "  line 7: 'name' must be a string",
    ]


def test_an_import_row_says_what_sources_add_says(cli: Any, tmp_path: Path) -> None:
    """The import row had only 'unknown kind ...', without the hint `sources add` gives."""
    added = cli(
        "sources", "add", "bad-kind", "https://example.org/feed.xml", "--kind", "rss", ok=False
    )
    assert added.exit_code == 2
    [refusal] = added.stderr.splitlines()
    assert "(use one of " in refusal
    file = tmp_path / "sources.toml"
    file.write_text(
        '[[sources]]\nname = "bad-kind"\nurl = "https://example.org/feed.xml"\nkind = "rss"\n',
        encoding="utf-8",
    )
    imported = cli("sources", "import", str(file), ok=False)
    assert imported.output.splitlines()[1] == "  line 1: " + refusal.removeprefix("error: ")
    report = json.loads(cli("sources", "import", str(file), "--json", ok=False).stdout)
    assert report["invalid"] == [{"line": 1, "reason": refusal.removeprefix("error: ")}]
