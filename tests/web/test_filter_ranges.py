"""A minimum above the maximum (`/jobs?rate_min=500&rate_max=300`) can match nothing: the
board, its feed and the API showed 0 jobs as if none paid that much. It is a 422 with the
form's error line (as `rate_min=abc` is) or the JSON error, whose hint says to swap them.
And a page past 10,000 says the range it may be in."""

from __future__ import annotations

from fastapi.testclient import TestClient

SWAPPED = {"rate_min": "500", "rate_max": "300"}
MESSAGE = "invalid rate_min: 500 is above rate_max 300"
HINT = "swap them: rate_min=300&amp;rate_max=500"


def test_a_rate_minimum_above_the_maximum_is_refused(client: TestClient) -> None:
    page = client.get("/jobs", params=SWAPPED)
    assert page.status_code == 422
    assert f'<p class="form-error" role="alert">{MESSAGE} ({HINT})</p>' in page.text
    assert 'id="f-min"' in page.text  # the page and its form, to correct them
    feed = client.get("/feeds/jobs.xml", params=SWAPPED)
    assert feed.status_code == 422 and MESSAGE in feed.text
    api = client.get("/api/jobs", params=SWAPPED)
    assert api.status_code == 422
    assert api.json() == {"error": MESSAGE, "hint": "swap them: rate_min=300&rate_max=500"}
    pence = client.get("/api/jobs", params={"rate_min": "500.5", "rate_max": "450"}).json()
    assert pence["error"] == "invalid rate_min: 500.5 is above rate_max 450"


def test_a_rate_range_of_one_amount_and_open_ends_still_filter(client: TestClient) -> None:
    for params in ({"rate_min": "500", "rate_max": "500"}, {"rate_min": "500"},
                   {"rate_max": "300"}, {"rate_min": "300", "rate_max": "500"}):  # fmt: skip
        assert client.get("/jobs", params=params).status_code == 200, params
        assert client.get("/api/jobs", params=params).status_code == 200, params


def test_a_page_out_of_range_says_the_range(client: TestClient) -> None:
    """It said "use a number from 1" of page 99999. (The API pages by `offset`, whose 422
    states its bounds.)"""
    for path in ("/news", "/jobs", "/notices", "/buyers", "/search?q=council"):
        for number in ("99999", "0", "abc"):
            page = client.get(path, params={"page": number})
            assert page.status_code == 422, (path, number)
            expected = f"invalid page: {number!r} (use a number from 1 to 10,000)"
            assert expected in page.text.replace("&#39;", "'"), (path, number)
