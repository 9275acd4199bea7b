"""Every listing shows a draft's subject as `kil issue show` does: a title changed by a
re-crawl (not an editor) leads `kil issue list` and `kil status` too, in one query for all
the drafts listed. Through the `kil` CLI on a real SQLite file."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kil_feed.timeutil import iso_week, utcnow
from tests.newsletter.world import RECRAWLED, make_world, recrawl_lead
from tests.support.queries import statements


def test_listings_show_the_subject_a_recrawled_lead_gives(
    cli: Any, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # the table's subject whole
    w = make_world(engine, now=utcnow())
    cli("issue", "build")
    before = json.loads(cli("issue", "list", "--json").output)[0]["subject"]
    recrawl_lead(engine, w)

    shown = json.loads(cli("issue", "show", "1", "--json").output)["subject"]
    assert RECRAWLED in shown and shown != before
    assert [r["subject"] for r in json.loads(cli("issue", "list", "--json").output)] == [shown]
    assert RECRAWLED in cli("issue", "list").output
    assert json.loads(cli("status", "--json").output)["draft_issue"]["subject"] == shown

    # an editor's subject is listed as set, whatever the crawl does
    cli("issue", "edit", "1", "--subject", "Our pick of the week")
    assert json.loads(cli("issue", "list", "--json").output)[0]["subject"] == "Our pick of the week"


def _copy_draft(engine: Engine, week: str) -> None:
    """Another draft of issue 1's items for `week` (several drafts to list)."""
    with engine.begin() as conn:
        new_id = conn.execute(
            sa.text(
                "INSERT INTO issue (week, status, subject, intro, headline, subject_set,"
                " created_at, updated_at) SELECT :week, 'draft', subject, intro, headline,"
                " subject_set, created_at, updated_at FROM issue WHERE id = 1 RETURNING id"
            ),
            {"week": week},
        ).scalar()
        conn.execute(
            sa.text(
                "INSERT INTO issue_item (issue_id, item_id, section, position, pinned)"
                " SELECT :id, item_id, section, position, pinned FROM issue_item"
                " WHERE issue_id = 1"
            ),
            {"id": new_id},
        )


def test_issue_list_reads_every_drafts_subject_in_one_query(cli: Any, engine: Engine) -> None:
    w = make_world(engine, now=utcnow())
    cli("issue", "build")
    with statements(Engine) as one:
        cli("issue", "list", "--json")
    for n in (1, 2, 3):
        _copy_draft(engine, f"2020-W{n:02d}")
    recrawl_lead(engine, w)
    with statements(Engine) as four:
        rows = json.loads(cli("issue", "list", "--json").output)
    assert [r["week"] for r in rows] == [iso_week(utcnow()), "2020-W03", "2020-W02", "2020-W01"]
    assert all(RECRAWLED in r["subject"] for r in rows)
    assert len(one) >= 3 and len(four) == len(one)  # not one more per draft
