"""A fast SMTP sink for benchmarks: aiosmtpd in its own process, accepting and discarding.

Run `python bench/smtp_sink.py` and read the port from its first line of output; it counts
messages and exits on SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    """Accepts every message and keeps only a count."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: object, envelope: object) -> str:
        self.count += 1
        return "250 2.0.0 OK"


async def _main(host: str, port: int) -> None:
    handler = Sink()
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
    asyncio.run(_main("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0))
