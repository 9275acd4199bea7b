"""Where the independent validators live: npm's axe-core and vnu-jar, installed by
`scripts/test` (`npm ci` in tests/validators), and the machine's Java for the Nu Html
Checker. Missing ones skip their tests locally and fail them in CI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import IN_CI

MODULES = Path(__file__).resolve().parent.parent / "validators" / "node_modules"
AXE_JS = MODULES / "axe-core" / "axe.min.js"
VNU_JAR = MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _need(what: str, ok: bool) -> None:
    if ok:
        return
    reason = f"{what} is not installed (bash scripts/test installs it: npm ci in tests/validators)"
    if IN_CI:
        pytest.fail(f"CI must run the validators: {reason}")
    pytest.skip(reason)


def axe_script() -> Path:
    _need("axe-core", AXE_JS.is_file())
    return AXE_JS


def vnu_command() -> list[str]:
    java = shutil.which("java")
    _need("Java (for the Nu Html Checker)", java is not None)
    _need("vnu-jar", VNU_JAR.is_file())
    # the quick JIT only and one GC thread: a checker run is short, and the JVM's optimising
    # compiler and parallel GC cost more CPU than they save (~27% less CPU, measured)
    jvm = ["-Xss8m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
    return [java, *jvm, "-jar", str(VNU_JAR)]  # type: ignore[list-item]


def vnu_errors(path: Path, timeout: float = 300) -> list[str]:
    """The Nu Html Checker's errors on an HTML file or a folder of them, one line each
    ("name.html:12: message ['extract']"); none for valid HTML. The deadline is generous:
    the checker's JVM starts slowly on a busy machine."""
    import json
    import subprocess

    run = subprocess.run(
        [*vnu_command(), "--errors-only", "--format", "json", "--stdout", str(path)],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    report = json.loads(run.stdout or "{}")
    assert "messages" in report, run.stderr[-2000:]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        f" [{m.get('extract', '')[:80]!r}]"
        for m in report["messages"]
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
