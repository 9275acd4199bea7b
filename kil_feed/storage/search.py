"""Full-text search over approved items: SQLite FTS5 or PostgreSQL text search.

Any text a visitor types is safe: on SQLite it is reduced to quoted word tokens (so FTS5
operators, quotes, `*` and `NEAR(` are plain words), on PostgreSQL it goes through
`websearch_to_tsquery`, which accepts any input. Both return highlighted titles and
snippets with the `MARK_START`/`MARK_END` markers around matches (the web layer turns them
into `<mark>` after escaping the rest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kil_feed.models import Item, ItemStatus

MARK_START = "\ue000"
MARK_END = "\ue001"
MAX_QUERY_CHARS = 500
MAX_TERMS = 12
COUNT_CAP = 1000
CANDIDATES = 1000  # ranking considers the newest this-many matches (see _search_sqlite)

_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000-\uf8ff]")


@dataclass
class SearchHit:
    item: Item
    rank: float
    title_marked: str
    snippet_marked: str


@dataclass
class SearchPage:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    capped: bool = False  # more than COUNT_CAP matches: `total` is a lower bound


def clean_query(text: str) -> str:
    """The query with control characters removed and its length capped."""
    return _CONTROL.sub(" ", text or "")[:MAX_QUERY_CHARS].strip()


def fts5_query(text: str) -> str:
    """An FTS5 MATCH expression: every word quoted, all required; a trailing `*` is a prefix."""
    cleaned = clean_query(text)
    terms: list[str] = []
    for match in _WORD.finditer(cleaned):
        word = match.group(0)[:64]
        prefix = cleaned[match.end() : match.end() + 1] == "*"
        terms.append(f'"{word}"' + ("*" if prefix else ""))
        if len(terms) >= MAX_TERMS:
            break
    return " ".join(terms)


def search_items(
    text: str,
    *,
    session: Session,
    kind: str | None = None,
    region: str | None = None,
    topic: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Approved items matching `text`, best first, with highlighted title and snippet."""
    query = clean_query(text)
    page = SearchPage(query=query)
    if not query:
        return page
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = fts5_query(query)
        if not match:
            return page
        rows, total = _search_sqlite(match, session, kind, region, topic, limit, offset)
    elif dialect == "postgresql":
        rows, total = _search_postgres(query, session, kind, region, topic, limit, offset)
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(dialect)
    page.total = min(total, COUNT_CAP)
    page.capped = total > COUNT_CAP
    ids = [r[0] for r in rows]
    items = {i.id: i for i in session.exec(select(Item).where(col(Item.id).in_(ids))).all()}
    page.hits = [
        SearchHit(items[r[0]], float(r[1] or 0), r[2] or "", r[3] or "")
        for r in rows
        if r[0] in items
    ]
    return page


def _filters(
    kind: str | None, region: str | None, topic: str | None, params: dict[str, object]
) -> str:
    sql = " AND i.status = :status"
    params["status"] = ItemStatus.approved.value
    if kind:
        sql += " AND i.kind = :kind"
        params["kind"] = kind
    for tag_kind, value in (("region", region), ("topic", topic)):
        if value:
            sql += (
                f" AND i.id IN (SELECT item_id FROM item_tag WHERE kind = '{tag_kind}'"
                f" AND value = :{tag_kind})"
            )
            params[tag_kind] = value
    return sql


def _capped_count(base: str, params: dict[str, object], *, session: Session) -> int:
    """Matches of `FROM ... WHERE ...` counted up to COUNT_CAP + 1 (enough to say "more")."""
    sql = f"SELECT count(*) FROM (SELECT 1 {base} LIMIT {COUNT_CAP + 1}) AS n"
    return int(session.execute(sa.text(sql), params).scalar_one())


def _search_sqlite(
    match: str,
    session: Session,
    kind: str | None,
    region: str | None,
    topic: str | None,
    limit: int,
    offset: int,
) -> tuple[list[sa.Row], int]:
    params: dict[str, object] = {"q": match}
    where = "item_fts MATCH :q" + _filters(kind, region, topic, params)
    base = "FROM item_fts JOIN item i ON i.id = item_fts.rowid WHERE " + where
    # bm25 only over the newest CANDIDATES matches (FTS5 yields rowids in order, so the
    # inner LIMIT stops early); ranking every match of a common word costs 100s of ms
    ranked = session.execute(
        sa.text(
            "SELECT id, score FROM (SELECT i.id AS id, bm25(item_fts, 10.0, 2.0, 5.0) AS score "
            + base
            + f" ORDER BY item_fts.rowid DESC LIMIT {CANDIDATES})"
            " ORDER BY score, id DESC LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": limit, "offset": offset},
    ).all()
    total = _capped_count(base, params, session=session)
    if not ranked:
        return [], total
    ids = [int(r[0]) for r in ranked]
    # highlight and snippet for the page's rows only, in one pass over a rowid range (a
    # `rowid IN (...)` would re-run the MATCH once per id, slow for prefix queries)
    marks = {
        r[0]: (r[1], r[2])
        for r in session.execute(
            sa.text(
                "SELECT rowid, highlight(item_fts, 0, :a, :b),"
                " snippet(item_fts, 1, :a, :b, '…', 30)"
                " FROM item_fts WHERE item_fts MATCH :q AND rowid BETWEEN :lo AND :hi"
                f" AND +rowid IN ({','.join(map(str, ids))})"
            ),
            {"q": match, "a": MARK_START, "b": MARK_END, "lo": min(ids), "hi": max(ids)},
        ).all()
    }
    rows = [(r[0], r[1], *marks.get(r[0], ("", ""))) for r in ranked]
    return rows, total  # type: ignore[return-value]


def _search_postgres(
    text: str,
    session: Session,
    kind: str | None,
    region: str | None,
    topic: str | None,
    limit: int,
    offset: int,
) -> tuple[list[sa.Row], int]:
    params: dict[str, object] = {"q": text}
    where = "i.search_tsv @@ query" + _filters(kind, region, topic, params)
    base = "FROM item i, websearch_to_tsquery('english', :q) AS query WHERE " + where
    opts = f"StartSel={MARK_START}, StopSel={MARK_END}"
    rows = session.execute(
        sa.text(
            "SELECT id, score,"
            f" ts_headline('english', title, query, '{opts}, HighlightAll=true'),"
            f" ts_headline('english', summary, query, '{opts}, MaxWords=40, MinWords=15')"
            " FROM (SELECT id, title, summary, query, score FROM"
            " (SELECT i.id, i.title, coalesce(i.summary, '') AS summary, query,"
            " ts_rank_cd(i.search_tsv, query) AS score "
            + base
            + f" ORDER BY i.id DESC LIMIT {CANDIDATES}) AS newest"
            " ORDER BY score DESC, id DESC LIMIT :limit OFFSET :offset) AS best"
            " ORDER BY score DESC, id DESC"
        ),
        {**params, "limit": limit, "offset": offset},
    ).all()
    return list(rows), _capped_count(base, params, session=session)
