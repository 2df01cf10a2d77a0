"""DOCX: body paragraphs and table cells, one per line, in reading order; core properties as metadata.

Text is taken from the document XML directly: that keeps tracked insertions and hyperlink text, leaves out
deleted text and field codes, reads each merged table cell once, and skips the VML fallback copy of text
boxes that Word writes beside the modern one.

A DOCX is a zip, and a tiny zip can unpack to gigabytes, so nothing here trusts the sizes its headers claim:
each part is decompressed in small chunks with a hard cap on the bytes actually read, and document.xml is
parsed as a stream, each paragraph turned into a line and then dropped from the tree, counting characters
and paragraphs against the reader budget as it goes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from lxml import etree

from nkwatch.ingest.readers._base import Document, ReadError, clean_value, iso_date, lang_code, require_text
from nkwatch.ingest.readers._budget import DEFAULT_BUDGET, Budget, BudgetError, check

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = {W + "del", W + "moveFrom", W + "instrText", W + "delText", _FALLBACK, W + "footnoteReference"}
_DC = "{http://purl.org/dc/elements/1.1/}"
_CP = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
_DCTERMS = "{http://purl.org/dc/terms/}"
DAMAGED = "not a valid DOCX (file is damaged or not a Word document)"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary Office files, and password-protected DOCX
_MAIN = "word/document.xml"
_CHUNK = 64 * 1024  # decompressed bytes per read: bounds what one read can inflate to
_MAX_MEMBERS = 10_000  # a Word file has dozens of parts; each costs memory in zipfile's directory
_MAX_META = 4 * 1024 * 1024  # docProps parts are a few KB; larger ones are ignored, not read
_MAX_HELD = 1_000_000  # XML elements held while one paragraph is still open (its subtree is kept whole)
_TRIM_EVERY = 10_000  # elements outside paragraphs (tables without text, junk) are freed this often
_P = W + "p"
_PARSER = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def read_docx(data: bytes, budget: Budget = DEFAULT_BUDGET) -> Document:
    if data.startswith(_OLE):
        raise ReadError("not a DOCX: an old Word .doc file or a password-protected document")
    with open_zip(data) as z:
        lines = _lines(z, budget)
        core = _xml(z, "docProps/core.xml")
        meta = {
            "title": clean_value(_child_text(core, _DC + "title")),
            # Not the author field: in a testimony or field note it is usually a named person (an interviewer).
            "publisher": _company(_xml(z, "docProps/app.xml")),
            "published_at": None if _template_date(core) else iso_date(_child_text(core, _DCTERMS + "created")),
            "language": lang_code(_child_text(core, _DC + "language")),
        }
    return require_text(Document(text="\n".join(lines), format="docx", **meta))


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The package, refused when damaged, without word/document.xml, or with an absurd number of parts."""
    if too_many_parts(data):
        raise ReadError(f"not a Word document (a zip of over {_MAX_MEMBERS:,} parts)")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        names = set(z.namelist())
    except Exception as e:  # BadZipFile, but also OSError/ValueError from a mangled directory
        raise ReadError(DAMAGED) from e
    if _MAIN not in names:
        z.close()
        raise ReadError("not a Word document (a zip without word/document.xml)")
    return z


def too_many_parts(data: bytes) -> bool:
    """Counted from the central-directory signatures, before zipfile builds an object for each part."""
    return data.count(b"PK\x01\x02") > _MAX_MEMBERS


def _stream(z: zipfile.ZipFile, name: str, cap: int) -> Iterator[bytes]:
    """The member's bytes in chunks, raising BudgetError once more than `cap` bytes have really come out."""
    read = 0
    try:
        with z.open(name) as f:
            while chunk := f.read(_CHUNK):
                read += len(chunk)
                if read > cap:
                    raise BudgetError("unpacked_bytes", cap, what=f"of unpacked {name}")
                yield chunk
    except ReadError:
        raise
    except Exception as e:  # bad CRC (a header that lied), zlib errors, unsupported compression
        raise ReadError(DAMAGED) from e


