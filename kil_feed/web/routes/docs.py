"""`/api/docs`: Swagger UI for the JSON API, served from our own origin.

Swagger UI's files come from the `fastapi-offline` package, which ships Swagger UI 5 (the
first to read the OpenAPI 3.1 documents FastAPI writes; `swagger-ui-bundle` has 4.15),
mounted under `/static/swagger-ui`. The page's start-up code is a static file too, so the
docs need no CDN, no network and no inline script: their CSP stays strict.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kil_feed.web.deps import render

router = APIRouter(include_in_schema=False)

SWAGGER_UI_MOUNT = "/static/swagger-ui"


def swagger_ui_dir() -> Path:
    """The folder of Swagger UI's distribution files inside the installed package."""
    return Path(str(resources.files("fastapi_offline") / "static"))


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return render(
        request,
        "api_docs.html",
        {"openapi_url": request.app.openapi_url, "assets": SWAGGER_UI_MOUNT},
    )
