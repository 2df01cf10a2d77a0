"""What a watched URL lists: items of an RSS or Atom feed, URLs of a sitemap, or article links on a listing
page. Feeds and sitemaps go through defusedxml first: a document that declares entities (the "billion
laughs" bomb and external entities alike) or is not well-formed XML is refused with a message, before
feedparser or ElementTree builds anything from it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from nkwatch.watch.urls import canonical_url, looks_like_article

MAX_LISTING_LINKS = 200


class FeedError(Exception):
    """A feed, sitemap or listing page that cannot be used; the message says why."""


@dataclass
class Entry:
    url: str  # canonical
    title: str | None = None
    published: str | None = None  # YYYY-MM-DD


def safe_xml(data: bytes) -> Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden:
        raise FeedError("the XML declares entities (refused: entity expansion can blow up to gigabytes)") from None
    except (defusedxml.ExternalReferenceForbidden, defusedxml.DTDForbidden, defusedxml.NotSupportedError):
        raise FeedError("the XML refers to external entities or DTDs (refused)") from None
    except ParseError as e:
        raise FeedError(f"not well-formed XML: {e}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def detect(data: bytes, content_type: str) -> str:
    """'feed', 'sitemap' or 'listing' from the document itself (the Content-Type only breaks ties)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    xmlish = head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed", b"<rdf", b"<urlset", b"<sitemapindex"))
    if not xmlish and ("html" in content_type or b"<html" in head or head.startswith(b"<!doctype html")):
        return "listing"
    if not xmlish and "xml" not in content_type:
        raise FeedError(f"neither a feed, a sitemap nor an HTML page ({content_type or 'no Content-Type'})")
    root = _local(safe_xml(data).tag)
    if root in ("urlset", "sitemapindex"):
        return "sitemap"
    if root in ("rss", "feed", "rdf", "channel"):
        return "feed"
    if root == "html":
        return "listing"
    raise FeedError(f"an XML document of an unknown kind (root element <{root}>)")


def _date(parsed: time.struct_time | None) -> str | None:
    return time.strftime("%Y-%m-%d", parsed) if parsed else None


def parse_feed(data: bytes, base: str) -> list[Entry]:
    """Items of an RSS (0.9x, 1.0, 2.0) or Atom feed, newest first as the feed lists them."""
    import feedparser

    safe_xml(data)
    # Bytes in, so feedparser fetches nothing; relative links resolve against the feed's own URL.
    parsed = feedparser.parse(data, response_headers={"content-location": base})
    out = []
    for e in parsed.entries:
        link = e.get("link") or next((lk.get("href") for lk in e.get("links", []) if lk.get("href")), None)
        if not link and str(e.get("id", "")).startswith(("http://", "https://")):
            link = e["id"]
        if not link:
            continue
        title = (e.get("title") or "").strip() or None
        out.append(Entry(canonical_url(link, base), title,
                         _date(e.get("published_parsed") or e.get("updated_parsed"))))  # fmt: skip
    if not out and parsed.bozo and not parsed.entries:
        raise FeedError(f"unreadable feed: {parsed.get('bozo_exception')}")
    return out


def parse_sitemap(data: bytes, base: str) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a urlset or a sitemapindex."""
    root = safe_xml(data)
    pages: list[str] = []
    children: list[str] = []
    for node in root:
        if _local(node.tag) not in ("url", "sitemap"):
            continue
        loc = next((c.text for c in node if _local(c.tag) == "loc" and c.text), None)
        if not loc:
            continue
        # <lastmod> is when the page last changed, not when it was published: not a publication date.
        (children if _local(node.tag) == "sitemap" else pages).append(canonical_url(loc, base))
    return pages, children


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def parse_listing(data: bytes, base: str, limit: int = MAX_LISTING_LINKS) -> list[Entry]:
    """Links on an HTML listing page that look like articles (see looks_like_article), at most `limit`."""
    p = _Links()
    p.feed(data.decode("utf-8", "replace"))
    p.close()
    out: dict[str, Entry] = {}
    for href, text in p.links:
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = canonical_url(href, base)
        if url not in out and looks_like_article(url, base):
            out[url] = Entry(url, text or None)
            if len(out) >= limit:
                break
    return list(out.values())
