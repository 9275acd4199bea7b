"""A real HTTP server on loopback for crawl tests and benchmarks (in the spirit of Scrapy's
tests/mockserver). It lives here, not under tests/, so that `bench/` can use it too without
the production tree depending on the test tree.

Routes serve registered bytes or files with conditional-GET support (ETag and
Last-Modified, answering 304). Any path can be told how to misbehave with query
parameters, and a few special paths exist:

- `?status=500`          answer with that status
- `?delay=1.5`           sleep before answering
- `?redirect=/other`     302 to another path
- `?header=Name:Value`   add a response header (repeatable)
- `/status/N`, `/delay/S`, `/redirect-loop`, `/redirect-chain/N`, `/hang` (never answers
  until the server stops)

Every request is logged in `server.requests` so tests can assert on conditional headers.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import mimetypes
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kil_feed import preconditions

Handler = Callable[["RequestInfo"], tuple[int, dict[str, str], bytes]]


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = True  # send ETag/Last-Modified and honour conditional requests
    handler: Handler | None = None
    _etag: str | None = field(default=None, repr=False)

    def etag(self) -> str:
        """A strong validator of the body, hashed once: routes are replaced, never edited."""
        if self._etag is None:
            self._etag = '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'
        return self._etag


@dataclass
class RequestInfo:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # when it arrived


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # the default listen backlog (5) drops connections under 64+ concurrent requests (the
    # ingest benchmark); clients then hit their download timeout through no fault of theirs
    request_queue_size = 512

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (a crawl stopped at its limit) is normal here: no traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class MockServer:
    """Start with `start()`, stop with `stop()`; register content with `add`/`add_file`."""

    LAST_MODIFIED = "Tue, 01 Sep 2026 08:00:00 GMT"

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[RequestInfo] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------

    def start(self) -> MockServer:
        server = self

        class _Handler(_RequestHandler):
            mock = server

        self._httpd = _Server((self.host, 0), _Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def reset(self) -> None:
        with self._lock:
            self.routes.clear()
            self.requests.clear()

    # --- content -------------------------------------------------------------------

    def add(
        self,
        path: str,
        body: bytes | str = b"",
        content_type: str = "text/html; charset=utf-8",
        **kwargs: object,
    ) -> str:
        """Serve `body` at `path`; returns the full URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, content_type=content_type, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def add_file(
        self, path: str, file: Path | str, content_type: str | None = None, **kw: object
    ) -> str:
        file = Path(file)
        body = file.read_bytes()
        ctype = content_type or _guess_type(file, body)
        return self.add(path, body, content_type=ctype, **kw)

    def add_dir(self, prefix: str, folder: Path | str) -> dict[str, str]:
        """Serve every file below `folder` under `prefix`; returns {relative path: url}."""
        folder = Path(folder)
        urls = {}
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = file.relative_to(folder).as_posix()
            urls[rel] = self.add_file(f"{prefix.rstrip('/')}/{rel}", file)
        return urls

    def add_handler(self, path: str, handler: Handler) -> str:
        self.routes[path] = Route(handler=handler)
        return self.url(path)

    def requests_to(self, path: str) -> list[RequestInfo]:
        return [r for r in self.requests if r.path == path]


def _guess_type(file: Path, body: bytes) -> str:
    suffix = file.suffix.lower()
    if suffix in {".rss", ".xml", ".atom", ".rdf"}:
        return "application/xml"
    if suffix == ".json":
        return "application/json"
    if suffix in {".html", ".htm"}:
        return _html_type(body)
    return mimetypes.guess_type(file.name)[0] or "application/octet-stream"


def _html_type(body: bytes) -> str:
    """text/html with the charset the page declares in its <meta> (Civil Service Jobs'
    pages say ISO-8859-1), else UTF-8 when the bytes are UTF-8, else no charset: the
    crawler then sniffs it, as from a real server that sends none. Declaring UTF-8 for
    every page turned a Latin-1 "£" into U+FFFD."""
    from w3lib.encoding import html_body_declared_encoding

    declared = html_body_declared_encoding(body)
    if declared:
        return f"text/html; charset={declared}"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "text/html"
    return "text/html; charset=utf-8"


class _RequestHandler(BaseHTTPRequestHandler):
    mock: MockServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_POST(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        info = RequestInfo(self.command, parts.path, query, {k: v for k, v in self.headers.items()})
        with self.mock._lock:
            self.mock.requests.append(info)
        try:
            status, headers, body = self._respond(parts.path, query)
        except _Hang:
            return
        for value in query.get("header", []):
            name, _, val = value.partition(":")
            headers[name.strip()] = val.strip()
        if "delay" in query:
            self._sleep(float(query["delay"][0]))
        if "status" in query:
            status = int(query["status"][0])
        if "redirect" in query:
            status, headers, body = 302, {"Location": query["redirect"][0]}, b""
        self.send_response(status)
        headers.setdefault("Content-Length", str(len(body)))
        for name, val in headers.items():
            self.send_header(name, val)
        self.end_headers()
        if not head and status not in (204, 304):
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    def _sleep(self, seconds: float) -> None:
        self.mock._stopping.wait(seconds)

    def _respond(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        route = self.mock.routes.get(path)
        if route is not None:
            if route.handler is not None:
                status, headers, body = route.handler(
                    RequestInfo(self.command, path, query, dict(self.headers.items()))
                )
                return status, dict(headers), body
            return self._static(route)
        segments = path.strip("/").split("/")
        if segments[0] == "status" and len(segments) == 2:
            return (
                int(segments[1]),
                {"Content-Type": "text/plain"},
                f"status {segments[1]}".encode(),
            )
        if segments[0] == "delay" and len(segments) == 2:
            self._sleep(float(segments[1]))
            return 200, {"Content-Type": "text/plain"}, b"ok"
        if path == "/redirect-loop":
            return 302, {"Location": "/redirect-loop-b"}, b""
        if path == "/redirect-loop-b":
            return 302, {"Location": "/redirect-loop"}, b""
        if segments[0] == "redirect-chain" and len(segments) == 2:
            left = int(segments[1])
            target = f"/redirect-chain/{left - 1}" if left > 1 else "/status/200"
            return 302, {"Location": target}, b""
        if path == "/hang":
            while not self.mock._stopping.wait(0.5):
                pass
            raise _Hang
        return 404, {"Content-Type": "text/plain"}, b"not found"

    def _static(self, route: Route) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.conditional and route.status == 200:
            headers.setdefault("ETag", route.etag())
            headers.setdefault("Last-Modified", MockServer.LAST_MODIFIED)
            modified = email.utils.parsedate_to_datetime(headers["Last-Modified"])
            if preconditions.handler_not_modified(self, headers["ETag"], modified):
                return 304, {"ETag": headers["ETag"], "Content-Length": "0"}, b""
        return route.status, headers, route.body


class _Hang(Exception):
    pass
