"""Feeds served on many loopback hosts (127.0.0.x), with ETag/Last-Modified and 304.

One uvicorn server in a process of its own listens on one socket per host, so a crawl sees
as many domains as a real one (Scrapy's per-domain slots) and the server's work does not
compete with the crawl's processes for a GIL. Unknown paths (robots.txt among them) are 404.
Used by the benchmarks; the test suite has its own servers under tests/support.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import socket
from typing import Any

LAST_MODIFIED = "Tue, 01 Sep 2026 08:00:00 GMT"


class FeedHosts:
    """`add(path, body)` before `start()`; feed `n` lives on host `n % hosts`."""

    def __init__(self, hosts: int) -> None:
        if not 1 <= hosts <= 254:
            raise ValueError("between 1 and 254 loopback hosts")
        self.sockets = []
        for number in range(hosts):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((f"127.0.0.{number + 1}", 0))
            self.sockets.append(sock)
        self.routes: dict[tuple[str, str], tuple[bytes, str]] = {}
        self.process: Any = None

    def url(self, number: int, path: str) -> str:
        host, port = self.sockets[number % len(self.sockets)].getsockname()
        return f"http://{host}:{port}{path}"

    def add(self, number: int, path: str, body: bytes) -> str:
        host = self.sockets[number % len(self.sockets)].getsockname()[0]
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        self.routes[(host, path)] = (body, etag)
        return self.url(number, path)

    def start(self) -> FeedHosts:
        context = multiprocessing.get_context("fork")  # the child inherits sockets and bytes
        self.process = context.Process(target=_serve, args=(self.sockets, self.routes))
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.terminate()  # uvicorn exits cleanly on SIGTERM
        self.process.join(30)
        for sock in self.sockets:
            sock.close()


def _serve(sockets: list[socket.socket], routes: dict[tuple[str, str], tuple[bytes, str]]) -> None:
    import uvicorn

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        route = routes.get((scope["server"][0], scope["path"]))
        headers = dict(scope["headers"])
        if route is None:
            status, body, extra = 404, b"not found", []
        elif headers.get(b"if-none-match") == route[1].encode() or (
            b"if-none-match" not in headers
            and headers.get(b"if-modified-since") == LAST_MODIFIED.encode()
        ):
            status, body, extra = 304, b"", []
        else:
            status, body = 200, route[0]
            extra = [(b"content-type", b"application/rss+xml; charset=utf-8")]
        if route is not None:
            extra += [(b"etag", route[1].encode()), (b"last-modified", LAST_MODIFIED.encode())]
        extra.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": extra})
        await send({"type": "http.response.body", "body": body})

    for sock in sockets:
        sock.listen(2048)
    config = uvicorn.Config(
        app, lifespan="off", log_level="warning", access_log=False, backlog=2048
    )  # fmt: skip
    uvicorn.Server(config).run(sockets=sockets)
