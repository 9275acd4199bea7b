"""OCDS parsing on every real notice in the corpus: values read by hand from the files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crawler.ocds import (
    NOT_SUPPORTED_XML,
    compile_document,
    compile_releases,
    merge_history,
    notice_fields,
    read_ocds,
)
from crawler.ocds.fields import buyer_type_for
from crawler.ocds.place import region_for_code

FTS_PAGE1 = "findatender_2026-09-03_release-package_page1_5_releases_links-next.json"
FTS_FINAL = "findatender_2026-09-03_release-package_final_page_3_releases.json"
FTS_RECORD = "findatender_record-package_ocds-h6vhtk-0525b3_durham_cc_uk7.json"
CF_2022 = "contractsfinder_2022-10-20_ocds_search_100_releases.json"
CF_2025 = "contractsfinder_2025-01-23_ocds_search_100_releases.json"


@pytest.fixture(scope="module")
def ocds_dir(corpus_dir: Path) -> Path:
    return corpus_dir / "ocds"


def _notices(path: Path) -> dict[str, dict[str, Any]]:
    doc = read_ocds(path.read_bytes())
    assert doc.error is None, doc.error
    return {n["ocid"]: n for n in compile_document(doc)}


def test_every_corpus_file_parses_or_says_why(ocds_dir: Path) -> None:
    files = sorted(ocds_dir.iterdir())
    assert len(files) >= 20
    for path in files:
        doc = read_ocds(path.read_bytes())
        if path.suffix == ".xml":
            assert doc.error == NOT_SUPPORTED_XML, path.name
            continue
        assert doc.error is None, (path.name, doc.error)
        notices = compile_document(doc)
        assert notices, path.name
        for notice in notices:
            fields = notice["fields"]
            assert fields["ocid"] == notice["ocid"] and fields["title"], path.name
            assert fields["stage"] in {"planning", "tender", "award", "contract", "amendment",
                                       "termination"}  # fmt: skip
            json.dumps(fields)  # plain data all the way down


def test_find_a_tender_page_with_cursor(ocds_dir: Path) -> None:
    doc = read_ocds((ocds_dir / FTS_PAGE1).read_bytes())
    assert len(doc.releases) == 5
    assert doc.next_url is not None
    assert doc.next_url.startswith(
        "https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages?updatedFrom="
    )
    assert "cursor=dXBkYXRlZEZyb20" in doc.next_url
    notices = {n["fields"]["notice_type"]: n["fields"] for n in compile_document(doc)}
    assert set(notices) == {"UK1", "UK2", "UK4", "UK7", "UK10"}
    tender = notices["UK4"]
    assert tender["title"] == "ACE 1012 ITQ - Cultural Education Network One-to-One Evaluation"
    assert tender["buyer"] == {
        "name": "Arts Council England",
        "scheme": "GB-PPON",
        "identifier": "GB-PPON-PBGY-4385-GQGP",
    }
    assert tender["buyer_type"] == "central-government"  # UK_CA_TYPE classification
    assert tender["region"] == "North West"  # NUTS UKD33 (Manchester)
    assert tender["buyer_address"]["postalCode"] == "M1 1FN"
    assert tender["cpv"] == [{"code": "79419000", "label": "Evaluation consultancy services"}]
    assert (tender["value_amount"], tender["value_gross"], tender["currency"]) == (
        15000.0, 18000.0, "GBP",
    )  # fmt: skip
    assert tender["tender_deadline"] == "2026-09-21T10:00:00+01:00"
    assert tender["stage"] == "tender" and tender["status"] == "active"
    assert tender["procedure"] == "Below threshold - open competition"
    assert tender["notice_url"] == "https://www.find-tender.service.gov.uk/Notice/083662-2026"
    assert tender["contract_start"] == "2026-11-02T00:00:00+00:00"
    assert notices["UK1"]["stage"] == "planning"
    assert notices["UK1"]["buyer"]["name"] == "Government Property Agency"
    assert (notices["UK1"]["value_amount"], notices["UK1"]["value_gross"]) == (2.5e6, 3e6)
    assert notices["UK2"]["buyer"]["name"] == "Leeds City Council"
    assert notices["UK2"]["buyer_type"] == "local-authority"
    assert notices["UK2"]["region"] == "Yorkshire and The Humber"
    assert notices["UK7"]["stage"] == "contract"
    assert notices["UK7"]["buyer"]["name"] == "West Northamptonshire Council"
    assert notices["UK7"]["value_amount"] == 0.01
    assert notices["UK10"]["stage"] == "amendment"
    assert notices["UK10"]["tags"] == ["contractAmendment"]


def test_find_a_tender_final_page_termination_and_legacy_award(ocds_dir: Path) -> None:
    doc = read_ocds((ocds_dir / FTS_FINAL).read_bytes())
    assert doc.next_url is None  # the last page has no links
    by_ocid = {n["ocid"]: n["fields"] for n in compile_document(doc)}
    terminated = next(f for f in by_ocid.values() if f["notice_type"] == "UK12")
    assert terminated["buyer"]["name"] == "Solihull Metropolitan Borough Council"
    assert terminated["stage"] == "termination" and terminated["status"] == "withdrawn"
    assert terminated["region"] == "West Midlands"  # UKG32
    surrey = by_ocid["ocds-h6vhtk-06f0ca"]
    assert surrey["buyer"]["name"] == "The Police and Crime Commissioner for Surrey"
    assert surrey["buyer_type"] == "police-fire"
    assert surrey["region"] == "South East"  # UKJ25
    assert surrey["suppliers"] == [
        {"name": "KYOCERA DOCUMENT SOLUTIONS (U.K.) LIMITED", "scheme": "GB-COH",
         "identifier": "GB-COH-02150688"}
    ]  # fmt: skip
    assert surrey["value_amount"] == 109801.97
    assert surrey["notice_url"] == "https://www.find-tender.service.gov.uk/Notice/083257-2026"


def test_find_a_tender_record_package(ocds_dir: Path) -> None:
    notices = _notices(ocds_dir / FTS_RECORD)
    fields = notices["ocds-h6vhtk-0525b3"]["fields"]
    assert fields["buyer"]["name"] == "Durham County Council"
    assert fields["buyer"]["identifier"] == "GB-PPON-PMPB-8772-VYWM"
    assert fields["buyer_type"] == "local-authority"
    assert fields["region"] == "North East"  # delivery address NUTS UKC
    assert fields["notice_type"] == "UK7" and fields["stage"] == "contract"
    assert (fields["value_amount"], fields["value_gross"]) == (395493.0, 438981.0)
    assert fields["suppliers"][0]["name"] == "Dinsdale Moorland Specialists Ltd"
    assert fields["suppliers"][0]["identifier"] == "GB-COH-09442333"
    assert fields["contract_end"] == "2027-03-31T23:59:59+01:00"
    assert fields["award_date"] == "2026-09-30T00:00:00+01:00"
    assert fields["releases"] == 2  # planning (2025) then award+contract (2026)
    assert fields["notice_url"] == "https://www.find-tender.service.gov.uk/Notice/092299-2026"


def _lines(*values: Any) -> bytes:
    return b"\n".join(json.dumps(v).encode() for v in values) + b"\n"


def test_json_lines_of_releases_records_and_packages(ocds_dir: Path) -> None:
    """JSON lines (a bulk download's, Kingfisher Collect's) read as the same documents whole:
    the corpus files' releases, packages and records written one a line."""
    page1, final = (json.loads((ocds_dir / n).read_text("utf-8")) for n in (FTS_PAGE1, FTS_FINAL))
    package = json.loads((ocds_dir / FTS_RECORD).read_text("utf-8"))
    whole = {**_notices(ocds_dir / FTS_PAGE1), **_notices(ocds_dir / FTS_FINAL)}
    for body in (_lines(*page1["releases"], *final["releases"]), _lines(page1, final)):
        doc = read_ocds(body)
        assert (doc.error, doc.problem) == (None, None)
        assert {n["ocid"]: n for n in compile_document(doc)} == whole
    (record,) = package["records"]
    as_package = _notices(ocds_dir / FTS_RECORD)
    for body in (_lines(package, page1), _lines(record, page1), json.dumps(record).encode()):
        notices = {n["ocid"]: n for n in compile_document(read_ocds(body))}
        assert notices["ocds-h6vhtk-0525b3"] == as_package["ocds-h6vhtk-0525b3"]  # a record
    assert read_ocds(_lines(record) + b"{not json\n").error.startswith("malformed JSON")  # type: ignore[union-attr]


