"""A real HTTP server on loopback for the watch tests: routes the test sets, a log of every request.

A route is a Page (bytes with an ETag and Last-Modified, answered 304 to a matching conditional request) or
a function that writes the whole response itself (streams, bombs, trickles, redirects)."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    modified: float = field(default_factory=lambda: time.time() - 3600)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


Handler = Callable[[BaseHTTPRequestHandler], None]


class Server:
    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Page | Handler] = {}
        self.log: list[tuple[str, dict[str, str]]] = []  # (path, request headers)
        self.stop_streams = threading.Event()
        server = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms ACK waits

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    self._send(404, b"not found", "text/plain")
                elif isinstance(route, Page):
                    lm = formatdate(route.modified, usegmt=True)
                    if self.headers.get("If-None-Match") == route.etag or (
                        "If-None-Match" not in self.headers and self.headers.get("If-Modified-Since") == lm
                    ):
                        self._send(304, b"", None, {"ETag": route.etag})
                    else:
                        self._send(route.status, route.body, route.content_type,
                                   {"ETag": route.etag, "Last-Modified": lm, **route.headers})
                else:
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up, rightly
                        route(self)

            def _send(self, status: int, body: bytes, ctype: str | None, headers: dict | None = None) -> None:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.log if p == path]

    def close(self) -> None:
        self.stop_streams.set()
        self.httpd.shutdown()
        self.httpd.server_close()


# Articles that the coder turns into claims, so linking has something to link.
ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="date" content="{date}"></head><body><article><h1>{title}</h1>
<p>{date}. {body}</p>
<p>The Democratic People's Republic of Korea has not responded to requests for comment. Human rights groups
said the case fitted a pattern documented by the United Nations Commission of Inquiry in its 2014 report,
which found that crimes against humanity had been committed in the country.</p>
</article></body></html>"""

EVENTS = [
    "North Korean authorities publicly executed two men in Hyesan, Ryanggang Province, on {day} March 2024 "
    "for distributing South Korean dramas, according to a source inside the country.",
    "Chinese police arrested {day} North Korean defectors in Shenyang in March 2024 and forcibly repatriated "
    "them to North Korea, a rights group said.",
    "Security agents detained a woman in Chongjin, North Hamgyong Province, on {day} April 2024 and sent her "
    "to a labour camp for using a smuggled Chinese mobile phone.",
]


def article(n: int, extra: str = "") -> bytes:
    title = f"Report number {n} on human rights in North Korea"
    body = EVENTS[n % len(EVENTS)].format(day=1 + n % 27) + (" " + extra if extra else "")
    return ARTICLE.format(title=title, date="2024-05-01", body=body).encode()


def rss_ohchr(base: str, paths: list[str]) -> bytes:
    """The layout of OHCHR's press-release feed: RSS 2.0, guid isPermaLink=false, dc:creator."""
    items = "".join(
        f"""<item><title>Press release {i}: DPRK</title><link>{base}{p}?utm_source=rss&amp;utm_medium=feed</link>
<description>Summary {i}</description><pubDate>Wed, 0{1 + i % 9} May 2024 10:00:00 GMT</pubDate>
<guid isPermaLink="false">ohchr-{i}</guid><dc:creator>OHCHR</dc:creator></item>"""
        for i, p in enumerate(paths))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>OHCHR | Press releases</title><link>{base}/</link>
<atom:link href="{base}/feed.xml" rel="self" type="application/rss+xml"/>
<description>Latest</description><language>en</language>{items}</channel></rss>""".encode()


def rss_wordpress(base: str, paths: list[str]) -> bytes:
    """A WordPress news site's feed: content:encoded, wfw, slash, categories, permalinks as guid."""
    items = "".join(
        f"""<item><title>News {i}</title><link>{base}{p}</link>
<dc:creator><![CDATA[Staff]]></dc:creator><pubDate>Thu, 02 May 2024 0{i % 10}:30:00 +0000</pubDate>
<category><![CDATA[North Korea]]></category><guid isPermaLink="false">{base}/?p={100 + i}</guid>
<description><![CDATA[Excerpt {i}&#8230;]]></description>
<content:encoded><![CDATA[<p>Full text {i} <a href="{base}{p}">link</a></p>]]></content:encoded>
<wfw:commentRss>{base}{p}feed/</wfw:commentRss><slash:comments>0</slash:comments></item>"""
        for i, p in enumerate(paths))
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"
xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel><title>Daily NK-like</title><atom:link href="{base}/feed/" rel="self" type="application/rss+xml" />
<link>{base}</link><description>News</description><lastBuildDate>Thu, 02 May 2024 10:00:00 +0000</lastBuildDate>
<language>en-US</language><sy:updatePeriod>hourly</sy:updatePeriod><generator>https://wordpress.org/?v=6.5</generator>
{items}</channel></rss>""".encode()


def atom(base: str, paths: list[str]) -> bytes:
    entries = "".join(
        f"""<entry><title type="html">Entry {i}</title><link rel="alternate" type="text/html" href="{p}"/>
<id>tag:example.org,2024:{i}</id><published>2024-05-0{1 + i % 9}T08:00:00Z</published>
<updated>2024-05-0{1 + i % 9}T08:00:00Z</updated><summary>S {i}</summary></entry>"""
        for i, p in enumerate(paths))
    return f"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}/">
<title>Atom</title><id>tag:example.org,2024:feed</id><updated>2024-05-09T08:00:00Z</updated>
<link rel="self" href="{base}/atom.xml"/>{entries}</feed>""".encode()


def sitemap(base: str, paths: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{base}{p}</loc><lastmod>2024-05-01</lastmod></url>" for p in paths)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>").encode()


def sitemap_index(base: str, children: list[str]) -> bytes:
    maps = "".join(f"<sitemap><loc>{base}{c}</loc></sitemap>" for c in children)
    return (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>').encode()
