"""Where the watcher may connect: http(s) only, and never to a private, loopback, link-local or multicast
address unless the watched source allows it. Checked for each URL (each redirect hop too) and again at the
moment of connecting, on the address actually dialled, so a name that resolves differently the second time
(DNS rebinding) cannot slip through. The connection also carries the request's overall deadline, so a
server that trickles bytes (even headers) forever cannot hold a pass."""

from __future__ import annotations

import ipaddress
import math
import socket
import ssl
import time
import typing
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata endpoints hand out credentials: refused even to a source allowed private addresses.
ALWAYS_DENIED = (ipaddress.ip_network("169.254.169.254/32"), ipaddress.ip_network("fd00:ec2::254/128"))


class Refused(Exception):
    """A URL or address the watcher will not fetch; the message says why."""


@dataclass(frozen=True)
class Policy:
    allow_private: bool = False
    denied: tuple[Network, ...] = field(default=ALWAYS_DENIED)  # refused whatever allow_private says

    def refusal(self, ip: Address) -> str | None:
        """Why `ip` may not be dialled, or None when it may."""
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:  # ::ffff:127.0.0.1 is 127.0.0.1
            ip = ip.ipv4_mapped
        if any(ip in net for net in self.denied):
            return f"{ip} is on a denied network"
        if ip.is_multicast or ip.is_unspecified:
            return f"{ip} is a {'multicast' if ip.is_multicast else 'unspecified'} address"
        if not self.allow_private and not ip.is_global:
            what = "loopback" if ip.is_loopback else "link-local" if ip.is_link_local else "private"
            return f"{ip} is a {what} address (add the source with --allow-private to fetch it)"
        return None


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (an IP literal is itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise httpcore.ConnectError(f"cannot resolve {host}: {e}") from None
    return list(dict.fromkeys(ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in infos))


def check_url(url: str, policy: Policy, *, via_proxy: bool = False) -> None:
    """Raise Refused when `url` is not http(s) or its host resolves to an address the policy refuses.

    Through a proxy the proxy resolves names; here a name that does not resolve is let through (the proxy
    may know it, e.g. a .onion), but one that resolves to a refused address is not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"{url}: only http and https URLs are fetched, not {parts.scheme or 'a relative URL'}")
    host = parts.hostname
    if not host:
        raise Refused(f"{url}: no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused(f"{url}: bad port") from None
    try:
        addresses = resolve(host, port)
    except httpcore.ConnectError:
        if via_proxy:
            return
        raise
    for ip in addresses:
        why = policy.refusal(ip)
        if why:
            raise Refused(f"{url}: {host} resolves to {why}" if str(ip) != host.strip("[]") else f"{url}: {why}")


# The monotonic time by which the request now in progress (in this thread) must be done.
DEADLINE: ContextVar[float | None] = ContextVar("nkwatch_fetch_deadline", default=None)


def _bounded(timeout: float | None) -> float | None:
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the response took longer than the time allowed for a whole request")
    return min(timeout if timeout is not None else math.inf, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:  # fmt: skip
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, dialling only addresses the policy allows (the proxy's, which the operator
    chose, excepted), with the request deadline on every read and write."""

    def __init__(self, policy: Policy, proxy_hosts: Iterable[str] = ()):
        self._inner = httpcore.SyncBackend()
        self._policy = policy
        self._proxy_hosts = set(proxy_hosts)

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:  # fmt: skip
        if host in self._proxy_hosts:
            target = host
        else:
            addresses = resolve(host, port)
            for ip in addresses:
                why = self._policy.refusal(ip)
                if why:
                    raise Refused(f"{host}: {why}")
            target = str(addresses[0])  # dial what was checked, not a second lookup
        stream = self._inner.connect_tcp(target, port, _bounded(timeout), local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Any = None) -> httpcore.NetworkStream:  # fmt: skip
        raise Refused("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a GuardedBackend, directly or through an HTTP or SOCKS5 proxy."""

    def __init__(self, policy: Policy, proxy: str | None = None, *, max_connections: int = 20):
        super().__init__(trust_env=False)
        ctx = httpx.create_ssl_context(trust_env=False)
        limits = {"max_connections": max_connections, "max_keepalive_connections": max_connections,
                  "keepalive_expiry": 30.0}  # fmt: skip
        if proxy is None:
            backend = GuardedBackend(policy)
            pool: httpcore.ConnectionPool = httpcore.ConnectionPool(ssl_context=ctx, network_backend=backend, **limits)
        else:
            p = httpx.Proxy(proxy)
            url = httpcore.URL(scheme=p.url.raw_scheme, host=p.url.raw_host, port=p.url.port, target=p.url.raw_path)
            backend = GuardedBackend(policy, proxy_hosts=[p.url.host])
            if p.url.scheme in ("http", "https"):
                pool = httpcore.HTTPProxy(proxy_url=url, proxy_auth=p.raw_auth, proxy_headers=p.headers.raw,
                                          ssl_context=ctx, proxy_ssl_context=p.ssl_context, network_backend=backend,
                                          **limits)  # fmt: skip
            elif p.url.scheme in ("socks5", "socks5h"):
                pool = httpcore.SOCKSProxy(proxy_url=url, proxy_auth=p.raw_auth, ssl_context=ctx,
                                           network_backend=backend, **limits)  # fmt: skip
            else:
                raise Refused(f"proxy {proxy}: use http://, https://, socks5:// or socks5h://")
        # httpx builds its pool without a network backend of ours; handle_request uses self._pool.
        self._pool = pool  # type: ignore[assignment]
