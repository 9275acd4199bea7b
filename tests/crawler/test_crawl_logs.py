"""Crawl log files: one per crawl process even when run ids repeat, old ones pruned."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from kil_feed.config import Settings, load_settings
from kil_feed.db import make_engine
from kil_feed.ingest.logs import log_dir, prune_logs
from tests.support.crawl import add_source, crawl

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Council procurement news</title><link>{base}/a</link></item></channel></rss>"""


def test_two_databases_same_run_id_get_their_own_log(
    http_server, crawl_settings, tmp_path, monkeypatch, sqlite_template
):  # type: ignore[no-untyped-def]
    logs = tmp_path / "logs"
    monkeypatch.setenv("KIL_CRAWL__LOG_DIR", str(logs))
    url = http_server.add(
        "/feed.xml", FEED.format(base=http_server.base_url), "application/rss+xml"
    )
    results = []
    for name in ("one.db", "two.db"):
        shutil.copy(sqlite_template, tmp_path / name)
        monkeypatch.setenv("KIL_DATABASE_URL", f"sqlite:///{tmp_path / name}")
        settings = load_settings()
        engine = make_engine(settings)
        add_source(engine, "news", url)
        engine.dispose()
        results.append(crawl(settings)["news"])
    assert results[0].run_id == results[1].run_id  # fresh databases: the same run id
    paths = [Path(r.log or "") for r in results]
    assert paths[0] != paths[1] and all(p.parent == logs and p.is_file() for p in paths)
    assert all(r.new == 1 for r in results)
    text = paths[0].read_text()
    # neither Scrapy's remote-control server (it runs posted code) nor the telnet console
    assert "Enabled extensions" in text
    assert "RemoteControl" not in text and "TelnetConsole" not in text


def test_log_dir_default_and_prune(tmp_path: Path, crawl_settings: Settings) -> None:
    assert log_dir(crawl_settings).name == "kil-feed-logs"
    now = time.time()
    for age_days in range(6):
        path = tmp_path / f"crawl-{age_days}.log"
        path.write_text("x")
        os.utime(path, (now - age_days * 86400 - 60, now - age_days * 86400 - 60))
    (tmp_path / "other.txt").write_text("not a crawl log")
    assert prune_logs(tmp_path, keep_days=3, keep_files=100) == 3
    assert sorted(p.name for p in tmp_path.glob("crawl-*.log")) == [
        "crawl-0.log", "crawl-1.log", "crawl-2.log"
    ]  # fmt: skip
    assert prune_logs(tmp_path, keep_days=30, keep_files=1) == 2
    assert [p.name for p in tmp_path.glob("crawl-*.log")] == ["crawl-0.log"]
    assert (tmp_path / "other.txt").exists()


def test_prune_keeping_no_files(tmp_path: Path) -> None:
    (tmp_path / "crawl-x.log").write_text("x")
    assert prune_logs(tmp_path, keep_days=30, keep_files=0) == 1
    assert not list(tmp_path.iterdir())
