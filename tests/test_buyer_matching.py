"""Councils recognised from the register of every UK local authority, and news matched to a
buyer by the ways stories name a council, never by a place name alone."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from crawler.ocds import compile_document, read_ocds
from kil_feed.buyers import (
    council_mentions,
    local_authority,
    local_authority_code,
    mentions,
    name_key,
    register,
)
from kil_feed.config import Settings
from kil_feed.db import read_session
from kil_feed.storage.buyers import buyer_items, get_buyer
from tests.conftest import ROOT
from tests.support.notices import store_items, store_notices

REGISTER = ROOT / "kil_feed" / "data" / "uk_local_authorities.csv"
DURHAM = "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json"


def test_the_register_is_the_cited_copy_and_covers_every_tier() -> None:
    digest = hashlib.sha256(REGISTER.read_bytes()).hexdigest()
    provenance = REGISTER.with_suffix(".md").read_text(encoding="utf-8")
    assert digest in provenance  # the shipped bytes are the ones the provenance cites
    current = Counter(la.kind for la in register() if la.current)
    # the register's own counts of current authorities (its README's table)
    assert current["Non-metropolitan district"] == 164
    assert current["Metropolitan district"] == 36 and current["London borough"] == 32
    assert current["Unitary authority"] == 63 and current["County"] == 21
    assert current["Scottish unitary authority"] == 32
    assert current["Welsh unitary authority"] == 22 and current["NI district"] == 11


# Text decoded with the wrong codec: the replacement character, UTF-8 read as Latin-1 or
# cp1252 (a lead byte's letter, "\u00c3", "\u00ef", before a continuation byte's), the
# replacement character so misread ("\u00ef\u00bf\u00bd"), C1 control characters.
_MOJIBAKE = re.compile("\ufffd|[\u00c2-\u00f4][\u0080-\u00bf]|\u00ef\u00bf\u00bd|[\u0080-\u009f]")


def test_the_register_holds_no_mojibake() -> None:
    rows = list(csv.reader(REGISTER.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 471  # the header and 470 authorities
    garbled = [
        (row[0], value)
        for row in rows
        for field in row
        for value in field.split(",")
        if _MOJIBAKE.search(value)
    ]
    assert garbled == []
    assert _MOJIBAKE.search("Sir Ynys M\u00ef\u00bf\u00bdn") and _MOJIBAKE.search("M\u00c3\u00b4n")
    assert not _MOJIBAKE.search("Sir Ynys M\u00f4n, Sir G\u00e2r, Caf\u00e9 \u00a3")


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (["Isle of Anglesey County Council", "Cyngor Sir Ynys M\u00f4n",
          "Sir Ynys M\u00f4n Council", "Ynys M\u00f4n Council"], "GB-AGY"),
        (["City and County of Swansea Council", "City and County of Swansea",
          "Swansea Council"], "GB-SWA"),
    ],
)  # fmt: skip
def test_a_repaired_spelling_names_the_council_it_did(names: list[str], code: str) -> None:
    assert {local_authority_code(name) for name in names} == {code}
    assert len({name_key(name) for name in names}) == 1
    council = local_authority(names[0])
    assert council is not None
    assert not any(_MOJIBAKE.search(place) for place in council.places)


@cache
def _corpus_buyers(ocds: Path) -> frozenset[str]:
    """Buyer names of every notice of the corpus's Find a Tender and Contracts Finder files."""
    names = set()
    for path in sorted(ocds.glob("*.json")):
        if path.name.startswith(("findatender", "contractsfinder")):
            for notice in compile_document(read_ocds(path.read_bytes())):
                if notice["fields"]["buyer"]:
                    names.add(notice["fields"]["buyer"]["name"])
    return frozenset(names)