def test_a_record_of_linked_releases_only_is_skipped_and_said(ocds_dir: Path) -> None:
    package = json.loads((ocds_dir / FTS_RECORD).read_text("utf-8"))
    (record,) = package["records"]
    links = [{"url": f"https://example.org/r/{r['id']}", "date": r["date"], "tag": r["tag"]}
             for r in record["releases"]]  # fmt: skip
    linked = {"ocid": record["ocid"], "releases": links}
    doc = read_ocds(json.dumps({**package, "records": [linked]}).encode())
    assert compile_document(doc) == []
    assert doc.problem == (
        "1 record(s) with neither a compiledRelease nor embedded releases skipped "
        "(linked releases are not fetched)"
    )


def test_contracts_finder_search_merges_releases_per_ocid(ocds_dir: Path) -> None:
    doc = read_ocds((ocds_dir / CF_2022).read_bytes())
    assert len(doc.releases) == 100
    assert "cursor=" in (doc.next_url or "")
    notices = {n["ocid"]: n for n in compile_document(doc)}
    assert len(notices) == len(doc.ocids) < 100  # 12 ocids appear 2-3 times
    moj = notices["ocds-b5fd17-b9541ef8-1235-4765-b44f-d21ae154d761"]
    assert [h["tag"] for h in moj["history"]] == [["award"], ["awardUpdate"], ["awardUpdate"]]
    assert moj["fields"]["buyer"]["name"] == "Ministry of Justice"
    assert moj["fields"]["stage"] == "award" and moj["fields"]["releases"] == 3


