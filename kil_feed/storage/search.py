"""Full-text search over approved items: SQLite FTS5 or PostgreSQL text search.

Any text a visitor types is safe: on SQLite it is reduced to quoted word tokens (so FTS5
operators, quotes, `*` and `NEAR(` are plain words), on PostgreSQL it goes through
bound parameters of `plainto_tsquery` and friends. Both read words alike: runs of letters
and digits (`www.gov.uk` is www, gov, uk; PostgreSQL's index reads punctuation as space,
migration 0020), Porter's stemmer, accents folded (the `kil_search` configuration,
migration 0016), every word indexed, and the same stop words left out of the query
(`kil_feed.storage.stopwords`). Both return highlighted titles and
snippets with the `MARK_START`/`MARK_END` markers around matches (the web layer turns them
into `<mark>` after escaping the rest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from kil_feed.models import Item, ItemStatus
from kil_feed.storage.stopwords import is_stop_word

MARK_START = "\ue000"
MARK_END = "\ue001"
MAX_QUERY_CHARS = 500
MAX_TERMS = 12
COUNT_CAP = 1000
CANDIDATES = 1000  # ranking considers the newest this-many matches (see _search_sqlite)
TS_CONFIG = "kil_search"  # PostgreSQL's text search configuration (migration 0016)

# a word as FTS5's unicode61 tokenizer splits one: letters and digits, not `_`
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000-\uf8ff]")
# one ASCII punctuation character, read as a space by PostgreSQL's index (migration 0020)
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
_PG_PUNCTUATION = "[!-/:-@[-`{-~]"  # the same class in PostgreSQL's regex syntax


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
    ignored: list[str] = field(default_factory=list)  # stop words left out, as typed
    searched: bool = False  # the query had something to find (not only stop words)


def clean_query(text: str) -> str:
    """The query with control characters removed and its length capped."""
    return _CONTROL.sub(" ", text or "")[:MAX_QUERY_CHARS].strip()


def _words(cleaned: str) -> list[tuple[str, bool]]:
    """The query's words (at most MAX_TERMS), each with whether a `*` follows it."""
    words: list[tuple[str, bool]] = []
    for match in _WORD.finditer(cleaned):
        words.append((match.group(0)[:64], cleaned[match.end() : match.end() + 1] == "*"))
        if len(words) >= MAX_TERMS:
            break
    return words


def place_spans(words: list[str]) -> dict[int, tuple[int, str]]:
    """Where the words name a UK place: start -> (end, ITL1 region), longest names first.

    Names that are also common words ("Reading", "Bath") are left as words.
    """
    from crawler.classify.gazetteer import gazetteer  # loads pycountry once, on first use

    gaz = gazetteer()
    spans: dict[int, tuple[int, str]] = {}
    taken: set[int] = set()
    for size in (4, 3, 2, 1):
        for start in range(len(words) - size + 1):
            if taken & set(range(start, start + size)):
                continue
            name = gaz.canonical(" ".join(words[start : start + size]))
            if name and name not in gaz.ambiguous:
                spans[start] = (start + size, gaz.names[name])
                taken.update(range(start, start + size))
    return spans


@dataclass(frozen=True)
class ReadQuery:
    """A query as both backends read it: plain words (each with whether a `*` follows),
    places (phrase, ITL1 region) and the stop words left out (as typed, once each)."""

    plain: list[tuple[str, bool]]
    places: list[tuple[str, str]]
    ignored: list[str]


def read_query(text: str) -> ReadQuery:
    """The query split into words and places; stop words outside a place name are left out
    on both backends (required, they found other items); a place keeps its own ("Isle of
    Wight"), which both indexes hold."""
    words = _words(clean_query(text))
    spans = place_spans([w for w, _ in words])
    read = ReadQuery([], [], [])
    i = 0
    while i < len(words):
        if i in spans:
            end, region = spans[i]
            read.places.append((" ".join(w for w, _ in words[i:end]), region))
            i = end
            continue
        word = words[i][0]
        if not is_stop_word(word):
            read.plain.append(words[i])
        elif word.lower() not in {w.lower() for w in read.ignored}:
            read.ignored.append(word)
        i += 1
    return read


def fts5_query(text: str | ReadQuery) -> str:
    """An FTS5 MATCH expression: every word quoted, all required; a trailing `*` is a prefix;
    a place name matches itself or the items tagged with its region."""
    read = read_query(text) if isinstance(text, str) else text
    terms = [f'"{word}"' + ("*" if prefix else "") for word, prefix in read.plain]
    terms += [f'("{phrase}" OR regions : "{region}")' for phrase, region in read.places]
    return " AND ".join(terms)


def _tsquery(read: ReadQuery, params: dict[str, object]) -> str:
    """PostgreSQL's query, read as SQLite's `fts5_query` reads the text: every word required
    (stemmed; a trailing `*` a prefix), a place's phrase OR its region's in the regions
    (weight D, as FTS5's `regions :` column filter: "Isle of Wight" found any item that
    said "South East" anywhere). It was
    `websearch_to_tsquery` of the text, which took `-waste` for NOT, `a OR b` for either
    and quotes for a phrase, and knew no prefix: `counc*` found every council on SQLite and
    nothing on PostgreSQL, and `council -waste` the opposite items."""
    parts = []
    for n, (word, prefix) in enumerate(read.plain):
        params[f"w{n}"] = word  # letters and digits only (_WORD): safe inside a quoted lexeme
        if prefix:
            parts.append(f"to_tsquery('{TS_CONFIG}', quote_literal(:w{n}) || ':*')")
        else:
            parts.append(f"plainto_tsquery('{TS_CONFIG}', :w{n})")
    for n, (phrase, region) in enumerate(read.places):
        params[f"place{n}"] = phrase
        params[f"region{n}"] = " <-> ".join(f"{w}:D" for w in _WORD.findall(region))
        parts.append(
            f"(phraseto_tsquery('{TS_CONFIG}', :place{n}) || to_tsquery('{TS_CONFIG}', :region{n}))"
        )
    return " && ".join(parts)


