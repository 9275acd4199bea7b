"""Plain-HTML adverts of Welsh public bodies, bilingual or Welsh-only, give their fields by
Welsh labels ("Cyflog:", "Dyddiad cau" ...) as English adverts do by English ones. A real
`kil crawl` of `jobs` sources on a loopback server.

Both pages are test input written for this test, not real documents: Welsh-only labels on
"Label: value" lines, and a bilingual advert whose Welsh labels stand above their values."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.support.crawl import FAST_CRAWL_ENV, items_of

WELSH_ONLY = """<!doctype html><html lang="cy"><head>
<title>Rheolwr Caffael - Cyngor Sir Enghraifft</title></head>
<body><nav><a href="/">Hafan</a> <a href="/swyddi">Swyddi</a></nav>
<main><h1>Rheolwr Caffael</h1><ul>
<li>Cyflogwr: Cyngor Sir Enghraifft</li>
<li>Lleoliad: Aberystwyth</li>
<li>Cyflog: £45,000 - £50,000</li>
<li>Math o gontract: Parhaol</li>
<li>Oriau: 37 awr yr wythnos</li>
<li>Cyfeirnod swydd: CSE-2026-114</li>
<li>Dyddiad cau: 5 Rhagfyr 2026 am 12:00</li></ul>
<p>Rydym yn chwilio am Reolwr Caffael i arwain ein tîm caffael a chontractau.</p>
<p><a href="/swyddi/cse-2026-114/gwneud-cais">Gwneud cais</a></p></main></body></html>"""

BILINGUAL = """<!doctype html><html lang="cy"><head>
<title>Swyddog Contractau / Contracts Officer</title></head><body><main>
<h1>Swyddog Contractau / Contracts Officer</h1>
<section lang="cy"><dl>
<dt>Teitl y swydd</dt><dd>Swyddog Contractau</dd>
<dt>Lleoliad</dt><dd>Caerfyrddin</dd>
<dt>Graddfa gyflog</dt><dd>£32,000 - £35,000</dd>
<dt>Math o gytundeb</dt><dd>Cyfnod penodol, 12 mis</dd>
<dt>Patrwm gwaith</dt><dd>Llawn amser</dd>
<dt>Dyddiad cau</dt><dd>Dydd Gwener, 8 Ionawr 2027 17:00</dd></dl>
<p>Byddwch yn rheoli contractau gwasanaethau&#39;r cyngor.</p></section>
<section lang="en"><p>You will manage the council&#39;s service contracts.</p>
<p>Salary: £32,000 - £35,000</p><p>Closing date: Friday 8 January 2027 17:00</p></section>
<p><a href="/swyddi/contractau/apply">Gwneud cais / Apply</a></p></main></body></html>"""


def test_welsh_labels_read_through_a_crawl(  # type: ignore[no-untyped-def]
    cli, http_server, engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in FAST_CRAWL_ENV.items():
        monkeypatch.setenv(key, value)
    cli("sources", "add", "cy", http_server.add("/swyddi/1", WELSH_ONLY), "--kind", "jobs")
    cli("sources", "add", "dwy", http_server.add("/swyddi/2", BILINGUAL), "--kind", "jobs")
    rows = {r["source"]: r for r in json.loads(cli("crawl", "--json").output)}
    assert (rows["cy"]["new"], rows["dwy"]["new"]) == (1, 1), rows

    (job,) = items_of(engine, "cy")
    assert (job.title, job.employer, job.location) == (
        "Rheolwr Caffael", "Cyngor Sir Enghraifft", "Aberystwyth",
    )  # fmt: skip
    assert (job.pay_min, job.pay_max) == (45000, 50000)
    assert job.closes_at is not None
    assert job.closes_at.replace(tzinfo=UTC) == datetime(2026, 12, 5, 12, tzinfo=UTC)
    assert job.guid == "CSE-2026-114" and job.extra["hours"] == "37 awr yr wythnos"
    assert job.extra["apply_url"].endswith("/swyddi/cse-2026-114/gwneud-cais")
    assert job.regions == ["Wales"] and job.contract_type == "permanent"  # "Parhaol"

    (both,) = items_of(engine, "dwy")
    assert both.title == "Swyddog Contractau" and both.location == "Caerfyrddin"
    assert (both.pay_min, both.pay_max) == (32000, 35000)
    assert both.closes_at is not None
    assert both.closes_at.replace(tzinfo=UTC) == datetime(2027, 1, 8, 17, tzinfo=UTC)
    assert both.extra["hours"] == "Llawn amser"
    assert both.contract_type == "fixed-term"  # "Cyfnod penodol"
    assert both.extra["apply_url"].endswith("/swyddi/contractau/apply")
