"""Text from outside (a CSV, a news title in a subject, a buyer's name) is printed as it
is: square brackets are never read as Rich markup, which once crashed an import."""

from __future__ import annotations

from pathlib import Path

from kil_feed.db import write_session
from kil_feed.models import Buyer, Issue

HOSTILE = "[/] [bold]Council[/bold] [/red] update"


def test_a_csv_row_with_brackets_is_reported_verbatim(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "subs.csv"
    csv.write_text("email,name\n[/red]@example.org,A\nok@example.org,B\n", encoding="utf-8")
    result = cli("subscribers", "import", str(csv), ok=False)
    assert result.exit_code == 2
    assert "line 2: invalid email address '[/red]@example.org'" in result.stdout
    assert "added 1" in result.stdout


def test_an_issue_subject_with_brackets_is_shown_as_written(cli, engine) -> None:  # type: ignore[no-untyped-def]
    with write_session(engine) as s:
        issue = Issue(week="2026-W49", subject=HOSTILE, intro=HOSTILE)
        s.add(issue)
        s.flush()
        issue_id = issue.id
    out = cli("issue", "show", str(issue_id)).stdout
    assert f"Subject: {HOSTILE}" in out and f"Intro: {HOSTILE}" in out


def test_a_buyer_name_with_brackets_is_shown_as_written(cli, engine) -> None:  # type: ignore[no-untyped-def]
    with write_session(engine) as s:
        s.add(
            Buyer(
                key="hostile", slug="hostile", name=HOSTILE, buyer_type="[/i]", region="North West"
            )
        )
    out = cli("buyers", "show", "hostile").stdout
    assert out.splitlines()[0] == f"{HOSTILE} ([/i], North West)"


def test_a_source_named_with_brackets_is_added_checked_and_removed(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The ✓ lines and the table titles carry the name as written: they once failed with
    "unexpected MarkupError" after the change was made."""
    monkeypatch.setenv("KIL_ALLOW_PRIVATE_NETWORKS", "true")
    name = "[/x] [bold]"
    added = cli("sources", "add", name, "http://127.0.0.1:9/feed.xml")
    assert f"✓ added source {name} (feed)" in added.stdout, added.stdout
    assert name in cli("sources", "disable", name).stdout
    assert name in cli("sources", "remove", name, "--yes").stdout
    assert "no sources yet" in cli("sources", "list").stdout


def test_a_yes_no_question_is_printed_as_written(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Asked without a terminal, the question and its "[y/N]" are printed as they are, not
    taken for markup tags (and dropped, or a crash)."""
    import io

    from kil_feed.cli.selection import ask_yes_no

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert ask_yes_no("Approve [/x] too?") is False
    assert "Approve [/x] too? [y/N]: " in capsys.readouterr().out


def test_a_table_title_is_printed_as_written(capsys) -> None:  # type: ignore[no-untyped-def]
    from kil_feed.cli.output import print_table

    wide = "n" * 70  # a table as wide as its title, which is not wrapped then
    print_table([{"name": wide}], ["name"], title=f"{HOSTILE}: 1 item would be stored")
    assert f"{HOSTILE}: 1 item would be stored" in capsys.readouterr().out
