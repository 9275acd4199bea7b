"""One-way dependencies between the top-level folders: nothing outside tests/ imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imported_modules(file: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_production_code_and_benchmarks_never_import_the_tests() -> None:
    offenders = [
        f"{file.relative_to(ROOT)} imports {name}"
        for folder in ("kil_feed", "crawler", "newsletter", "bench")
        for file in sorted((ROOT / folder).rglob("*.py"))
        for name in _imported_modules(file)
        if name == "tests" or name.startswith("tests.")
    ]
    assert offenders == []


@pytest.mark.parametrize("folder", ["crawler", "kil_feed", "newsletter", "bench"])
def test_modules_import_no_private_names_of_another(folder: str) -> None:
    """A leading underscore keeps a name its module's own: what two modules share is public
    (`crawler.classify.regions` for `remote`, `newsletter.connections.pump` for the lone
    sender and the send workers), so either may change its insides."""
    offenders = [
        f"{file.relative_to(ROOT)} imports {node.module}.{alias.name}"
        for file in sorted((ROOT / folder).rglob("*.py"))
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file)))
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert offenders == []
