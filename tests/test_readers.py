"""Document readers, on real files built in each test: text, metadata, page offsets, and every refusal."""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from nkwatch.ingest.readers import MAX_BYTES, Document, ReadError, page_of, read_document, too_big_message

# ---- builders ------------------------------------------------------------------------------------

HEADER = "Commission of Inquiry Report 2014"
PDF_PAGES = [
    [
        "Findings on Detention",
        "Former detainees told the commission that guards at the camp beat the",
        "prisoners who failed to meet their work quotas. Many of the detain-",
        "ees said that food rations were cut as a punishment for the family.",
        "The commission found that the practice was systematic.",
    ],
    [
        "In 2012 a witness in Hoeryong said she was held for three months",
        "without trial. She was released after paying a bribe to an officer.",
        "The guards also confiscated the belongings of the many families who",
    ],
    [
        "attempted to cross the border into China during the winter months.",
        "A known sentence sits on page three.",
    ],
]
PDF_TEXT = (
    "Findings on Detention\n"
    "Former detainees told the commission that guards at the camp beat the prisoners who failed to meet "
    "their work quotas. Many of the detainees said that food rations were cut as a punishment for the "
    "family.\n"
    "The commission found that the practice was systematic.\n"
    "In 2012 a witness in Hoeryong said she was held for three months without trial. She was released "
    "after paying a bribe to an officer.\n"
    "The guards also confiscated the belongings of the many families who attempted to cross the border "
    "into China during the winter months.\n"
    "A known sentence sits on page three."
)


def make_pdf(pages: list[list[str]], *, header: str | None = None, meta: bool = True) -> bytes:
    """A text PDF, one drawString per line, with a running header and 'Page N of M' footer."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    if meta:
        c.setTitle("Report on Detention")
        c.setAuthor("Example Commission")
    for n, lines in enumerate(pages, 1):
        c.setFont("Helvetica", 11)
        if header:
            c.drawString(72, 800, header)
        for i, line in enumerate(lines):
            c.drawString(72, 740 - 16 * i, line)
        c.drawString(280, 40, f"Page {n} of {len(pages)}")
        c.showPage()
    c.save()
    if not meta:
        return buf.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    writer.add_metadata({"/CreationDate": "D:20140217090000Z"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypt(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(*, props: bool = True) -> bytes:
    d = docx.Document()
    d.add_heading("Witness testimony", level=1)
    p = d.add_paragraph("The witness said that guards ")
    p.add_run("beat").bold = True
    p.add_run(" prisoners   every day.")
    table = d.add_table(rows=2, cols=2)
    for r, row in enumerate([("Name", "Location"), ("Kim", "Hoeryong")]):
        for col, value in enumerate(row):
            table.cell(r, col).text = value
    d.add_paragraph("After the table, the testimony continues.")
    if props:
        cp = d.core_properties
        cp.title = "Testimony 17"
        cp.author = "Example NGO"
        cp.created = dt.datetime(2019, 5, 2, 10, 30)
        cp.language = "en-US"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


HTML = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Forced labour in detention | Example Watch</title>
<meta name="date" content="2021-03-04">
<meta property="og:site_name" content="Example Watch">
<link rel="canonical" href="https://example.org/reports/forced-labour">
<script>var tracker = "SCRIPT_MUST_NOT_APPEAR";</script>
<style>.STYLE_MUST_NOT_APPEAR { color: red }</style>
</head>
<body>
<nav><a href="/">Home</a> <a href="/about">About Example Watch</a> <a href="/donate">Donate now</a></nav>
<article>
<h1>Forced labour in detention</h1>
<p>Former detainees described forced labour at the camp &amp; beatings by guards in 2019.</p>
<p>One witness said she was held for three months without trial in Hoeryong, and that guards denied
food to prisoners who failed to meet their quotas.</p>
<script>document.write("SCRIPT_MUST_NOT_APPEAR")</script>
</article>
<footer>Copyright 2021 Example Watch. All rights reserved. Privacy policy.</footer>
</body>
</html>
"""

MARKDOWN = """---
title: "Report on the camps"
date: 2020-07-15
source: Example Watch
url: https://example.org/camps
lang: en
---

# Camps in the north

Former detainees described **forced labour** and
[beatings](https://example.org/beatings) by _guards_.

![a map of the camp](map.png)

<!-- internal note: do not publish -->

- first item with `code`
- second item

```
code block, not prose
```

1. numbered point
"""


PDF = make_pdf(PDF_PAGES, header=HEADER)

# ---- formats -------------------------------------------------------------------------------------


