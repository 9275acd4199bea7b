"""`kil subscribers ...`, asserted on the database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from kil_feed.db import read_session, write_session
from kil_feed.models import Delivery, Issue, Subscriber
from kil_feed.storage import subscribers as store


def _sub(engine: Engine, email: str) -> Subscriber | None:
    with read_session(engine) as s:
        return store.find_subscriber(email, session=s)


def test_add_show_list_update(cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    cli(
        "subscribers",
        "add",
        "Alice.Smith@Example.ORG",
        "--name",
        "Alice",
        "--region",
        "london",
        "--region",
        "Wales",
        "--topic",
        "procurement",
    )
    sub = _sub(engine, "alice.smith@example.org")
    assert sub is not None
    assert (sub.email, sub.status, sub.regions) == (
        "alice.smith@example.org",
        "confirmed",
        ["London", "Wales"],
    )
    assert sub.confirmed_at is not None and sub.origin == "cli"
    dup = cli("subscribers", "add", "ALICE.smith@example.org", ok=False)
    assert dup.exit_code == 5 and "already a subscriber" in dup.output
    data = json.loads(cli("subscribers", "show", "ALICE.SMITH@example.org", "--json").output)
    assert data["topics"] == ["procurement"] and data["name"] == "Alice"
    cli("subscribers", "add", "bob@example.org", "--region", "Scotland")
    listed = json.loads(cli("subscribers", "list", "--region", "wales", "--json").output)
    assert [d["email"] for d in listed] == ["alice.smith@example.org"]
    assert "bob@example.org" in cli("subscribers", "list").output
    cli(
        "subscribers",
        "update",
        "alice.smith@example.org",
        "--region=-Wales",
        "--region",
        "+North East",
        "--topic",
        "recruitment",
        "--name",
        "Alice S",
    )
    sub = _sub(engine, "alice.smith@example.org")
    assert sub.regions == ["London", "North East"] and sub.topics == ["recruitment"]
    assert sub.name == "Alice S"
    cli("subscribers", "update", "alice.smith@example.org", "--email", "alice@example.org")
    assert _sub(engine, "alice.smith@example.org") is None
    assert _sub(engine, "alice@example.org") is not None
    clash = cli(
        "subscribers", "update", "alice@example.org", "--email", "BOB@example.org", ok=False
    )
    assert clash.exit_code == 5


def test_unsubscribe_and_remove(cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    cli("subscribers", "add", "carol@example.org")
    cli("subscribers", "unsubscribe", "Carol@Example.org")
    sub = _sub(engine, "carol@example.org")
    assert sub.status == "unsubscribed" and sub.unsubscribed_at is not None
    assert "already" in cli("subscribers", "unsubscribe", "carol@example.org").output
    with write_session(engine) as s:
        issue = Issue(week="2026-W01")
        s.add(issue)
        s.flush()
        s.add(Delivery(issue_id=issue.id, subscriber_id=sub.id))
    cli("subscribers", "remove", "CAROL@example.org")
    assert _sub(engine, "carol@example.org") is None
    with read_session(engine) as s:
        assert s.exec(select(Delivery)).all() == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["subscribers", "add", "not-an-address"], 2, "invalid email address"),
        (["subscribers", "add", "x@localhost"], 2, "invalid email address"),
        (["subscribers", "add", "a@example.org", "--region", "Mordor"], 2, "unknown region"),
        (["subscribers", "show", "nobody@example.org"], 4, "no subscriber"),
        (["subscribers", "remove", "nobody@example.org"], 4, "no subscriber"),
        (["subscribers", "unsubscribe", "nobody@example.org"], 4, "no subscriber"),
        (["subscribers", "list", "--status", "happy"], 2, "bad --status"),
        (["subscribers", "import", "missing.csv"], 2, "not found"),
        (["subscribers", "export", "no/such/dir/x.csv"], 2, "cannot write"),
    ],
)
def test_bad_input(cli, args, code, message) -> None:  # type: ignore[no-untyped-def]
    result = cli(*args, ok=False)
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output


CSV = """\
Email,Name,Regions,Topics,Status
dan@example.org,Dan,London;Wales,Procurement;social value,
ERIN@example.org,Erin,,,pending
not an email,Nobody,,,
gone@example.org,Gone Again,,,
frank@example.org,Frank,Atlantis,,
dan@EXAMPLE.org,Dan twice,,,
kept@example.org,Kept Name,south west,,
grace@example.org,Grace,,,married
hal@example.org,Hal,,procurement;jobs,
"""


def test_import_reports_and_export_round_trip(cli, engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("subscribers", "add", "gone@example.org")
    cli("subscribers", "unsubscribe", "gone@example.org")
    cli("subscribers", "add", "kept@example.org", "--name", "Old Name")
    path = tmp_path / "subs.csv"
    path.write_text("\ufeff" + CSV, encoding="utf-8")  # with a BOM, as Excel writes it

    dry = cli("subscribers", "import", str(path), "--dry-run", ok=False)
    assert dry.exit_code == 2
    assert _sub(engine, "dan@example.org") is None

    result = cli("subscribers", "import", str(path), "--json", ok=False)
    assert result.exit_code == 2  # some rows were invalid; the good ones are in
    report = json.loads(result.output)
    assert report["added"] == ["dan@example.org", "erin@example.org"]
    assert report["updated"] == ["kept@example.org"]
    assert [s["line"] for s in report["skipped"]] == [5]
    assert [i["line"] for i in report["invalid"]] == [4, 6, 7, 9, 10]
    reasons = " ".join(i["reason"] for i in report["invalid"])
    assert "invalid email address" in reasons and "Atlantis" in reasons
    assert "repeats line 2" in reasons and "married" in reasons
    # topics as `subscribers add` takes them: any spelling of a known one, no unknown one
    assert "unknown topic 'jobs'" in reasons and _sub(engine, "hal@example.org") is None

    dan = _sub(engine, "DAN@example.org")
    assert (dan.status, dan.regions, dan.topics, dan.origin) == (
        "confirmed",
        ["London", "Wales"],
        ["procurement", "social-value"],
        "import",
    )
    assert _sub(engine, "erin@example.org").status == "pending"
    assert _sub(engine, "gone@example.org").status == "unsubscribed"
    kept = _sub(engine, "kept@example.org")
    assert (kept.name, kept.regions) == ("Kept Name", ["South West"])

    out = tmp_path / "out.csv"
    cli("subscribers", "export", str(out))
    with out.open(encoding="utf-8") as exported:
        rows = list(csv.DictReader(exported))
    assert {r["email"]: r["status"] for r in rows} == {
        "dan@example.org": "confirmed",
        "erin@example.org": "pending",
        "gone@example.org": "unsubscribed",
        "kept@example.org": "confirmed",
    }
    assert next(r for r in rows if r["email"] == "dan@example.org")["regions"] == "London;Wales"
    again = cli("subscribers", "export", str(out), ok=False)
    assert again.exit_code == 5 and "already exists" in again.output
    # re-importing the export changes nothing
    report = json.loads(cli("subscribers", "import", str(out), "--json").output)
    assert report["added"] == [] and report["updated"] == []
    assert sorted(report["unchanged"]) == [
        "dan@example.org",
        "erin@example.org",
        "gone@example.org",
        "kept@example.org",
    ]
    assert "email,name,regions,topics,status" in cli("subscribers", "export", "-").output


def test_import_without_email_column(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text("name,regions\nAnn,London\n")
    result = cli("subscribers", "import", str(path), ok=False)
    assert result.exit_code == 2 and "no 'email' column" in result.output
    path.write_bytes(b"email\n\xff\xfe@example.org\n")
    assert "not UTF-8" in cli("subscribers", "import", str(path), ok=False).output


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-16", "\t"), ("utf-8-sig", ";"), ("utf-8", "\t")],  # Excel's "Unicode Text", ';' Excel
)
def test_import_reads_what_excel_writes(  # type: ignore[no-untyped-def]
    cli, engine: Engine, tmp_path: Path, encoding: str, delimiter: str
) -> None:
    rows = [["email", "name", "regions"], ["zoe@example.org", "Zoë Brontë", "wales"]]
    path = tmp_path / "excel.csv"
    path.write_bytes("\r\n".join(delimiter.join(r) for r in rows).encode(encoding))
    result = cli("subscribers", "import", str(path))
    assert result.stdout.startswith("added 1, ")
    sub = _sub(engine, "zoe@example.org")
    assert sub is not None and (sub.name, sub.regions) == ("Zoë Brontë", ["Wales"])


def test_a_csv_in_another_encoding_names_its_first_bad_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cp1252.csv"
    path.write_bytes(
        "email,name\r\nann@example.org,Ann\r\nzoe@example.org,Zoë\r\n".encode("cp1252")
    )
    result = cli("subscribers", "import", str(path), ok=False)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert (
        f"error: {path} is not UTF-8 text (line 3)" in result.stderr
        and "CSV UTF-8" in result.stderr
    )


def test_import_from_standard_input_as_export_writes_to_it(cli, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    """`kil subscribers export - | ... | kil subscribers import -`: it said "- not found"."""
    cli("subscribers", "add", "ann@example.org", "--name", "Ann")
    exported = cli("subscribers", "export", "-").stdout
    changed = exported.replace("ann@example.org", "bea@example.org")
    report = json.loads(cli("subscribers", "import", "-", "--json", input=changed).stdout)
    assert report["added"] == ["bea@example.org"]
    assert _sub(engine, "bea@example.org").name == "Ann"
    bad = cli("subscribers", "import", "-", input=b"email\n\xff\xfe@example.org\n", ok=False)
    assert bad.exit_code == 2 and "standard input is not UTF-8" in bad.output


def test_a_name_with_line_breaks_is_one_line_in_tables_and_stored_so(  # type: ignore[no-untyped-def]
    cli, engine: Engine
) -> None:
    with write_session(engine) as s:  # a name stored before names were cleaned
        s.add(
            Subscriber(
                email="old@example.org", name="Old\r\nBcc: x@example.org", status="confirmed"
            )
        )
    cli("subscribers", "add", "cli@example.org", "--name", "Cli\nName\u2028Too")
    cli("subscribers", "add", "upd@example.org")
    cli("subscribers", "update", "upd@example.org", "--name", " Up\r\ndated ")
    names = {a: _sub(engine, f"{a}@example.org").name for a in ("cli", "upd")}  # type: ignore[union-attr]
    assert names == {"cli": "Cli Name Too", "upd": "Up dated"}

    lines = cli("subscribers", "list").output.splitlines()
    (row,) = [line for line in lines if "old@example.org" in line]
    assert "Old Bcc: x@example.org" in row  # the whole name, on the subscriber's row
    assert not any("Bcc" in line for line in lines if line is not row)
    assert len([line for line in lines if "@example.org" in line]) == 3  # one line each
    shown = cli("subscribers", "show", "old@example.org").output.splitlines()
    fields = json.loads(cli("subscribers", "show", "old@example.org", "--json").output)
    assert [line.split()[0] for line in shown if line.strip()] == list(fields)  # a line each
    assert any(line.split(None, 1) == ["name", "Old Bcc: x@example.org"] for line in shown)
    assert not any(line.strip().startswith("Bcc") for line in shown)
