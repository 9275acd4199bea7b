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
    return [java, "-Xss8m", "-jar", str(VNU_JAR)]  # type: ignore[list-item]
