"""Schemathesis on the OpenAPI document, in-process against the ASGI app: generated requests
(valid ones and invalid ones) must never get a 5xx, and every answer must match the
documented status codes, content types and schemas. Bounded: a fixed number of examples per
operation and generation mode, derandomised so a run is repeatable. Valid requests keep the
one rule across parameters that a schema cannot state, only its descriptions: `/api/jobs`'
rate_min at most its rate_max (above it is a 422, tests/web/test_filter_ranges.py)."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

MAX_EXAMPLES = 30


def _in_range(case) -> bool:  # type: ignore[no-untyped-def]
    """False for a rate_min above rate_max: a valid request by the schema, refused."""
    low, high = ((case.query or {}).get(k) for k in ("rate_min", "rate_max"))
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
    return not numbers or low <= high


@pytest.fixture
def api_schema(client: TestClient):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/api/openapi.json", client.app)


def test_api_answers_as_documented(api_schema, capsys) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        modes = [GenerationMode.POSITIVE]
        # nothing to make invalid otherwise: a conditional request's headers (If-None-Match,
        # If-Modified-Since) take any string, and anything malformed is ignored
        if any(p.location != "header" for p in operation.iter_parameters()):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            cases = operation.as_strategy(generation_mode=mode)
            if mode == GenerationMode.POSITIVE:
                cases = cases.filter(_in_range)

            @given(case=cases)
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case) -> None:  # type: ignore[no-untyped-def]
                response = case.call_and_validate()
                calls.append(f"{case.method} {case.path} {response.status_code}")

            run()
    with capsys.disabled():
        print(f"\nschemathesis: {len(calls)} cases over {len(operations)} operations, 0 failures")
    assert not [c for c in calls if c.rsplit(" ", 1)[1].startswith("5")]