def test_contracts_finder_2025_mojibake_repaired_and_regions(ocds_dir: Path) -> None:
    raw = (ocds_dir / CF_2025).read_text(encoding="utf-8")
    assert "Â£3 million" in raw  # the capture's doubly-encoded pound sign
    notices = _notices(ocds_dir / CF_2025)
    assert len(notices) == 94
    fields = notices["ocds-b5fd17-6b5d499c-3804-4496-9f22-2c8551e9912d"]["fields"]
    assert "a total of £3 million" in fields["description"]
    assert "Â" not in fields["description"]
    merton = notices["ocds-b5fd17-e3b5f385-5989-4cf1-8849-01c247fc9c30"]["fields"]
    assert merton["buyer"]["name"] == "London Borough of Merton"
    assert merton["region"] == "London"  # postcode SM4 5DX: no NUTS code on CF
    assert merton["suppliers"] == [
        {"name": "Marstons holdings plc", "scheme": None, "identifier": "GB-CFS-307567"}
    ]
    assert merton["award_date"] == "2024-12-22T00:00:00Z"
    assert merton["cpv"] == [{"code": "63712400", "label": "Parking services"}]
    assert merton["notice_url"] == (
        "https://www.contractsfinder.service.gov.uk/Notice/2a1e3359-87a0-4fdd-ac61-20d5e6520a13"
    )


def test_devolved_publishers(ocds_dir: Path) -> None:
    scotland = read_ocds(
        (
            ocds_dir / "publiccontractsscotland_2019-04-25_nhs_lothian_tender_ocds-r6ebe6.json"
        ).read_bytes()
    )
    assert "without an id" in (scotland.problem or "")  # the real capture has no id
    fields = compile_document(scotland)[0]["fields"]
    assert fields["buyer"]["name"] == "NHS Lothian" and fields["buyer_type"] == "nhs"
    assert fields["region"] == "Scotland"
    assert fields["tender_deadline"] == "2019-06-11T12:00:00Z"
    assert fields["cpv"][0]["code"] == "50532400"
    swansea = _notices(
        ocds_dir / "sell2wales_2025-02-03_swansea_agency_social_workers_framework_ocds-kuma6s.json"
    )["ocds-kuma6s-145895"]["fields"]
    assert swansea["buyer"]["name"] == "City & County of Swansea"
    assert swansea["buyer_type"] == "local-authority"
    assert swansea["region"] == "Wales"  # UKL18
    assert swansea["value_amount"] == 3_000_000.0 and swansea["currency"] == "GBP"
    assert swansea["cpv"][0]["code"] == "79600000"  # recruitment services
    cwm_taf = _notices(
        ocds_dir / "sell2wales_2025-02-20_cwm_taf_morgannwg_hb_tender_ocds-kuma6s.json"
    )["ocds-kuma6s-148374"]["fields"]
    assert cwm_taf["region"] == "Wales"  # region "UK": from the postcode CF15 7QZ
    assert cwm_taf["value_amount"] == 270020.0


