"""DOCX: body paragraphs and table cells, one per line, in reading order; core properties as metadata.

Text is taken from the document XML directly (python-docx opens the package): that keeps tracked
insertions and hyperlink text, leaves out deleted text and field codes, reads each merged table cell once,
and skips the VML fallback copy of text boxes that Word writes beside the modern one.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import docx
from docx.opc.coreprops import CoreProperties
from lxml import etree

from nkwatch.ingest.readers._base import Document, ReadError, clean_value, iso_date, lang_code, require_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = {W + "del", W + "moveFrom", W + "instrText", W + "delText", _FALLBACK, W + "footnoteReference"}
DAMAGED = "not a valid DOCX (file is damaged or not a Word document)"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary Office files, and password-protected DOCX
_MAX_EXPANSION = 20  # unpacked size allowed, as a multiple of the size limit (zip bombs)


def read_docx(data: bytes, max_bytes: int) -> Document:
    if data.startswith(_OLE):
        raise ReadError("not a DOCX: an old Word .doc file or a password-protected document")
    _check_zip(data, max_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        lines = [" ".join(_paragraph_text(p).split()) for p in _paragraphs(body)]
        props = document.core_properties
        meta = {
            "title": clean_value(props.title),
            # Not the author field: in a testimony or field note it is usually a named person (an interviewer).
            "publisher": _company(data),
            "published_at": iso_date(props.created) if not _template_date(props) else None,
            "language": lang_code(props.language),
        }
    except ReadError:
        raise
    except Exception as e:  # python-docx and lxml raise many types on damaged packages
        raise ReadError(DAMAGED) from e
    return require_text(Document(text="\n".join(x for x in lines if x), format="docx", **meta))


def _check_zip(data: bytes, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            unpacked = sum(i.file_size for i in z.infolist())
    except Exception as e:  # BadZipFile, but also OSError/ValueError from a mangled directory
        raise ReadError(DAMAGED) from e
    if "word/document.xml" not in names:
        raise ReadError("not a Word document (a zip without word/document.xml)")
    if unpacked > _MAX_EXPANSION * max(max_bytes, 5 * 1024 * 1024):
        raise ReadError("DOCX unpacks to an implausible size (damaged, or a zip bomb)")


def _paragraphs(body: etree._Element) -> Iterator[etree._Element]:
    """Every w:p in document order (body, tables, text boxes), except the VML fallback copies."""
    stack = [iter(body)]
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


def _company(data: bytes) -> str | None:
    """docProps/app.xml <Company>: the organisation, where core 'author' is usually a person."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("docProps/app.xml")
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except Exception:  # optional part, missing or unreadable: no publisher from it
        return None
    for el in root:
        if isinstance(el.tag, str) and re.sub(r"^\{.*\}", "", el.tag) == "Company":
            return clean_value(el.text)
    return None


def _template_date(props: CoreProperties) -> bool:
    """python-docx's own template carries a 2013 creation date that says nothing about the document."""
    created = props.created
    return (
        created is not None
        and created.isoformat().startswith("2013-12-23T23:15")
        and (not props.last_modified_by or props.last_modified_by == "python-docx")
    )
