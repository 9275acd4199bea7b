"""A fast SMTP sink for benchmarks: aiosmtpd in its own process, accepting and discarding.

Run `python bench/smtp_sink.py [PORT [DELAY]]` and read the port from its first line of
output; it counts messages and exits on SIGTERM. DELAY (seconds) holds each DATA answer
back, like a distant relay (other connections go on meanwhile).
"""

from __future__ import annotations

import asyncio
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    """Accepts every message and keeps only a count."""

    def __init__(self, delay: float = 0.0) -> None:
        self.count = 0
        self.delay = delay

    async def handle_DATA(self, server: SMTP, session: object, envelope: object) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.count += 1
        return "250 2.0.0 OK"


async def _main(host: str, port: int, delay: float) -> None:
    handler = Sink(delay)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname=host, data_size_limit=None), host, port
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    server.close()
    print(handler.count, flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(_main("127.0.0.1", int(args[0]) if args else 0, float(args[1]) if args[1:] else 0))