SORTS = ("relevance", "newest")


@dataclass(frozen=True)
class SearchFilters:
    kind: str | None = None
    region: str | None = None
    topic: str | None = None
    sort: str = "relevance"  # or "newest"


def search_items(
    text: str,
    *,
    session: Session,
    kind: str | None = None,
    region: str | None = None,
    topic: str | None = None,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Approved items matching `text`, best (or newest) first, with highlighted title and
    snippet. Titles weigh most, then employer and location, then summary, then regions."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    query = clean_query(text)
    page = SearchPage(query=query)
    if not query:
        return page
    filters = SearchFilters(kind, region, topic, sort)
    dialect = session.get_bind().dialect.name
    read = read_query(query)
    page.ignored = read.ignored
    if not read.plain and not read.places:  # quotes, `*`, punctuation or stop words only
        return page
    page.searched = True
    if dialect == "sqlite":
        rows, total = _search_sqlite(fts5_query(read), session, filters, limit, offset)
    elif dialect == "postgresql":
        rows, total = _search_postgres(read, session, filters, limit, offset)
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


def _filters(filters: SearchFilters, params: dict[str, object]) -> str:
    sql = " AND i.status = :status"
    params["status"] = ItemStatus.approved.value
    if filters.kind:
        sql += " AND i.kind = :kind"
        params["kind"] = filters.kind
    for tag_kind, value in (("region", filters.region), ("topic", filters.topic)):
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


# bm25 weights per item_fts column: title, summary, employer, location, regions
_BM25 = "bm25(item_fts, 10.0, 2.0, 5.0, 4.0, 0.2)"


def _search_sqlite(
    match: str, session: Session, filters: SearchFilters, limit: int, offset: int
) -> tuple[list[sa.Row], int]:
    params: dict[str, object] = {"q": match}
    where = "item_fts MATCH :q" + _filters(filters, params)
    base = "FROM item_fts JOIN item i ON i.id = item_fts.rowid WHERE " + where
    order = "score, id DESC" if filters.sort == "relevance" else "published DESC, id DESC"
    # ranking only over the newest CANDIDATES matches (FTS5 yields rowids in order, so the
    # inner LIMIT stops early); ranking every match of a common word costs 100s of ms
    ranked = session.execute(
        sa.text(
            f"SELECT id, score FROM (SELECT i.id AS id, {_BM25} AS score,"
            " i.published_at AS published "
            + base
            + f" ORDER BY item_fts.rowid DESC LIMIT {CANDIDATES})"
            f" ORDER BY {order} LIMIT :limit OFFSET :offset"
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
    read: ReadQuery, session: Session, filters: SearchFilters, limit: int, offset: int
) -> tuple[list[sa.Row], int]:
    params: dict[str, object] = {}
    tsquery = _tsquery(read, params)
    where = "i.search_tsv @@ query" + _filters(filters, params)
    base = f"FROM item i, (SELECT {tsquery} AS query) AS q WHERE " + where
    params["punct"] = _PG_PUNCTUATION
    opts = f"StartSel={MARK_START}, StopSel={MARK_END}"
    words = "regexp_replace({}, :punct, ' ', 'g')"  # as the index reads it: see _restore
    order = (
        "score DESC, id DESC"
        if filters.sort == "relevance"
        else "published DESC NULLS LAST, id DESC"
    )
    rows = session.execute(
        sa.text(
            "SELECT id, score,"
            f" ts_headline('{TS_CONFIG}', {words.format('title')}, query,"
            f" '{opts}, HighlightAll=true'),"
            f" ts_headline('{TS_CONFIG}', {words.format('summary')}, query,"
            f" '{opts}, MaxWords=40, MinWords=15'), title, summary"
            " FROM (SELECT id, title, summary, query, score, published FROM"
            " (SELECT i.id, i.title, coalesce(i.summary, '') AS summary, query,"
            " ts_rank_cd(i.search_tsv, query) AS score, i.published_at AS published "
            + base
            + f" ORDER BY i.id DESC LIMIT {CANDIDATES}) AS newest"
            f" ORDER BY {order} LIMIT :limit OFFSET :offset) AS best"
            f" ORDER BY {order}"
        ),
        {**params, "limit": limit, "offset": offset},
    ).all()
    marked = [(r[0], r[1], _restore(r[4], r[2]), _restore(r[5], r[3])) for r in rows]
    return marked, _capped_count(base, params, session=session)  # type: ignore[return-value]


def _restore(text: str | None, marked: str | None) -> str:
    """`marked` (a `ts_headline` of `text` with each ASCII punctuation character read as a
    space) with `text`'s own characters put back around the marks.

    `ts_headline` parses the text it is given with PostgreSQL's parser, which reads
    `www.gov.uk` as one host and a URL as a URL: given the stored text it marked none of
    the words the index (migration 0020) had matched. Given the text as the index reads it,
    it marks the words FTS5 marks; a space stands for each punctuation character, so the
    headline (the whole title, or one run of the summary) lines up character for character
    with a run of the stored text."""
    text, marked = text or "", marked or ""
    plain = marked.replace(MARK_START, "").replace(MARK_END, "")
    at = _PUNCTUATION.sub(" ", text).find(plain)
    if at < 0:  # pragma: no cover - ts_headline keeps the characters it is given
        return marked
    chars = iter(text[at : at + len(plain)])
    return "".join(c if c in (MARK_START, MARK_END) else next(chars) for c in marked)
