"""`kil items approve|reject|feature|unfeature|reset|edit`, asserted on the database."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.db import read_session
from kil_feed.models import ItemTag
from tests.support.editorial import add_item, add_source, get


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    lgc = add_source(engine, "LGC")
    pf = add_source(engine, "Public Finance")
    ids = {
        "a": add_item(
            engine,
            lgc,
            "Council insources waste contract",
            topics=["insourcing"],
            regions=["London"],
            age_hours=1,
        ),
        "b": add_item(
            engine, lgc, "Procurement Act guidance published", topics=["procurement"], age_hours=30
        ),
        "c": add_item(
            engine,
            pf,
            "Interim head of procurement",
            kind="job",
            age_hours=2,
            regions=["Wales"],
            topics=["procurement"],
        ),
        "old": add_item(engine, lgc, "Old story", age_hours=24 * 20),
    }
    return ids


def test_approve_reject_feature_unfeature_reset_by_id(cli, engine: Engine, world) -> None:  # type: ignore[no-untyped-def]
    a, b = world["a"], world["b"]
    out = cli("items", "approve", str(a)).output
    assert "approved 1 item" in out
    assert get(engine, a).status == "approved" and get(engine, a).reviewed_at is not None
    cli("items", "reject", str(b), "--reason", "not local")
    item = get(engine, b)
    assert (item.status, item.reject_reason) == ("rejected", "not local")
    cli("items", "feature", str(b))
    item = get(engine, b)
    assert (item.status, item.featured, item.reject_reason) == ("approved", True, None)
    cli("items", "unfeature", str(b))
    assert get(engine, b).featured is False and get(engine, b).status == "approved"
    cli("items", "reset", str(a), str(b))
    for i in (a, b):
        item = get(engine, i)
        assert (item.status, item.featured, item.reviewed_at) == ("pending", False, None)


def test_json_output_lists_changed_items(cli, world) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(cli("items", "approve", str(world["c"]), "--json").output)
    assert [d["id"] for d in data] == [world["c"]]
    assert data[0]["status"] == "approved" and data[0]["source"] == "Public Finance"
    assert data[0]["kind"] == "job" and "pay_min" in data[0]
    assert data[0]["reviewed_at"] and {"reject_reason", "rule", "cluster_id"} <= set(data[0])


def test_bulk_by_filters(cli, engine: Engine, world) -> None:  # type: ignore[no-untyped-def]
    cli("items", "approve", "--source", "LGC", "--since", "7d")
    assert get(engine, world["a"]).status == "approved"
    assert get(engine, world["b"]).status == "approved"
    assert get(engine, world["old"]).status == "pending"  # older than 7 days
    assert get(engine, world["c"]).status == "pending"  # other source
    cli("items", "reject", "--kind", "job", "--region", "wales", "--reason", "x")
    assert get(engine, world["c"]).status == "rejected"
    # approve with a filter leaves decided items alone unless --status says otherwise
    cli("items", "approve", "--kind", "job")
    assert get(engine, world["c"]).status == "rejected"
    cli("items", "approve", "--kind", "job", "--status", "rejected")
    assert get(engine, world["c"]).status == "approved"
    cli("items", "reject", "--topic", "procurement", "--status", "any")
    assert get(engine, world["b"]).status == "rejected"
    assert get(engine, world["c"]).status == "rejected"


def test_dry_run_changes_nothing(cli, engine: Engine, world) -> None:  # type: ignore[no-untyped-def]
    out = cli("items", "approve", "--source", "LGC", "--dry-run").output
    assert "Council insources" in out
    assert get(engine, world["a"]).status == "pending"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["items", "approve", "999"], 4, "no item with id 999"),
        (["items", "reject", "1", "998", "999"], 4, "no items with ids 998, 999"),
        (["items", "approve"], 2, "give item IDs or a filter"),
        (["items", "approve", "1", "--source", "LGC"], 2, "not both"),
        (["items", "approve", "--source", "Nope"], 4, "no source named 'Nope'"),
        (["items", "approve", "--since", "yesterdayish"], 2, "bad --since"),
        (["items", "approve", "--kind", "podcast"], 2, "bad --kind"),
        (["items", "approve", "--status", "maybe"], 2, "bad --status"),
        (["items", "approve", "--region", "Narnia"], 2, "unknown region 'Narnia'"),
        (["items", "edit", "1", "--region", "+Atlantis"], 2, "unknown region"),
        (["items", "edit", "999", "--title", "x"], 4, "no item with id 999"),
        (["items", "edit", "1", "--title", "  "], 2, "title cannot be empty"),
        (["items", "approve", "abc"], 2, "abc"),
    ],
)
def test_bad_input_is_one_line(cli, engine: Engine, world, args, code, message) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args, ok=False)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert get(engine, world["a"]).status == "pending"  # nothing half-done


def test_cluster_prompt_and_flags(cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    s1, s2, s3 = (add_source(engine, n) for n in ("One", "Two", "Three"))
    a = add_item(engine, s1, "Same story", cluster_id=77)
    b = add_item(engine, s2, "Same story, again", cluster_id=77)
    c = add_item(engine, s3, "Same story, thrice", cluster_id=77)
    lone = add_item(engine, s3, "Different story")
    out = cli("items", "approve", str(a), input="y\n").output
    assert "2 other item(s) in the same cluster" in out
    assert [get(engine, i).status for i in (a, b, c)] == ["approved"] * 3
    cli("items", "reset", str(a), input="n\n")
    assert [get(engine, i).status for i in (a, b, c)] == ["pending", "approved", "approved"]
    cli("items", "reject", str(b), "--cluster")
    assert [get(engine, i).status for i in (a, b, c)] == ["rejected"] * 3
    out = cli("items", "feature", str(c), "--no-cluster").output
    assert "cluster" not in out
    assert [get(engine, i).featured for i in (a, b, c)] == [False, False, True]
    cli("items", "reset", str(a))  # no answer at all (end of input): just the item
    assert [get(engine, i).status for i in (a, b, c)] == ["pending", "rejected", "approved"]
    assert get(engine, lone).status == "pending"


def test_edit_with_flags_keeps_tag_index(cli, engine: Engine, world) -> None:  # type: ignore[no-untyped-def]
    a = world["a"]
    cli(
        "items",
        "edit",
        str(a),
        "--title",
        "Council brings waste in-house",
        "--topic",
        "+local government",
        "--topic=-insourcing",
        "--region",
        "+south east",
        "--region",
        "-London",
    )
    item = get(engine, a)
    assert item.title == "Council brings waste in-house"
    assert item.topics == ["local-government"]  # a known topic, stored by its slug
    assert item.regions == ["South East"]
    with read_session(engine) as s:
        tags = {(t.kind, t.value) for t in s.exec(select(ItemTag).where(ItemTag.item_id == a))}
    assert tags == {("topic", "local-government"), ("region", "South East")}
    out = cli("items", "edit", str(a), "--topic", "+Local Government").output
    assert "unchanged" in out


FAKE_EDITOR = """\
import sys, pathlib
path = pathlib.Path(sys.argv[1])
text = path.read_text()
{body}
"""


def _editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    script = tmp_path / "fake_editor.py"
    script.write_text(FAKE_EDITOR.format(body=body))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)


def test_edit_opens_editor_form(cli, engine: Engine, world, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _editor(
        tmp_path,
        monkeypatch,
        "text = text.replace('Council insources waste contract', 'Edited \\\\\"title\\\\\"')\n"
        'text = text.replace(\'regions = ["London"]\', \'regions = ["london", "Wales"]\')\n'
        "text = text.replace('notes = \"\"', 'notes = \"check the date\"')\n"
        "path.write_text(text)",
    )
    cli("items", "edit", str(world["a"]))
    item = get(engine, world["a"])
    assert item.title == 'Edited "title"'
    assert item.regions == ["London", "Wales"]
    assert item.editor_notes == "check the date"


def test_edit_form_errors_keep_the_text(cli, engine: Engine, world, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _editor(tmp_path, monkeypatch, "path.write_text(text.replace('title = ', 'title = = '))")
    result = cli("items", "edit", str(world["a"]), ok=False)
    assert result.exit_code == 2 and "not valid TOML" in result.output
    kept = result.output.split("kept in ")[1].split(")")[0].strip()
    assert "title = = " in Path(kept).read_text()
    assert get(engine, world["a"]).title == "Council insources waste contract"
    _editor(tmp_path, monkeypatch, "pass")  # closed without saving
    assert "unchanged" in cli("items", "edit", str(world["a"])).output


def test_bulk_action_on_many_items(cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    from kil_feed.db import write_session
    from kil_feed.models import Item
    from kil_feed.storage.items import save_item

    src = add_source(engine, "Bulk")
    with write_session(engine) as s:
        for n in range(1200):
            save_item(
                Item(source_id=src, url=f"https://bulk.example.org/{n}", title=f"B{n}"), session=s
            )
    out = cli("items", "reject", "--source", "Bulk", "--reason", "noise").output
    assert "rejected 1200 items" in out
    with read_session(engine) as s:
        statuses = set(s.exec(select(Item.status).where(Item.source_id == src)).all())
    assert statuses == {"rejected"}
