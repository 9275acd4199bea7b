"""An advert whose details sit in a two-column table ("<th>Location</th><td>...</td>") has
them read like "Location: ..." lines. The page is written for the test (synthetic)."""

from __future__ import annotations

from crawler.extract.advert import advert_from_html, read_page

TABLE_ADVERT = """<html><head><title>Head of Procurement (Interim) - Council jobs</title></head>
<body><h1>Head of Procurement (Interim)</h1>
<table>
<tr><th>Salary</th><td>£600pd Outside IR35</td></tr>
<tr><th>Location</th><td>Edinburgh / Remote</td></tr>
<tr><td><b>Employer</b></td><td>Example Council</td></tr>
<tr><th>Contract type:</th><td>Interim</td></tr>
<tr><th>Closes</th><td>Friday 15 January 2027, midnight</td></tr>
<tr><th>Benefits</th><td>Pension</td></tr>
</table>
<p>An interim head of procurement is required for an initial 3 month assignment to lead the
commercial team through a restructure of its contracts.</p>
<p>To apply, send your CV.</p></body></html>"""


def test_table_rows_are_labels() -> None:
    labels = read_page(TABLE_ADVERT, "https://jobs.example/1").labels
    assert labels["location"] == "Edinburgh / Remote"
    assert labels["employer"] == "Example Council"
    assert labels["contract"] == "Interim"
    assert labels["pay"] == "£600pd Outside IR35"
    assert labels["closing"] == "Friday 15 January 2027, midnight"


def test_table_advert_item() -> None:
    item = advert_from_html(TABLE_ADVERT, "https://jobs.example/1")
    assert item is not None
    assert (item["employer"], item["location"]) == ("Example Council", "Edinburgh / Remote")


def test_length_label_is_the_duration() -> None:
    page = """<html><head><title>Interim Commissioning Manager</title></head><body>
    <h1>Interim Commissioning Manager</h1><ul><li>Day rate: £550 (umbrella)</li>
    <li>Location: Leeds</li><li>Length: 6 months with view to extend</li></ul>
    <p>A metropolitan council needs an interim commissioning manager for adult social care.</p>
    <p>Apply now.</p></body></html>"""
    item = advert_from_html(page, "https://jobs.example/2")
    assert item is not None
    assert item["extra"]["duration"] == "6 months with view to extend"
    assert item["extra"]["duration_months"] == 6.0
