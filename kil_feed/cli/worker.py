"""`kil worker` commands (issue #19): long-running workers for deployments past one machine.

`kil worker send` joins every issue being sent (PostgreSQL only: senders share the ledger
through leased rows, see `newsletter.workers`). SIGTERM stops a worker as Ctrl-C does: no
new messages, those in flight finish and are recorded.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import typer

from kil_feed.cli.context import state
from kil_feed.cli.help import command_group
from kil_feed.cli.output import success

if TYPE_CHECKING:
    from newsletter.report import SendReport

worker_app = command_group(help="Workers that share the work of a deployment across machines.")


def register(app: typer.Typer) -> None:
    """Add the `worker` group to `app`."""
    app.add_typer(worker_app, name="worker", no_args_is_help=True)


def _stop_on_sigterm() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _stop_event_on_signals() -> threading.Event:
    """SIGTERM or Ctrl-C sets the event the crawl worker stops by (its processes stopped,
    what they sent stored), wherever it is then; a second one interrupts it at once. An
    interrupt raised at the first could land outside the loop that handles it (a batch
    being written, the heartbeat) and end the worker with "interrupted" and status 130."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


@worker_app.command("send")
def send(
    once: bool = typer.Option(
        False, "--once", help="Exit when no issue being sent has rows left to claim."
    ),
    poll: float = typer.Option(5.0, "--poll", min=0.1, help="Seconds between looks for work."),
    rate: str | None = typer.Option(
        None,
        "--rate",
        help="At most this many across all senders, e.g. 10/s (default: the "
        "rate the send was started with).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print each report as a JSON line."),
) -> None:
    """Send issues alongside other senders (PostgreSQL): start a send with `kil issue send
    ID`, and every worker on every machine takes its share. Exits as `kil issue send`
    does: 7 if a send it joined paused, 75 if it left deliveries deferred."""
    from kil_feed.cli.issue import parse_rate, print_send_report
    from newsletter.transport import check_transport, describe_transport
    from newsletter.workers import require_postgres, work

    st = state()
    per_second = parse_rate(rate)
    require_postgres(st.engine)
    check_transport(st.settings)
    if not as_json:
        typer.echo(
            f"send worker: joining every issue being sent, {describe_transport(st.settings)}"
        )
    _stop_on_sigterm()

    codes: list[int] = []

    def on_report(report: SendReport) -> None:
        print_send_report(report, as_json=as_json)
        codes.append(report.exit_code)

    joined = work(
        st.engine, st.settings, once=once, poll=poll, rate=per_second, on_report=on_report
    )
    if not as_json and joined == 0:
        success("no issue is being sent: nothing to do")
    code = worst_exit_code(codes)
    if code:  # as `kil issue send`: 7 a send paused, 75 rows deferred, 67 some refused
        raise typer.Exit(code)


def worst_exit_code(codes: list[int]) -> int:
    """The exit code of several sends: a pause (7, a person must act) before deferred
    deliveries (75, a later run retries them) before failed ones (67) before 0."""
    from kil_feed.errors import DeliveryError
    from newsletter.report import DEFERRED_EXIT_CODE, FAILED_EXIT_CODE

    for code in (DeliveryError.exit_code, DEFERRED_EXIT_CODE, FAILED_EXIT_CODE):
        if code in codes:
            return code
    return 0


@worker_app.command("crawl")
def crawl(
    processes: int = typer.Option(
        1, "--processes", "-p", min=1, max=64, help="Crawl processes per source kind."
    ),
    kind: list[str] = typer.Option(
        [], "--kind", help="Only sources of this kind: feed, page, jobs or notices (repeat)."
    ),
    exit_when_idle: int = typer.Option(
        0, "--exit-when-idle", min=0, help="Exit after this many seconds with nothing queued."
    ),
) -> None:
    """Crawl what `kil crawl` queued in Redis (`crawl.backend = "redis"`), alongside
    every other crawl worker, and store it in the database."""
    from kil_feed.errors import ValidationError
    from kil_feed.ingest.queue import WORKER_KINDS
    from kil_feed.ingest.worker import run_worker

    st = state()
    st.require_database()  # before taking work from Redis that it would have nowhere to store
    bad = [k for k in kind if k not in WORKER_KINDS]
    if bad:
        raise ValidationError(f"unknown source kind {bad[0]!r}: one of feed, page, jobs, notices")
    kinds = kind or list(WORKER_KINDS)
    stop = _stop_event_on_signals()
    typer.echo(
        f"crawl worker: {processes} process(es) per kind ({', '.join(kinds)}) on "
        f"{st.settings.crawl.redis_url}"
    )
    report = run_worker(
        st.settings, processes=processes, kinds=kinds, idle_exit=exit_when_idle, stop=stop
    )
    success(
        f"crawl worker done: {report.answered} sources answered, "
        f"{report.items} items stored ({report.new} new)"
    )
