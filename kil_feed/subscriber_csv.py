"""Subscribers to and from CSV: columns `email` (required), `name`, `regions` and `topics`
(each separated by `;`) and optional `status`.

An import checks every row first (line numbers in the report), then writes the good rows in
one transaction. Rows without a status are confirmed (an editor's import vouches for
consent); an address that unsubscribed is never resubscribed by an import.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine

from kil_feed.db import write_session
from kil_feed.errors import KilError, ValidationError
from kil_feed.models import Subscriber, SubscriberStatus
from kil_feed.regions import canonical_region
from kil_feed.storage import subscribers as store
from kil_feed.topics import TopicCatalog, topic_catalog

logger = logging.getLogger(__name__)

COLUMNS = ("email", "name", "regions", "topics", "status")
UNSUBSCRIBED = SubscriberStatus.unsubscribed.value


@dataclass
class Row:
    line: int
    email: str
    name: str | None
    regions: list[str] | None
    topics: list[str] | None
    status: str | None


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)  # line, email, reason
    invalid: list[dict[str, object]] = field(default_factory=list)  # line, reason

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "invalid": self.invalid,
        }


def _split(value: str | None) -> list[str] | None:
    """`a; b;` -> ['a', 'b']; an empty cell means 'not given'."""
    if value is None or not value.strip():
        return None
    return list(dict.fromkeys(v.strip() for v in value.split(";") if v.strip()))


DELIMITERS = (
    ",",
    ";",
    "\t",
)  # Excel writes ';' where ',' is the decimal mark, tabs as "Unicode Text"


def _delimiter(text: str) -> str:
    """The delimiter whose split of the header line has an `email` column (else ',')."""
    header = next((line for line in text.split("\n") if line.strip()), "").removesuffix("\r")
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([header], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        if "email" in (c.strip().lower() for c in cells):
            return delimiter
    return ","


def _records(text: str) -> Iterator[tuple[int, list[str] | str]]:
    """(line number, cells) per record, or (line number, why it is unreadable).

    Records are read as the csv module reads a file opened with `newline=''`, so a quoted
    cell may hold line breaks (Excel writes an address or a note so); the line number is
    that of the record's first line. A quote that never closes would swallow every line
    after it: a record that fails past its first line, or that spans lines and has more
    cells than the header, is read again as its first line alone, which then costs only its
    own row; an oversized cell (over the csv module's 128 KiB) is one invalid row too."""
    delimiter = _delimiter(text)
    lines = list(io.StringIO(text, newline=""))
    width: int | None = None  # cells in the header
    start = 0
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=delimiter, strict=True)
        try:
            cells: list[str] | None = next(reader)
        except csv.Error as exc:
            cells, error = None, exc
        except StopIteration:
            return
        used = max(1, reader.line_num)
        if cells is not None and (used == 1 or width is None or len(cells) <= width):
            if any(c.strip() for c in cells):
                width = len(cells) if width is None else width
                yield start + 1, cells
            start += used
            continue
        if cells is not None or used > 1:  # a quote left open: this line alone
            try:
                next(csv.reader([lines[start].rstrip("\r\n")], delimiter=delimiter, strict=True))
                error = csv.Error("unexpected end of data")
            except csv.Error as exc:
                error = exc
        reason = "unterminated quote" if "end of data" in str(error) else str(error)
        yield start + 1, f"unreadable CSV: {reason}"
        start += 1


