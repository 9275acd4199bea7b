"""Golden files: compare output with `tests/data/golden/NAME`; rewrite them only on purpose.

`KIL_UPDATE_GOLDEN=1 pytest tests/newsletter` rewrites the files; otherwise a mismatch
fails with a unified diff.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "data" / "golden"
# read at import: the test fixtures clear KIL_* variables from the environment
UPDATE = os.environ.get("KIL_UPDATE_GOLDEN") == "1"


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN_DIR / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing: run with KIL_UPDATE_GOLDEN=1 to create it")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{name}",
                tofile="rendered",
            )
        )
        pytest.fail(f"{name} differs from its golden file (KIL_UPDATE_GOLDEN=1 to accept):\n{diff}")