def test_wrong_encoding_and_other_publishers(ocds_dir: Path) -> None:
    doc = read_ocds((ocds_dir / "ocdskit_realdata_release-package_encoding-iso-8859-1.json")
                    .read_bytes())  # fmt: skip
    assert doc.problem == "not UTF-8: read as Windows-1252"
    fields = compile_document(doc)[0]["fields"]
    assert fields["buyer"]["name"] == "SECRETARÍA DE FINANZAS"
    assert fields["region"] is None and fields["currency"] == "MXN"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"releases": [{"ocid": "x", ', "malformed JSON"),
        (b"", "malformed JSON"),
        (b'{"hello": 1}', "not an OCDS release or record package"),
        (b'<?xml version="1.0"?><TED_EXPORT/>', NOT_SUPPORTED_XML),
    ],
)
def test_bad_documents_give_an_error_not_an_exception(body: bytes, error: str) -> None:
    doc = read_ocds(body)
    assert doc.error is not None and doc.error.startswith(error)
    assert doc.releases == []


def test_releases_without_ocid_are_counted() -> None:
    doc = read_ocds(b'{"releases": [{"id": "1"}, 7, {"ocid": "ocds-a-1", "id": "2"}]}')
    assert [r["id"] for r in doc.releases] == ["2"]
    assert doc.problem == "2 release(s) without an ocid skipped"


def test_lifecycle_compiles_incrementally_like_all_at_once(ocds_dir: Path) -> None:
    """A stored compiled release merged with the next release equals compiling them all."""
    raw = json.loads((ocds_dir / CF_2022).read_text(encoding="utf-8"))
    ocid = "ocds-b5fd17-b9541ef8-1235-4765-b44f-d21ae154d761"
    releases = sorted((r for r in raw["releases"] if r["ocid"] == ocid), key=lambda r: r["date"])
    assert len(releases) == 3
    compiled = compile_releases(releases[:1])
    history = merge_history([], releases[:1])
    for release in releases[1:]:
        compiled = compile_releases([release], previous=compiled)
        history = merge_history(history, [release])
    history = merge_history(history, releases[:1])  # a release seen again adds nothing
    assert len(history) == 3
    assert notice_fields(compiled, history) == notice_fields(compile_releases(releases), history)


def test_tender_then_award_then_change_is_one_procurement(ocds_dir: Path) -> None:
    """Real FTS releases re-used as the stages of one ocid: the stage moves on."""
    page = json.loads((ocds_dir / FTS_PAGE1).read_text(encoding="utf-8"))["releases"]
    by_type = {r_type(r): r for r in page}
    ocid = "ocds-test-lifecycle"
    steps = [
        {**by_type["UK4"], "ocid": ocid, "date": "2026-09-01T10:00:00+01:00"},
        {**by_type["UK7"], "ocid": ocid, "date": "2026-10-01T10:00:00+01:00"},
        {**by_type["UK10"], "ocid": ocid, "date": "2026-11-01T10:00:00+01:00"},
    ]
    compiled, history, stages = None, [], []
    for release in steps:
        compiled = compile_releases([release], previous=compiled)
        history = merge_history(history, [release])
        stages.append(notice_fields(compiled, history)["stage"])
    assert stages == ["tender", "contract", "amendment"]
    fields = notice_fields(compiled, history)
    assert fields["releases"] == 3 and fields["ocid"] == ocid
    # the tender's deadline survives the later releases in the compiled record
    assert fields["tender_deadline"] == "2026-09-21T10:00:00+01:00"


def r_type(release: dict[str, Any]) -> str:
    docs = [d for k in ("tender", "planning") for d in release.get(k, {}).get("documents", [])]
    docs += [d for c in release.get("contracts", []) for d in c.get("documents", [])]
    docs += [d for c in release.get("awards", []) for d in c.get("documents", [])]
    return next(d["noticeType"] for d in docs if d.get("noticeType"))


