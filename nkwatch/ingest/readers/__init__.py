"""Document readers: bytes of a file in, plain text and the file's own metadata out.

`read_document` picks a reader by extension, or by sniffing the bytes when the extension says nothing,
and guarantees one failure mode: a ReadError whose message a person can act on. Ingest runs over folders
of files collected from anywhere, so a damaged or unexpected file must be reported, never crash the run.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from pathlib import PurePath

from nkwatch.ingest.readers._base import MAX_BYTES, Document, ReadError, check_size, too_big_message
from nkwatch.ingest.readers._budget import DEFAULT_BUDGET, Budget, BudgetError, check
from nkwatch.ingest.readers._docx import open_zip, read_docx, too_many_parts
from nkwatch.ingest.readers._html import read_html
from nkwatch.ingest.readers._markdown import read_markdown
from nkwatch.ingest.readers._pdf import read_pdf
from nkwatch.ingest.readers._text import read_text

__all__ = [
    "DEFAULT_BUDGET",
    "MAX_BYTES",
    "Budget",
    "BudgetError",
    "Document",
    "ReadError",
    "page_of",
    "read_document",
    "too_big_message",
]

FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".htm": "html",
    ".html": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
# Formats people will try; each gets a clear refusal instead of a misleading "binary file".
# fmt: off
_HINTS = {
    ".doc": "save it as .docx or PDF", ".rtf": "save it as .docx or PDF", ".odt": "save it as .docx or PDF",
    ".png": "OCR it first", ".jpg": "OCR it first", ".jpeg": "OCR it first", ".gif": "OCR it first",
    ".tif": "OCR it first", ".tiff": "OCR it first", ".webp": "OCR it first", ".heic": "OCR it first",
    ".bmp": "OCR it first",
}
UNSUPPORTED = set(_HINTS) | {
    ".xls", ".xlsx", ".ods", ".ppt", ".pptx", ".odp", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar",
    ".tar", ".mp3", ".mp4", ".m4a", ".wav", ".ogg", ".mov", ".avi", ".mkv", ".exe", ".dll", ".epub", ".msg",
    ".eml", ".sqlite", ".db",
}
_MAGIC = (  # leading bytes of binary formats, named for the message
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"BM", "BMP image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Office file (.doc/.xls/.ppt)"),
    (b"{\\rtf", "RTF document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf", "7z archive"),
    (b"%!PS", "PostScript file"),
    (b"RIFF", "RIFF media file"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
)
# fmt: on


def read_document(name: str, data: bytes, *, max_bytes: int = MAX_BYTES, budget: Budget = DEFAULT_BUDGET) -> Document:
    """Read one file's text and metadata. Raises ReadError (and only ReadError) when it cannot; BudgetError
    (a ReadError) when it would produce more than `budget` allows."""
    check_size(data, max_bytes)
    if not data:
        raise ReadError("empty file")
    ext = _extension(name)
    if ext in UNSUPPORTED:
        hint = _HINTS.get(ext)
        raise ReadError(f"unsupported format: {ext}" + (f" ({hint})" if hint else ""))
    fmt = FORMATS.get(ext) or sniff(data)
    readers: dict[str, Callable[[], Document]] = {
        "text": lambda: read_text(data, budget),
        "markdown": lambda: read_markdown(data, budget),
        "html": lambda: read_html(data, budget),
        "pdf": lambda: read_pdf(data, budget),
        "docx": lambda: read_docx(data, budget),
    }
    try:
        doc = readers[fmt]()
    except ReadError:
        raise
    except RecursionError as e:  # deeply nested markup or objects
        raise ReadError(f"cannot read {fmt}: structure nested too deeply") from e
    except MemoryError as e:  # a budget should stop it first; if not, this file alone fails, not the run
        raise ReadError(f"cannot read {fmt}: out of memory") from e
    except Exception as e:  # last line of defence: a library bug on odd input is still a bad file
        raise ReadError(f"cannot read {fmt} ({type(e).__name__})") from e
    # Every reader counts as it goes; this is the same rule on the final text, for all of them alike.
    check(budget, "chars", len(doc.text))
    check(budget, "paragraphs", doc.text.count("\n") + 1, what="paragraphs or lines")
    return doc


def _extension(name: str) -> str:
    return PurePath(name).suffix.lower()


def sniff(data: bytes) -> str:
    """The format of bytes whose name does not say: 'pdf', 'docx', 'html' or 'text' (else ReadError)."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if _zip_has_document(data):
            return "docx"
        raise ReadError("unsupported format: zip archive")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise ReadError(f"unsupported format: {what}")
    head = _head_text(data).lstrip().lower()
    if head.startswith("<") and ("<!doctype html" in head or "<html" in head):
        return "html"
    return "text"


def _zip_has_document(data: bytes) -> bool:
    if too_many_parts(data):
        return True  # read_docx refuses it with that reason, before zipfile reads a huge directory
    try:
        with open_zip(data):
            return True
    except ReadError:  # damaged, or a zip without word/document.xml
        return False


def _head_text(data: bytes) -> str:
    """The first KB as text, honouring a UTF-16/UTF-8 BOM, for sniffing only."""
    head = data[:2048]
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8")):
        if head.startswith(bom):
            return head[len(bom) :].decode(enc, errors="ignore")
    return head.decode("latin-1")


def page_of(doc: Document, offset: int) -> int | None:
    """1-based page of the character at `offset` in doc.text; None when the document has no pages."""
    if not doc.pages or offset < 0 or offset > len(doc.text):
        return None
    return max(1, bisect_right(doc.pages, offset))
