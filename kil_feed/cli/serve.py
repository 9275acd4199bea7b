"""`kil serve`: run the web archive with uvicorn (issue #6)."""

from __future__ import annotations

import logging

import typer

from kil_feed.cli.context import state

logger = logging.getLogger(__name__)


def serve(
    host: str | None = typer.Option(None, "--host", help="Address to listen on [web.host]."),
    port: int | None = typer.Option(None, "--port", help="Port to listen on [web.port]."),
) -> None:
    """Serve the web archive: issues, news, jobs, search, feeds, API and subscriptions."""
    import uvicorn

    from kil_feed.cli import configure_logging
    from kil_feed.web.app import create_app

    st = state()
    settings = st.settings
    configure_logging(st.debug, settings.log_level.upper())
    app = create_app(settings)
    uvicorn.run(
        app,
        host=host or settings.web.host,
        port=port if port is not None else settings.web.port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
