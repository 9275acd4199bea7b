"""A script's bad query parameter gets a 422 whose error a person can act on, as the HTML
pages' form errors are: the value it sent and what to send instead, never the validator's
regular expression or a bound a `nan` was never near."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("path", "params", "error", "hint"),
    [
        (
            "/api/market",
            {"week": "garbage"},
            "invalid week: 'garbage'",
            "use an ISO week such as 2026-W48",
        ),
        (
            "/api/market/notices",
            {"week": "2026-W99"},
            "invalid week: '2026-W99'",
            "use an ISO week such as 2026-W48",
        ),
        (
            "/api/notices",
            {"cpv": "72-2"},
            "invalid cpv: '72-2'",
            "use a CPV code or its prefix",
        ),
        (
            "/api/jobs",
            {"rate_min": "nan"},
            "invalid rate_min: 'nan': Input should be less than 10000000",
            None,
        ),
        ("/api/search", {"q": ""}, "missing q", "give the words to search for: q=..."),
    ],
)
def test_an_api_error_names_the_value_and_what_to_send(
    client: TestClient, path: str, params: dict, error: str, hint: str | None
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == 422
    assert answer.json() == {"error": error, "hint": hint}
