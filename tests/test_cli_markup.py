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
