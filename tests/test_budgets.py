"""Reader budgets, the originals store's leftovers, and concurrent ingests: on real files, real processes.

The pathological files are built here by streaming into zipfile (building them costs no memory) and read
in a child process, whose peak RSS (ru_maxrss) before and after the read is its own, not the test run's.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import docx
import pytest
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from nkwatch.ingest.originals import original_path, sha256_hex
from nkwatch.ingest.pipeline import ingest_paths
from nkwatch.ingest.readers import Budget, BudgetError, ReadError, read_document
from nkwatch.store.models import Claim, Source

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
PARA = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w='
        b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')  # fmt: skip
REPORT = "In 2024, security agents publicly executed three people in Hyesan for watching dramas.\n"


def docx_bomb(path: Path, xml_bytes: int, *, claimed_size: int | None = None) -> None:
    """A real DOCX whose document.xml is `xml_bytes` of one-letter paragraphs (written in 1 MB chunks);
    with `claimed_size`, the zip headers claim the part unpacks to that instead."""
    buf = io.BytesIO()
    docx.Document().save(buf)
    chunk = PARA * (MB // len(PARA))
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info.filename, src.read(info.filename))
        with z.open("word/document.xml", "w") as f:
            f.write(HEAD)
            for _ in range(xml_bytes // len(chunk)):
                f.write(chunk)
            f.write(b"</w:body></w:document>")
    if claimed_size is None:
        return
    with zipfile.ZipFile(path) as z:
        info, start_dir = z.getinfo("word/document.xml"), z.start_dir
    with open(path, "r+b") as f:  # uncompressed size: local header +22, central directory record +24
        f.seek(info.header_offset + 22)
        f.write(struct.pack("<I", claimed_size))
        f.seek(start_dir)
        directory = f.read()
        at = directory.index(b"PK\x01\x02")  # the first record; ours is found by its name
        while directory[at + 46 : at + 46 + 17] != b"word/document.xml":
            at = directory.index(b"PK\x01\x02", at + 4)
        f.seek(start_dir + at + 24)
        f.write(struct.pack("<I", claimed_size))


_CHILD = """
import json, resource, sys, time
from nkwatch.ingest.readers import ReadError, read_document
data = open(sys.argv[1], "rb").read()
before, t = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter()
try:
    read_document("upload.docx", data)
    outcome = "read"
except ReadError as e:
    outcome = str(e)
