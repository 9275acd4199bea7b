"""Notices ingest benchmark: 20,000 OCDS releases, paged along links.next on loopback.

The releases are the real ones of the corpus (Find a Tender and Contracts Finder captures)
repeated with fresh ids and ocids, served as release packages of 100 by a loopback server
with a `links.next` cursor, and crawled by a `notices` source through the whole pipeline
(`kil_feed.ingest.run_crawl`: fetch, parse, ocdsmerge, classify, store into a fresh SQLite
file). The in-run baseline is bare `json.loads` over the very same page bytes.

    .venv/bin/python bench/notices_ingest.py [--releases 20000] [--page 100]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = Path(os.environ.get("KIL_CORPUS_DIR", ROOT.parent / "shared" / "corpus"))
FILES = (
    "findatender_2026-09-03_release-package_page1_5_releases_links-next.json",
    "findatender_2026-09-03_release-package_final_page_3_releases.json",
    "contractsfinder_2022-10-20_ocds_search_100_releases.json",
    "contractsfinder_2025-01-23_ocds_search_100_releases.json",
)


def corpus_releases() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in FILES:
        out += json.loads((CORPUS / "ocds" / name).read_text(encoding="utf-8"))["releases"]
    return out


def make_pages(total: int, size: int, base_url: str) -> list[bytes]:
    """Release packages of `size` releases, each release with a fresh id and ocid."""
    real = corpus_releases()
    pages = []
    count = (total + size - 1) // size
    for number in range(count):
        releases = []
        for i in range(number * size, min(total, (number + 1) * size)):
            release = dict(real[i % len(real)])
            release["ocid"] = f"ocds-bench-{i:07d}"
            release["id"] = f"bench-{i:07d}"
            releases.append(release)
        package: dict[str, Any] = {"uri": base_url, "version": "1.1", "releases": releases}
        if number + 1 < count:
            package["links"] = {"next": f"{base_url}/packages?cursor={number + 1}"}
        pages.append(json.dumps(package).encode())
    return pages


def serve(pages: list[bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            cursor = self.path.partition("cursor=")[2] or "0"
            body = pages[int(cursor)]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=20_000)
    parser.add_argument("--page", type=int, default=100)
    args = parser.parse_args()
    pages: list[bytes] = []
    server = serve(pages)  # pages are filled in once the server's address is known
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    pages.extend(make_pages(args.releases, args.page, base_url))
    size_mb = sum(map(len, pages)) / 1e6

    started = time.perf_counter()
    parsed = sum(len(json.loads(page)["releases"]) for page in pages)
    bare = time.perf_counter() - started
    print(f"bare json.loads: {bare:.3f} s for {parsed} releases in {len(pages)} pages "
          f"({size_mb:.1f} MB)")  # fmt: skip

    tmp = Path(tempfile.mkdtemp(prefix="kil-bench-notices-"))
    os.environ.update(
        KIL_DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        KIL_ALLOW_PRIVATE_NETWORKS="true",
        KIL_CRAWL__DOWNLOAD_DELAY="0",
        KIL_CRAWL__AUTOTHROTTLE="false",
        KIL_CRAWL__STORE_BATCH_SIZE="2000",
        KIL_CRAWL__LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    )
    from kil_feed.config import load_settings
    from kil_feed.db import make_engine, write_session
    from kil_feed.ingest.run import run_crawl
    from kil_feed.migrate import upgrade
    from kil_feed.storage.sources import upsert_source

    settings = load_settings()
    engine = make_engine(settings)
    upgrade(engine)
    with write_session(engine) as session:
        upsert_source("bench-notices", session=session, url=f"{base_url}/packages",
                      kind="notices", options={"api": "ocds", "max_pages": 100_000})  # fmt: skip
    started = time.perf_counter()
    [summary] = run_crawl(settings, time_limit=3600)
    crawl = time.perf_counter() - started
    print(f"notices crawl: {crawl:.2f} s, {summary.new} new notices, error={summary.error}")
    print(f"{args.releases / crawl:,.0f} releases/s; crawl / bare json.loads = {crawl / bare:.0f}x")
    server.shutdown()


if __name__ == "__main__":
    main()
