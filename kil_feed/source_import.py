"""Import sources from a file (TOML or OPML): every source in it is accounted for.

Each row is new, updated, unchanged or invalid (with its line number and why); the valid
rows are written in one transaction, the invalid ones are reported and never stored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from kil_feed.db import write_session
from kil_feed.errors import ValidationError
from kil_feed.models import Source
from kil_feed.sources_file import SourceRow, read_sources, validate_spec
from kil_feed.storage import sources as store

if TYPE_CHECKING:
    from kil_feed.topics import TopicCatalog


@dataclass
class SourcesImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    invalid: list[dict[str, object]] = field(default_factory=list)  # line, reason

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged) + len(self.invalid)


def read_rows(path: Path) -> list[SourceRow]:
    """The rows of a TOML or OPML sources file (OPML by its extension or its first tag)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() in {".opml", ".xml"} or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        from kil_feed.sources_opml import read_opml

        return read_opml(data, origin=str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{path} is not UTF-8 text") from None
    return read_sources(text, origin=str(path))


def _unchanged(source: Source, fields: dict[str, object]) -> bool:
    return all(getattr(source, key) == value for key, value in fields.items())


def import_sources(
    engine: Engine,
    rows: list[SourceRow],
    *,
    allow_private: bool,
    dry_run: bool = False,
    topics: TopicCatalog | None = None,
) -> SourcesImportReport:
    """Validate each row (its topics against `topics` when given), then create or update the
    valid ones (see the module docstring)."""
    report = SourcesImportReport()
    valid = []
    for row in rows:
        if row.spec is not None:
            try:
                spec = validate_spec(
                    row.spec, allow_private=allow_private, resolve=False, topics=topics
                )
                valid.append(spec)
                continue
            except ValidationError as exc:
                row.error = str(exc)  # with its hint, as `sources add` says it
        report.invalid.append({"line": row.line, "reason": row.error})
    with write_session(engine) as session:
        for spec in valid:
            existing = store.find_source(spec.name, session=session)
            fields = spec.fields()
            if existing is not None and _unchanged(existing, fields):
                report.unchanged.append(spec.name)
                continue
            store.upsert_source(spec.name, session=session, **fields)
            (report.updated if existing is not None else report.added).append(spec.name)
        if dry_run:
            session.rollback()
    return report
