"""regions_for: addresses, postcodes and place names, including the traps."""

from __future__ import annotations

import time

import pytest

from crawler.classify import ITL1_REGIONS, regions_for


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # postcodes in text
        ("Our office at 1 Piccadilly Gardens, M1 1AE", ["North West"]),
        ("10 Downing Street, SW1A 2AA", ["London"]),
        ("Churchill Street Wallsend NE28 7TN", ["North East"]),
        ("Based in the town centre, NE28.", ["North East"]),
        # outward codes that are roads, key stages or grades are not postcodes
        ("Easy access to the M1 and the A1", []),
        ("Teaching KS2 and KS3 pupils", []),
        ("Band 6, grade B7 equivalent", []),
        # ambiguous names need a place context
        ("Reading the tender documents carefully is essential", []),
        ("The post is based in Reading", ["South East"]),
        ("Reading Borough Council is recruiting", ["South East"]),
        ("Run a bath and relax", []),
        ("Bath and North East Somerset Council", ["South West"]),
        ("Offices in Bath and Bristol", ["South West"]),
        ("The Wells report said", []),
        ("Hastings Direct and Brent crude", []),
        # streets named after other places
        ("Unit 4, London Road, Leicester", ["East Midlands"]),
        ("Manchester Road, Bolton", ["North West"]),
        # places elsewhere in the world
        ("A job in New England or New York", []),
        ("Sydney, New South Wales", []),
        ("Markets in South East Asia", []),
        ("Prince of Wales visits", []),
        # Newport is Welsh unless the text is about the Isle of Wight or Newport Pagnell
        ("Newport City Council", ["Wales"]),
        ("Newport, Isle of Wight", ["South East"]),
        ("Newport Pagnell services", ["South East"]),
        # longest name wins
        ("North East Lincolnshire Council", ["Yorkshire and The Humber"]),
        ("Newcastle-under-Lyme Borough Council", ["West Midlands"]),
        ("Newcastle City Council", ["North East"]),
        ("Stockton-on-Tees Borough Council", ["North East"]),
        ("Sutton Coldfield town centre", ["West Midlands"]),
        # headline capitals
        ("CARDIFF COUNCIL OUTSOURCES LEISURE", ["Wales"]),
        ("READING LIST FOR BUYERS", []),
        # lower case is not a place in free text
        ("we will manchester the deal", []),
        # the advertiser's registered details are not where the job is
        (
            "Interim Category Manager for a London borough. Acme Recruitment Ltd, Registered "
            "Office: 1 Piccadilly Gardens, Manchester M1 1AE. Apply by Friday.",
            ["London"],
        ),
        (
            "Based in Leeds.\nRegistered in England and Wales, company number 01234567",
            ["Yorkshire and The Humber"],
        ),
        (
            "Acme is acting as an Employment Business (Bristol office) for this vacancy. "
            "The role is in Cardiff.",
            ["Wales"],
        ),
        ("The unregistered office in Leeds is closing", ["Yorkshire and The Humber"]),
        # London districts written without their borough's other half
        ("Hybrid - Kensington, two days a week", ["London"]),
        ("Offices in Hammersmith and Barking", ["London"]),
        ("Chelsea won at home", []),
        # a place named "... Gardens" or "... Park" is a place, "Gardens" after another
        # name is not (synthetic phrasings)
        ("Procurement Manager, Royal Botanic Gardens, Kew Gardens", ["London"]),
        ("Based at Kew, Richmond", ["London"]),
        ("Office near Kensington Gardens", ["London"]),
        ("Kensington Gardens Square, Leeds", ["Yorkshire and The Humber"]),
        ("Events team based at Hyde Park", ["London"]),
        ("Council Gardens team", []),
        ("Join the Parks and Gardens team at Leeds City Council", ["Yorkshire and The Humber"]),
        # a place only travelled to is not where the job is; where it is based is
        # (synthetic advert phrasings)
        ("Primarily based in Andover with some travel required to London", ["South East"]),
        ("Based in Leeds with travel across the North West", ["Yorkshire and The Humber"]),
        (
            "The post is based in Bristol, with occasional trips to Cardiff and Swansea",
            ["South West"],
        ),
        (
            "Office based in Exeter; regular visits to our Worcester and Hereford sites",
            ["South West"],
        ),
        ("Travel to London is occasional; the role is based in Reading", ["South East"]),
        ("Based in Leeds. No travel to London is needed", ["Yorkshire and The Humber"]),
        ("Based in London or Manchester", ["London", "North West"]),
        # ... unless it names nowhere else: the role is within reach of it
        ("Regular travel to Leeds and Bradford", ["Yorkshire and The Humber"]),
        ("", []),
    ],
)
def test_regions_in_text(text: str, expected: list[str]) -> None:
    assert regions_for(text) == expected


