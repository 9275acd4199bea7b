"""`kil market`: the figures of the known adverts as a table and as JSON; bad values give
one line on stderr and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy.engine import Engine

from tests.conftest import Cli
from tests.support.market import seed_market


@pytest.fixture
def seeded(cli: Cli, engine: Engine) -> Cli:
    seed_market(engine)
    return cli


def test_json(seeded: Cli) -> None:
    out = json.loads(
        seeded("market", "--region", "north-west", "--week", "2026-W48", "--json").stdout
    )
    assert (out["region"], out["role"], out["min_adverts"]) == ("North West", None, 5)
    w48 = out["weeks"][-1]
    assert w48["period"] == "2026-W48" and len(out["weeks"]) == 12
    assert (w48["open_roles"], w48["new_roles"], w48["hourly_without_hours"]) == (7, 6, 1)
    assert w48["day_rate"] == {
        "count": 5, "median": 450, "q1": 450, "q3": 550, "first_week": "2026-W48",
        "last_week": "2026-W48", "enough": True, "note": "",
    }  # fmt: skip
    assert w48["salary"]["note"] == "not enough data"
    assert w48["ir35"] == {"inside": 1, "outside": 4, "inside_share": 0.2}
    assert out["quarters"][-1]["period"] == "2026-Q4"
    # Q3 had no roles, so there is no change to state
    assert out["summary"] == "North West interim day rates: median £500, 6 roles."
    assert out["by_role"]["procurement"]["label"] == "Procurement"


def test_table_and_role(seeded: Cli) -> None:
    out = seeded("market", "--region", "North West", "--week", "2026-W48", "--weeks", "2").stdout
    assert "2026-W47" in out and "2026-W46" not in out
    w47, w48 = (
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in out.splitlines()
        if "2026-W47" in line or "2026-W48" in line
    )
    assert w48 == ["2026-W48", "7", "6", "£450", "£450–£550", "5", "too few", "1", "20%"]
    assert w47 == ["2026-W47", "2", "1", "too few", "", "2", "too few", "0", "too few"]
    assert "left out: 1 this week" in " ".join(out.split())
    procurement = json.loads(
        seeded("market", "--role", "Procurement", "--week", "2026-W48", "--json").stdout
    )
    assert procurement["role"] == "procurement"
    assert procurement["weeks"][-1]["open_roles"] == 6  # with London's head of commercial


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "Atlantis"], "unknown region 'Atlantis'"),
        (["--role", "plumbing"], "unknown role family 'plumbing'"),
        (["--week", "2026-48"], "invalid week: '2026-48'"),
    ],
)
def test_bad_values(kil_env: dict[str, str], args: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kil_feed", "market", *args],
        capture_output=True, text=True, env={**os.environ, **kil_env}, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert proc.stdout == ""
