"""A CSV import accounts for every row: a broken quote or an oversized cell costs that row
only, with its line number, never the rows after it or the whole file."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from kil_feed.db import read_session
from kil_feed.storage.subscribers import list_subscribers


def _emails(engine: Any) -> set[str]:
    with read_session(engine) as session:
        return {s.email for s in list_subscribers(session=session)}


def test_every_row_is_imported_or_reported(cli: Any, engine: Any, tmp_path: Path) -> None:
    rows = [f"person{n}@example.org,Person {n},London,procurement" for n in range(1, 13)]
    rows[6] = 'person7@example.org,"Person 7 with a quote that never ends,London,procurement'
    rows[8] = "person9@example.org," + "x" * (200 * 1024) + ",Wales,"  # a 200 KiB name
    file = tmp_path / "people.csv"
    file.write_text("email,name,regions,topics\n" + "\n".join(rows) + "\n", encoding="utf-8")

    result = cli("subscribers", "import", str(file), "--json", ok=False)
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["invalid"] == [
        {"line": 8, "reason": "unreadable CSV: unterminated quote"},
        {"line": 10, "reason": "unreadable CSV: field larger than field limit (131072)"},
    ]
    assert len(report["added"]) == 10
    accounted = len(report["added"]) + len(report["invalid"])
    assert accounted == len(rows)
    expected = {f"person{n}@example.org" for n in range(1, 13)} - {
        "person7@example.org",
        "person9@example.org",
    }
    assert _emails(engine) == expected  # rows 8 to 12 are not swallowed by row 7's quote
    again = json.loads(cli("subscribers", "import", str(file), "--json", ok=False).stdout)
    assert len(again["unchanged"]) == 10 and len(again["invalid"]) == 2


def test_quoted_cells_with_line_breaks_as_excel_writes_them(
    cli: Any, engine: Any, tmp_path: Path
) -> None:
    """Excel quotes a cell holding a line break (an address, a note) and keeps the break
    in it; the import refused each such row as an unterminated quote."""
    file = tmp_path / "from-excel.csv"
    with file.open("w", encoding="utf-8-sig", newline="") as out:  # Excel's "CSV UTF-8"
        writer = csv.writer(out, dialect="excel")  # quotes as needed, rows end in CRLF
        writer.writerow(["email", "name", "regions", "address", "notes"])
        writer.writerow(["ann@example.org", "Ann", "London", "1 High St\nLeeds\nLS1 1AA", ""])
        writer.writerow(["bea@example.org", 'Bea "B" Jones', "Wales", "", "met at\r\nthe fair"])
        writer.writerow(["not-an-address", "Cy", "", "2 Low Rd\nYork", ""])
        writer.writerow(["dee@example.org", "Dee\nDawson", "Scotland", "", ""])
    assert b'"1 High St\nLeeds\nLS1 1AA"' in file.read_bytes()  # what makes it Excel's

    result = cli("subscribers", "import", str(file), "--json", ok=False)
    report = json.loads(result.stdout)
    assert report["added"] == ["ann@example.org", "bea@example.org", "dee@example.org"]
    assert [r["line"] for r in report["invalid"]] == [7]  # the physical line its row starts
    assert result.exit_code == 2
    with read_session(engine) as session:
        names = {s.email: (s.name, s.regions) for s in list_subscribers(session=session)}
    assert names == {
        "ann@example.org": ("Ann", ["London"]),
        "bea@example.org": ('Bea "B" Jones', ["Wales"]),
        "dee@example.org": ("Dee Dawson", ["Scotland"]),  # a name is one line
    }
