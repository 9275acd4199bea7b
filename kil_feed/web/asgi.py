"""An app factory for uvicorn's `--factory` mode (several worker processes).

Each worker builds its own app (and engine) from the settings in its environment.
"""

from __future__ import annotations

from fastapi import FastAPI

from kil_feed.config import load_settings
from kil_feed.web.app import create_app


def app_from_environment() -> FastAPI:
    return create_app(load_settings())
