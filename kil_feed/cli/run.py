"""`kil run`: the web archive and the scheduler in one process, the way a small site runs.

uvicorn serves in the main thread; the scheduler service (leader or stand-by) runs in a
thread beside it. SIGTERM/SIGINT stop uvicorn first (it finishes open requests), then the
scheduler (it ends running crawls and waits for the other jobs), then the process exits 0.
"""

from __future__ import annotations

import logging
import threading

import typer

from kil_feed.cli.context import state
from kil_feed.cli.schedule import announce
from kil_feed.cli.serve import require_free_port

logger = logging.getLogger(__name__)

SCHEDULER_STOP_TIMEOUT = 600.0


def run(
    # help in Rich markup: "[web.host]" would be read as a style and vanish
    host: str | None = typer.Option(
        None, "--host", help="Address to listen on (default: web.host)."
    ),
    port: int | None = typer.Option(
        None, "--port", min=0, max=65535, help="Port to listen on (default: web.port)."
    ),
    no_scheduler: bool = typer.Option(
        False, "--no-scheduler", help="Serve only (another host runs the scheduler)."
    ),
) -> None:
    """Run the web archive and the scheduler together until SIGTERM/SIGINT."""
    import uvicorn

    from kil_feed.cli import configure_logging
    from kil_feed.scheduler.service import SchedulerService, require_current_schema
    from kil_feed.scheduler.signals import stop_on_signals

    st = state()
    settings = st.settings
    configure_logging(st.debug, settings.log_level.upper())
    if not st.debug:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from kil_feed.web.app import create_app

    require_current_schema(st.engine)
    host = host or settings.web.host
    port = port if port is not None else settings.web.port
    require_free_port(port, host)
    service = None if no_scheduler else SchedulerService(settings, st.engine, announce=announce)
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            **settings.web.uvicorn_proxy_options(),  # type: ignore[arg-type]
        )
    )
    stop = threading.Event()
    thread = None
    if service is not None:
        thread = threading.Thread(
            target=_run_scheduler, args=(service, stop), name="kil-scheduler", daemon=True
        )
    # uvicorn installs its own handlers while serving and, once stopped, re-raises the
    # signal into these: so a SIGTERM stops both, in order.
    with stop_on_signals(stop):
        if thread is not None:
            thread.start()
        try:
            server.run()
        finally:
            stop.set()
            if thread is not None:
                thread.join(SCHEDULER_STOP_TIMEOUT)
                if thread.is_alive():
                    logger.error("the scheduler did not stop within %.0fs", SCHEDULER_STOP_TIMEOUT)


def _run_scheduler(service, stop: threading.Event) -> None:  # type: ignore[no-untyped-def]
    try:
        service.run(stop)
    except Exception:  # the web app keeps serving; the log says why scheduling stopped
        logger.exception("the scheduler stopped with an error")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
