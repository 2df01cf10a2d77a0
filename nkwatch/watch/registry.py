"""Add, list and remove watched sources."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

from nkwatch import vocab
from nkwatch.store.db import Store
from nkwatch.watch.models import WatchedSource, WatchItem
from nkwatch.watch.netguard import Policy, Refused, check_url
from nkwatch.watch.urls import canonical_url

FEED_TYPES = ("auto", "feed", "sitemap", "listing")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MIN_EVERY = 60  # seconds: more often than once a minute is not polite to anyone


class WatchError(ValueError):
    """A watched source that cannot be added or found; the message says why."""


def parse_every(value: str) -> int:
    """'6h', '30m', '1d', '2w' or plain seconds, as seconds (at least a minute)."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", value.lower())
    if not m:
        raise WatchError(f"--every {value!r}: give a number with s, m, h, d or w, such as 6h")
    seconds = int(m.group(1)) * _UNITS[m.group(2) or "s"]
    if seconds < MIN_EVERY:
        raise WatchError(f"--every {value!r}: at least once a minute apart ({MIN_EVERY}s)")
    return seconds


def add_source(store: Store, url: str, *, kind: str = "news", publisher: str | None = None, reliability: str = "F",
               every_seconds: int = 6 * 3600, allow_private: bool = False, proxy: str | None = None,
               feed_type: str = "auto") -> WatchedSource:  # fmt: skip
    """Watch `url`. The scheme is checked now; the address at every fetch (names may move)."""
    url = canonical_url(url)
    try:
        check_url(url, Policy(allow_private=True))  # scheme and host only: the address is checked per fetch
    except Refused as e:
        raise WatchError(str(e)) from None
    except Exception:  # noqa: BLE001 - a name that does not resolve today may tomorrow
        pass
    try:
        vocab.check("source_kinds", kind, field="kind")
        vocab.check("reliability", reliability.upper(), field="reliability")
    except ValueError as e:
        raise WatchError(str(e)) from None
    if kind == "testimony":
        raise WatchError("kind: testimony is recorded in the witness vault, never fetched from the web")
    if feed_type not in FEED_TYPES:
        raise WatchError(f"type: one of {', '.join(FEED_TYPES)}")
    if proxy and not re.match(r"(https?|socks5h?)://", proxy):
        raise WatchError(f"--proxy {proxy}: use http://, https://, socks5:// or socks5h://")
    with store.session() as s:
        if s.scalar(select(WatchedSource.id).where(WatchedSource.url == url)) is not None:
            raise WatchError(f"{url} is watched already")
        ws = WatchedSource(url=url, kind=kind, publisher=publisher, reliability=reliability.upper(),
                           every_seconds=every_seconds, allow_private=allow_private, proxy=proxy,
                           feed_type=feed_type, items_taken=0, last_new=0, last_unchanged=0,
                           last_failed=0)  # fmt: skip
        s.add(ws)
        s.flush()
        return ws


def list_sources(store: Store) -> list[WatchedSource]:
    with store.session() as s:
        return list(s.scalars(select(WatchedSource).order_by(WatchedSource.id)))


def remove_source(store: Store, source_id: int) -> WatchedSource:
    """Stop watching; the sources already taken stay (they are evidence), only the watch records go."""
    with store.session() as s:
        ws = s.get(WatchedSource, source_id)
        if ws is None:
            raise WatchError(f"no watched source {source_id}")
        s.execute(delete(WatchItem).where(WatchItem.watched_source_id == source_id))
        s.delete(ws)
        return ws
