"""The watcher's HTTP client: polite (robots.txt, one request at a time per host with a delay, conditional
requests, a clear User-Agent) and safe (guarded addresses, every redirect hop checked, a size limit counted
on the bytes actually received and decompressed, an overall deadline per request, bounded retries)."""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from nkwatch.watch.netguard import ALWAYS_DENIED, DEADLINE, GuardedTransport, Network, Policy, Refused, check_url

CONTACT_ENV = "NKWATCH_CONTACT"
ROBOTS_MAX_BYTES = 512 * 1024  # Google's limit is 500 KiB; a larger file is cut there
RETRYABLE = {429, 500, 502, 503, 504}
ROBOTS_TTL = 24 * 3600  # RFC 9309: a cached robots.txt is good for a day
# robots.txt per (origin, allow_private, proxy), shared by the passes of this process (`serve`, the bench):
# (monotonic expiry, rules or None for "no rules").
_ROBOTS: dict[tuple[str, bool, str | None], tuple[float, RobotFileParser | None]] = {}


def user_agent() -> str:
    """"nkwatch/VERSION (+contact)": who is fetching and how to reach them (NKWATCH_CONTACT: a URL or e-mail)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("nkwatch")
    except PackageNotFoundError:
        v = "dev"
    contact = os.environ.get(CONTACT_ENV) or "https://github.com/nkwatch/nkwatch"
    return f"nkwatch/{v} (+{contact})"


class FetchError(Exception):
    """A URL that could not be fetched; the message says why, for a person."""


class TooLarge(FetchError):
    pass


@dataclass
class FetchSettings:
    delay: float = 1.0  # seconds between the start of two requests to one host
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # silence allowed between two reads
    total_timeout: float = 120.0  # a whole request, so a server that trickles bytes forever still ends
    retries: int = 2  # further attempts after a 5xx, 429, timeout or broken connection
    backoff: float = 2.0  # seconds before the first retry, doubling each time
    max_backoff: float = 60.0
    max_bytes: int = 20 * 1024 * 1024  # an item, after decompression
    max_feed_bytes: int = 10 * 1024 * 1024  # a feed, sitemap or listing page
    max_redirects: int = 5
    robots: bool = True
    max_crawl_delay: float = 30.0  # a robots.txt Crawl-delay is honoured up to this
    denied: tuple[Network, ...] = ALWAYS_DENIED
    user_agent: str = field(default_factory=user_agent)


@dataclass
class Response:
    url: str  # after redirects
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _Retry(Exception):
    def __init__(self, reason: str, after: float | None = None):
        super().__init__(reason)
        self.after = after


class Fetcher:
    """One pass's HTTP client: one httpx client per (allow_private, proxy), a robots.txt cache and a clock per
    host shared by all of them. Requests are made one at a time, so one per host at a time follows."""

    def __init__(self, settings: FetchSettings | None = None):
        self.settings = settings or FetchSettings()
        self._clients: dict[tuple[bool, str | None], httpx.Client] = {}
        self._next_at: dict[str, float] = {}  # host -> monotonic time its next request may start
        self.requests = 0  # made on the wire (for the bench and tests)
        self.conditional = 0  # of which carried If-None-Match or If-Modified-Since

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for c in self._clients.values():
            c.close()
        self._clients.clear()

    def _client(self, allow_private: bool, proxy: str | None) -> httpx.Client:
        key = (allow_private, proxy)
        if key not in self._clients:
            s = self.settings
            policy = Policy(allow_private=allow_private, denied=s.denied)
            self._clients[key] = httpx.Client(
                transport=GuardedTransport(policy, proxy), follow_redirects=False, trust_env=False,
                timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
                headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            )  # fmt: skip
        return self._clients[key]

    def get(self, url: str, *, allow_private: bool = False, proxy: str | None = None, etag: str | None = None,
            last_modified: str | None = None, max_bytes: int | None = None) -> Response:  # fmt: skip
        """GET `url` (a 304 comes back as a Response with not_modified). Raises Refused (address, scheme or
        robots.txt) or FetchError, each with a message for a person."""
        s = self.settings
        policy = Policy(allow_private=allow_private, denied=s.denied)
        check_url(url, policy, via_proxy=proxy is not None)
        if s.robots and not self._robots_allow(url, allow_private, proxy):
            raise Refused(f"{url}: disallowed by the site's robots.txt")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        limit = max_bytes or s.max_bytes
        for attempt in range(s.retries + 1):
            try:
                return self._follow(url, headers, limit, policy, allow_private, proxy)
            except _Retry as e:
                if attempt == s.retries:
                    raise FetchError(f"{url}: {e} (after {attempt + 1} attempts)") from None
                wait = min(s.backoff * 2**attempt, s.max_backoff)
                time.sleep(max(wait, min(e.after or 0.0, s.max_backoff)))
        raise AssertionError("unreachable")

    def _follow(self, url: str, headers: dict[str, str], limit: int, policy: Policy, allow_private: bool,
                proxy: str | None) -> Response:  # fmt: skip
        s = self.settings
        for _hop in range(s.max_redirects + 1):
            check_url(url, policy, via_proxy=proxy is not None)  # every hop, before any byte goes out
            self._wait_turn(url)
            token = DEADLINE.set(time.monotonic() + s.total_timeout)
            try:
                self.requests += 1
                self.conditional += bool(headers)
                with self._client(allow_private, proxy).stream("GET", url, headers=headers) as r:
                    if r.status_code in (301, 302, 303, 307, 308) and "location" in r.headers:
                        url = urljoin(url, r.headers["location"])
                        continue
                    if r.status_code in RETRYABLE:
                        raise _Retry(f"HTTP {r.status_code}", _retry_after(r.headers.get("retry-after")))
                    if r.status_code == 304:
                        return _response(url, r, b"")
                    if r.status_code >= 300:
                        raise FetchError(f"{url}: HTTP {r.status_code}")
                    return _response(url, r, _read_body(r, limit, url))
            except (httpx.TimeoutException, httpcore.TimeoutException) as e:
                raise _Retry(f"timed out ({e or 'no answer in time'})") from None
            except (httpx.TransportError, httpcore.NetworkError) as e:
                raise _Retry(f"connection failed: {e}") from None
            finally:
                DEADLINE.reset(token)
        raise FetchError(f"{url}: more than {s.max_redirects} redirects")

    def _wait_turn(self, url: str) -> None:
        host = _origin(url)
        now = time.monotonic()
        at = self._next_at.get(host, now)
        if at > now:
            time.sleep(at - now)
        delay = self.settings.delay
        rp = next((v[1] for k, v in _ROBOTS.items() if k[0] == host), None)
        if rp is not None:
            crawl = rp.crawl_delay(_agent_token(self.settings.user_agent))
            if crawl:
                delay = max(delay, min(float(crawl), self.settings.max_crawl_delay))
        self._next_at[host] = max(at, now) + delay

    def _robots_allow(self, url: str, allow_private: bool, proxy: str | None) -> bool:
        key = (_origin(url), allow_private, proxy)
        cached = _ROBOTS.get(key)
        if cached is None or cached[0] < time.monotonic():
            rp = self._load_robots(key[0], allow_private, proxy)
            # An unreachable robots.txt is asked again in five minutes, not in a day.
            ttl = 300.0 if rp is not None and rp.disallow_all else ROBOTS_TTL
            cached = _ROBOTS[key] = (time.monotonic() + ttl, rp)
        rp = cached[1]
        return rp is None or rp.can_fetch(_agent_token(self.settings.user_agent), url)

    def _load_robots(self, origin: str, allow_private: bool, proxy: str | None) -> RobotFileParser | None:
        """The host's robots.txt (None: no rules). Per RFC 9309 a missing one (4xx) allows everything and an
        unreachable one (5xx, no answer) disallows everything until a later pass reads it."""
        rp = RobotFileParser()
        policy = Policy(allow_private=allow_private, denied=self.settings.denied)
        try:
            r = self._follow(origin + "/robots.txt", {}, ROBOTS_MAX_BYTES + 1, policy, allow_private, proxy)
        except TooLarge:
            return None
        except (_Retry, FetchError) as e:
            if "HTTP 4" in str(e):
                return None
            rp.disallow_all = True
            return rp
        rp.parse(r.content[:ROBOTS_MAX_BYTES].decode("utf-8", "replace").splitlines())
        return rp


def _agent_token(ua: str) -> str:
    return ua.split("/", 1)[0]


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc.lower()}"


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _response(url: str, r: httpx.Response, content: bytes) -> Response:
    return Response(url=url, status=r.status_code, content=content, content_type=r.headers.get("content-type", ""),
                    etag=r.headers.get("etag"), last_modified=r.headers.get("last-modified"))  # fmt: skip


def _read_body(r: httpx.Response, limit: int, url: str) -> bytes:
    """The body, decompressed here rather than by httpx so that the size counted is the size produced: a
    gzip bomb stops at `limit` bytes of output, whatever Content-Length or the compressed size say."""
    encoding = r.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    elif encoding in ("identity", ""):
        inflater = None
    else:
        raise FetchError(f"{url}: unsupported Content-Encoding {encoding!r}")
    body = bytearray()
    received = 0
    mb = f"{limit / 1024 / 1024:g} MB"
    for chunk in r.iter_raw(64 * 1024):
        received += len(chunk)
        if received > limit:
            raise TooLarge(f"{url}: larger than the {mb} limit (stopped after {received:,} bytes)")
        if inflater is None:
            body += chunk
            continue
        for piece in _inflate(inflater, chunk, limit - len(body) + 1):
            body += piece
            if len(body) > limit:
                raise TooLarge(f"{url}: decompresses past the {mb} limit (a compression bomb?); stopped")
    if inflater is not None:
        try:
            body += inflater.flush()
        except zlib.error as e:
            raise FetchError(f"{url}: damaged compressed body: {e}") from None
        if len(body) > limit:
            raise TooLarge(f"{url}: decompresses past the {mb} limit; stopped")
    return bytes(body)


def _inflate(inflater: zlib._Decompress, data: bytes, room: int) -> Iterator[bytes]:
    """Decompress `data` at most `room` bytes at a time, so memory never holds more than the limit."""
    try:
        out = inflater.decompress(data, room)
        yield out
        while inflater.unconsumed_tail:
            out = inflater.decompress(inflater.unconsumed_tail, room)
            if not out:
                return
            yield out
    except zlib.error as e:
        raise FetchError(f"damaged compressed body: {e}") from None
