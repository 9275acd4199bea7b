"""Topic tags from configurable keyword rules (see `topics.toml` for the rule syntax)."""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


class TopicRulesError(ValueError):
    """A topics file that cannot be used (bad TOML, a rule without keywords...)."""


@dataclass(frozen=True)
class TopicRule:
    """One topic: its keywords compiled into a single case-insensitive regex."""

    name: str
    keywords: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    label: str = ""
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    exclude_pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.name or not self.keywords:
            raise TopicRulesError(f"topic {self.name!r} needs a name and at least one keyword")
        object.__setattr__(self, "pattern", _compile(self.keywords))
        excl = _compile(self.exclude) if self.exclude else None
        object.__setattr__(self, "exclude_pattern", excl)

    def matches(self, text: str) -> bool:
        """True when a keyword occurs outside the excluded phrases."""
        if self.exclude_pattern is not None and self.exclude_pattern.search(text):
            text = self.exclude_pattern.sub(" ", text)
        return self.pattern.search(text) is not None


def _term(keyword: str) -> tuple[str, bool]:
    """(regex source, case_sensitive) for one keyword in the rule syntax."""
    sensitive = keyword.startswith("=")
    word = keyword[1:] if sensitive else keyword
    stem = word.endswith("*")
    word = word.rstrip("*").strip()
    if not word:
        raise TopicRulesError(f"empty keyword {keyword!r}")
    parts = [re.escape(p) for p in word.split()]
    body = r"[\s\-]+".join(parts).replace("'", "['’]").replace("’", "['’]")
    if stem:
        body += r"\w*"
    elif word[-1].isalpha() and not sensitive:
        body += r"(?:s|es)?"
    lead = r"(?<![\w#])" if word[0].isalnum() else r"(?<!\w)"
    return rf"{lead}{body}(?!\w)", sensitive


def _compile(keywords: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for keyword in keywords:
        body, sensitive = _term(keyword)
        parts.append(body if sensitive else f"(?i:{body})")
    return re.compile("|".join(parts))


def _rules_from(data: dict[str, Any], origin: str) -> list[TopicRule]:
    rules = []
    for entry in data.get("topic", []):
        if not isinstance(entry, dict) or entry.get("enabled", True) is False:
            continue
        try:
            rules.append(
                TopicRule(
                    name=str(entry["name"]),
                    keywords=tuple(str(k) for k in entry.get("keywords", [])),
                    exclude=tuple(str(k) for k in entry.get("exclude", [])),
                    label=str(entry.get("label", entry["name"])),
                )
            )
        except (KeyError, re.error) as exc:
            raise TopicRulesError(f"{origin}: bad topic rule {entry!r}: {exc}") from exc
    return rules


def _read(path: Path | None) -> dict[str, Any]:
    try:
        if path is None:
            data = resources.files("crawler.classify").joinpath("topics.toml").read_bytes()
            return tomllib.loads(data.decode("utf-8"))
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise TopicRulesError(f"cannot read topics file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TopicRulesError(f"topics file {path} is not valid TOML: {exc}") from exc


def load_topic_rules(path: str | Path | None = None) -> list[TopicRule]:
    """The default rules, with a user file (if given) merged over them by rule name."""
    rules = _default_rules() if path is None else None
    if rules is not None:
        return list(rules)
    user_path = Path(path)  # type: ignore[arg-type]
    user = _read(user_path)
    base = [] if user.get("replace_defaults") else list(_default_rules())
    disabled = {str(e.get("name")) for e in user.get("topic", []) if e.get("enabled") is False}
    by_name = {rule.name: rule for rule in base if rule.name not in disabled}
    for rule in _rules_from(user, str(user_path)):
        by_name[rule.name] = rule
    return list(by_name.values())


@cache
def _default_rules() -> tuple[TopicRule, ...]:
    return tuple(_rules_from(_read(None), "topics.toml"))


def topics_for(text: str, rules: list[TopicRule] | None = None) -> list[str]:
    """Names of the rules whose keywords occur in `text`, in rule order."""
    if not text:
        return []
    active = _default_rules() if rules is None else rules
    return [rule.name for rule in active if rule.matches(text)]
