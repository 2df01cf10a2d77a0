"""Markdown: the prose only, one paragraph, heading, list item or table cell per line.

Parsing uses markdown-it-py (a CommonMark parser that rich already depends on) rather than regexes, so that
emphasis, links, code spans and escapes are handled as a renderer would. Front matter (--- YAML --- or
+++ TOML +++) is read with a deliberately small key/value parser: only flat scalar fields are used.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from nkwatch.ingest.readers._base import (
    Document,
    ReadError,
    clean_value,
    decode_text,
    iso_date,
    lang_code,
    normalise_newlines,
    require_text,
)
from nkwatch.ingest.readers._budget import DEFAULT_BUDGET, Budget, check

_FRONT = re.compile(r"\A(---|\+\+\+)[ \t]*\n(.*?)\n(?:---|\.\.\.|\+\+\+)[ \t]*(?:\n|\Z)", re.S)
_FIELD = re.compile(r"^([A-Za-z_][\w-]*)\s*[:=]\s*(.*?)\s*$")
_KEYS = {  # front-matter keys people use, mapped to Document fields
    "title": "title",
    "date": "published_at",
    "published": "published_at",
    "published_at": "published_at",
    "publication_date": "published_at",
    "source": "publisher",
    "publisher": "publisher",
    "site": "publisher",
    "site_name": "publisher",
    "organisation": "publisher",
    "organization": "publisher",
    "url": "url",
    "link": "url",
    "source_url": "url",
    "canonical_url": "url",
    "lang": "language",
    "language": "language",
}
_TAG = re.compile(r"<[^>]*>")
_HIDDEN_HTML = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>", re.S | re.I)
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def read_markdown(data: bytes, budget: Budget = DEFAULT_BUDGET) -> Document:
    source = normalise_newlines(decode_text(data))
    # Checked before parsing: the parser makes several tokens per line, and that is where memory goes.
    check(budget, "chars", len(source))
    check(budget, "paragraphs", source.count("\n") + 1, what="lines")
    meta, body = _front_matter(source)
    try:
        tokens = _MD.parse(body)
    except Exception as e:  # the parser is robust, but a crash in it must not escape as anything else
        raise ReadError(f"cannot parse Markdown ({type(e).__name__})") from e
    lines, first_heading = _render(tokens)
    doc = Document(
        text="\n".join(lines),
        format="markdown",
        title=clean_value(meta.get("title")) or first_heading,
        publisher=clean_value(meta.get("publisher")),
        url=clean_value(meta.get("url")),
        published_at=iso_date(meta.get("published_at")),
        language=lang_code(meta.get("language")),
    )
    return require_text(doc)


def _front_matter(source: str) -> tuple[dict[str, str], str]:
    """Flat `key: value` fields of a leading front-matter block, and the text after it."""
    m = _FRONT.match(source)
    if not m:
        return {}, source
    meta: dict[str, str] = {}
    for line in m.group(2).split("\n"):
        f = _FIELD.match(line)
        if f and (key := _KEYS.get(f.group(1).lower())) and key not in meta:
            value = f.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            if value:
                meta[key] = value
    return meta, source[m.end() :]


def _render(tokens: list[Token]) -> tuple[list[str], str | None]:
    """Lines of prose from the block token stream, and the first heading (a fallback title)."""
    lines: list[str] = []
    first_heading: str | None = None
    prefix = ""  # list marker for the next inline block of a list item
    ordered: list[int | None] = []  # per open list: next number, or None for bullets
    in_heading = False
    for tok in tokens:
        t = tok.type
        if t in ("bullet_list_open", "ordered_list_open"):
            ordered.append(int(tok.attrGet("start") or 1) if t == "ordered_list_open" else None)
        elif t in ("bullet_list_close", "ordered_list_close"):
            ordered.pop()
        elif t == "list_item_open" and ordered:
            n = ordered[-1]
            prefix = "- " if n is None else f"{n}. "
            if n is not None:
                ordered[-1] = n + 1
        elif t == "heading_open":
            in_heading = True
        elif t == "heading_close":
            in_heading = False
        elif t == "inline":
            text = _inline_text(tok.children or [])
            for i, part in enumerate(text.split("\n")):
                part = " ".join(part.split())
                if part:
                    lines.append((prefix if i == 0 else "") + part)
            prefix = ""
            if in_heading and first_heading is None and text.strip():
                first_heading = " ".join(text.split())
        elif t == "html_block":
            text = html.unescape(_TAG.sub(" ", _HIDDEN_HTML.sub(" ", tok.content)))
            lines.extend(" ".join(p.split()) for p in text.split("\n") if p.strip())
        # fence, code_block, hr, tables' structure tokens: not prose, nothing to add
    return lines, first_heading


def _inline_text(children: list[Token]) -> str:
    """Text of an inline token: link text without its target, no images, no inline HTML."""
    out: list[str] = []
    for c in children:  # an image is one token (alt text in its children): skipped whole
        if c.type in ("text", "code_inline"):
            out.append(c.content)
        elif c.type == "softbreak":
            out.append(" ")
        elif c.type == "hardbreak":
            out.append("\n")
        elif c.type == "html_inline" and re.match(r"<br\b", c.content, re.I):
            out.append(" ")
    return "".join(out)
