"""Curation rules applied at ingest: block, keep and auto-approve.

The store pipeline calls `decide()` for every new item; it stays a pure function of the
item's fields, its source name and the configured rules, so `kil rules test` can replay it.

A rule is a table of conditions; every condition in a rule must hold (AND), and a condition
given a list holds when any value matches (OR)::

    [[rules.block]]
    name = "no-sport"
    pattern = "\\bfootball\\b|\\bcricket\\b"   # regular expression on title or summary
    reason = "sport"

    [[rules.auto_approve]]
    source = ["LGC", "Public Finance"]           # trusted sources ...
    topic = "procurement"                        # ... and a procurement topic

Precedence: a block rule rejects unless a keep rule also matches; otherwise an
auto-approve rule approves; otherwise the item waits for an editor (pending).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from kil_feed.errors import KilError, ValidationError
from kil_feed.regions import canonical_region

RULE_KINDS = ("block", "keep", "auto_approve")
LIST_CONDITIONS = ("source", "topic", "region", "kind")
REGEX_CONDITIONS = ("title", "summary", "pattern")
META_KEYS = ("name", "reason", "match")
_PLURALS = {"sources": "source", "topics": "topic", "regions": "region", "kinds": "kind"}
ITEM_KINDS = ("news", "job", "notice")


class RulesSettings(BaseModel):
    """Curation rules applied at ingest (block, keep, auto-approve): the `[rules]` table.

    Declared here, beside the rules it validates, so that `kil_feed.config` imports this
    module and not the other way round; like every section, it refuses unknown keys.
    """

    model_config = ConfigDict(extra="forbid")

    block: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Rules that reject matching items at ingest (source/topic/region/pattern).",
    )
    keep: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Rules that keep matching items even when a block rule matches.",
    )
    auto_approve: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Rules that approve matching items at ingest.",
    )

    @model_validator(mode="after")
    def _rules_are_valid(self) -> RulesSettings:
        """Bad rules fail when the settings are read, with the rule named ."""
        try:
            validate_rules(
                {"block": self.block, "keep": self.keep, "auto_approve": self.auto_approve}
            )
        except KilError as exc:
            raise PydanticCustomError("invalid_rule", "{detail}", {"detail": str(exc)}) from None
        return self


@dataclass(frozen=True)
class Decision:
    status: str  # "pending", "approved" or "rejected"
    rule: str | None = None  # the name of the rule that decided, if any
    reason: str | None = None  # why (becomes the reject reason)


@dataclass(frozen=True)
class Rule:
    """One validated, compiled rule."""

    kind: str  # block, keep or auto_approve
    name: str
    values: Mapping[str, frozenset[str]]  # list conditions, case-folded
    regexes: Mapping[str, re.Pattern[str]]
    match_any: bool = False
    reason: str | None = None

    def matches(self, item: Mapping[str, Any], source_name: str) -> bool:
        results = []
        for key, wanted in self.values.items():
            if key == "source":
                have = {source_name.casefold()}
            elif key == "kind":
                have = {str(item.get("kind") or "news").casefold()}
            else:
                have = {str(v).casefold() for v in (item.get(key + "s") or [])}
            results.append(bool(have & wanted))
        for key, regex in self.regexes.items():
            if key == "pattern":
                text = f"{item.get('title') or ''}\n{item.get('summary') or ''}"
            else:
                text = str(item.get(key) or "")
            results.append(regex.search(text) is not None)
        return any(results) if self.match_any else all(results)


def _as_list(value: Any, where: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ValidationError(f"{where}: expected a string or a non-empty list of strings")
    if not all(v.strip() for v in values):
        raise ValidationError(f"{where}: empty value")
    return values


def compile_rule(kind: str, index: int, raw: Mapping[str, Any]) -> Rule:
    """Check one rule from the configuration and compile it; errors name the rule."""
    label = f"rules.{kind}[{index}]"
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{label}: a rule must be a table of conditions")
    name = raw.get("name", f"{kind}#{index + 1}")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(f"{label}: name must be a non-empty string")
    label = f"{label} ({name})" if "name" in raw else label
    values: dict[str, frozenset[str]] = {}
    regexes: dict[str, re.Pattern[str]] = {}
    for key, value in raw.items():
        cond = _PLURALS.get(key, key)
        if cond in META_KEYS:
            continue
        if cond in values or cond in regexes:
            raise ValidationError(f"{label}: {key!r} given twice (singular and plural)")
        if cond in LIST_CONDITIONS:
            items = _as_list(value, f"{label}.{key}")
            if cond == "region":
                try:
                    items = [canonical_region(v) for v in items]
                except ValidationError as exc:
                    raise ValidationError(f"{label}.{key}: {exc.message}", hint=exc.hint) from None
            if cond == "kind":
                bad = [v for v in items if v not in ITEM_KINDS]
                if bad:
                    raise ValidationError(
                        f"{label}.kind: unknown kind {bad[0]!r}", hint="news, job or notice"
                    )
            values[cond] = frozenset(v.strip().casefold() for v in items)
        elif cond in REGEX_CONDITIONS:
            if not isinstance(value, str) or not value:
                raise ValidationError(f"{label}.{key}: expected a regular expression string")
            try:
                regexes[cond] = re.compile(value, re.IGNORECASE)
            except re.error as exc:
                raise ValidationError(f"{label}.{key}: bad regular expression: {exc}") from None
        else:
            allowed = ", ".join(LIST_CONDITIONS + REGEX_CONDITIONS + META_KEYS)
            raise ValidationError(f"{label}: unknown key {key!r}", hint=f"use {allowed}")
    if not values and not regexes:
        raise ValidationError(f"{label}: a rule needs at least one condition")
    match = raw.get("match", "all")
    if match not in ("all", "any"):
        raise ValidationError(f"{label}.match: expected 'all' or 'any'")
    reason = raw.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise ValidationError(f"{label}.reason: expected a string")
    return Rule(kind, name.strip(), values, regexes, match == "any", reason)


def compile_rules(rules: RulesSettings) -> dict[str, list[Rule]]:
    """Every configured rule, validated and compiled, by kind (cached per configuration)."""
    data = {kind: getattr(rules, kind) for kind in RULE_KINDS}
    return _compile_cached(json.dumps(data, sort_keys=True, default=str))


@lru_cache(maxsize=32)
def _compile_cached(data_json: str) -> dict[str, list[Rule]]:
    data = json.loads(data_json)
    compiled: dict[str, list[Rule]] = {}
    names: set[str] = set()
    for kind in RULE_KINDS:
        compiled[kind] = []
        for index, raw in enumerate(data.get(kind) or []):
            rule = compile_rule(kind, index, raw)
            if rule.name in names:
                raise ValidationError(f"rules.{kind}[{index}]: duplicate rule name {rule.name!r}")
            names.add(rule.name)
            compiled[kind].append(rule)
    return compiled


def validate_rules(raw: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Raise ValidationError for the first bad rule in a `{kind: [rule, ...]}` mapping."""
    _compile_cached(json.dumps({k: list(v) for k, v in raw.items()}, sort_keys=True, default=str))


