"""Topic tags from configurable keyword rules (see `topics.toml` for the rule syntax)."""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from crawler.classify.triere import trie_pattern

logger = logging.getLogger(__name__)


class TopicRulesError(ValueError):
    """A topics file that cannot be used (bad TOML, a rule without keywords...)."""


@dataclass(frozen=True)
class TopicRule:
    """One topic and its keywords in the `topics.toml` syntax."""

    name: str
    keywords: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if not self.name or not self.keywords:
            raise TopicRulesError(f"topic {self.name!r} needs a name and at least one keyword")
        for keyword in self.keywords + self.exclude:
            if not _normalise(keyword.lstrip("=").rstrip("*")).strip():
                raise TopicRulesError(f"topic {self.name!r}: empty keyword {keyword!r}")

    def matches(self, text: str) -> bool:
        """True when a keyword occurs outside the excluded phrases."""
        return bool(_matcher((self,)).topics(text))


_SPACES = re.compile(r"[\s\-]+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})
_PLURAL = frozenset({"", "s", "es"})


def _normalise(text: str) -> str:
    """Runs of spaces and hyphens become one space, curly apostrophes straight ones."""
    return _SPACES.sub(" ", text.translate(_QUOTES))


def _flexible(pattern: str) -> str:
    """Let a space in a keyword match spaces or hyphens, and ' match a curly apostrophe."""
    return pattern.replace("\\ ", r"[\s\-]+").replace("'", "['\u2019]")


def _word_start(body: str) -> re.Pattern[str]:
    """`body` where no word character or "#" comes before it, searched in " " + text.

    The character before is matched, not looked behind at: a pattern that begins with a
    character class lets `re` skip to the next candidate in C, where a leading lookbehind
    is tried at every position. The leading space stands for the start of the text, so a
    match's `start("k")` in the padded text is one more than in the text itself.
    """
    return re.compile(rf"[^\w#](?P<k>{body})")


class _Matcher:
    """All keywords of a rule set in one prefix-tree regex, scanned once per text.

    Each hit's trailing letters decide the match: a plain keyword accepts only a plural
    "s"/"es", a stem ("procure*") anything. Scanning restarts at every word that can begin
    a keyword, so overlapping keywords of different rules are all seen.
    """

    def __init__(self, rules: tuple[TopicRule, ...]) -> None:
        self.names = tuple(rule.name for rule in rules)
        self.exact: dict[str, set[int]] = {}
        self.stems: dict[str, set[int]] = {}
        self.sensitive: dict[str, set[int]] = {}
        self.excluded: dict[str, set[int]] = {}
        for index, rule in enumerate(rules):
            for keyword in rule.keywords:
                if keyword.startswith("="):
                    self.sensitive.setdefault(_normalise(keyword[1:]), set()).add(index)
                elif keyword.endswith("*"):
                    self.stems.setdefault(_normalise(keyword[:-1]).lower(), set()).add(index)
                else:
                    self.exact.setdefault(_normalise(keyword).lower(), set()).add(index)
            for phrase in rule.exclude:
                self.excluded.setdefault(_normalise(phrase).lower(), set()).add(index)
        insensitive = _flexible(trie_pattern(set(self.exact) | set(self.stems)))
        # Case-insensitive keywords are matched in the lower-cased text, which is much faster
        # than re.IGNORECASE; case-sensitive ones ("=SEND") in the text as written.
        self.pattern = _word_start(rf"(?P<ci>{insensitive})(?P<tail>\w*)")
        # acronyms ("=NHS"): the pattern begins with their first letters, so `re` skips
        # straight to the capitals; what comes before is checked where one matched
        self.sensitive_pattern = (
            re.compile(rf"(?P<k>{_flexible(trie_pattern(self.sensitive))})(?!\w)")
            if self.sensitive
            else None
        )
        self.exclude_pattern = (
            _word_start(rf"{_flexible(trie_pattern(self.excluded))}(?!\w)")
            if self.excluded
            else None
        )

    def topics(self, text: str) -> list[str]:
        low = " " + text.lower()
        hits: dict[int, int] = {}  # rule index -> position of its first hit
        for index, start in self._hits(text, low):
            hits.setdefault(index, start)
            if len(hits) == len(self.names):
                break
        if hits and self.exclude_pattern is not None:
            spans = [
                (start, end, self.excluded[_normalise(phrase)])
                for phrase, start, end in _scan(self.exclude_pattern, low)
            ]
            if spans:
                hits = {}
                for index, start in self._hits(text, low):
                    if not any(s <= start < e and index in rules for s, e, rules in spans):
                        hits.setdefault(index, start)
        return [self.names[i] for i in sorted(hits)]

    def _hits(self, text: str, low: str) -> Iterator[tuple[int, int]]:
        """(rule index, position) for every keyword occurrence, overlapping ones included.

        `low` is " " + the lower-cased text; positions are in the text itself."""
        pos = 0
        while m := self.pattern.search(low, pos):
            for index in self._rules_of(_normalise(m.group("ci")), m.group("tail")):
                yield index, m.start("k") - 1
            pos = m.start("k")  # the next keyword starts at least one character on
        if self.sensitive_pattern is not None:
            pos = 0
            while m := self.sensitive_pattern.search(text, pos):
                start = m.start()
                if start and (text[start - 1].isalnum() or text[start - 1] in "_#"):
                    pos = start + 1  # inside a word (as `(?<![\w#])` would refuse)
                    continue
                for index in self.sensitive[_normalise(m.group("k"))]:
                    yield index, start
                pos = m.end() if m.end() > start else start + 1

    def _rules_of(self, core: str, tail: str) -> set[int]:
        found: set[int] = set(self.stems.get(core, ()))
        if tail in _PLURAL:
            found |= self.exact.get(core, set())
        for i, char in enumerate(core):  # shorter keywords ending at a word break inside
            if char == " ":
                found |= self.exact.get(core[:i], set()) | self.stems.get(core[:i], set())
        if not found:
            word = core + tail
            for i in range(len(word) - 1, 0, -1):
                if word[:i] in self.stems:
                    found |= self.stems[word[:i]]
                    break
        return found


def _scan(pattern: re.Pattern[str], padded: str) -> Iterator[tuple[str, int, int]]:
    """(keyword, start, end) of non-overlapping matches of a `_word_start` pattern, as
    `finditer` of the keyword alone would give them, positions in the unpadded text."""
    pos = 0
    while m := pattern.search(padded, pos):
        start, end = m.span("k")
        yield m.group("k"), start - 1, end - 1
        pos = end - 1 if end > start else end  # the next may start right after this one


@lru_cache(maxsize=32)
def _matcher(rules: tuple[TopicRule, ...]) -> _Matcher:
    return _Matcher(rules)


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
        except (KeyError, TypeError, re.error) as exc:
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
    if rules is None:  # the matcher itself: looking it up hashes every rule, each call
        return _default_matcher().topics(text)
    return _matcher(tuple(rules)).topics(text)


@cache
def _default_matcher() -> _Matcher:
    return _matcher(_default_rules())
