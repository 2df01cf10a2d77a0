"""The store on both backends: schema by migration, search, re-extraction, status history."""

from __future__ import annotations

import json

from sqlalchemy import inspect, select

from nkwatch.extract.rerun import reextract
from nkwatch.ingest.pipeline import ingest_paths
from nkwatch.store.models import Claim, ClaimStatusChange, Source
from nkwatch.store.search import search

from .conftest import SEEDS


def test_migrations_create_the_schema(store):
    names = set(inspect(store.engine).get_table_names())
    assert {"sources", "claims", "claim_status_history", "alembic_version"} <= names


def test_reopening_is_a_no_op(db_url):
    from nkwatch.store.db import open_store

    open_store(db_url).close()
    s = open_store(db_url)  # already at head: nothing to do, nothing breaks
    with s.session() as sess:
        assert sess.scalars(select(Source)).all() == []
    s.close()


def test_search_finds_sources_and_claims(store, tmp_path):
    ingest_paths(store, [SEEDS], originals=tmp_path / "o")
    with store.session() as s:
        hits = search(s, "shoot-to-kill")
        # Backends mark matches differently ("[shoot-to-kill]" vs "[shoot]-to-[kill]"); the claim is found.
        assert any(h.kind == "claim" and "shoot-to-kill" in h.snippet.replace("[", "").replace("]", "") for h in hits)
        kinds = {h.kind for h in search(s, "facial recognition")}
        assert kinds == {"claim", "source"}
        assert search(s, '"Camp 14"')  # punctuation and phrases are safe
        assert search(s, "zzzunknownword") == []
        assert search(s, "   ") == []
        assert isinstance(search(s, 'AND OR NOT "'), list)  # never an FTS syntax error
        executed = search(s, "executed")
        assert any("executed" in h.snippet.lower() for h in executed)


def test_reextract_is_idempotent_and_keeps_reviews(store, tmp_path):
    ingest_paths(store, [SEEDS], originals=tmp_path / "o")
    with store.session() as s:
        before = sorted(s.scalars(select(Claim.id)))
        reviewed = s.scalars(select(Claim).order_by(Claim.id)).first()
        reviewed.status = "reviewed"
        reviewed.hedged = not reviewed.hedged  # a person's correction
        s.add(ClaimStatusChange(claim_id=reviewed.id, status="reviewed", actor="alice", note="checked"))
        rid, rhedged = reviewed.id, reviewed.hedged
    counts = reextract(store)
    assert counts.added == 0 and counts.removed == 0 and counts.kept == 1
    with store.session() as s:
        assert sorted(s.scalars(select(Claim.id))) == before
        kept = s.get(Claim, rid)
        assert kept.status == "reviewed" and kept.hedged == rhedged
        assert [h.status for h in kept.history] == ["reviewed"]


def test_reextract_removes_claims_no_longer_produced(store, tmp_path):
    ingest_paths(store, [SEEDS], originals=tmp_path / "o")
    with store.session() as s:
        src = s.scalars(select(Source)).first()
        fake = Claim(id="f" * 24, source_id=src.id, span_start=0, span_end=5, quote=src.text[:5], kind="pattern",
                     act="other", hedged=False, status="machine", rule="old-rule", extractor_version="coder-0")
        s.add(fake)
    counts = reextract(store)
    assert counts.removed == 1
    with store.session() as s:
        assert s.get(Claim, "f" * 24) is None


def test_full_text_index_follows_every_write(store, tmp_path):
    """Schema changes must not drop the triggers that keep the index in step (SQLite batch migrations do)."""
    ingest_paths(store, [SEEDS], originals=tmp_path / "o")
    with store.session() as s:
        n = len(s.scalars(select(Claim.id)).all())
        hits = search(s, "guards", limit=100)
        assert any(h.kind == "claim" for h in hits) and n > 0


def test_claims_month_is_derived_and_filled_in_by_its_migration(db_url):
    """Migration 0006 adds claims.month (what an incremental link reads along its index): stored claims get it
    from their `when`, new and corrected ones from Claim.derived_columns."""
    from alembic import command
    from sqlalchemy import text

    from nkwatch.store.db import _alembic_config, create_store_engine, migrate

    engine = create_store_engine(db_url)
    command.upgrade(_alembic_config(engine), "0005")
    whens = {"c-day": {"start": "2024-05-03", "precision": "day"},
             "c-month": {"start": "2024-05", "precision": "month"},
             "c-season": {"start": "2024-06", "precision": "season"}, "c-year": {"start": "2024", "precision": "year"},
             "c-range": {"start": "2024-03", "end": "2025", "precision": "year"}, "c-none": None}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, kind, text, format, size_bytes, reliability, captured_at) "
                          "VALUES ('s1', 'news', 'x', 'text', 1, 'B', CURRENT_TIMESTAMP)"))  # fmt: skip
        for cid, when in whens.items():
            conn.execute(text("INSERT INTO claims (id, source_id, span_start, span_end, quote, kind, hedged, "
                              "status, rule, extractor_version, created_at, \"when\", link_locked) VALUES (:id, 's1', "
                              "0, 1, 'q', 'event', false, 'machine', 'r', 'v', CURRENT_TIMESTAMP, :w, false)"),
                         {"id": cid, "w": json.dumps(when) if when else None})  # fmt: skip
    migrate(engine)
    expected = {"c-day": "2024-05", "c-month": "2024-05", "c-season": "2024-06", "c-year": None, "c-range": None,
                "c-none": None}  # a year or decade is no month, even when its start names one  # fmt: skip
    with engine.connect() as conn:
        assert dict(conn.execute(text("SELECT id, month FROM claims")).all()) == expected
    assert "ix_claims_link_block" in {i["name"] for i in inspect(engine).get_indexes("claims")}
    engine.dispose()
    assert {k: Claim.derived_columns({"when": w})["month"] for k, w in whens.items()} == expected
