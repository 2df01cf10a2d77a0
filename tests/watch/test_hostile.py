"""Hostile input, each served for real on loopback: every one is a clear per-item (or per-source) error, the
stored data stays as it was, and the pass goes on to the next item."""

from __future__ import annotations

import ipaddress
import time
import zlib

from nkwatch.watch.fetch import FetchSettings
from nkwatch.watch.netguard import ALWAYS_DENIED
from tests.watch.helpers import counts, items, run, watch
from tests.watch.server import Page, Server, article, rss_ohchr

GOOD = "/ok/2024/fine"


def feed_with(server, bad_path: str, handler) -> None:  # noqa: ANN001
    """A feed listing one hostile item between two good ones."""
    server.routes[bad_path] = handler
    server.routes[GOOD] = Page(article(1))
    server.routes["/ok/2024/also"] = Page(article(2))
    server.routes["/feed.xml"] = Page(rss_ohchr(server.base, [GOOD, bad_path, "/ok/2024/also"]),
                                      "application/rss+xml")  # fmt: skip


def one_bad_item(store, originals, settings, server, path, handler) -> str:  # noqa: ANN001
    feed_with(server, path, handler)
    watch(store, server.url("/feed.xml"))
    before = counts(store)
    t = time.monotonic()
    s = run(store, originals, settings).sources[0]
    assert time.monotonic() - t < 20
    assert (s.new, s.failed) == (2, 1), s  # the pass went on
    after = counts(store)
    assert after["sources"] == before["sources"] + 2  # the two good items, nothing of the bad one
    failed = [it for it in items(store) if it.status == "failed"]
    assert len(failed) == 1 and failed[0].source_id is None and failed[0].error
    return s.failures[0]


