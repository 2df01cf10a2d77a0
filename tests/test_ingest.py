"""Ingest end to end on real files and a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import shutil

from sqlalchemy import func, select

from nkwatch.extract import extract_claims
from nkwatch.ingest.metadata import SourceMeta
from nkwatch.ingest.originals import original_path, read_original
from nkwatch.ingest.pipeline import ingest_paths
from nkwatch.store.models import Claim, ClaimStatusChange, Source

from .conftest import SEEDS

REPORT = (
    "On 9 October 2023, Chinese authorities forcibly repatriated more than 500 North Koreans.\n"
    "In 2024, a man was publicly executed in Hyesan for distributing South Korean dramas.\n"
)


def _counts(store) -> tuple[int, int, int]:
    with store.session() as s:
        return (s.scalar(select(func.count()).select_from(Source)),
                s.scalar(select(func.count()).select_from(Claim)),
                s.scalar(select(func.count()).select_from(ClaimStatusChange)))  # fmt: skip


def test_seeds_ingest_keeps_originals_and_claims(store, tmp_path):
    originals = tmp_path / "originals"
    report = ingest_paths(store, [SEEDS], originals=originals)
    assert report.count("added") == 2 and not report.failed
    for name in ("000_f68488f69bbecae2.txt", "001_2f5d31a835468200.txt"):
        data = (SEEDS / name).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert read_original(originals, digest) == data  # byte for byte, under its hash
        with store.session() as s:
            src = s.get(Source, digest)
            meta = json.loads((SEEDS / (name + ".meta.json")).read_text())
            assert (src.kind, src.published_at) == (meta["kind"], meta["published_at"])
            assert src.reliability == meta["reliability"]
            assert src.title == meta["title"] and src.language == "en"
            assert src.claims, "the seed articles assert abuses"
            for c in src.claims:  # every claim is located in its source
                assert src.text[c.span_start:c.span_end] == c.quote
                assert c.rule and c.status == "machine" and c.extractor_version


def test_ingesting_twice_changes_nothing(store, tmp_path):
    originals = tmp_path / "originals"
    ingest_paths(store, [SEEDS], originals=originals)
    before = _counts(store)
    again = ingest_paths(store, [SEEDS], originals=originals)
    assert again.count("unchanged") == 2 and again.count("added") == 0
    assert _counts(store) == before
    # a copy under another name is the same source
    copy = tmp_path / "copy.txt"
    shutil.copy(SEEDS / "000_f68488f69bbecae2.txt", copy)
    assert ingest_paths(store, [copy], originals=originals).count("unchanged") == 1
    assert _counts(store) == before


def test_metadata_precedence_sidecar_over_flags_over_file(store, tmp_path):
    (tmp_path / "in").mkdir()
    a = tmp_path / "in" / "a.txt"
    b = tmp_path / "in" / "b.txt"
    a.write_text(REPORT)
    b.write_text(REPORT + "Extra line so the bytes differ.\n")
    (tmp_path / "in" / "a.txt.meta.json").write_text(json.dumps({"kind": "un_report", "reliability": "a"}))
    flags = SourceMeta(kind="news", publisher="Daily NK", published_at="2024-05-01", reliability="C")
    ingest_paths(store, [tmp_path / "in"], flags, originals=tmp_path / "o")
    with store.session() as s:
        by_name = {src.filename: src for src in s.scalars(select(Source))}
    assert (by_name["a.txt"].kind, by_name["a.txt"].reliability) == ("un_report", "A")  # sidecar wins
    assert by_name["a.txt"].publisher == "Daily NK"  # flags fill what the sidecar leaves out
    assert (by_name["b.txt"].kind, by_name["b.txt"].reliability) == ("news", "C")
    assert by_name["b.txt"].published_at == "2024-05-01"


def test_bad_files_are_reported_and_the_rest_ingested(store, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_text(REPORT)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 8)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n% truncated")
    (folder / "huge.txt").write_text("North Korea. " * 20000)
    (folder / "bad-meta.txt").write_text(REPORT + "Another one.\n")
    (folder / "bad-meta.txt.meta.json").write_text("{not json")
    (folder / "bad-kind.md").write_text("# Title\n\nSome text about North Korea.\n")
    (folder / "bad-kind.md.meta.json").write_text(json.dumps({"kind": "blog"}))
    report = ingest_paths(store, [folder], originals=tmp_path / "o", max_bytes=100_000)
    failed = {r.path.name: r.reason for r in report.failed}
    assert report.count("added") == 1
    assert set(failed) == {"empty.txt", "blob.bin", "broken.pdf", "huge.txt", "bad-meta.txt", "bad-kind.md"}
    assert "empty" in failed["empty.txt"]
    assert "binary" in failed["blob.bin"]
    assert "PDF" in failed["broken.pdf"]
    assert "limit" in failed["huge.txt"]
    assert "JSON" in failed["bad-meta.txt"]
    assert "kind" in failed["bad-kind.md"] and "blog" in failed["bad-kind.md"]
    assert _counts(store)[0] == 1  # nothing of the failed files was stored


def test_parallel_ingest_gives_the_same_store(tmp_path):
    from nkwatch.store.db import open_store

    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):
        (folder / f"r{i:02}.txt").write_text(f"Report {i}.\n" + REPORT)
    one = open_store(str(tmp_path / "one.db"))
    two = open_store(str(tmp_path / "two.db"))
    ingest_paths(one, [folder], originals=tmp_path / "o1", jobs=1)
    ingest_paths(two, [folder], originals=tmp_path / "o2", jobs=2, batch_size=5)

    def dump(store):
        with store.session() as s:
            return sorted((c.id, c.quote, c.act) for c in s.scalars(select(Claim)))

    assert dump(one) == dump(two) and len(dump(one)) > 12


def test_claims_match_a_fresh_extraction(store, tmp_path):
    ingest_paths(store, [SEEDS], originals=tmp_path / "o")
    with store.session() as s:
        for src in s.scalars(select(Source)):
            fresh = extract_claims(src.text, published_at=src.published_at, source_id=src.id)
            assert sorted(c["id"] for c in fresh) == sorted(c.id for c in src.claims)


def test_original_store_layout(tmp_path):
    from nkwatch.ingest.originals import store_original

    data = b"some report"
    p = store_original(tmp_path, data)
    digest = hashlib.sha256(data).hexdigest()
    assert p == original_path(tmp_path, digest) and p.read_bytes() == data
    assert store_original(tmp_path, data) == p  # idempotent
    assert not [q for q in p.parent.iterdir() if q.name.startswith(".tmp-")]
