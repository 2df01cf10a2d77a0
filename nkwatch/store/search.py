"""Full-text search over source texts and claim quotes: FTS5 on SQLite, tsvector on PostgreSQL, one function."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Boolean, ColumnElement, bindparam, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "source" or "claim"
    id: str
    source_id: str
    title: str | None
    snippet: str  # matched words wrapped in [ ]


_TOKEN = re.compile(r'"[^"]+"|\S+')
_HANGUL = re.compile(r"[가-힣]")
MAX_TERMS = 32  # a search is a few words; FTS5's cost grows with the square of the terms (800 took 4 s)


class SearchError(ValueError):
    """A search that cannot be run as typed; the message says why in plain words."""


def _fts5_query(query: str) -> str:
    """Turn what a person types into an FTS5 query: words are ANDed, "quoted phrases" kept, OR and -word work.

    Every word is quoted, so punctuation in it ("Camp 14", "A/HRC/25/63") cannot be read as FTS5 syntax; an OR
    with nothing on one side is dropped, so no input is a syntax error. More than MAX_TERMS words: SearchError.
    """
    parts: list[str] = []
    for tok in _TOKEN.findall(query):
        if tok == "OR":
            if parts and parts[-1] != "OR":
                parts.append("OR")
            continue
        negate = tok.startswith("-") and len(tok) > 1
        body = tok[1:] if negate else tok
        body = body.strip('"').replace('"', "")
        if not body:
            continue
        if negate and parts and parts[-1] == "OR":
            parts.pop()  # "a OR -b" has no FTS5 form: read as "a -b"
        term = f'"{body}"' + ("*" if _HANGUL.search(body[-1:]) else "")  # 탈북 finds 탈북민, 탈북민들은
        parts.append(f"NOT {term}" if negate and parts else term)
    while parts and parts[-1] == "OR":
        parts.pop()
    if sum(p not in ("OR",) for p in parts) > MAX_TERMS:
        raise SearchError(f"a search may have at most {MAX_TERMS} words; this one has more")
    return " ".join(parts)


def _pg_query(query: str) -> tuple[str, str]:
    """The PostgreSQL tsquery expression (with a `:q` parameter) and its value for what a person typed:
    websearch_to_tsquery as it is, except that Hangul words are matched as prefixes (탈북 finds 탈북민), which
    needs to_tsquery and a query written out term by term."""
    if not _HANGUL.search(query):
        return "websearch_to_tsquery('english', :q)", query
    parts: list[str] = []
    for tok in _TOKEN.findall(query):
        if tok == "OR":
            if parts and parts[-1] not in ("|", "&"):
                parts.append("|")
            continue
        negate = tok.startswith("-") and len(tok) > 1
        words = re.findall(r"[^\W_]+", tok[1:] if negate else tok)
        if not words:
            continue
        phrase = " <-> ".join(w + (":*" if _HANGUL.search(w) else "") for w in words)
        if parts and parts[-1] not in ("|", "&"):
            parts.append("&")
        parts.append(("!" if negate else "") + (f"({phrase})" if len(words) > 1 else phrase))
    while parts and parts[-1] in ("|", "&"):
        parts.pop()
    return "to_tsquery('english', :q)", " ".join(parts) or "''"


def check_query(query: str) -> None:
    """SearchError when `query` cannot be searched (too many words), whatever the backend."""
    if len(_TOKEN.findall(query)) > MAX_TERMS * 2 or (query and _fts5_query(query) is None):
        raise SearchError(f"a search may have at most {MAX_TERMS} words; this one has more")


def search(session: Session, query: str, *, limit: int = 20) -> list[SearchHit]:
    """Sources and claims matching `query`, best first (claims first at equal rank: they are citable)."""
    if not query.strip():
        return []
    check_query(query)
    if session.get_bind().dialect.name == "sqlite":
        q = _fts5_query(query)
        if not q:
            return []
        rows = session.execute(
            text(
                "SELECT 'claim', f.claim_id, c.source_id, s.title, snippet(claims_fts, 1, '[', ']', '…', 24), f.rank"
                " FROM claims_fts f JOIN claims c ON c.id = f.claim_id JOIN sources s ON s.id = c.source_id"
                " WHERE claims_fts MATCH :q"
                " UNION ALL "
                "SELECT 'source', f.source_id, f.source_id, f.title, snippet(sources_fts, 2, '[', ']', '…', 24), f.rank"
                " FROM sources_fts f WHERE sources_fts MATCH :q"
                " ORDER BY 6, 1 LIMIT :limit"
            ),
            {"q": q, "limit": limit},
        )
    else:
        opts = "StartSel=[, StopSel=], MaxWords=30, MinWords=10, MaxFragments=1"
        tsquery, q = _pg_query(query)
        rows = session.execute(
            text(
                f"WITH q AS (SELECT {tsquery} AS q) "
                "SELECT 'claim', c.id, c.source_id, s.title, ts_headline('english', c.quote, q.q, :opts),"
                " -ts_rank(c.tsv, q.q) AS r"
                " FROM claims c JOIN sources s ON s.id = c.source_id, q WHERE c.tsv @@ q.q"
                " UNION ALL "
                "SELECT 'source', s.id, s.id, s.title, ts_headline('english', s.text, q.q, :opts),"
                " -ts_rank(s.tsv, q.q) AS r FROM sources s, q WHERE s.tsv @@ q.q"
                " ORDER BY 6, 1 LIMIT :limit"
            ),
            {"q": q, "limit": limit, "opts": opts},
        )
    return [SearchHit(kind=r[0], id=r[1], source_id=r[2], title=r[3], snippet=r[4]) for r in rows]



def claims_matching(session: Session, query: str, limit: int) -> list[str]:
    """Ids of up to `limit` claims whose quote matches `query`, in no particular order: straight from the
    full-text index, which stops at `limit` (claim_match inside a query reads every match first)."""
    check_query(query)
    if session.get_bind().dialect.name == "sqlite":
        q = _fts5_query(query)
        sql = "SELECT claim_id FROM claims_fts WHERE claims_fts MATCH :q LIMIT :limit"
    else:
        tsquery, q = _pg_query(query)
        sql = f"SELECT id FROM claims WHERE tsv @@ {tsquery} LIMIT :limit"
    return list(session.scalars(text(sql), {"q": q, "limit": limit})) if q else []


class _ClaimMatch(ColumnElement[bool]):
    """`claims` rows whose quote matches a query; compiled per backend (see claim_match)."""

    inherit_cache = False  # the query is bound when compiled, so a cached statement would keep the first one
    type = Boolean()

    def __init__(self, query: str):
        check_query(query)
        self.query = query


@compiles(_ClaimMatch, "sqlite")
def _match_sqlite(element: _ClaimMatch, compiler, **kw) -> str:  # noqa: ANN001 - SQLAlchemy compiler
    q = bindparam("fts_query", _fts5_query(element.query) or '""', unique=True)
    return f"claims.id IN (SELECT claim_id FROM claims_fts WHERE claims_fts MATCH {compiler.process(q, **kw)})"


@compiles(_ClaimMatch, "postgresql")
def _match_pg(element: _ClaimMatch, compiler, **kw) -> str:  # noqa: ANN001 - SQLAlchemy compiler
    tsquery, value = _pg_query(element.query)
    q = bindparam("fts_query", value, unique=True)
    return "claims.tsv @@ " + tsquery.replace(":q", compiler.process(q, **kw))


def claim_match(query: str) -> ColumnElement[bool]:
    """A WHERE condition that holds for claims whose quote matches `query`, read as `search` reads it.

    Usable inside any query on `claims` (filters of claims and incidents), whatever the backend.
    """
    return _ClaimMatch(query)
