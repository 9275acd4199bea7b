"""The bundled demo site, served on loopback so `kil demo` can crawl it without a network.

The site's files are templates: `{{base_url}}` becomes the server's own URL and date
placeholders become dates relative to the moment the server started, because a newsletter
only takes recent items. Supported placeholders:

- `{{base_url}}`
- `{{days_ago:N}}`, `{{days_ahead:N}}` (N may be fractional, e.g. `0.3` is about 7 hours),
  optionally with a format: `|iso` (default, RFC 3339), `|rfc822` (RSS), `|date`
  (`2026-11-24`), `|human` (`24 November 2026`).

Responses carry an ETag and a Last-Modified header and answer conditional requests with 304,
like a real publisher's server, so a second crawl shows the crawler's conditional GET.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kil_feed import preconditions
from kil_feed.timeutil import utcnow

logger = logging.getLogger(__name__)

SITE_DIR = Path(__file__).resolve().parent / "site"
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)(?::([0-9.]+))?(?:\|([a-z0-9]+))?\s*\}\}")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",  # the real OCDS documents, as the APIs answer
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


class PlaceholderError(ValueError):
    """A template names a placeholder the demo server does not know."""


def _format(when: datetime, fmt: str) -> str:
    if fmt == "iso":
        return when.isoformat(timespec="seconds")
    if fmt == "rfc822":
        return email.utils.format_datetime(when)
    if fmt == "date":
        return when.date().isoformat()
    if fmt == "human":
        return f"{when.day} {when:%B %Y}"
    raise PlaceholderError(f"unknown date format {fmt!r}")


def fill_placeholders(text: str, *, base_url: str, now: datetime) -> str:
    """The template with every placeholder replaced (unknown ones raise PlaceholderError)."""

    def replace(match: re.Match[str]) -> str:
        name, number, fmt = match.group(1), match.group(2), match.group(3) or "iso"
        if name == "base_url" and number is None:
            return base_url.rstrip("/")
        if name in {"days_ago", "days_ahead"} and number is not None:
            days = float(number) * (-1 if name == "days_ago" else 1)
            return _format(now + timedelta(days=days), fmt)
        raise PlaceholderError(f"unknown placeholder {match.group(0)!r}")

    return PLACEHOLDER.sub(replace, text)


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str
    etag: str
    last_modified: datetime


class DemoSite:
    """Serves `root` on `host:port` (port 0: any free port) in a background thread."""

    def __init__(
        self,
        root: Path = SITE_DIR,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        now: datetime | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.host = host
        self.requested_port = port
        # Dates are relative to the whole minute the site started, so repeated requests
        # (and a re-crawl) see the same documents and the same validators.
        self.now = (now or utcnow()).replace(second=0, microsecond=0)
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> DemoSite:
        site = self

        class _Handler(_DemoHandler):
            demo = site

        self._httpd = ThreadingHTTPServer((self.host, self.requested_port), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="kil-demo-site", daemon=True
        )
        self._thread.start()
        logger.info("demo site serving %s at %s", self.root, self.base_url)
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the demo site is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # --- content --------------------------------------------------------------------

    def resolve(self, url_path: str) -> Path | None:
        """The file for a URL path (`/news/` -> `news/index.html`), never outside the root."""
        rel = unquote(urlsplit(url_path).path).lstrip("/")
        candidate = (self.root / rel).resolve()
        if not candidate.is_relative_to(self.root):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def render(self, url_path: str, base_url: str | None = None) -> Page | None:
        """The page at `url_path` with its placeholders filled, or None (404)."""
        generated = self._generated(url_path, base_url or self.base_url)
        if generated is not None:
            return generated
        file = self.resolve(url_path)
        if file is None:
            return None
        ctype = CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
        raw = file.read_bytes()
        if ctype.startswith(("text/", "application/")) and ctype != "application/octet-stream":
            text = fill_placeholders(
                raw.decode("utf-8"), base_url=base_url or self.base_url, now=self.now
            )
            raw = text.encode("utf-8")
        etag = '"' + hashlib.sha256(raw).hexdigest()[:20] + '"'
        return Page(raw, ctype, etag, self.now)

    def _generated(self, url_path: str, base_url: str) -> Page | None:
        """The job board's archive (`kil_feed.demo.market`): drawn, not stored as files."""
        from kil_feed.demo import market

        path = unquote(urlsplit(url_path).path)
        if path == market.ARCHIVE_JSON:
            text, ctype = market.archive_json(base_url, self.now), "application/json"
        elif path.startswith(market.ARCHIVE_PAGES):
            page = market.archive_page(path, base_url, self.now)
            if page is None:
                return None
            text, ctype = page, CONTENT_TYPES[".html"]
        else:
            return None
        raw = text.encode("utf-8")
        etag = '"' + hashlib.sha256(raw).hexdigest()[:20] + '"'
        return Page(raw, ctype, etag, self.now)


class _DemoHandler(BaseHTTPRequestHandler):
    demo: DemoSite
    protocol_version = "HTTP/1.1"
    server_version = "kil-demo-site/1.0"

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("demo site: " + format, *args)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, *, head: bool) -> None:
        page = self.demo.render(self.path)
        if page is None:
            self._reply(404, b"not found\n", "text/plain; charset=utf-8", head=head)
            return
        last_modified = email.utils.format_datetime(page.last_modified, usegmt=True)
        headers = {"ETag": page.etag, "Last-Modified": last_modified}
        if preconditions.handler_not_modified(self, page.etag, page.last_modified):
            self._reply(304, b"", None, head=True, headers=headers)
            return
        self._reply(200, page.body, page.content_type, head=head, headers=headers)

    def _reply(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        *,
        head: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.demo.requests.append((self.command, self.path, status))
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)) if status != 304 else "0")
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)
