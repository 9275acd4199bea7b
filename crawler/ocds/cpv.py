"""CPV (Common Procurement Vocabulary, Regulation (EC) No 213/2008) codes and their labels.

Publishers write one code many ways: Contracts Finder and Find a Tender "72000000" with a
description, Public Contracts Scotland and Sell2Wales "72000000" with none, eForms "cpv",
others with the check digit ("72000000-5") or as a number that lost its leading zero
(3000000 for 03000000). `cpv_code` reads every one of them to the eight digits; `cpv_label`
gives the English label of the vocabulary (`cpv_en.json`, provenance in `cpv_en.md`), so a
code has one label whoever published it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

VOCABULARY_FILE = "cpv_en.json"
_SCHEMES = frozenset({"CPV", "CPV2008", "CPV 2008", "CPV-2008"})
_CODE = re.compile(r"^\s*(\d{7,8})(?:\s*-\s*\d)?\s*$")
_NOT_CPV = frozenset({"99999999"})  # the vocabulary file's own "not elsewhere" entry


def is_cpv(scheme: Any) -> bool:
    """Whether a classification's scheme names CPV ("CPV", "cpv", "CPV2008")."""
    return isinstance(scheme, str) and scheme.strip().upper() in _SCHEMES


def cpv_code(value: Any) -> str | None:
    """The eight digits of a CPV code as published ("72000000-5", 3000000); None if not one."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    match = _CODE.match(str(value))
    return match.group(1).zfill(8) if match else None


@cache
def _labels() -> dict[str, str]:
    text = resources.files("crawler.ocds").joinpath(VOCABULARY_FILE).read_text(encoding="utf-8")
    return {
        code[:8]: label
        for code, label in json.loads(text).items()
        if code[:8] not in _NOT_CPV and isinstance(label, str)
    }


def cpv_label(code: str) -> str:
    """The vocabulary's English label of an eight-digit code ('' for an unknown code)."""
    return _labels().get(code, "")
