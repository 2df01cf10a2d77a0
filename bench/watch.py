"""Watch bench: 50 feeds of 20 items each, served on loopback, taken in by one pass; then a second pass with
nothing new, which must make only conditional requests and take under a tenth of the first pass's time.

    .venv/bin/python bench/watch.py [--feeds 50] [--items 20] [--db PATH]

Prints both passes' times, requests and the ratio. Everything stays on 127.0.0.1; the store is a SQLite file
in a temporary folder unless --db is given."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nkwatch.store.db import open_store  # noqa: E402
from nkwatch.watch.fetch import FetchSettings  # noqa: E402
from nkwatch.watch.registry import add_source  # noqa: E402
from nkwatch.watch.run import run_pass  # noqa: E402
from tests.watch.server import Page, Server, article, rss_ohchr, rss_wordpress  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=50)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--db")
    a = ap.parse_args()
    server = Server()
    with tempfile.TemporaryDirectory(prefix="nkwatch-bench-") as tmp:
        store = open_store(a.db or str(Path(tmp) / "bench.db"))
        n = 0
        for f in range(a.feeds):
            paths = [f"/site{f}/2024/05/article-{i}" for i in range(a.items)]
            for p in paths:
                server.routes[p] = Page(article(n, extra=f"Item {n} of the bench."))  # distinct bytes
                n += 1
            layout = rss_ohchr if f % 2 else rss_wordpress
            server.routes[f"/site{f}/feed.xml"] = Page(layout(server.base, paths), "application/rss+xml")
            add_source(store, server.url(f"/site{f}/feed.xml"), publisher=f"Site {f}", allow_private=True)
        settings = FetchSettings(delay=0)  # one loopback server; a real pass waits a second per host
        originals = Path(tmp) / "originals"
        first = run_pass(store, originals=originals, settings=settings, every=True)
        taken = sum(s.new for s in first.sources)
        log_at = len(server.log)
        second = run_pass(store, originals=originals, settings=settings, every=True)
        asked = server.log[log_at:]
        only_conditional = all("if-none-match" in h or "if-modified-since" in h for _p, h in asked)
        store.close()
    server.close()
    ratio = second.seconds / first.seconds
    print(f"first pass:  {first.seconds:7.2f} s  {taken} items taken, {first.requests} requests")
    print(f"second pass: {second.seconds:7.2f} s  {sum(s.new for s in second.sources)} items taken, "
          f"{second.requests} requests, {second.conditional} conditional, only conditional: {only_conditional}")
    print(f"ratio second/first: {ratio:.4f}  (target < 0.1)")
    ok = taken == a.feeds * a.items and only_conditional and ratio < 0.1 and not first.failed and not second.failed
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
