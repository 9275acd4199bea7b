"""OCDS documents in UTF-16/UTF-32 (a byte-order mark, the response's charset, or neither)
are read as the UTF-8 original; bytes that belie their encoding are a recorded failure with
a one-line reason. The release is Sell2Wales' real Swansea capture, re-encoded here."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.ocds import compile_document, read_ocds
from tests.support.crawl import add_source, crawl, items_of

SWANSEA = "ocds/sell2wales_2025-02-03_swansea_agency_social_workers_framework_ocds-kuma6s.json"


@pytest.fixture(scope="module")
def text(corpus_dir: Path) -> str:
    return (corpus_dir / SWANSEA).read_text(encoding="utf-8")


def _title(body: bytes, content_type: str | None = None) -> str:
    doc = read_ocds(body, content_type)
    assert doc.error is None and doc.problem is None, (doc.error, doc.problem)
    (notice,) = compile_document(doc)
    return str(notice["fields"]["title"])


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [
        ("utf-16", None),  # a BOM, little-endian
        ("utf-32", None),
        ("utf-8-sig", "application/json; charset=utf-16"),  # the BOM beats a wrong label
        ("utf-16-be", "application/json; charset=utf-16be"),
        ("utf-16-le", "application/json; charset=UTF-16"),
        ("utf-16-le", None),  # no mark nor label: its zero bytes say
        ("utf-32-be", "application/json"),
    ],
)
def test_utf16_and_utf32_read_as_the_original(
    text: str, encoding: str, content_type: str | None
) -> None:
    original = _title(text.encode("utf-8"))
    assert "—" in text and original  # the capture has non-ASCII text to get wrong
    assert _title(text.encode(encoding), content_type) == original


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        ("utf-16 cut", None, "undecodable JSON: not valid UTF-16 after its UTF-16 byte-order mark"),
        (
            "utf-16-le cut",
            "application/json; charset=utf-16",
            "undecodable JSON: not valid UTF-16-LE",
        ),
    ],
)
def test_bytes_that_belie_their_encoding_are_an_error(
    text: str, body: str, content_type: str | None, reason: str
) -> None:
    data = text.encode(body.split()[0])[:-1]  # the last character cut in half
    doc = read_ocds(data, content_type)
    assert doc.error is not None and doc.error.startswith(reason) and "\n" not in doc.error
    assert doc.releases == []


def test_crawl_reads_a_utf16_server_and_records_a_broken_one(  # type: ignore[no-untyped-def]
    http_server, crawl_settings, crawl_engine, text
):
    utf16 = http_server.add(
        "/ocds/utf16.json", text.encode("utf-16-le"), "application/json; charset=utf-16"
    )
    broken = http_server.add("/ocds/broken.json", text.encode("utf-16")[:-1], "application/json")
    add_source(crawl_engine, "s2w", utf16, kind="notices", options={"api": "ocds"})
    add_source(crawl_engine, "broken", broken, kind="notices", options={"api": "ocds"})

    summaries = crawl(crawl_settings)
    assert (summaries["s2w"].new, summaries["s2w"].error) == (1, None)
    (item,) = items_of(crawl_engine, "s2w")
    assert (
        item.title == _title(text.encode("utf-8")) and item.employer == "City & County of Swansea"
    )
    failed = summaries["broken"]
    assert failed.new == 0 and failed.error is not None
    assert failed.error.startswith("page 1: undecodable JSON: not valid UTF-16 after its UTF-16")