@pytest.mark.parametrize(
    ("name", "key", "code", "kind"),
    [
        # councils of the real Contracts Finder captures (not in ISO 3166-2)
        ("Hertsmere Borough Council", "hertsmere", "GB-HER", "Non-metropolitan district"),
        ("Mole Valley District Council", "mole valley", "GB-MOL", "Non-metropolitan district"),
        ("Guildford Borough Council", "guildford", "GB-GRT", "Non-metropolitan district"),
        ("Ipswich Borough Council", "ipswich", "GB-IPS", "Non-metropolitan district"),
        ("Darlington Borough Council", "darlington", "GB-DAL", "Unitary authority"),
        ("London Borough of Ealing Council", "ealing", "GB-EAL", "London borough"),
        ("Dudley Metropolitan Borough Council", "dudley", "GB-DUD", "Metropolitan district"),
        ("City of Doncaster Council", "doncaster", "GB-DNC", "Metropolitan district"),
        ("Cheshire west and Chester Borough Council", "cheshire west chester", "GB-CHW",
         "Unitary authority"),
        ("Cambridgeshire & Peterborough Combined Authority", "cambridgeshire peterborough",
         "GB-CPCA", "Combined authority"),
        # a council's department is the council's
        ("Hertfordshire County Council - Children's Services", "hertfordshire", "GB-HRT",
         "County"),
        ("Durham County Council", "durham", "GB-DUR", "Unitary authority"),
    ],
)  # fmt: skip
def test_corpus_buyers_are_councils_of_the_register(
    corpus_dir: Path, name: str, key: str, code: str, kind: str
) -> None:
    assert name in _corpus_buyers(corpus_dir / "ocds")  # the name as the notice spells it
    council = local_authority(name)
    assert council is not None and (council.code, council.kind) == (code, kind)
    assert name_key(name) == key


@pytest.mark.parametrize(
    "name",
    [
        # buyers of the corpus notices that are not councils, though some name a council's place
        "Lancing Parish Council", "Thame Town Council", "Durham University",
        "Lancashire Constabulary", "Lancashire and South Cumbria NHS Foundation Trust",
        "NURSING AND MIDWIFERY COUNCIL", "General Dental Council", "Arts Council England",
        "UNIVERSITY OF SHEFFIELD", "Thames Valley Police",
        # NHS Jobs employers of the corpus job pages
        "Leicestershire Partnership Trust", "General Practices in W, N,E Cumbria ",
        "South Tees Hospitals NHS Foundation Trust", "City of London Police",
    ],
)  # fmt: skip
def test_other_bodies_are_not_councils(corpus_dir: Path, name: str) -> None:
    employers = {
        json.loads(path.read_text())["hiringOrganization"]["name"]
        for path in (corpus_dir / "jobs").glob("nhsjobs_*.json")
    }
    assert name in _corpus_buyers(corpus_dir / "ocds") | employers | {"City of London Police"}
    assert local_authority(name) is None and local_authority_code(name) is None
    councils = {"durham", "leicestershire", "cumbria", "sheffield", "lancashire", "city of london"}
    assert name_key(name) not in councils


def test_the_usual_spellings_of_one_council_share_its_key() -> None:
    assert {name_key(n) for n in ["Hull City Council", "Kingston upon Hull City Council"]} == {
        "kingston upon hull"
    }
    assert name_key("City of London Corporation") == name_key("City of London")
    assert local_authority_code("City of London Corporation") == "GB-LND"
    assert name_key("SOMERSET COUNCIL") == name_key("Somerset County Council")  # successor


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Manchester City Council approves its budget", {"GB-MAN"}),
        ("Leader of Manchester CC steps down", {"GB-MAN"}),
        ("A report for the City of Manchester on housing", {"GB-MAN"}),
        ("Manchester council said it would appeal", {"GB-MAN"}),
        ("Manchester City Council\u2019s new plan", {"GB-MAN"}),
        ("Durham County Council restores peatland", {"GB-DUR"}),
        ("Durham CC awards a contract", {"GB-DUR"}),
        ("County Durham Council tax rises", {"GB-DUR"}),
        ("London Borough of Merton and LB Ealing share a service", {"GB-MRT", "GB-EAL"}),
        ("Stafford Borough Council and Adur District Council", {"GB-STA", "GB-ADU"}),
        ("South Gloucestershire Council", {"GB-SGC"}),
        ("Gloucestershire County Council.", {"GB-GLS"}),
        ("Isle of Wight Council", {"GB-IOW"}),
        ("City and County of Swansea", {"GB-SWA"}),
        # a place alone, or another body of that place, names no council
        ("Manchester beat Chelsea at the City of Manchester Stadium", set()),
        ("Manchester City won the derby; Manchester United lost", set()),
        ("Durham County Cricket Club sign a bowler", set()),
        ("Durham University and Durham Cathedral", set()),
        ("Manchester CCG commissioning", set()),
        ("New York City Council votes", set()),
        ("Morpeth Town Council and Lancing Parish Council", set()),
        ("after reading council papers", set()),
        ("Arts Council England funds a festival", set()),
        ("", set()),
    ],
)
def test_council_mentions(text: str, codes: set[str]) -> None:
    assert council_mentions(text) == codes


