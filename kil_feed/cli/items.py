"""`kil items ...`: the group other modules add commands to (listing here, curation in
`curation.py`)."""

from __future__ import annotations

import typer

items_app = typer.Typer(
    help="Collected news and jobs: list, show and curate.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(items_app, name="items")