def test_pdf_text_reflow_pages_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf(PDF_PAGES, header=HEADER))
    doc = read_document(path.name, path.read_bytes())
    assert doc.format == "pdf"
    assert doc.text == PDF_TEXT  # header and "Page N of 3" gone, lines joined, "detain-ees" mended
    assert doc.pages == [0, PDF_TEXT.index("In 2012"), PDF_TEXT.index("attempted")]
    assert page_of(doc, 0) == 1
    assert page_of(doc, doc.text.index("detainees said")) == 1
    assert page_of(doc, doc.text.index("Hoeryong")) == 2
    assert page_of(doc, doc.text.index("belongings")) == 2  # same line as page 3's start, still page 2
    assert page_of(doc, doc.text.index("attempted")) == 3
    assert page_of(doc, doc.text.index("page three")) == 3
    assert page_of(doc, len(doc.text)) == 3
    assert page_of(doc, -1) is None and page_of(doc, len(doc.text) + 1) is None
    assert (doc.title, doc.publisher, doc.published_at) == (
        "Report on Detention",
        "Example Commission",
        "2014-02-17",
    )


def test_pdf_blank_page_starts_where_the_next_text_does() -> None:
    doc = read_document("r.pdf", make_pdf([["First page text."], [], ["Third page text."]], meta=False))
    assert doc.text == "First page text.\nThird page text."
    assert doc.pages == [0, 17, 17]
    assert page_of(doc, 17) == 3
    # reportlab's placeholders ("untitled", "anonymous") are not metadata
    assert doc.title is None and doc.publisher is None


def test_pdf_encrypted_with_empty_user_password_is_read() -> None:
    doc = read_document("r.pdf", encrypt(make_pdf(PDF_PAGES, header=HEADER), ""))
    assert doc.text == PDF_TEXT


def test_docx_paragraphs_table_cells_and_core_properties(tmp_path: Path) -> None:
    path = tmp_path / "testimony.docx"
    path.write_bytes(make_docx())
    doc = read_document(path.name, path.read_bytes())
    assert doc.format == "docx"
    assert doc.text == (
        "Witness testimony\n"
        "The witness said that guards beat prisoners every day.\n"
        "Name\nLocation\nKim\nHoeryong\n"
        "After the table, the testimony continues."
    )
    # The author field is not taken as publisher: in a testimony it usually names a person.
    assert (doc.title, doc.publisher, doc.published_at, doc.language) == (
        "Testimony 17",
        None,
        "2019-05-02",
        "en",
    )
    assert doc.pages is None and page_of(doc, 0) is None


def test_docx_template_defaults_are_not_metadata() -> None:
    doc = read_document("t.docx", make_docx(props=False))
    assert (doc.title, doc.publisher, doc.published_at, doc.language) == (None, None, None, None)


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    doc = read_document(path.name, path.read_bytes())
    assert doc.format == "html"
    assert "Former detainees described forced labour at the camp & beatings by guards in 2019." in doc.text
    assert "held for three months without trial in Hoeryong" in doc.text
    assert "MUST_NOT_APPEAR" not in doc.text and "tracker" not in doc.text
    assert "Donate now" not in doc.text and "All rights reserved" not in doc.text
    assert "&amp;" not in doc.text
    assert doc.title == "Forced labour in detention"
    assert doc.published_at == "2021-03-04"
    assert doc.publisher == "Example Watch"
    assert doc.url == "https://example.org/reports/forced-labour"
    assert doc.language == "en"


def test_html_short_page_falls_back_to_body_text() -> None:
    page = (
        b"<html><head><title>T</title><script>SECRET()</script></head><body><p>Short &eacute;t&eacute;.</p>"
    )
    doc = read_document("short.htm", page + b"<style>x{}</style></body></html>")
    assert doc.text == "Short été."
    assert "SECRET" not in doc.text


def test_markdown_front_matter_and_prose(tmp_path: Path) -> None:
    path = tmp_path / "camps.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = read_document(path.name, path.read_bytes())
    assert doc.format == "markdown"
    assert doc.text == (
        "Camps in the north\n"
        "Former detainees described forced labour and beatings by guards.\n"
        "- first item with code\n"
        "- second item\n"
        "1. numbered point"
    )
    assert (doc.title, doc.published_at, doc.publisher, doc.url, doc.language) == (
        "Report on the camps",
        "2020-07-15",
        "Example Watch",
        "https://example.org/camps",
        "en",
    )


def test_markdown_without_front_matter_takes_first_heading_as_title() -> None:
    doc = read_document("a.markdown", b"Intro line.\n\n## The heading\n\nBody text.\n")
    assert doc.title == "The heading"
    assert doc.text == "Intro line.\nThe heading\nBody text."


def test_text_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes("Détention à Hoeryong.\r\nSecond line  kept   as is.\r\n".encode("utf-16"))
    doc = read_document(path.name, path.read_bytes())
    assert doc == Document(text="Détention à Hoeryong.\nSecond line  kept   as is.\n", format="text")


