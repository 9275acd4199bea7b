"""The sources file: TOML with an array of `[[sources]]` tables.

```toml
[[sources]]
name = "gov-uk-procurement"
title = "GOV.UK procurement news"  # optional: shown to people (else the feed's own title)
url = "https://www.gov.uk/search/news-and-communications.atom?topics[]=procurement"
kind = "feed"              # feed | page | jobs | notices
topics = ["procurement"]   # optional defaults added to every item
regions = []               # optional ITL1 names
enabled = true             # optional
interval = 120             # optional, minutes between crawls
[sources.options]          # optional, spider-specific (selectors, mode ...)
```
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from crawler.netguard import BlockedURL, check_url
from kil_feed.errors import ValidationError
from kil_feed.regions import ITL1_REGIONS
from kil_feed.source_checks import check_options, normalise_url

if TYPE_CHECKING:
    from kil_feed.topics import TopicCatalog

CRAWLABLE_KINDS = ("feed", "page", "jobs", "notices")
KIND_ALIASES = {"notice": "notices"}  # the model's item kind, accepted for the source kind
_KEYS = {"name", "title", "url", "kind", "topics", "regions", "enabled", "interval", "options"}
TITLE_CHARS = 300
INTERVAL_MAX = 366 * 24 * 60  # minutes: a source crawled less than yearly is best disabled


@dataclass
class SourceSpec:
    """One source as written in a sources file or on the command line."""

    name: str
    url: str
    kind: str = "feed"
    topics: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    enabled: bool = True
    interval_minutes: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    title: str | None = None  # unset: the feed's or site's own title, on the first crawl

    def fields(self) -> dict[str, Any]:
        """Column values for `storage.sources.upsert_source` (all but the name); no title
        unless one is given, so a re-import keeps the title the first crawl found."""
        title = {"title": self.title} if self.title else {}
        return {
            **title,
            "url": self.url,
            "kind": self.kind,
            "topics": list(self.topics),
            "regions": list(self.regions),
            "enabled": self.enabled,
            "interval_minutes": self.interval_minutes,
            "options": dict(self.options),
        }


def validate_spec(
    spec: SourceSpec,
    *,
    allow_private: bool,
    resolve: bool = True,
    topics: TopicCatalog | None = None,
) -> SourceSpec:
    """Check name, kind, URL (scheme and address), interval, regions and (given the known
    `topics`) topics; raise ValidationError. A topic the catalog does not know would tag
    every item of the source with it, where no subscriber or filter can choose it."""
    if not spec.name or not spec.name.strip():
        raise ValidationError("a source needs a name")
    spec.name = spec.name.strip()
    spec.kind = KIND_ALIASES.get(spec.kind, spec.kind)
    if spec.title and len(spec.title) > TITLE_CHARS:
        raise ValidationError(
            f"source {spec.name!r}: title is longer than {TITLE_CHARS} characters"
        )
    if spec.kind not in CRAWLABLE_KINDS:
        raise ValidationError(
            f"source {spec.name!r}: unknown kind {spec.kind!r}",
            hint="use one of " + ", ".join(CRAWLABLE_KINDS),
        )
    try:
        spec.url = normalise_url(spec.url)
        check_url(spec.url, allow_private=allow_private, resolve=resolve)
        check_options(spec.options)
    except (BlockedURL, ValidationError) as exc:
        raise ValidationError(f"source {spec.name!r}: {exc}") from None
    if spec.interval_minutes is not None and spec.interval_minutes < 1:
        raise ValidationError(f"source {spec.name!r}: interval must be at least 1 minute")
    if spec.interval_minutes is not None and spec.interval_minutes > INTERVAL_MAX:
        raise ValidationError(  # past 64 bits it was an OverflowError from the database
            f"source {spec.name!r}: interval must be at most {INTERVAL_MAX:,} minutes (366 days)"
        )
    if spec.kind == "notices":
        from kil_feed.notice_options import validate_notice_options

        spec.options = validate_notice_options(spec.options, where=f"source {spec.name!r}")
    if topics is not None:
        try:
            spec.topics = topics.check_all(spec.topics)
        except ValidationError as exc:
            raise ValidationError(f"source {spec.name!r}: {exc.message}", hint=exc.hint) from None
    unknown = [r for r in spec.regions if r not in ITL1_REGIONS]
    if unknown:
        raise ValidationError(
            f"source {spec.name!r}: unknown region {unknown[0]!r}",
            hint="use ITL1 names such as 'North West' or 'London'",
        )
    return spec


@dataclass
class SourceRow:
    """One source of an import file: its spec, or why it is not one; `line` in the file."""

    line: int | None
    spec: SourceSpec | None = None
    error: str | None = None


_TABLE_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*sources[ \t]*\]\]", re.M)


def read_sources(text: str, *, origin: str = "sources file") -> list[SourceRow]:
    """Every `[[sources]]` table as a row: a spec (structure only; `validate_spec` checks the
    rest) or the reason it is invalid. Only a file that is no sources file at all raises."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{origin} is not valid TOML: {exc}") from None
    tables = data.get("sources")
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ValidationError(f"{origin} has no [[sources]] tables")
    starts = [text.count("\n", 0, m.start()) + 1 for m in _TABLE_HEADER.finditer(text)]
    lines: list[int | None] = list(starts) if len(starts) == len(tables) else [None] * len(tables)
    rows: list[SourceRow] = []
    seen: dict[str, int | None] = {}
    for table, line in zip(tables, lines, strict=True):
        try:
            spec = _table_spec(table)
            if spec.name in seen:
                raise ValidationError(f"duplicate name {spec.name!r} (line {seen[spec.name]})")
        except ValidationError as exc:
            rows.append(SourceRow(line, error=str(exc)))  # with its hint, as `sources add` says it
            continue
        seen[spec.name] = line
        rows.append(SourceRow(line, spec=spec))
    return rows