took = time.perf_counter() - t
grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"outcome": outcome, "seconds": took, "grew_mb": grew}))
"""


def _read_in_child(path: Path) -> dict:
    # Capped at 2 GB of address space: before the fix these files took 1.6 to 7.6 GB, and must not take
    # the test machine down with them.
    cap = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2048 << 20, 2048 << 20))\n"
    proc = subprocess.run([sys.executable, "-c", cap + _CHILD, str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_docx_of_100mb_tiny_paragraphs_is_refused_in_little_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    docx_bomb(bomb, 100 * MB)
    assert bomb.stat().st_size < 1 * MB  # a small upload
    r = _read_in_child(bomb)
    assert "50,000 paragraphs" in r["outcome"] and "--max-paragraphs" in r["outcome"], r
    assert r["grew_mb"] < 300, r
    assert r["seconds"] < 20, r


def test_docx_whose_zip_header_lies_about_its_size_is_refused_in_little_memory(tmp_path: Path) -> None:
    liar = tmp_path / "liar.docx"
    docx_bomb(liar, 1024 * MB, claimed_size=64 * 1024)
    with zipfile.ZipFile(liar) as z:
        assert z.getinfo("word/document.xml").file_size == 64 * 1024  # what the header claims
    r = _read_in_child(liar)
    assert r["outcome"] == "not a valid DOCX (file is damaged or not a Word document)", r
    assert r["grew_mb"] < 300 and r["seconds"] < 20, r


def test_unpacked_bytes_are_counted_as_read_not_as_claimed(tmp_path: Path) -> None:
    big = tmp_path / "big.docx"
    docx_bomb(big, 8 * MB, claimed_size=2**32 - 1)  # claims 4 GB; holds 8 MB
    with pytest.raises(BudgetError, match=r"more than 4\.0 MB of unpacked word/document\.xml"):
        read_document("big.docx", big.read_bytes(), budget=Budget(unpacked_bytes=4 * MB, paragraphs=10**9))


def _pdf(pages: int) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(pages):
        c.drawString(72, 720, ["Guards beat prisoners.", "Agents arrested a man.", "Police took a woman."][i % 3])
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "budget", "message"),
    [
        ("a.txt", b"x" * 101, Budget(chars=100), "more than 100 characters of text in one file"),
        ("a.txt", b"x\n" * 11, Budget(paragraphs=10), "more than 10 paragraphs or lines"),
        ("a.md", b"- a\n" * 11, Budget(paragraphs=10), "more than 10 lines"),
        ("a.html", b"<p>a</p>" * 60, Budget(paragraphs=10), "more than 10 paragraphs (counted as one per 10 HTML"),
        ("a.pdf", _pdf(3), Budget(pages=2), "more than 2 pages"),
        ("a.pdf", _pdf(3), Budget(chars=30), "more than 30 characters"),
    ],
)
def test_each_budget_refuses_with_a_message_naming_it(name: str, data: bytes, budget: Budget, message: str) -> None:
    with pytest.raises(BudgetError) as err:
        read_document(name, data, budget=budget)
    assert message in str(err.value) and "raise it with `nkwatch ingest --max-" in str(err.value)
    assert isinstance(err.value, ReadError)
    read_document(name, data)  # the defaults take it


def test_docx_paragraph_and_character_budgets(tmp_path: Path) -> None:
    d = docx.Document()
    for i in range(5):
        d.add_paragraph(f"Paragraph {i} of the testimony.")
    buf = io.BytesIO()
    d.save(buf)
    with pytest.raises(BudgetError, match="more than 4 paragraphs"):
        read_document("t.docx", buf.getvalue(), budget=Budget(paragraphs=4))
    with pytest.raises(BudgetError, match="more than 50 characters"):
        read_document("t.docx", buf.getvalue(), budget=Budget(chars=50))
    assert read_document("t.docx", buf.getvalue()).text.count("\n") == 4


def test_a_file_over_the_claims_budget_is_refused_and_the_rest_goes_in(store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "many.txt").write_text(REPORT * 30)
    (folder / "few.txt").write_text(REPORT)
    originals = tmp_path / "originals"
    report = ingest_paths(store, [folder], originals=originals, budget=Budget(claims=5))
    [failed] = report.failed
    assert failed.path.name == "many.txt"
    assert "more than 5 claims in one file" in failed.reason and "--max-claims" in failed.reason
    assert report.count("added") == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Source)) == 1
    assert not original_path(originals, sha256_hex((folder / "many.txt").read_bytes())).exists()


def test_leftover_temporary_originals_are_swept_at_the_next_ingest(store, tmp_path: Path) -> None:
    originals = tmp_path / "originals"
    (originals / "ab" / "cd").mkdir(parents=True)
    stale = originals / "ab" / "cd" / ".tmp-k1ll3d"  # what a run killed mid-write leaves
    fresh = originals / "ab" / "cd" / ".tmp-wr1t1ng"  # another run writing right now
    other = originals / "ab" / "cd" / "notes.tmp-keep"
    for p in (stale, fresh, other):
        p.write_bytes(b"partial")
    old = time.time() - 120
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    (tmp_path / "r.txt").write_text(REPORT)
    assert ingest_paths(store, [tmp_path / "r.txt"], originals=originals).count("added") == 1
    assert not stale.exists() and fresh.exists() and other.exists()


def test_two_ingests_of_the_same_folder_at_once_both_end_cleanly(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for i in range(60):
        (folder / f"r{i:02}.txt").write_text(f"Report {i}.\n" + REPORT * 3)
    from nkwatch.store.db import open_store

    open_store(db_url).close()  # an existing store (two runs creating a fresh schema at once is another matter)
    cmd = [sys.executable, "-m", "nkwatch", "ingest", str(folder), "--db", db_url]
    env = dict(os.environ, NKWATCH_HOME=str(tmp_path / "home"))
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]  # fmt: skip
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
        assert "Traceback" not in err
    store = open_store(db_url)
    try:
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(Source)) == 60
            ids = list(s.scalars(select(Claim.id)))
            assert ids and len(ids) == len(set(ids))
    finally:
        store.close()
    added = [int(out.split(" added")[0].split()[-1]) for out, _ in outs]
    assert sum(added) == 60  # each source stored once, by one run or the other