def test_council_mentions_in_a_real_news_page(corpus_dir: Path) -> None:
    html = (corpus_dir / "html" / "independent_co_uk_article_penalty.html").read_text()
    birmingham = re.search(r"RAF personnel speak[^<]+", html).group(0)  # type: ignore[union-attr]
    assert "Birmingham City Council\u2019s" in birmingham
    assert "University of Birmingham" in birmingham
    assert council_mentions(birmingham) == {"GB-BIR"}
    skyline = re.search(r"Early morning light bathes[^<]+", html).group(0)  # type: ignore[union-attr]
    assert "the City of London" in skyline
    assert council_mentions(skyline) == set()  # the district, not the Corporation
    assert not mentions(skyline, name="City of London Corporation")


@pytest.mark.parametrize(
    ("text", "name", "named"),
    [
        # other buyers of the corpus notices, by their full names
        ("The Met Office warns of storms", "MET OFFICE", True),
        ("Cabinet Office guidance on social value", "Cabinet Office", True),
        ("The office cabinet was moved", "Cabinet Office", False),
        ("VIVID wins a housing award", "VIVID", True),
        ("A vivid account of the meeting", "VIVID", False),
        ("Ofcom fines a broadcaster", "Ofcom", True),
        ("UK inflation falls", "UK", False),  # a real buyer's name, too short to tell
        # councils by their spellings, other buyers never by a place alone
        ("Durham CC awards", "Durham County Council", True),
        ("Durham University wins", "Durham County Council", False),
        ("Research at Durham", "Durham University", False),
    ],
)
def test_mentions_of_a_buyer(text: str, name: str, named: bool) -> None:
    assert mentions(text, name=name) is named


def _story(slug: str, title: str, summary: str, days: int = 1) -> dict[str, object]:
    return {
        "kind": "news", "url": f"https://news.example/{slug}", "guid": slug, "title": title,
        "summary": summary, "body_html": f"<p>{summary}</p>",
        "published": datetime.now(UTC) - timedelta(days=days),
    }  # fmt: skip


def test_a_buyers_news_is_the_stories_naming_it_as_a_council(
    engine: Engine, settings: Settings, corpus_dir: Path
) -> None:
    store_notices(engine, settings, [corpus_dir / "ocds" / DURHAM])
    named = {
        "cc": ("Durham CC approves peatland plan", "The authority will restore moorland."),
        "county": ("Interim director for County Durham Council", "A new appointment."),
        "full": ("Budget news", "Durham County Council sets its budget for 2026."),
    }
    not_named = {
        "cricket": ("Durham beat Yorkshire", "Durham County Cricket Club won by six wickets."),
        "university": ("Durham University research", "Scientists in Durham found ..."),
        "town": ("Durham Town Council meets", "The parish of Durham ..."),
        "old": ("Durham County Council in the news", "An old story.", 400),
    }
    stories = [_story(k, *v) for k, v in {**named, **not_named}.items()]  # type: ignore[arg-type]
    store_items(engine, settings, stories, source="news")
    with read_session(engine) as session:
        buyer = get_buyer("durham-county-council", session=session)
        assert buyer.la_code == "GB-DUR" and buyer.region == "North East"
        news = buyer_items(buyer, session=session).news
    assert sorted(item.guid for item in news) == sorted(named)