def parse_sources(text: str, *, origin: str = "sources file") -> list[SourceSpec]:
    """Parse TOML text into specs, refusing the file at its first invalid table."""
    specs = []
    for number, row in enumerate(read_sources(text, origin=origin), 1):
        if row.spec is None:
            raise ValidationError(f"{origin}, source #{number}: {row.error}")
        specs.append(row.spec)
    return specs


def _table_spec(table: dict[str, Any]) -> SourceSpec:
    extra = set(table) - _KEYS
    if extra:
        raise ValidationError(f"unknown key {sorted(extra)[0]!r}")
    if "name" not in table:
        raise ValidationError("a source needs a name")
    if "url" not in table and isinstance(table["name"], str):
        raise ValidationError(f"source {table['name']!r} has no url")
    for key in ("name", "url"):
        if not isinstance(table.get(key), str):
            raise ValidationError(f"{key!r} must be a string")
    where = f"source {table['name']!r}"
    return SourceSpec(
        name=table["name"],
        url=table["url"],
        kind=str(table.get("kind", "feed")),
        topics=_str_list(table.get("topics", []), where, "topics"),
        regions=_str_list(table.get("regions", []), where, "regions"),
        enabled=_bool(table.get("enabled", True), where),
        interval_minutes=_interval(table.get("interval"), where),
        options=_options(table.get("options", {}), where),
        title=_title(table.get("title"), where),
    )


def default_sources_text() -> str:
    """The bundled `sources.toml` a real deployment starts from."""
    return resources.files("kil_feed").joinpath("data/sources.toml").read_text(encoding="utf-8")


def write_sources(sources: Iterable[Any]) -> str:
    """A sources file of stored sources (objects with the `SourceSpec` fields), in the
    layout `read_sources` reads: an export imports again unchanged."""
    import tomli_w

    tables = []
    for source in sources:
        table: dict[str, Any] = {"name": source.name, "url": source.url, "kind": source.kind}
        table |= {"topics": list(source.topics or []), "regions": list(source.regions or [])}
        table["enabled"] = bool(source.enabled)
        if source.interval_minutes is not None:
            table["interval"] = source.interval_minutes
        if source.options:
            table["options"] = dict(source.options)
        tables.append(table)
    return tomli_w.dumps({"sources": tables})


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """`key=value` pairs from the command line; values `true`/`false`/numbers are typed."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"option {pair!r} is not key=value")
        options[key.strip()] = _typed(value.strip())
    return options


def _typed(value: str) -> Any:
    if value.lower() in {"true", "false"}:
        return value.lower() == "true"
    try:
        return int(value)
    except ValueError:
        return value


def _str_list(value: Any, where: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"{where}: {key!r} must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{where}: 'enabled' must be true or false")
    return value


def _interval(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{where}: 'interval' must be a whole number of minutes")
    return value


def _options(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(f"{where}: 'options' must be a table")
    return dict(value)


def _title(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{where}: 'title' must be a string")
    title = " ".join(value.split())
    if len(title) > TITLE_CHARS:
        raise ValidationError(f"{where}: 'title' is longer than {TITLE_CHARS} characters")
    return title or None
