"""An SMTP sink on loopback (aiosmtpd) that keeps only who got which Message-ID, and when.

Lighter than `smtpserver.SMTPServer` (which keeps every message whole): made for sends to
thousands of subscribers. `delay` makes it answer each DATA after that many seconds, like
a distant relay (other connections go on meanwhile).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.smtpserver import _free_port

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.I | re.M)


class _Counter:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.received: list[tuple[str, str, float]] = []  # (recipient, Message-ID, time)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        data = bytes(envelope.content or b"")
        head = data.split(b"\r\n\r\n", 1)[0]
        match = _MESSAGE_ID.search(head)
        mid = match.group(1).decode() if match else ""
        now = time.monotonic()
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append((rcpt.lower(), mid, now))
        return "250 2.0.0 OK"


class CountingSink:
    def __init__(self, delay: float = 0.0) -> None:
        self.handler = _Counter(delay)
        self.port = _free_port("127.0.0.1")
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> CountingSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def count(self) -> int:
        with self.handler.lock:
            return len(self.handler.received)

    def per_recipient(self) -> Counter[tuple[str, str]]:
        """How many times each (recipient, Message-ID) arrived."""
        with self.handler.lock:
            return Counter((rcpt, mid) for rcpt, mid, _ in self.handler.received)

    def times(self) -> list[float]:
        with self.handler.lock:
            return [at for _, _, at in self.handler.received]
