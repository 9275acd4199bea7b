"""The demo job board's archive (kil_feed/demo/market.py): enough adverts over enough weeks
for the market charts, read by the crawler's own JobPosting extraction."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from crawler.classify.regions import regions_for
from crawler.extract.jobs import jobs_from_html, jobs_from_json
from kil_feed.demo.market import ARCHIVE_JSON, adverts
from kil_feed.demo.server import DemoSite
from kil_feed.roles import role_family

NOW = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
BASE = "http://127.0.0.1:8123"


def _jobs() -> list[dict]:
    page = DemoSite(now=NOW).render(ARCHIVE_JSON, BASE)
    assert page is not None and page.content_type == "application/json"
    return jobs_from_json(page.body, BASE + ARCHIVE_JSON)


def test_the_archive_spans_half_a_year_of_weekly_adverts() -> None:
    jobs = _jobs()
    assert len(jobs) == len(adverts()) >= 300
    posted = [datetime.fromisoformat(j["published_raw"]).replace(tzinfo=UTC) for j in jobs]
    weeks = Counter((NOW - p).days // 7 for p in posted)
    assert set(weeks) >= set(range(2, 26))  # half a year, every week with adverts to count
    assert min(weeks[w] for w in range(2, 26)) >= 8
    # the newest are older than the board's hand-written adverts, which lead an issue
    assert min(NOW - p for p in posted) >= timedelta(days=7)


def test_every_region_and_role_family_and_pay_kind_is_there() -> None:
    found = adverts()
    regions = Counter(regions_for(address={"addressLocality": a.locality})[0] for a in found)
    assert len(regions) == 12 and regions["London"] > regions["North West"] > regions["Wales"]
    assert regions["Northern Ireland"] < 10  # a region with too few adverts for a figure
    assert {role_family(a.title) for a in found} >= {
        "procurement", "category-management", "contract-management", "commissioning",
        "social-value",
    }  # fmt: skip
    units = Counter(a.unit for a in found)
    assert units["DAY"] > units["YEAR"] > units["HOUR"] > 0
    # one role per title and employer: a repeat would be the same role reposted
    assert len({(a.title, a.employer) for a in found}) == len(found)


def test_each_advert_has_its_own_page_with_the_same_posting() -> None:
    site = DemoSite(now=NOW)
    for job in _jobs()[:: len(adverts()) // 6]:
        page = site.render(job["url"].removeprefix(BASE), BASE)
        assert page is not None, job["url"]
        (posting,) = jobs_from_html(page.body.decode(), job["url"])
        assert (posting["title"], posting["url"]) == (job["title"], job["url"])
        assert "fictional demo site" in page.body.decode()
    assert site.render("/jobs/archive/lpsn-1.html", BASE) is None
