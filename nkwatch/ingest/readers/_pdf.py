"""PDF: text page by page with pypdf, hard-wrapped lines joined back into paragraphs, page offsets kept.

A claim must be able to cite its page, so every page's start offset in the final text is recorded while
the lines are reflowed (a paragraph running over a page break stays one line; the page starts mid-line).
Any pypdf failure becomes a ReadError: damaged PDFs are common and must never crash an ingest run.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from pypdf import PdfReader
from pypdf.errors import DependencyError

from nkwatch.ingest.readers._base import Document, ReadError, clean_value, iso_date, require_text
from nkwatch.ingest.readers._budget import DEFAULT_BUDGET, Budget, check

DAMAGED = "not a valid PDF (file is damaged or truncated)"
ENCRYPTED = "PDF is encrypted"
ENCRYPTED_AES = "PDF is encrypted with AES, which needs the 'cryptography' package to open"
NO_TEXT = "PDF has no text layer (scanned?); OCR it first"

_SENTENCE_END = re.compile(r"[.!?:;…\"”’)\]]$")
_BULLET = re.compile(r"^(?:[•◦▪‣●○■□➢►–—*-]\s|\(?\d{1,3}[.)]\s|\(?[a-z]\)\s|\(?[ivx]{1,5}\)\s)")
# "12", "- 12 -", "Page 3 of 40", "3/40", or a lower-case roman numeral of front matter ("xiv").
_PAGE_NUMBER = re.compile(
    r"^[-–—\s]*(?:[Pp]age\s+|PAGE\s+)?(?:\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?|(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3}))[-–—\s]*$"
)
# Ligatures break word search ("ﬁne" is not "fine"); soft hyphens and NULs are invisible noise.
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_INVISIBLE = str.maketrans({"\u00ad": None, "\x00": None})
_CONTROL = re.compile(r"[\x01-\x08\x0b-\x1f\x7f]")


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs a warning for every repairable defect; the caller reports failures, so mute it here."""
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR + 10)
    try:
        yield
    finally:
        log.setLevel(level)


def read_pdf(data: bytes, budget: Budget = DEFAULT_BUDGET) -> Document:
    if b"%PDF-" not in data[:1024]:  # the header may follow a little junk, as readers allow
        raise ReadError(DAMAGED)
    # pypdf silently repairs a file cut short; a truncated source would be stored as if complete.
    if b"%%EOF" not in data[-4096:]:
        raise ReadError(DAMAGED)
    with _quiet_pypdf():
        try:
            pages, info = _extract(data, budget)
        except ReadError:
            raise
        except DependencyError as e:  # AES needs the optional `cryptography` package
            if b"/Encrypt" in data:
                raise ReadError(ENCRYPTED_AES) from e
            raise ReadError(f"PDF uses a feature this installation cannot read ({e})") from e
        except Exception as e:  # pypdf raises many types (PdfReadError, KeyError, ValueError, ...)
            raise ReadError(DAMAGED) from e
    if not any(line for page in pages for line in page):
        raise ReadError(NO_TEXT if pages else "PDF has no pages")
    text, starts = reflow(strip_furniture(pages))
    doc = Document(text=text, format="pdf", pages=starts, **info)
    return require_text(doc)


def _extract(data: bytes, budget: Budget) -> tuple[list[list[str]], dict[str, str | None]]:
    """Each page's non-empty lines, and the metadata (title, publisher, published_at); the page count and
    the characters so far are checked against the budget before each page is read."""
    reader = PdfReader(io.BytesIO(data))
    # Many PDFs are "encrypted" only to restrict printing, with an empty password to open them;
    # PdfReader has already tried that one, decrypt("") reports whether it worked.
    if reader.is_encrypted and not reader.decrypt(""):
        raise ReadError(ENCRYPTED)
    check(budget, "pages", len(reader.pages))
    pages = []
    chars = 0
    for page in reader.pages:
        raw = (page.extract_text() or "").translate(_LIGATURES).translate(_INVISIBLE)
        pages.append([ln for ln in (" ".join(_CONTROL.sub(" ", x).split()) for x in raw.splitlines()) if ln])
        chars += sum(len(ln) + 1 for ln in pages[-1])
        check(budget, "chars", chars)
    return pages, _metadata(reader)


def _metadata(reader: PdfReader) -> dict[str, str | None]:
    try:
        meta = reader.metadata
        if meta is None:
            return {}
        title = clean_value(meta.title)
        if title:  # "Microsoft Word - report.docx" is a file name, not a title
            title = clean_value(re.sub(r"^Microsoft (?:Word|PowerPoint) - |\.(?:docx?|pdf|odt)$", "", title))
        try:
            created = meta.creation_date
        except Exception:  # a malformed /CreationDate string
            created = None
        return {"title": title, "publisher": clean_value(meta.author), "published_at": iso_date(created)}
    except Exception:  # metadata is optional: a broken /Info dictionary must not lose the text
        return {}


def _furniture_key(line: str) -> str:
    """Running headers and footers differ only in their page number."""
    return re.sub(r"\d+", "#", line.lower())


def strip_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop bare page numbers and lines repeated at the top or bottom of most pages (running heads)."""
    repeated: set[str] = set()
    if len(pages) >= 3:
        counts: Counter[str] = Counter()
        for lines in pages:
            counts.update({_furniture_key(x) for x in lines[:2] + lines[-2:]})
        repeated = {k for k, n in counts.items() if n >= max(3, 0.6 * len(pages))}
    out = []
    for lines in pages:
        lines = list(lines)
        for edge in (0, -1):  # at most two lines off each edge: headers, then a page number, or vice versa
            for _ in range(2):
                if lines and (_PAGE_NUMBER.match(lines[edge]) or _furniture_key(lines[edge]) in repeated):
                    lines.pop(edge)
        out.append(lines)
    return out


def _joins(prev: str, nxt: str, full: int) -> str | None:
    """How `nxt` joins `prev` in one paragraph: '' (de-hyphenated), ' ', or None (it starts a new line)."""
    if _BULLET.match(nxt):
        return None
    starts_lower = nxt[0].islower() or nxt[0] in ",;)]%"
    if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and nxt[0].islower():
        return ""  # "detain-" + "ees"
    if _SENTENCE_END.search(prev):
        return None
    if starts_lower or len(prev) >= 0.75 * full:  # a full-width line runs on into the next
        return " "
    return None


def reflow(pages: list[list[str]]) -> tuple[str, list[int]]:
    """Join wrapped lines into paragraphs (one per line); returns the text and each page's start offset."""
    lengths = sorted(len(x) for lines in pages for x in lines)
    full = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0  # typical full line, not the longest
    done: list[str] = []  # finished paragraphs
    done_len = 0  # length of "\n".join(done) + "\n" once done is non-empty
    cur = ""  # paragraph being built
    starts: list[int | None] = []
    for lines in pages:
        starts.append(None)
        for i, line in enumerate(lines):
            how = _joins(cur, line, full) if cur else None
            if how is None:
                if cur:
                    done.append(cur)
                    done_len += len(cur) + 1
                cur = line
                at = done_len
            else:
                if how == "":
                    cur = cur[:-1]
                at = done_len + len(cur) + len(how)
                cur += how + line
            if i == 0:
                starts[-1] = at
    if cur:
        done.append(cur)
    text = "\n".join(done)
    # A page without text starts where the next page with text starts (or at the end).
    filled: list[int] = []
    nxt = len(text)
    for s in reversed(starts):
        nxt = s if s is not None else nxt
        filled.append(nxt)
    return text, filled[::-1]
