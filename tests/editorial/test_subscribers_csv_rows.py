"""A CSV import accounts for every row: a broken quote or an oversized cell costs that row
only, with its line number, never the rows after it or the whole file."""

from __future__ import annotations

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
