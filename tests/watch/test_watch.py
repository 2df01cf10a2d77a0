"""Watching real feed layouts served on loopback: items taken in and linked, a second pass that only asks
"changed?", new versions of changed pages, robots.txt, retries, and the command line."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from nkwatch.cli import app
from nkwatch.store.models import Source
from nkwatch.watch.models import WatchedSource
from tests.watch.helpers import counts, items, run, watch
from tests.watch.server import (
    Page,
    article,
    atom,
    rss_ohchr,
    rss_wordpress,
    sitemap,
    sitemap_index,
)

LISTING = """<html><body><nav><a href="/news/">News</a><a href="/news/tag/dprk">tag</a><a href="/about">About</a>
<a href="/news/page/2">next</a><a href="https://elsewhere.example/news/x">elsewhere</a></nav>
{links}<img src="/news/pic.jpg"></body></html>"""


def serve_site(server, n: int = 3) -> dict[str, list[str]]:
    """An OHCHR-like RSS, a WordPress RSS, an Atom feed, a sitemap index with a urlset, a listing page."""
    sets = {name: [f"/{name}/2024/05/article-{i}" for i in range(n)]
            for name in ("ohchr", "wp", "atom", "sitemap", "news")}  # fmt: skip
    k = 0
    for paths in sets.values():
        for p in paths:
            server.routes[p] = Page(article(k))
            k += 1
    b = server.base
    server.routes["/ohchr.xml"] = Page(rss_ohchr(b, sets["ohchr"]), "application/rss+xml")
    server.routes["/wp/feed/"] = Page(rss_wordpress(b, sets["wp"]), "application/rss+xml; charset=UTF-8")
    server.routes["/atom.xml"] = Page(atom(b, [p.lstrip("/") for p in sets["atom"]]), "application/atom+xml")
    server.routes["/sitemap_index.xml"] = Page(sitemap_index(b, ["/sitemap-1.xml"]), "application/xml")
    server.routes["/sitemap-1.xml"] = Page(sitemap(b, sets["sitemap"]), "application/xml")
    links = "".join(f'<a href="{p}#comments">Article {i}</a>' for i, p in enumerate(sets["news"]))
    server.routes["/news/"] = Page(LISTING.format(links=links).encode())
    return sets


def test_feeds_taken_in_linked_then_only_conditional_requests(server, settings, originals, db_url) -> None:
    from nkwatch.store.db import open_store

    store = open_store(db_url)
    try:
        sets = serve_site(server)
        watch(store, server.url("/ohchr.xml"), kind="un_report", publisher="OHCHR", reliability="A")
        watch(store, server.url("/wp/feed/"), publisher="Daily NK", reliability="C")
        watch(store, server.url("/atom.xml"), publisher="Atom News")
        watch(store, server.url("/sitemap_index.xml"), publisher="Sitemap News")
        watch(store, server.url("/news/"), publisher="Listing News", feed_type="listing")
        report = run(store, originals, settings)
        assert not report.failed, report
        assert [s.new for s in report.sources] == [3, 3, 3, 3, 3]
        assert counts(store)["incidents"] > 0  # linked
        with store.session() as s:
            by_url = {src.url: src for src in s.scalars(select(Source))}
        first = by_url[server.url(sets["ohchr"][0])]  # tracking parameters gone
        assert (first.kind, first.publisher, first.reliability) == ("un_report", "OHCHR", "A")
        assert first.title == "Press release 0: DPRK" and first.published_at == "2024-05-01"
        assert by_url[server.url(sets["wp"][1])].publisher == "Daily NK"
        assert by_url[server.url(sets["atom"][2])].published_at == "2024-05-03"
        assert {server.url(p) for p in sets["news"]} <= set(by_url)  # listing: only the articles
        assert len(by_url) == 15 and (originals).exists()
        before, log_at = counts(store), len(server.log)

        again = run(store, originals, settings)
        assert not again.failed and sum(s.new + s.changed for s in again.sources) == 0
        asked = server.log[log_at:]
        assert len(asked) == 5 and all("if-none-match" in h for _p, h in asked), asked  # the feeds, conditionally
        assert again.conditional == again.requests == 5
        assert counts(store) == before
    finally:
        store.close()


def test_due_sources_only(server, settings, originals, sq_store) -> None:
    serve_site(server, 1)
    watch(sq_store, server.url("/ohchr.xml"))
    assert len(run(sq_store, originals, settings, every=False).sources) == 1
    assert run(sq_store, originals, settings, every=False).sources == []  # due again in 6 h
    with sq_store.session() as s:
        w = s.scalars(select(WatchedSource)).one()
        assert w.items_taken == 1 and w.next_due_at is not None and w.last_error is None


def test_changed_page_is_a_new_version_keeping_the_old(server, settings, originals, sq_store) -> None:
    paths = ["/a/2024/one", "/a/2024/two"]
    for i, p in enumerate(paths):
        server.routes[p] = Page(article(i))
    server.routes["/feed.xml"] = Page(rss_ohchr(server.base, paths), "application/rss+xml")
    watch(sq_store, server.url("/feed.xml"))
    run(sq_store, originals, settings)
    old = {it.canonical_url: it.source_id for it in items(sq_store)}
    # The feed changes (a new date), page one's text changes, page two only gets a new footer comment.
    server.routes["/feed.xml"] = Page(rss_ohchr(server.base, paths) + b"\n<!-- rebuilt -->", "application/rss+xml")
    server.routes[paths[0]] = Page(article(0, extra="Two more people were executed on the same day."))
    server.routes[paths[1]] = Page(article(1) + b"<!-- cache 2 -->")
    report = run(sq_store, originals, settings)
    s = report.sources[0]
    assert (s.new, s.changed, s.unchanged, s.failed) == (0, 1, 1, 0)
    rows = items(sq_store)
    one = [r for r in rows if r.canonical_url == server.url(paths[0])]
    assert len(one) == 2 and one[1].previous_source_id == old[server.url(paths[0])] == one[0].source_id
    assert one[1].status == "changed" and one[1].source_id != one[0].source_id
    with sq_store.session() as ss:
        assert ss.get(Source, one[0].source_id) is not None and ss.get(Source, one[1].source_id) is not None
    assert len([r for r in rows if r.canonical_url == server.url(paths[1])]) == 1
    assert counts(sq_store)["sources"] == 3


def test_robots_txt_disallow_is_respected(server, settings, originals, sq_store) -> None:
    paths = ["/pub/2024/open", "/private/2024/closed"]
    for i, p in enumerate(paths):
        server.routes[p] = Page(article(i))
    server.routes["/robots.txt"] = Page(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    server.routes["/feed.xml"] = Page(rss_ohchr(server.base, paths), "application/rss+xml")
    watch(sq_store, server.url("/feed.xml"))
    s = run(sq_store, originals, settings).sources[0]
    assert (s.new, s.failed) == (1, 1) and "robots.txt" in s.failures[0]
    assert server.hits(paths[1]) == [] and len(server.hits("/robots.txt")) == 1
    assert all(h["user-agent"].startswith("nkwatch/") and "+" in h["user-agent"] for _p, h in server.log)


def test_server_errors_are_retried(server, settings, originals, sq_store) -> None:
    tries: list[int] = []

    def flaky(h) -> None:  # noqa: ANN001
        tries.append(1)
        if len(tries) == 1:
            h._send(503, b"busy", "text/plain", {"Retry-After": "0"})
        else:
            h._send(200, article(5), "text/html")

    server.routes["/x/2024/flaky"] = flaky
    server.routes["/feed.xml"] = Page(rss_ohchr(server.base, ["/x/2024/flaky"]), "application/rss+xml")
    watch(sq_store, server.url("/feed.xml"))
    assert run(sq_store, originals, settings).sources[0].new == 1 and len(tries) == 2


def test_same_bytes_from_two_feeds_is_one_source(server, settings, originals, sq_store) -> None:
    server.routes["/a/2024/x"] = Page(article(1))
    server.routes["/b/2024/y"] = Page(article(1))  # syndicated, byte for byte
    server.routes["/a.xml"] = Page(rss_ohchr(server.base, ["/a/2024/x"]), "application/rss+xml")
    server.routes["/b.xml"] = Page(rss_ohchr(server.base, ["/b/2024/y"]), "application/rss+xml")
    watch(sq_store, server.url("/a.xml"))
    watch(sq_store, server.url("/b.xml"))
    r = run(sq_store, originals, settings)
    assert [s.new for s in r.sources] == [1, 0] and counts(sq_store)["sources"] == 1
    assert [it.status for it in items(sq_store)] == ["new", "known"]


def test_cli_add_list_run_remove(server, tmp_path) -> None:
    serve_site(server, 2)
    server.routes["/broken.xml"] = Page(b"<rss><channel><item>", "application/rss+xml")
    db = str(tmp_path / "cli.db")
    cli = CliRunner()
    r = cli.invoke(app, ["watch", "add", server.url("/ohchr.xml"), "--publisher", "OHCHR", "--reliability", "b",
                         "--every", "2h", "--allow-private", "--db", db])  # fmt: skip
    assert r.exit_code == 0, r.output
    r = cli.invoke(app, ["watch", "add", server.url("/ohchr.xml"), "--db", db])
    assert r.exit_code == 2 and "watched already" in r.output
    assert cli.invoke(app, ["watch", "add", "file:///etc/passwd", "--db", db]).exit_code == 2
    assert cli.invoke(app, ["watch", "add", server.url("/x"), "--every", "5s", "--db", db]).exit_code == 2
    r = cli.invoke(app, ["watch", "run", "--delay", "0", "--db", db])
    assert r.exit_code == 0 and "2 new" in r.output, r.output
    r = cli.invoke(app, ["watch", "add", server.url("/broken.xml"), "--allow-private", "--db", db])
    r = cli.invoke(app, ["watch", "run", "--delay", "0", "--db", db])
    assert r.exit_code == 1 and "not well-formed XML" in r.output, r.output  # only the due one ran
    r = cli.invoke(app, ["watch", "list", "--db", db])
    assert r.exit_code == 0 and "ohchr.xml" in r.output and "2/0/0" in r.output, r.output
    assert cli.invoke(app, ["watch", "remove", "2", "--db", db]).exit_code == 0
    assert cli.invoke(app, ["watch", "remove", "2", "--db", db]).exit_code == 2
