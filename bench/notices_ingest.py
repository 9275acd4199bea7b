"""Notices ingest benchmark: `kil crawl`, the whole command, on 20,000 OCDS releases.

The releases are the real ones of the corpus (Find a Tender and Contracts Finder captures)
repeated with fresh ids and ocids, served as release packages of 100 by a loopback server
with a `links.next` cursor, and crawled by a `notices` source added with `kil sources add
... --kind notices --option api=ocds`. `kil crawl --json` runs as a user runs it (fetch,
parse, ocdsmerge, classify, dedupe, buyers, store into a fresh SQLite file), on the default
settings except politeness (no download delay, no AutoThrottle) and the private-network
guard (loopback is private). The in-run baseline is bare `json.loads` over the very same
page bytes, in this process. A second `kil crawl` reads the same pages again: every
procurement is stored already, so each is found and left unchanged (the update path).

    .venv/bin/python bench/notices_ingest.py [--releases 20000] [--page 100]

Prints wall and CPU seconds of both, the ratio crawl / json.loads, and releases per second;
also the CPU of bare ocdsmerge on the same releases (one compiled release per procurement,
which any crawl that merges with ocdsmerge must pay): the floor under the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import children_cpu, kil_command  # noqa: E402

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
    """`/packages?cursor=N` answers page N; anything else (robots.txt) is a 404."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            cursor = query.partition("cursor=")[2] or "0"
            if path != "/packages" or not cursor.isdigit() or int(cursor) >= len(pages):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = pages[int(cursor)]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def kil(env: dict[str, str], cwd: Path, *args: str) -> tuple[float, float, str]:
    """Run `kil ARGS`: (wall s, CPU s of it and every process it started, stdout)."""
    started, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run([*kil_command(), *args], env=env, cwd=cwd, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"kil {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=20_000)
    parser.add_argument("--page", type=int, default=100)
    args = parser.parse_args()
    pages: list[bytes] = []
    server = serve(pages)  # pages are filled in once the server's address is known
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    pages.extend(make_pages(args.releases, args.page, base_url))
    size_mb = sum(map(len, pages)) / 1e6

    started, cpu_started = time.perf_counter(), time.process_time()
    parsed = sum(len(json.loads(page)["releases"]) for page in pages)
    bare, bare_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"bare json.loads: {bare:.3f} s (CPU {bare_cpu:.3f} s) for {parsed} releases in "
          f"{len(pages)} pages ({size_mb:.1f} MB)")  # fmt: skip

    # the floor of any design that merges with ocdsmerge: one merge per new procurement
    from crawler.ocds import compile_releases

    releases = [r for page in pages for r in json.loads(page)["releases"]]
    cpu_started = time.process_time()
    for release in releases:
        compile_releases([release])
    merge_cpu = time.process_time() - cpu_started
    print(f"bare ocdsmerge (one compiled release per new procurement, same releases): CPU "
          f"{merge_cpu:.2f} s = {merge_cpu / bare_cpu:.1f}x bare json.loads")  # fmt: skip
    del releases

    tmp = Path(tempfile.mkdtemp(prefix="kil-bench-notices-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("KIL_")}
    env.update(
        KIL_DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        KIL_ALLOW_PRIVATE_NETWORKS="true",
        KIL_CRAWL__DOWNLOAD_DELAY="0",
        KIL_CRAWL__AUTOTHROTTLE="false",
    )
    kil(env, tmp, "db", "upgrade")
    kil(env, tmp, "sources", "add", "bench-notices", f"{base_url}/packages",
        "--kind", "notices", "--option", "api=ocds")  # fmt: skip
    runs = []
    for _ in range(2):
        wall, cpu, out = kil(env, tmp, "crawl", "--json")
        [row] = json.loads(out)
        runs.append((wall, cpu, row))
    load = os.getloadavg()
    server.shutdown()

    (crawl, crawl_cpu, first), (again, again_cpu, second) = runs
    print(f"kil crawl (fetch, parse, ocdsmerge, classify, dedupe, buyers, store; whole "
          f"command): {crawl:.2f} s, CPU {crawl_cpu:.2f} s; {first['new']} new notices of "
          f"{args.releases}, errors={first['errors'] or 'none'}")  # fmt: skip
    print(f"{args.releases / crawl:,.0f} releases/s; kil crawl / bare json.loads = "
          f"{crawl / bare:.1f}x wall, {crawl_cpu / bare_cpu:.1f}x CPU")  # fmt: skip
    print(f"second kil crawl (same releases, all stored): {again:.2f} s, CPU {again_cpu:.2f} s; "
          f"new={second['new']} updated={second['updated']} unchanged={second['duplicate']}; "
          f"{again / bare:.1f}x bare json.loads")  # fmt: skip
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