@pytest.mark.parametrize(
    ("code", "region"),
    [("UKG31", "West Midlands"), ("TLD33", "North West"), ("UKM", "Scotland"),
     ("UKL18", "Wales"), ("UK", None), ("DE300", None), ("", None)],
)  # fmt: skip
def test_nuts_and_itl_codes(code: str, region: str | None) -> None:
    assert region_for_code(code) == region


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Leeds City Council", "local-authority"),
        ("Swansea Council", "local-authority"),  # a place in the gazetteer + Council
        ("London Borough of Merton", "local-authority"),
        ("Nursing and Midwifery Council", None),  # a council that is not a local authority
        ("Cwm Taf Morgannwg Health Board", "nhs"),
        ("Thames Valley Police", "police-fire"),
        ("Ministry of Justice", "central-government"),
    ],
)
def test_buyer_types_from_real_names(name: str, kind: str | None) -> None:
    assert buyer_type_for(name) == kind


def test_a_tender_valued_as_a_range_passes_a_min_value_filter_on_its_range(
    ocds_dir: Path,
) -> None:
    """Contracts Finder 2017: minValue 213,506 and a null value; 2025: 5,000 to 22,000."""
    from crawler.spiders.notices import keep

    guernsey = _notices(ocds_dir / "contractsfinder_2017-01_release-package_guer-9rgk-thfad0.json")
    (fields,) = (n["fields"] for n in guernsey.values())
    assert (fields["value_min"], fields["value_amount"], fields["currency"]) == (
        213506,
        None,
        "GBP",
    )
    assert keep(fields, {"min_value": 100000}) and not keep(fields, {"min_value": 300000})
    tender = _notices(ocds_dir / CF_2025)["ocds-b5fd17-6d755e24-2b61-40ff-80e4-4ae4f4214e49"]
    assert (tender["fields"]["value_min"], tender["fields"]["value_amount"]) == (5000, 22000)


def test_html_character_references_in_published_text_are_read_as_characters(
    ocds_dir: Path,
) -> None:
    """Contracts Finder writes an apostrophe in a title as `&apos;` (2022 and 2025 pages);
    a recruiter must see "St Bede's", not the markup."""
    titles = [n["fields"]["title"] for n in _notices(ocds_dir / CF_2025).values()]
    bede = [t for t in titles if "St Bede" in t]
    assert bede == [
        "Our Lady of the Magnificat - Home to School Transport for St Bede's Catholic Middle School"
    ]
    norwich = [n["fields"]["title"] for n in _notices(ocds_dir / CF_2022).values()]
    assert "HMPPS Norwich-A'Wing Refurbishment-BPRN No.580/20/6189" in norwich
    assert not [t for t in titles + norwich if "&apos;" in t or "&amp;" in t]


def test_an_intermediary_in_the_buyers_place_is_never_the_buyer(ocds_dir: Path) -> None:
    """Spend Network republished a Gateshead Council notice under its own name (package
    publisher and release buyer alike); EU Supply's one Contracts Finder account stands as
    the buyer of councils' notices. Neither is a buyer, and its account id joins nothing."""
    gateshead = _notices(ocds_dir / "contractsfinder_2017-01_release-package_gcc-qtle-9hdehl.json")
    fields = gateshead["ocds-b5fd17-2c3698c7-adc8-11e6-9901-0019b9f3037b"]["fields"]
    assert fields["buyer"] is None and fields["published_by"] == "Spend Network"
    metoffice = _notices(
        ocds_dir / "contractsfinder_2017-01_release-package_metofc-9mgh-ghl8ty.json"
    )
    own = next(iter(metoffice.values()))["fields"]  # publisher "Met Office", its own notice
    assert own["buyer"]["name"] == "Met Office" and own["published_by"] is None
    cf = _notices(ocds_dir / CF_2025)
    by_eu_supply = {o: n["fields"] for o, n in cf.items() if n["fields"]["published_by"]}
    assert set(by_eu_supply) == {
        "ocds-b5fd17-4770c143-1852-46ab-bc70-559e3a2817ad",
        "ocds-b5fd17-cfc38479-88fa-41f2-808d-d1154776ded1",
    }
    lincs = by_eu_supply["ocds-b5fd17-4770c143-1852-46ab-bc70-559e3a2817ad"]
    assert lincs["buyer"] == {  # "Equans ... on behalf of North East Lincolnshire Council"
        "name": "North East Lincolnshire Council",
        "scheme": None,
        "identifier": None,
    }
    assert lincs["region"] == "Yorkshire and The Humber"  # the council's own address, DN31
    barnsley = by_eu_supply["ocds-b5fd17-cfc38479-88fa-41f2-808d-d1154776ded1"]
    assert barnsley["buyer"] is None and barnsley["published_by"] == "EU SUPPLY LIMITED"
    assert not [f for f in cf.values() if "EU SUPPLY" in str(f["fields"]["buyer"])]