def test_several_regions_in_order_of_mention() -> None:
    text = "Roles in Leeds, Cardiff and Glasgow, plus Belfast"
    assert regions_for(text) == [
        "Yorkshire and The Humber",
        "Wales",
        "Scotland",
        "Northern Ireland",
    ]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ({"addressLocality": "ARLESEY", "postalCode": "SG15 6SN"}, ["East of England"]),
        ({"addressLocality": "reading", "addressCountry": "GB"}, ["South East"]),
        ({"addressLocality": "Bath"}, ["South West"]),
        ({"addressRegion": "Scotland"}, ["Scotland"]),
        ({"addressCountry": "Wales"}, ["Wales"]),
        (
            {"addressCountry": {"@type": "Country", "name": "United Kingdom"}, "postalCode": "LS1"},
            ["Yorkshire and The Humber"],
        ),
        # a stated place and a postcode that disagree: both, the stated place first (#16)
        ({"addressLocality": "London", "postalCode": "M1 1AE"}, ["London", "North West"]),
        ({"addressRegion": "South West", "postalCode": "EC3R 5AR"}, ["South West", "London"]),
        # ... and one region when they agree (NHS Jobs 915703330)
        (
            {"addressLocality": "Willenhall, West Midlands", "postalCode": "WV13 3AG"},
            ["West Midlands"],
        ),
        # several places in one location give every region they name (issue #16's adverts)
        ("High Wycombe / South West / Devon / Home based", ["South East", "South West"]),
        ("Remote | London & Southend", ["London", "East of England"]),
        ({"@type": "Place", "address": {"postalCode": "CF5 5AD"}}, ["Wales"]),
        ([{"postalCode": "B7 4BN"}, {"postalCode": "EH1 1YZ"}], ["West Midlands", "Scotland"]),
        ("Dstl Porton Down, Salisbury - SP4 0JQ", ["South West"]),
        # a location string as an address: the place it states first, then its postcode's
        # region (Civil Service Jobs results page 2; SP is mostly Wiltshire)
        ("Andover, South East England, SP11 8HJ", ["South East", "South West"]),
        ("Barnstaple,_Devon", ["South West"]),
        ("Dagenham", ["London"]),
        ("Andover, with travel to London", ["South East"]),
        ({"addressLocality": "KEW GARDENS"}, ["London"]),
        ("Fulham", ["London"]),
        ({"addressLocality": "Nowhere Special"}, []),
    ],
)
def test_regions_from_address(address: object, expected: list[str]) -> None:
    assert regions_for(address=address) == expected


def test_address_beats_places_mentioned_in_the_text() -> None:
    text = "Close to Leeds and York, with clinics in Darlington"
    assert regions_for(text, {"postalCode": "HG1 2JL"}) == ["Yorkshire and The Humber"]
    assert regions_for(text, {"addressLocality": "Somewhere"}) == [
        "Yorkshire and The Humber",
        "North East",
    ]


def test_foreign_address_gives_no_region_even_with_uk_words() -> None:
    address = {"addressLocality": "Boston", "addressRegion": "MA", "addressCountry": "US"}
    assert regions_for("Like London, but in America", address) == []
    assert regions_for(address={"addressLocality": "Cardiff", "addressCountry": "FR"}) == []


def test_all_results_are_itl1_names() -> None:
    text = "Leeds, Bristol, Belfast, Swansea, Inverness, Norwich, Derby, Dudley, Durham, Wigan"
    got = regions_for(text)
    assert set(got) <= set(ITL1_REGIONS)
    assert len(got) == 10


def test_fast_enough_for_hundreds_of_thousands_of_items(nhs_postings: dict) -> None:
    texts = [p["description"] for p in nhs_postings.values()]
    regions_for("warm up")
    start = time.perf_counter()
    for _ in range(50):
        for text in texts:
            regions_for(text)
    per_item = (time.perf_counter() - start) / (50 * len(texts))
    assert per_item < 0.005, f"{per_item * 1000:.2f} ms per item"
