"""`kil items reclassify`: stored items re-read with today's rules, asserted on the database;
editors' decisions and edits stay as they were.

The items are synthetic test inputs stored as an older rule set read them (a home-based
role in every region, no pay, no topics), not real documents."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import Engine

from crawler.records import ITL1_REGIONS
from tests.support.editorial import add_item, add_source, get

EVERY_REGION = list(ITL1_REGIONS)
ADVERT = (
    "<p>Our client needs a lead. Occasional travel to Birmingham. £550 per day, outside IR35.</p>"
)


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    jobs = add_source(engine, "Acme Interim", kind="jobs")
    news = add_source(engine, "LGC")
    old = {"regions": EVERY_REGION, "topics": ["recruitment"], "location": "Home based"}
    return {
        "job": add_item(
            engine, jobs, "Interim Category Lead", kind="job", body_html=ADVERT,
            status="approved", featured=True, **old,
        ),
        "edited": add_item(
            engine, jobs, "Interim Buyer", kind="job", body_html=ADVERT.replace("£550", "£600"),
            **old,
        ),
        "news": add_item(
            engine, news, "Council insources waste contract in Leeds", status="rejected",
            reject_reason="not local", summary="The council brings its bin collection back.",
        ),
        "same": add_item(engine, news, "Nothing to see", topics=[], regions=[]),
    }  # fmt: skip


def test_reclassify_rereads_stored_items_and_keeps_editors_decisions(  # type: ignore[no-untyped-def]
    cli, engine: Engine, world: dict[str, int]
) -> None:
    cli("items", "edit", str(world["edited"]), "--region=-London")  # an editor's regions
    edited_regions = get(engine, world["edited"]).regions
    assert get(engine, world["edited"]).extra["edited"] == ["regions"]  # recorded by the edit
    before = {name: get(engine, item_id) for name, item_id in world.items()}

    dry = json.loads(cli("items", "reclassify", "--dry-run", "--json").output)
    assert dry == {
        "examined": 4, "changed": 3, "dry_run": True, "kept_edited": 1,
        "fields": {"topics": 1, "regions": 2, "pay": 2, "ir35": 2},
    }  # fmt: skip
    assert {n: get(engine, i).updated_at for n, i in world.items()} == {
        n: item.updated_at for n, item in before.items()
    }  # a dry run saves nothing

    out = cli("items", "reclassify").output
    assert "3 of 4 items changed (topics 1, regions 2, pay 2, ir35 2)" in out
    assert "1 kept an editor's edits" in out
    job = get(engine, world["job"])
    assert job.regions == ["West Midlands"]  # it read as every region
    assert (job.pay_min, job.pay_max, job.pay_period, job.ir35) == (550, 550, "day", "outside")
    assert (job.status, job.featured, job.reviewed_at) == (
        "approved", True, before["job"].reviewed_at,
    )  # fmt: skip
    edited = get(engine, world["edited"])
    assert edited.regions == edited_regions and "London" not in edited.regions
    assert (edited.pay_min, edited.ir35) == (600, "outside")
    news = get(engine, world["news"])
    assert news.topics == ["outsourcing", "local-government"]
    assert news.regions == ["Yorkshire and The Humber"]
    assert (news.status, news.reject_reason) == ("rejected", "not local")
    assert get(engine, world["same"]).updated_at == before["same"].updated_at
    # the tag index follows: the job is listed under its one region now
    listed = json.loads(cli("items", "list", "--kind", "job", "--json").output)
    assert {i["id"]: i["regions"] for i in listed}[world["job"]] == ["West Midlands"]
    again = json.loads(cli("items", "reclassify", "--json").output)
    assert again["changed"] == 0


def test_reclassify_of_one_kind_or_source(cli, engine: Engine, world: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    jobs = json.loads(cli("items", "reclassify", "--kind", "job", "--dry-run", "--json").output)
    assert (jobs["examined"], jobs["changed"]) == (2, 2)
    lgc = json.loads(cli("items", "reclassify", "--source", "LGC", "--json").output)
    assert (lgc["examined"], lgc["changed"]) == (2, 1)
    assert get(engine, world["job"]).regions == EVERY_REGION  # not LGC's


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--kind", "jobs"], 2, "error: unknown kind 'jobs'"),
        (["--source", "Nowhere"], 4, "Nowhere"),
    ],
)
def test_reclassify_bad_input(cli, world, args: list[str], code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("items", "reclassify", *args, ok=False)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_reclassify_gives_a_home_based_role_the_region_its_advert_names(  # type: ignore[no-untyped-def]
    cli, engine: Engine
) -> None:
    """Stored as every region ('Location: North West' beside 'Home based' read as UK-wide);
    a JobPosting's location (its office: extra.extraction 'jobposting') still narrows
    nothing."""
    jobs = add_source(engine, "Region Jobs", kind="jobs")
    text = "<p>Home based. Our client needs a lead.</p>"
    advert = add_item(
        engine, jobs, "Interim Lead", kind="job", body_html=text, location="North West",
        regions=EVERY_REGION, extra={"extraction": "advert-text"},
    )  # fmt: skip
    posting = add_item(
        engine, jobs, "Remote Buyer", kind="job", body_html=text, location="London",
        regions=EVERY_REGION, extra={"extraction": "jobposting"},
    )  # fmt: skip
    cli("items", "reclassify")
    assert get(engine, advert).regions == ["North West"]
    assert get(engine, posting).regions == EVERY_REGION