def test_the_stage_follows_what_a_release_holds_not_a_lagging_tag(ocds_dir: Path) -> None:
    """Mexico City's real releases are all tagged "tender" yet carry the award and the
    contract (193,817.35, beside the tender's estimate of 193,817.39): the stage is the
    contract's, with the contract's value."""
    doc = read_ocds((ocds_dir / "ocdskit_realdata_release-package_encoding-iso-8859-1.json")
                    .read_bytes())  # fmt: skip
    fields = compile_document(doc)[0]["fields"]
    assert fields["tags"] == ["tender"]
    assert (fields["stage"], fields["value_amount"]) == ("contract", 193817.35)
    assert fields["status"] == "pending"  # the contract's, not the tender's "complete"


def test_a_tender_amendment_after_the_award_keeps_the_award_stage(ocds_dir: Path) -> None:
    """A real Contracts Finder tender and award of one ocid (Bath and North East Somerset
    Council), then a tender amendment published after the award: built here, a copy of the
    real tender release re-dated and re-tagged (synthetic). The award stands: the stage
    stays "award", not "tender" beside an award value."""
    releases = json.loads((ocds_dir / CF_2025).read_text(encoding="utf-8"))["releases"]
    ocid = "ocds-b5fd17-0cb08240-82a6-4be3-b63a-1ba819a00d18"
    tender, award = sorted((r for r in releases if r["ocid"] == ocid), key=lambda r: r["date"])
    lagging = {**tender, "id": f"{tender['id']}-amended", "tag": ["tenderAmendment"],
               "date": "2025-01-24T09:00:00Z"}  # fmt: skip
    compiled = compile_releases([tender, award, lagging])
    fields = notice_fields(compiled, merge_history([], [tender, award, lagging]))
    assert fields["tags"] == ["tenderAmendment"]
    assert (fields["stage"], fields["value_amount"]) == ("award", 75000.0)
    assert fields["suppliers"] and fields["status"] == "active"

    # the award withdrawn (its status set "cancelled" here: synthetic): back to the tender,
    # with the tender's own estimate, not the value of an award that no longer stands
    withdrawn = {**lagging, "awards": [{**award["awards"][0], "status": "cancelled"}]}
    compiled = compile_releases([tender, award, withdrawn])
    fields = notice_fields(compiled, merge_history([], [tender, award, withdrawn]))
    assert fields["stage"] == "tender"
    assert fields["value_amount"] == tender["tender"]["value"]["amount"] != 75000.0


def test_cpv_labels_show_for_every_uk_publisher(ocds_dir: Path) -> None:
    """Public Contracts Scotland and Sell2Wales publish bare codes, no description: the
    labels come from the vocabulary. Contracts Finder's tender-level additional codes
    count too (Sheffield's parking tender)."""
    scotland = compile_document(read_ocds(
        (ocds_dir / "publiccontractsscotland_2019-04-25_nhs_lothian_tender_ocds-r6ebe6.json")
        .read_bytes()))[0]["fields"]  # fmt: skip
    assert scotland["cpv"][:2] == [
        {"code": "50532400",
         "label": "Repair and maintenance services of electrical distribution equipment"},
        {"code": "45311000", "label": "Electrical wiring and fitting work"},
    ]  # fmt: skip
    swansea = _notices(
        ocds_dir / "sell2wales_2025-02-03_swansea_agency_social_workers_framework_ocds-kuma6s.json"
    )["ocds-kuma6s-145895"]["fields"]
    assert swansea["cpv"][0] == {"code": "79600000", "label": "Recruitment services"}
    cwm_taf = _notices(
        ocds_dir / "sell2wales_2025-02-20_cwm_taf_morgannwg_hb_tender_ocds-kuma6s.json"
    )["ocds-kuma6s-148374"]["fields"]
    assert cwm_taf["cpv"] == [{"code": "85100000", "label": "Health services"},
                              {"code": "98334000", "label": "Wellness services"}]  # fmt: skip
    for fields in (scotland, swansea, cwm_taf):
        assert all(c["label"] for c in fields["cpv"])
    sheffield = next(n["fields"] for n in _notices(ocds_dir / CF_2025).values()
                     if n["ocid"].endswith("f40e2384eae7"))  # fmt: skip
    assert [c["code"] for c in sheffield["cpv"]] == ["98351110", "72000000", "63712400"]


