"""`kil serve` starts uvicorn with the web app on the given host and port."""

from __future__ import annotations

import pytest

from tests.support.webdata import Archive
from tests.web.liveserver import serve_subprocess


def test_serve_help(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("serve", "--help")
    assert "--host" in result.output and "--port" in result.output


@pytest.mark.slow
def test_kil_serve_answers_http(kil_env, archive: Archive) -> None:  # type: ignore[no-untyped-def]
    import httpx

    with serve_subprocess(kil_env) as base:
        home = httpx.get(base + "/", timeout=10)
        assert home.status_code == 200 and "Keep it Local" in home.text
        assert httpx.get(base + "/api/jobs", timeout=10).json()["total"] == 3