def _lines(z: zipfile.ZipFile, budget: Budget) -> list[str]:
    """One line per non-empty paragraph, parsed as a stream: memory stays flat however long the document."""
    parser = etree.XMLPullParser(events=("end",), **_PARSER)
    lines: list[str] = []
    chars = paragraphs = held = 0  # held: elements ended since the tree was last trimmed
    try:
        for chunk in _stream(z, _MAIN, budget.unpacked_bytes):
            parser.feed(chunk)
            for _, el in parser.read_events():
                held += 1
                if el.tag == _P:
                    up = next(el.iterancestors(_P, _FALLBACK), None)
                    if up is not None and (up.tag == _P or next(up.iterancestors(_P), None) is not None):
                        continue  # inside a paragraph: read with the outermost one (text boxes nest)
                    for q in () if up is not None else _paragraphs_from(el):  # a fallback copy is skipped
                        paragraphs += 1
                        check(budget, "paragraphs", paragraphs, what="paragraphs")
                        if line := " ".join(_paragraph_text(q).split()):
                            chars += len(line) + 1
                            check(budget, "chars", chars)
                            lines.append(line)
                elif held < _TRIM_EVERY or next(el.iterancestors(_P), None) is not None:
                    if held > _MAX_HELD:
                        raise ReadError(f"DOCX has a paragraph of over {_MAX_HELD:,} XML elements (damaged?)")
                    continue
                _trim(el)  # everything before this point is read: drop it, so the tree stays small
                held = 0
        parser.close()
    except ReadError:
        raise
    except etree.XMLSyntaxError as e:  # damaged XML, or a text node over libxml2's 10 MB limit
        raise ReadError(DAMAGED) from e
    return lines


def _trim(el: etree._Element) -> None:
    """Free a finished element outside any paragraph, and every finished sibling before it at each level."""
    el.clear()
    node, parent = el, el.getparent()
    while parent is not None:
        while node.getprevious() is not None:
            del parent[0]
        node, parent = parent, parent.getparent()


def _paragraphs_from(p: etree._Element) -> Iterator[etree._Element]:
    """A paragraph, then every w:p inside it (text boxes) in document order, except VML fallback copies."""
    yield p
    stack = [iter(p)]
    while stack:
        for el in stack[-1]:
            if el.tag == _FALLBACK:
                continue
            if el.tag == W + "p":
                yield el
            stack.append(iter(el))  # paragraphs inside a paragraph (text boxes) follow it
            break
        else:
            stack.pop()


def _paragraph_text(p: etree._Element) -> str:
    """The visible text of one paragraph, not descending into nested paragraphs or deleted runs."""
    out: list[str] = []

    def walk(el: etree._Element) -> None:
        for child in el:
            tag = child.tag
            if tag in _SKIP or tag == W + "p":
                continue
            if tag == W + "t":
                out.append(child.text or "")
            elif tag in (W + "tab", W + "br", W + "cr"):
                out.append(" ")
            elif tag == W + "noBreakHyphen":
                out.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _xml(z: zipfile.ZipFile, name: str) -> etree._Element | None:
    """A small optional part (docProps), parsed; None when missing, oversized or unreadable."""
    try:
        data = b"".join(_stream(z, name, _MAX_META))
        return etree.fromstring(data, etree.XMLParser(**_PARSER))
    except Exception:  # KeyError when missing; ReadError when damaged or too big; XML errors
        return None


def _child_text(root: etree._Element | None, tag: str) -> str | None:
    el = root.find(tag) if root is not None else None
    return el.text if el is not None else None


def _company(app: etree._Element | None) -> str | None:
    """docProps/app.xml <Company>: the organisation, where core 'author' is usually a person."""
    for el in app if app is not None else ():
        if isinstance(el.tag, str) and re.sub(r"^\{.*\}", "", el.tag) == "Company":
            return clean_value(el.text)
    return None


def _template_date(core: etree._Element | None) -> bool:
    """python-docx's own template carries a 2013 creation date that says nothing about the document."""
    created = _child_text(core, _DCTERMS + "created") or ""
    modified_by = _child_text(core, _CP + "lastModifiedBy")
    return created.startswith("2013-12-23T23:15") and (not modified_by or modified_by == "python-docx")