def test_text_utf8_bom_stripped_and_cp1252_fallback() -> None:
    assert read_document("a.txt", b"\xef\xbb\xbfHello\rworld").text == "Hello\nworld"
    cp = "Kim’s testimony — fined 5 € in “Hyesan”.".encode("cp1252")
    assert read_document("b.text", cp).text == "Kim’s testimony — fined 5 € in “Hyesan”."


def test_legacy_korean_text_is_not_read_as_cp1252() -> None:
    korean = "북한 정치범 수용소에서 강제 노동이 있었다고 증언했다.\n"
    assert read_document("k.txt", korean.encode("euc-kr")).text == korean
    page = f'<html><head><meta charset="euc-kr"></head><body><p>{korean}</p></body></html>'
    assert read_document("k.html", page.encode("cp949")).text == korean.strip()


def test_pdf_aes_without_cryptography_package_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf.errors import DependencyError

    from nkwatch.ingest.readers import _pdf

    def needs_crypto(data: bytes, budget: object = None) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(_pdf, "_extract", needs_crypto)
    with pytest.raises(ReadError, match=r"^PDF is encrypted with AES, which needs the .cryptography."):
        read_document("aes.pdf", encrypt(PDF, ""))


def test_unknown_extension_is_sniffed() -> None:
    assert read_document("download", make_pdf([["Sniffed PDF text."]])).format == "pdf"
    assert read_document("upload.bin", make_docx()).format == "docx"
    assert read_document("page", HTML.encode()).format == "html"
    assert read_document("notes.csv", b"a,b\n1,2\n").format == "text"


# ---- refusals ------------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _blank_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(100, 100, 300, 400, fill=1)  # a "scan": marks on the page, no text
    c.showPage()
    c.save()
    return buf.getvalue()


BAD_INPUTS = [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\t\r\n ", "no text found"),
    ("blank.md", b"---\ntitle: x\n---\n\n<!-- nothing -->\n", "no text found"),
    ("blank.html", b"<html><body><script>x()</script></body></html>", "no text found"),
    (
        "blob.txt",
        bytes(random.Random(7).randrange(256) for _ in range(4000)) + b"\x00",
        "binary file, not text",
    ),
    ("blob", b"\x01\x02\x03\x04\x05\x06\x07\x08" * 100, "binary file, not text"),
    ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unsupported format: .png (OCR it first)"),
    ("photo", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unsupported format: PNG image"),
    ("cut.pdf", PDF[: len(PDF) // 2], "not a valid PDF (file is damaged or truncated)"),
    ("fake.pdf", b"this is not a pdf at all", "not a valid PDF (file is damaged or truncated)"),
    ("scan.pdf", _blank_pdf(), "PDF has no text layer (scanned?); OCR it first"),
    ("locked.pdf", encrypt(PDF, "s3cret"), "PDF is encrypted"),
    (
        "nodoc.docx",
        _zip({"word/other.xml": b"<x/>"}),
        "not a Word document (a zip without word/document.xml)",
    ),
    ("noise.docx", os.urandom(3000), "not a valid DOCX (file is damaged or not a Word document)"),
    (
        "old.docx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
        "not a DOCX: an old Word .doc file or a password-protected document",
    ),
    ("sheet.xlsx", _zip({"xl/workbook.xml": b"<x/>"}), "unsupported format: .xlsx"),
    ("letter.doc", b"\xd0\xcf\x11\xe0", "unsupported format: .doc (save it as .docx or PDF)"),
    ("bundle", _zip({"a.txt": b"hello"}), "unsupported format: zip archive"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_raises_read_error_with_reason(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError) as err:
        read_document(path.name, path.read_bytes())
    assert str(err.value) == message


def test_over_the_size_limit() -> None:
    with pytest.raises(ReadError, match=r"^file is 2\.0 KB, over the 1000 bytes limit$"):
        read_document("big.txt", b"x" * 2048, max_bytes=1000)
    assert too_big_message(int(73.2 * 1024 * 1024), MAX_BYTES) == "file is 73.2 MB, over the 50 MB limit"


# ---- never anything but ReadError ----------------------------------------------------------------

SEEDS = [
    b"",
    b"%PDF-1.4\n",
    PDF[:300],
    make_docx()[:200],
    b"<html><body>",
    b"---\ntitle: x\n---\n",
    b"PK\x03\x04",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(
        ["a.txt", "a.text", "a.md", "a.markdown", "a.htm", "a.html", "a.xhtml", "a.pdf", "a.docx", "noext"]
    ),
    data=st.one_of(
        st.binary(max_size=2000),
        st.builds(lambda s, t: s + t, st.sampled_from(SEEDS), st.binary(max_size=500)),
    ),
)
def test_arbitrary_bytes_give_text_or_read_error(name: str, data: bytes) -> None:
    try:
        doc = read_document(name, data)
    except ReadError as e:
        assert str(e)
    else:
        assert doc.text.strip()