def read_rows(text: str, report: ImportReport, topics: TopicCatalog | None = None) -> list[Row]:
    """Every well-formed row; the others go to `report.invalid` with their line number.
    Regions and topics are checked and spelled as `kil subscribers add` spells them (a
    topic the catalog does not know would never match an item)."""
    catalog = topics or topic_catalog()
    records = _records(text)
    first = next(records, None)
    if first is None or isinstance(first[1], str):
        raise ValidationError("the CSV has no header line", hint="columns: " + ", ".join(COLUMNS))
    header = [h.strip().lower() for h in first[1]]
    if "email" not in header:
        raise ValidationError(
            "the CSV has no 'email' column", hint="columns: " + ", ".join(COLUMNS)
        )
    rows: list[Row] = []
    seen: dict[str, int] = {}
    statuses = {s.value for s in SubscriberStatus}
    for line, cells in records:
        try:
            if isinstance(cells, str):
                raise ValidationError(cells)
            if len(cells) > len(header):
                raise ValidationError("more cells than columns")
            values = {k: v for k, v in zip(header, cells, strict=False) if k}
            if not any(v.strip() for v in values.values()):
                continue
            email = store.validate_email_address(values.get("email", ""))
            if email in seen:
                raise ValidationError(f"{email} repeats line {seen[email]}")
            regions = _split(values.get("regions"))
            if regions is not None:
                regions = [canonical_region(r) for r in regions]
            chosen = _split(values.get("topics"))
            if chosen is not None:
                chosen = catalog.check_all(chosen)
            status = values.get("status", "").strip().lower() or None
            if status is not None and status not in statuses:
                raise ValidationError(f"unknown status {status!r} (use {', '.join(statuses)})")
        except ValidationError as exc:
            report.invalid.append({"line": line, "reason": exc.message})
            continue
        seen[email] = line
        name = values.get("name", "").strip() or None
        rows.append(Row(line, email, name, regions, chosen, status))
    return rows


def import_csv(
    engine: Engine, path: Path, *, dry_run: bool = False, topics: TopicCatalog | None = None
) -> ImportReport:
    """Add or update subscribers from a CSV file (see the module docstring)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"{path} not found") from None
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from None
    return import_csv_bytes(engine, data, origin=str(path), dry_run=dry_run, topics=topics)


def decode_csv(data: bytes, origin: str) -> str:
    """UTF-8 (with or without Excel's BOM), or UTF-16 when its BOM says so (Excel's
    "Unicode Text"); anything else is refused with the first line that is not UTF-8, never
    guessed (a wrong guess would store mangled names)."""
    hint = 'save the CSV as UTF-8: in Excel, "CSV UTF-8"'
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")  # a BOM written twice
        except UnicodeDecodeError:
            raise ValidationError(f"{origin} starts as UTF-16 but is not", hint=hint) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationError(f"{origin} is not UTF-8 text (line {line})", hint=hint) from None


def import_csv_bytes(
    engine: Engine,
    data: bytes,
    *,
    origin: str,
    dry_run: bool = False,
    topics: TopicCatalog | None = None,
) -> ImportReport:
    """Add or update subscribers from CSV bytes (a file, or standard input: `origin`)."""
    text = decode_csv(data, origin)
    report = ImportReport()
    rows = read_rows(text, report, topics)
    with write_session(engine) as session:
        for row in rows:
            _import_row(row, report, session=session)
        if dry_run:
            session.rollback()
    logger.info(
        "subscribers import path=%s added=%d updated=%d invalid=%d",
        origin,
        len(report.added),
        len(report.updated),
        len(report.invalid),
    )
    return report


def _import_row(row: Row, report: ImportReport, *, session) -> None:  # type: ignore[no-untyped-def]
    existing = store.find_subscriber(row.email, session=session)
    try:
        if existing is None:
            store.add_subscriber(
                row.email,
                session=session,
                name=row.name or "",
                regions=row.regions or [],
                topics=row.topics or [],
                status=row.status or SubscriberStatus.confirmed.value,
                origin="import",
            )
            report.added.append(row.email)
            return
        if existing.status == UNSUBSCRIBED and row.status != UNSUBSCRIBED:
            reason = "unsubscribed; an import does not resubscribe"
            report.skipped.append({"line": row.line, "email": row.email, "reason": reason})
            return
        changed = store.update_subscriber(
            existing,
            session=session,
            name=row.name,
            regions=row.regions,
            topics=row.topics,
            status=row.status,
        )
        (report.updated if changed else report.unchanged).append(row.email)
    except KilError as exc:
        report.invalid.append({"line": row.line, "reason": exc.message})


def write_csv(subscribers: Iterable[Subscriber], out: TextIO) -> int:
    """Write the subscribers in the import format; returns how many."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for sub in subscribers:
        writer.writerow(
            [
                sub.email,
                sub.name,
                ";".join(sub.regions or []),
                ";".join(sub.topics or []),
                sub.status,
            ]
        )
        count += 1
    return count
