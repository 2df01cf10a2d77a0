"""What every reader shares: the Document it returns, the ReadError it raises, and small cleaners.

Readers feed a database of evidence, so what they report about a file must be what the file says: metadata
that is a placeholder ("untitled", "python-docx") or malformed (a date that is not a date) is dropped here
rather than stored as if it were known.
"""

from __future__ import annotations

import calendar
import codecs
import datetime as dt
import re
from dataclasses import dataclass

MAX_BYTES = 50 * 1024 * 1024  # default size limit
_MB = 1024 * 1024


@dataclass
class Document:
    text: str  # extracted plain text; claim spans are character offsets into it
    format: str  # "text" | "markdown" | "html" | "pdf" | "docx"
    title: str | None = None
    publisher: str | None = None  # site name / author organisation when found
    url: str | None = None
    published_at: str | None = None  # "YYYY-MM-DD", "YYYY-MM" or "YYYY", as found in the file
    language: str | None = None  # ISO 639-1 when the file declares it
    pages: list[int] | None = None  # PDFs: pages[i] = offset in `text` where page i+1 starts


class ReadError(Exception):
    """A file that cannot be read; str(e) is a short reason a person understands."""


def human_size(n: float) -> str:
    """'73.2 MB', '12.0 KB', '900 bytes' (binary units, so the default limit reads '50 MB')."""
    if n >= _MB:
        return f"{n / _MB:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{int(n)} bytes"


def too_big_message(size: int, max_bytes: int) -> str:
    """The reason given for a file over the limit: 'file is 73.2 MB, over the 50 MB limit'."""
    limit = human_size(max_bytes).replace(".0 ", " ")
    return f"file is {human_size(size)}, over the {limit} limit"


def check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise ReadError(too_big_message(len(data), max_bytes))


# ---- text decoding -------------------------------------------------------------------------------

_BOMS = (  # longest first: the UTF-32 LE BOM begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
BINARY = "binary file, not text"


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # C0/C1 controls that are not whitespace


def looks_like_text(s: str) -> bool:
    """Mostly printable: control characters other than whitespace are rare in real text (< 2%)."""
    if not s:
        return True
    return len(s) - len(_CONTROL.sub("", s)) < 0.02 * len(s)


# Labels that browsers read as a wider encoding (WHATWG Encoding Standard): pages labelled EUC-KR are
# really written in cp949, and "latin-1" pages in cp1252.
_SUPERSETS = {"euc_kr": "cp949", "iso8859-1": "cp1252", "ascii": "cp1252", "gb2312": "gb18030"}
_HANGUL_OR_HANJA = re.compile(r"[\uac00-\ud7a3\u3130-\u318f\u4e00-\u9fff]")


def _declared_codec(label: str | None) -> str | None:
    try:
        name = codecs.lookup(label).name if label else None
    except LookupError:  # an unknown label on a web page: ignore it
        return None
    return _SUPERSETS.get(name, name) if name else None


def _is_korean(s: str) -> bool:
    """Most non-ASCII characters are Hangul or Hanja: the bytes really were Korean, not Western mojibake."""
    non_ascii = sum(1 for ch in s if ord(ch) > 127)
    return non_ascii >= 8 and len(_HANGUL_OR_HANJA.findall(s)) >= 0.8 * non_ascii


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes to str: a BOM wins, then UTF-8, the `declared` charset (HTML), Korean cp949, cp1252.

    UTF-8 comes before a declared charset because bytes that decode as UTF-8 almost never are anything
    else, and web pages often declare the wrong charset. Legacy Korean files (EUC-KR/cp949) are common among
    this project's sources and would otherwise decode as cp1252 gibberish, so they are tried before it.
    NUL bytes without a BOM mean binary (or BOM-less UTF-16, which cannot be told from binary safely).
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc)
            except UnicodeDecodeError:
                raise ReadError(BINARY) from None
    if b"\x00" in data:
        raise ReadError(BINARY)
    candidates = ["utf-8", _declared_codec(declared), "cp949", "cp1252"]
    for enc in dict.fromkeys(c for c in candidates if c):
        try:
            s = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if enc == "cp949" and not _is_korean(s):
            continue
        if looks_like_text(s):
            return s
    raise ReadError(BINARY)


def normalise_newlines(s: str) -> str:
    """\\r\\n, \\r and the Unicode line/paragraph separators all become \\n (readers split on \\n only)."""
    return s.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")


def require_text(doc: Document) -> Document:
    if not doc.text.strip():
        raise ReadError("no text found")
    return doc


# ---- metadata cleaners ---------------------------------------------------------------------------

# Values that tools write when nobody filled the field in: storing them would be storing noise.
# fmt: off
_PLACEHOLDERS = {
    "", "untitled", "anonymous", "unknown", "unspecified", "none", "null", "n/a", "python-docx",
    "word document", "microsoft office user", "windows user", "user", "administrator", "admin", "author",
}
# fmt: on


def clean_value(value: object) -> str | None:
    """A trimmed, single-line string, or None for empty and placeholder values."""
    if value is None:
        return None
    s = " ".join(str(value).split())
    if s.lower() in _PLACEHOLDERS or len(s) > 500:
        return None
    return s


_ISO = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:$|[T\s])")
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_DMY = re.compile(r"^\s*(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})\b")
_MDY = re.compile(r"^\s*([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})\b")
_MY = re.compile(r"^\s*([A-Za-z]+)\.?,?\s+(\d{4})\s*$")


def iso_date(value: object) -> str | None:
    """'YYYY-MM-DD', 'YYYY-MM' or 'YYYY' from a date, datetime or common string form; None if not a date.

    Only real calendar dates pass (no 2021-02-30, no year 0), so nothing downstream chokes on them.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return _checked(value.year, value.month, value.day)
    s = str(value).strip()
    if m := _ISO.match(s):
        y, mo, d = (int(g) if g else None for g in m.groups())
        return _checked(y, mo, d)
    if m := _DMY.match(s):
        return _checked(int(m[3]), _MONTHS.get(m[2].lower()), int(m[1]), need_month=True)
    if m := _MDY.match(s):
        return _checked(int(m[3]), _MONTHS.get(m[1].lower()), int(m[2]), need_month=True)
    if m := _MY.match(s):
        return _checked(int(m[2]), _MONTHS.get(m[1].lower()), None, need_month=True)
    return None


def _checked(y: int | None, mo: int | None, d: int | None, *, need_month: bool = False) -> str | None:
    if y is None or not 1000 <= y <= 2999 or (need_month and mo is None):
        return None
    if mo is None:
        return f"{y:04d}"
    if not 1 <= mo <= 12:
        return None
    if d is None:
        return f"{y:04d}-{mo:02d}"
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


def lang_code(value: object) -> str | None:
    """ISO 639-1 from a declared language tag: 'en-GB' -> 'en', 'ko_KR' -> 'ko'; None when not 2 letters."""
    if value is None:
        return None
    head = re.split(r"[-_\s]", str(value).strip().lower(), maxsplit=1)[0]
    return head if re.fullmatch(r"[a-z]{2}", head) else None
