"""HTML: the main text (not menus, footers or scripts) and the page's own metadata, via trafilatura.

trafilatura is given the decoded page as a string, so it never fetches anything; date search is limited to
the page's markup (meta tags, <time>, "Published ..." lines) because a date in the prose is usually the date
of an event the page reports, not of the page. When trafilatura finds no main text (very short pages), the
text of <body> is used instead, minus scripts and styles.
"""

from __future__ import annotations

import copy
import re

import lxml.html
import trafilatura
from lxml import etree

from nkwatch.ingest.readers._base import (
    Document,
    clean_value,
    decode_text,
    iso_date,
    lang_code,
    normalise_newlines,
    require_text,
)
from nkwatch.ingest.readers._budget import DEFAULT_BUDGET, Budget, check

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # lxml refuses these in a str
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "head", "iframe", "object")
_BOILERPLATE = ("nav", "footer", "aside", "form")
# fmt: off
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "h1", "h2", "h3", "h4",
    "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table", "blockquote", "pre",
    "figure", "figcaption", "address", "br", "hr", "title", "caption",
}
# fmt: on


_TAGS_PER_PARAGRAPH = 10  # HTML is measured in tags before parsing: the parsed tree is where memory goes


def read_html(data: bytes, budget: Budget = DEFAULT_BUDGET) -> Document:
    declared = _CHARSET.search(data[:4096])
    page = decode_text(data, declared.group(1).decode("ascii") if declared else None)
    check(budget, "paragraphs", page.count("<") // _TAGS_PER_PARAGRAPH,
          what=f"paragraphs (counted as one per {_TAGS_PER_PARAGRAPH} HTML tags)")  # fmt: skip
    # lxml rejects a str that carries an XML encoding declaration, and control characters anywhere.
    page = _CONTROL.sub("", _XML_DECL.sub("", page))
    tree = _parse(page)
    found = _trafilatura(page)
    text = found.get("text") or ""
    if not text.strip() and tree is not None:
        text = _body_text(tree, drop_boilerplate=True) or _body_text(tree, drop_boilerplate=False)
    doc = Document(
        text=_tidy(text),
        format="html",
        title=clean_value(found.get("title")) or _first(tree, "//title"),
        publisher=clean_value(found.get("sitename")) or clean_value(found.get("author")),
        url=_http_url(found.get("url")),
        published_at=iso_date(found.get("date")),
        language=_declared_language(tree),
    )
    return require_text(doc)


def _parse(page: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(page)
    except (etree.ParserError, ValueError):  # "Document is empty" and similar: nothing to read
        return None


def _trafilatura(page: str) -> dict:
    """trafilatura's text and metadata, or {} when it finds nothing or fails on a malformed page."""
    try:
        result = trafilatura.bare_extraction(
            page,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_recall=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # a crash in the extractor on odd markup: fall back to the body text
        return {}
    if result is None:
        return {}
    return result.as_dict() if hasattr(result, "as_dict") else dict(result)


def _body_text(tree: lxml.html.HtmlElement, *, drop_boilerplate: bool) -> str:
    """Visible text of <body>, one block per line."""
    root = copy.deepcopy(tree)  # the original keeps <title> and <html lang> for the metadata
    drop = _INVISIBLE + (_BOILERPLATE if drop_boilerplate else ())
    for el in root.xpath("|".join(f"//{t}" for t in drop)):
        el.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            el.tail = "\n" + (el.tail or "")
            el.text = "\n" + (el.text or "")
    for el in root.iter(etree.Comment, etree.ProcessingInstruction):
        el.text = ""
    body = root.find(".//body")
    return (body if body is not None else root).text_content()


def _tidy(text: str) -> str:
    """One non-empty line per block, runs of spaces (and no-break spaces) collapsed."""
    lines = (" ".join(line.split()) for line in normalise_newlines(text).split("\n"))
    return "\n".join(line for line in lines if line)


def _first(tree: lxml.html.HtmlElement | None, xpath: str) -> str | None:
    if tree is None:
        return None
    for el in tree.xpath(xpath):
        if value := clean_value(el.text_content() if hasattr(el, "text_content") else el):
            return value
    return None


def _declared_language(tree: lxml.html.HtmlElement | None) -> str | None:
    """<html lang>, else a content-language / language / og:locale meta tag."""
    if tree is None:
        return None
    candidates = [tree.get("lang"), tree.get("{http://www.w3.org/XML/1998/namespace}lang")]
    for meta in tree.iter("meta"):
        key = (meta.get("http-equiv") or meta.get("name") or meta.get("property") or "").lower()
        if key in ("content-language", "language", "lang", "og:locale", "dc.language"):
            candidates.append(meta.get("content"))
    return next((code for v in candidates if (code := lang_code(v))), None)


def _http_url(value: object) -> str | None:
    s = clean_value(value)
    return s if s and re.match(r"https?://\S+$", s) else None
