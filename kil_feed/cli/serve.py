"""`kil serve`: run the web archive with uvicorn."""

from __future__ import annotations

import errno
import logging
import os
import socket

import typer

from kil_feed.cli.context import state
from kil_feed.config import Settings

logger = logging.getLogger(__name__)


def serve(
    # help in Rich markup: "[web.host]" would be read as a style and vanish
    host: str | None = typer.Option(
        None, "--host", help="Address to listen on (default: web.host)."
    ),
    port: int | None = typer.Option(
        None, "--port", min=0, max=65535, help="Port to listen on (default: web.port)."
    ),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
) -> None:
    """Serve the web archive: issues, news, jobs, search, feeds, API and subscriptions."""
    import uvicorn

    from kil_feed.cli import configure_logging
    from kil_feed.web.app import create_app

    st = state()
    settings = st.settings
    st.require_database()
    configure_logging(st.debug, settings.log_level.upper())
    _warn_without_mail(settings)
    options = {
        "host": host or settings.web.host,
        "port": port if port is not None else settings.web.port,
        "log_level": settings.log_level.lower(),
        **settings.web.uvicorn_proxy_options(),
    }
    require_free_port(options["port"], options["host"])
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    # several processes: each builds the app from the same config file and KIL_* variables
    create_app(settings).state.engine.dispose()  # fail here, once, on a bad configuration
    if st.config_file:
        os.environ["KIL_CONFIG"] = str(st.config_file)
    uvicorn.run("kil_feed.web.asgi:app_from_environment", factory=True, workers=workers, **options)


def bind_error(port: int, host: str) -> OSError | None:
    """Why `host:port` cannot be listened on, bound as uvicorn binds it; None if it can."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            sock.bind(address)
    except OSError as exc:
        return exc
    return None


def require_free_port(port: int, host: str) -> None:
    """One line before any server starts when `host:port` cannot be listened on (uvicorn's
    start-up logs and `ERROR: [Errno 98] ...`, exit 3, otherwise): in use (exit 5), or an
    address that is not this machine's (exit 3). Port 0 (any free one) always can."""
    from kil_feed.errors import ConfigError, ConflictError

    exc = bind_error(port, host) if port != 0 else None
    if exc is None:
        return
    if exc.errno == errno.EADDRINUSE:
        raise ConflictError(f"port {port} on {host} is in use", hint="choose another with --port")
    raise ConfigError(
        f"cannot listen on {host} port {port}: {exc.strerror or exc}",
        hint="check --host and --port, or web.host and web.port",
    )


def _warn_without_mail(settings: Settings) -> None:
    """Sign-up needs its confirmation email: say at start-up, once, when none can go out."""
    from kil_feed.cli.output import warning_line
    from kil_feed.errors import ConfigError
    from newsletter.transport import check_transport

    try:
        check_transport(settings)
    except ConfigError as exc:
        warning_line(f"subscription emails (confirmations) will not be sent: {exc}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