def test_two_gigabytes_cut_at_the_size_limit(server, settings, originals, sq_store) -> None:
    sent = []

    def huge(h) -> None:  # noqa: ANN001 - 2 GB, made as it is sent, with no Content-Length (read until close)
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Connection", "close")
        h.end_headers()
        chunk = b"<p>" + b"a" * 65530 + b"</p>"
        for _ in range(2 * 1024 * 1024 * 1024 // len(chunk)):
            h.wfile.write(chunk)
            sent.append(len(chunk))

    why = one_bad_item(sq_store, originals, settings, server, "/bad/2024/huge", huge)
    assert "larger than the 2 MB limit" in why
    assert sum(sent) < 64 * 1024 * 1024  # the client hung up near the limit, not after 2 GB


def test_lying_content_length_is_not_trusted(server, settings, originals, sq_store) -> None:
    def liar(h) -> None:  # noqa: ANN001 - says 100 bytes, gzip body that inflates past the limit
        body = zlib.compress(b"<p>" + b"x" * (8 * 1024 * 1024), 9)
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Encoding", "deflate")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    assert "decompresses past" in one_bad_item(sq_store, originals, settings, server, "/bad/2024/liar", liar)


def test_gzip_bomb(server, settings, originals, sq_store) -> None:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    zeros = b"\0" * (1024 * 1024)
    bomb = b"".join(z.compress(zeros) for _ in range(1024)) + z.flush()  # 1 GB of zeros in about 1 MB
    assert len(bomb) < 2 * 1024 * 1024

    def gz(h) -> None:  # noqa: ANN001
        h._send(200, bomb, "text/html", {"Content-Encoding": "gzip"})

    why = one_bad_item(sq_store, originals, settings, server, "/bad/2024/bomb", gz)
    assert "decompresses past the 2 MB limit" in why


def test_page_that_never_ends_times_out(server, settings, originals, sq_store) -> None:
    def trickle(h) -> None:  # noqa: ANN001 - a byte every 50 ms, for ever (until the client leaves or 30 s)
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.end_headers()
        end = time.monotonic() + 30
        while time.monotonic() < end and not server.stop_streams.is_set():
            h.wfile.write(b"a")
            h.wfile.flush()
            time.sleep(0.05)

    settings.total_timeout = 1.0
    why = one_bad_item(sq_store, originals, settings, server, "/bad/2024/slow", trickle)
    assert "timed out" in why and "after 2 attempts" in why


def test_headers_that_never_end_time_out(server, settings, originals, sq_store) -> None:
    def drip(h) -> None:  # noqa: ANN001
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        end = time.monotonic() + 30
        while time.monotonic() < end and not server.stop_streams.is_set():
            h.wfile.write(b"X-A: b\r\n")
            h.wfile.flush()
            time.sleep(0.05)

    settings.total_timeout = 1.0
    assert "timed out" in one_bad_item(sq_store, originals, settings, server, "/bad/2024/drip", drip)


def test_invalid_xml_feed(server, settings, originals, sq_store) -> None:
    server.routes["/feed.xml"] = Page(b'<?xml version="1.0"?><rss><channel><item><title>x</item></rss>',
                                      "application/rss+xml")  # fmt: skip
    watch(sq_store, server.url("/feed.xml"))
    before = counts(sq_store)
    s = run(sq_store, originals, settings).sources[0]
    assert s.error and "not well-formed XML" in s.error and not s.ok
    assert counts(sq_store) == before


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><link>http://x/</link></item>
</channel></rss>"""


def test_entity_expansion_bomb(server, settings, originals, sq_store) -> None:
    server.routes["/feed.xml"] = Page(BILLION_LAUGHS, "application/rss+xml")
    server.routes["/sitemap.xml"] = Page(BILLION_LAUGHS.replace(b"<rss", b"<urlset"), "application/xml")
    watch(sq_store, server.url("/feed.xml"))
    watch(sq_store, server.url("/sitemap.xml"), feed_type="sitemap")
    before = counts(sq_store)
    t = time.monotonic()
    report = run(sq_store, originals, settings)
    assert time.monotonic() - t < 5
    assert all(s.error and "declares entities" in s.error for s in report.sources), report
    assert counts(sq_store) == before


def test_private_address_refused_without_allow_private(server, settings, originals, sq_store) -> None:
    feed_with(server, "/x/2024/y", Page(article(3)))
    watch(sq_store, server.url("/feed.xml"), allow_private=False)
    s = run(sq_store, originals, settings).sources[0]
    assert s.error and "loopback address" in s.error and "--allow-private" in s.error
    assert server.log == []  # not a byte was sent
    assert counts(sq_store)["sources"] == 0


def test_redirects_checked_at_each_hop(server, originals, sq_store) -> None:
    """127.0.0.2 stands in for a private network (denied here as an operator may deny a range): a feed item
    that redirects there, to a metadata address or to file: is refused before any connection is made."""
    inside = Server("127.0.0.2")
    try:
        inside.routes["/secret"] = Page(b"internal")
        settings = FetchSettings(delay=0, backoff=0, retries=0, total_timeout=3,
                                 denied=(*ALWAYS_DENIED, ipaddress.ip_network("127.0.0.2/32")))  # fmt: skip

        def to(location: str):  # noqa: ANN202
            return lambda h: h._send(302, b"", "text/plain", {"Location": location})

        server.routes["/r/2024/inside"] = to(inside.url("/secret"))
        server.routes["/r/2024/metadata"] = to("http://169.254.169.254/latest/meta-data/")
        server.routes["/r/2024/file"] = to("file:///etc/passwd")
        server.routes["/r/2024/hop"] = to("/r/2024/inside")  # a second hop
        server.routes[GOOD] = to("/ok/2024/final")
        server.routes["/ok/2024/final"] = Page(article(4))
        paths = ["/r/2024/inside", "/r/2024/metadata", "/r/2024/file", "/r/2024/hop", GOOD]
        server.routes["/feed.xml"] = Page(rss_ohchr(server.base, paths), "application/rss+xml")
        watch(sq_store, server.url("/feed.xml"))
        s = run(sq_store, originals, settings).sources[0]
        assert (s.new, s.failed) == (1, 4), s
        why = "\n".join(s.failures)
        assert why.count("denied network") == 3 and "only http and https" in why
        assert inside.log == []
        assert counts(sq_store)["sources"] == 1
    finally:
        inside.close()


def test_not_a_feed(server, settings, originals, sq_store) -> None:
    server.routes["/feed"] = Page(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")
    watch(sq_store, server.url("/feed"))
    s = run(sq_store, originals, settings).sources[0]
    assert s.error and "neither a feed" in s.error