@pytest.mark.parametrize(
    ("scheme", "code"),
    [("CPV", "50532400"), ("cpv", "50532400-7"), ("CPV2008", " 50532400 - 7 "),
     ("CPV", 50532400)],
)  # fmt: skip
def test_each_way_of_writing_a_cpv_code_reads_one_code_and_label(
    ocds_dir: Path, scheme: str, code: Any
) -> None:
    """The real Scotland release with its main code written as other publishers write it
    (eForms' lower-case scheme, the check digit, a number): built here, synthetic."""
    release = json.loads((ocds_dir / "publiccontractsscotland_2019-04-25_nhs_lothian_tender_"
                          "ocds-r6ebe6.json").read_text(encoding="utf-8"))  # fmt: skip
    release["tender"]["classification"] = {"scheme": scheme, "id": code}
    release["id"] = "synthetic"
    cpv = notice_fields(compile_releases([release]), [])["cpv"]
    assert cpv[0]["code"] == "50532400" and cpv[0]["label"].startswith("Repair and maint")
    assert len({c["code"] for c in cpv}) == len(cpv)


def test_a_cpv_number_that_lost_its_leading_zero_is_read() -> None:
    from crawler.ocds.cpv import cpv_code, cpv_label

    assert cpv_code(3000000) == "03000000" and cpv_code("03000000-1") == "03000000"
    assert cpv_label("03000000").startswith("Agricultural, farming")
    assert cpv_code("TA02-4") is None and cpv_code(True) is None and cpv_label("99999999") == ""


def test_the_cpv_vocabulary_is_the_cited_copy() -> None:
    """crawler/ocds/cpv_en.json is byte for byte the file cpv_en.md cites."""
    import hashlib
    from importlib import resources

    data = resources.files("crawler.ocds").joinpath("cpv_en.json").read_bytes()
    cited = (Path(__file__).parents[2] / "crawler" / "ocds" / "cpv_en.md").read_text()
    assert hashlib.sha256(data).hexdigest() in cited and f"{len(data):,} bytes" in cited


def test_what_a_document_was_read_as(ocds_dir: Path) -> None:
    """`read_as` names the document for `kil sources check`: a package, a bare release or
    record, a list or JSON lines of them, or what it was when it was no OCDS."""
    page1 = json.loads((ocds_dir / FTS_PAGE1).read_text("utf-8"))
    package = json.loads((ocds_dir / FTS_RECORD).read_text("utf-8"))
    release, (record,) = page1["releases"][0], package["records"]
    said = {
        "OCDS release package": (ocds_dir / FTS_PAGE1).read_bytes(),
        "OCDS record package": (ocds_dir / FTS_RECORD).read_bytes(),
        "an OCDS release": json.dumps(release).encode(),
        "an OCDS record": json.dumps(record).encode(),
        "a JSON list of OCDS releases": json.dumps(page1["releases"]).encode(),
        "JSON lines of OCDS release packages and records": _lines(page1, record),
        "an HTML page": b"<!DOCTYPE html><html><body>Sign in</body></html>",
        "TED/eForms XML": b'<?xml version="1.0"?><TED_EXPORT/>',
        "malformed JSON": b'{"releases": [',
        "JSON, not OCDS": b'{"error": "bad window"}',
    }
    assert {as_: read_ocds(body).read_as for as_, body in said.items()} == {a: a for a in said}
    doc = read_ocds((ocds_dir / FTS_RECORD).read_bytes())
    assert (doc.release_count, len(doc.records)) == (2, 1)  # the record's releases, listed
    assert read_ocds(b'{"error": "bad window"}').error == (
        "not an OCDS release or record package: a JSON object with keys error, "
        "but no releases or records"
    )
    assert read_ocds(b"[1, 2]").error == (
        "not an OCDS release or record package: a JSON list of 2 values, none of them an object"
    )
