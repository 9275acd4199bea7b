"""An empty query value (`?rate_min=`, what an HTML form sends for a blank field) means the
parameter was not given, on every listing page, feed and API route."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kil_feed.web.emptyvalues import without_empty_values

# each HTML listing, feed and chart with the query parameters it reads
PAGES = {
    "/news": ("topic", "region", "source", "page"),
    "/jobs": ("region", "contract_type", "rate_min", "rate_max", "closed", "sort", "page"),
    "/notices": ("region", "stage", "buyer_type", "cpv", "value", "closing_before", "page"),
    "/search?q=council": ("kind", "region", "topic", "sort", "page"),
    "/market": ("region", "role", "week"),
    "/feeds/jobs.xml": ("region", "contract_type", "rate_min", "rate_max", "closed", "sort"),
    "/feeds/notices.xml": ("region", "topic"),
}
_PER_REQUEST = re.compile(r'(nonce|value)="[^"]*"|<updated>[^<]*</updated>')


def _same(answer: str) -> str:
    """The body without what changes from one request to the next (CSP nonces, tokens)."""
    return _PER_REQUEST.sub("", answer)


def _with(path: str, name: str) -> str:
    return path + ("&" if "?" in path else "?") + name + "="


def _listings(client: TestClient) -> Iterator[tuple[str, list[dict], dict[str, str]]]:
    """Each API listing of the OpenAPI document: its path, its query parameters, and a value
    for each required one."""
    schema = client.get("/api/openapi.json").json()
    for path, methods in schema["paths"].items():
        operation = methods.get("get")
        if operation is None or "{" in path:
            continue
        query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        yield path, query, {p["name"]: "council" for p in query if p.get("required")}


@pytest.mark.parametrize(("path", "names"), PAGES.items())
def test_a_blank_field_is_no_filter_on_pages(client: TestClient, path: str, names: tuple) -> None:
    plain = client.get(path)
    assert plain.status_code == 200, plain.text
    for name in names:
        blank = client.get(_with(path, name))
        assert blank.status_code == 200, (name, blank.text[:300])
        assert _same(blank.text) == _same(plain.text), name
    every = path + ("&" if "?" in path else "?") + "&".join(f"{n}=" for n in names)
    assert _same(client.get(every).text) == _same(plain.text)


def test_a_blank_value_is_no_filter_in_the_api(client: TestClient) -> None:
    """Every optional query parameter of every API listing, read from the OpenAPI document
    (so a route added later is covered), and documented as `allowEmptyValue`."""
    checked = []
    for path, query, required in _listings(client):
        plain = client.get(path, params=required)
        assert plain.status_code == 200, (path, plain.text)
        for parameter in query:
            if parameter.get("required"):
                assert not parameter.get("allowEmptyValue"), (path, parameter["name"])
                continue
            assert parameter.get("allowEmptyValue") is True, (path, parameter["name"])
            blank = client.get(path, params={**required, parameter["name"]: ""})
            assert blank.status_code == 200, (path, parameter["name"], blank.text)
            assert blank.json() == plain.json(), (path, parameter["name"])
            checked.append(f"{path}?{parameter['name']}=")
    assert "/api/jobs?include_closed=" in checked and "/api/notices?closing_before=" in checked
    assert "/api/jobs?limit=" in checked and len(checked) >= 25
    # a required parameter given empty is still missing
    missing = client.get("/api/search", params={"q": ""})
    assert missing.status_code == 422 and missing.json()["error"]


def test_only_empty_values_are_dropped() -> None:
    assert without_empty_values(b"region=&rate_min=500&closed") == b"rate_min=500"
    assert without_empty_values(b"q=%20&sort=+&page=2") == b"q=%20&sort=+&page=2"
    assert without_empty_values(b"a=1&&b==") == b"a=1&b=="


def _restricted(schema: dict) -> bool:
    """Whether a parameter's schema limits its strings (an enum, a pattern, a format)."""
    branches = [schema, *schema.get("anyOf", [])]
    return any(key in b for b in branches for key in ("enum", "pattern", "format"))


def test_only_spaces_are_not_a_blank_value_in_the_api(client: TestClient) -> None:
    """`region=%0B` (a vertical tab, found by schemathesis) was stripped to nothing and read
    as no region, a 200 for a value outside the documented enum (whose one blank member is
    ""); as `week= ` and `role= `. Spaces alone are refused as any unknown value is."""
    checked = []
    for path, query, required in _listings(client):
        for parameter in query:
            if not _restricted(parameter["schema"]):
                continue
            for spaces in (" ", "\x0b", "\t \n"):
                answer = client.get(path, params={**required, parameter["name"]: spaces})
                assert answer.status_code == 422, (path, parameter["name"], spaces, answer.text)
                assert answer.json()["error"], (path, parameter["name"])
            checked.append(f"{path}?{parameter['name']}")
    assert "/api/items?region" in checked and "/api/market?week" in checked
    assert "/api/market?role" in checked and "/api/notices?closing_before" in checked
