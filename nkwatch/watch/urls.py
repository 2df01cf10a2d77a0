"""Canonical item URLs, so the same article reached through a feed, a sitemap and a shared link is one item."""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

# Parameters that say how a reader arrived, not what they read.
TRACKING = re.compile(
    r"utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|igshid|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok"
    r"|oly_anon_id|oly_enc_id|vero_id|rb_clickid|s_cid|ref_src|spm|cmpid|ocid|ito|at_medium|at_campaign",
    re.I,
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str, base: str | None = None) -> str:
    """`url` (resolved against `base`) with scheme and host in lower case, no default port, no user info, no
    fragment and no tracking parameters; the other parameters keep their order and their encoding."""
    url = url.strip()
    if base:
        url = urljoin(base, url)
    p = urlsplit(url)
    scheme = p.scheme.lower()
    host = (p.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    try:
        port = p.port
    except ValueError:
        port = None
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    pairs = [q for q in p.query.split("&") if q and not TRACKING.fullmatch(unquote(q.split("=", 1)[0]))]
    return urlunsplit((scheme, netloc, p.path or "/", "&".join(pairs), ""))


_NOT_ARTICLES = {"tag", "tags", "category", "categories", "author", "authors", "page", "feed", "search", "login",
                 "signin", "register", "subscribe", "contact", "about", "privacy", "terms", "wp-admin", "wp-login.php",
                 "cart", "account"}  # fmt: skip
_FILES = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|ico|css|js|xml|rss|atom|json|zip|mp[34]|woff2?)$", re.I)


def looks_like_article(url: str, listing: str) -> bool:
    """A link found on a listing page that is worth taking: same host, a path below the listing's and longer,
    not a tag, category, author or pagination page, not an image, style sheet or feed."""
    u, base = urlsplit(url), urlsplit(listing)
    if u.scheme not in ("http", "https") or (u.hostname or "").lower() != (base.hostname or "").lower():
        return False
    folder = base.path if base.path.endswith("/") else base.path.rsplit("/", 1)[0] + "/"
    path = u.path
    if not path.startswith(folder) or len(path.rstrip("/")) <= len(folder.rstrip("/")) or path == base.path:
        return False
    segments = [s.lower() for s in path.split("/") if s]
    return not _NOT_ARTICLES.intersection(segments) and not _FILES.search(path)
