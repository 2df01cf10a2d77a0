"""Files built to exhaust a reader's memory or time, and a runner that ingests one and measures it.

Used by bench/fuzz_ingest.py (`--only pathological`); each case is built on disk by streaming, so building
it costs no memory, and run in a process of its own so that the peak RSS it reports is the case's alone.
"""

from __future__ import annotations

import io
import json
import resource
import struct
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

MB = 1024 * 1024
_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w='
         b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')  # fmt: skip
_TAIL = b"</w:body></w:document>"
_PARA = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
SENTENCE = b"In April 2024, security agents publicly executed three people in Hyesan for watching dramas. "


def docx_bomb(path: Path, xml_bytes: int, *, claimed_size: int | None = None) -> None:
    """A real DOCX (python-docx's template) whose document.xml is `xml_bytes` of one-letter paragraphs; with
    `claimed_size`, its zip headers say the part unpacks to that many bytes instead."""
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    chunk = _PARA * (MB // len(_PARA))
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info.filename, src.read(info.filename))
        with z.open("word/document.xml", "w", force_zip64=xml_bytes > 2**31 - MB) as f:
            f.write(_HEAD)
            for _ in range(xml_bytes // len(chunk)):
                f.write(chunk)
            f.write(_TAIL)
    if claimed_size is not None:
        lie_about_size(path, "word/document.xml", claimed_size)


def lie_about_size(path: Path, member: str, size: int) -> None:
    """Overwrite the uncompressed size of `member` in its local header and its central-directory record."""
    with zipfile.ZipFile(path) as z:
        info, start_dir = z.getinfo(member), z.start_dir
    with open(path, "r+b") as f:
        f.seek(info.header_offset + 22)
        f.write(struct.pack("<I", size))
        f.seek(start_dir)
        directory = f.read()
    at = 0
    while (at := directory.find(b"PK\x01\x02", at)) >= 0:
        n = struct.unpack("<H", directory[at + 28 : at + 30])[0]
        if directory[at + 46 : at + 46 + n] == member.encode():
            with open(path, "r+b") as f:
                f.seek(start_dir + at + 24)
                f.write(struct.pack("<I", size))
            return
        at += 4


def _pdf_pages(path: Path, pages: int) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    words = ["guards", "officers", "agents", "wardens", "soldiers", "police", "inspectors"]
    for i in range(pages):  # a different line on each page, or it would be dropped as a running header
        c.drawString(
            72, 720, f"The {words[i % 7]} beat prisoners at the camp in {'early' if i % 2 else 'late'} spring."
        )
        c.showPage()
    c.save()


def _write(path: Path, unit: bytes, size: int) -> None:
    with open(path, "wb") as f:
        block = unit * (MB // len(unit) + 1)
        for _ in range(size // len(block) + 1):
            f.write(block)


CASES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "docx-tiny-paragraphs": ("bomb.docx", lambda p: docx_bomb(p, 100 * MB)),
    "docx-lying-header": ("liar.docx", lambda p: docx_bomb(p, 1024 * MB, claimed_size=64 * 1024)),
    "text-4mb-claims": ("claims.txt", lambda p: _write(p, SENTENCE, 4 * MB)),
    "markdown-1m-lines": ("lines.md", lambda p: _write(p, b"- a\n", 4 * MB)),
    "html-4m-tags": ("tags.html", lambda p: _write(p, b"<p>a</p>", 32 * MB)),
    "pdf-5000-pages": ("pages.pdf", lambda p: _pdf_pages(p, 5000)),
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def run_case(name: str) -> None:
    """Build case `name`, ingest it into a throwaway store, print one JSON line: outcome, seconds, peak_mb."""
    from nkwatch.ingest.pipeline import ingest_paths
    from nkwatch.store.db import open_store

    filename, build = CASES[name]
    with tempfile.TemporaryDirectory(prefix="nkwatch-bomb-") as tmp:
        path = Path(tmp) / filename
        build(path)
        store = open_store(str(Path(tmp) / "store.db"))
        resource.setrlimit(resource.RLIMIT_AS, (4096 * MB, 4096 * MB))  # a runaway case fails, not the machine
        before, t = _peak_mb(), time.perf_counter()
        try:
            r = ingest_paths(store, [path], originals=Path(tmp) / "originals").results[0]
            outcome = f"{r.status}: {r.reason or f'{r.claims} claims'} ({path.stat().st_size / MB:.1f} MB file)"
        except MemoryError:
            outcome = "MemoryError: over the 4 GB cap"
        took = time.perf_counter() - t
    print(json.dumps({"outcome": outcome, "seconds": took, "peak_mb": _peak_mb() - before}))