def _first(rules: list[Rule], item: Mapping[str, Any], source_name: str) -> Rule | None:
    return next((r for r in rules if r.matches(item, source_name)), None)


def decide(item: Mapping[str, Any], source_name: str, rules: RulesSettings) -> Decision:
    """What the rules say about a new item (no rule fires: it waits for an editor)."""
    return apply_rules(item, source_name, compile_rules(rules))


def decider(
    rules: RulesSettings, source_names: Mapping[int, str]
) -> Callable[[Mapping[str, Any]], tuple[str, str | None, str | None]]:
    """`decide` for a batch of crawled rows, named by their source id: (status, rule,
    reason). The rules are compiled once, not for every row."""
    compiled = compile_rules(rules)

    def decision(row: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
        result = apply_rules(row, source_names.get(row["source_id"], ""), compiled)
        return result.status, result.rule, result.reason

    return decision


def apply_rules(
    item: Mapping[str, Any], source_name: str, compiled: dict[str, list[Rule]]
) -> Decision:
    """`decide` with the rules compiled already (`compile_rules`)."""
    keep = _first(compiled["keep"], item, source_name)
    block = _first(compiled["block"], item, source_name)
    if block is not None and keep is None:
        return Decision("rejected", block.name, block.reason or f"blocked by rule {block.name}")
    approve = _first(compiled["auto_approve"], item, source_name)
    if approve is not None:
        return Decision("approved", approve.name, approve.reason)
    if keep is not None:
        why = f"kept despite block rule {block.name}" if block else keep.reason
        return Decision("pending", keep.name, why)
    return Decision("pending")
