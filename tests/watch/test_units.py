from __future__ import annotations

import ipaddress

import pytest

from nkwatch.watch.netguard import Policy
from nkwatch.watch.parse import FeedError, parse_listing, safe_xml
from nkwatch.watch.registry import WatchError, parse_every
from nkwatch.watch.urls import canonical_url, looks_like_article


def test_canonical_url() -> None:
    assert canonical_url("HTTPS://Example.ORG:443/a/b?utm_source=x&id=3&fbclid=y#top") == "https://example.org/a/b?id=3"
    assert canonical_url("/n/1?p=a%20b", "http://h.org:8080/x/") == "http://h.org:8080/n/1?p=a%20b"
    assert canonical_url("http://user:pw@h.org") == "http://h.org/"


def test_looks_like_article() -> None:
    base = "https://news.example/dprk/"
    assert looks_like_article("https://news.example/dprk/2024/05/story", base)
    for url in ("https://news.example/dprk/", "https://news.example/about", "https://other.example/dprk/x",
                "https://news.example/dprk/tag/camps", "https://news.example/dprk/photo.jpg"):  # fmt: skip
        assert not looks_like_article(url, base), url


def test_listing_bounded() -> None:
    html = "".join(f'<a href="/n/{i}">{i}</a>' for i in range(1000)).encode()
    assert len(parse_listing(html, "http://h.example/n/", limit=50)) == 50


def test_policy() -> None:
    p = Policy()
    for ip in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.1.1", "::1", "fe80::1", "::ffff:127.0.0.1",
               "224.0.0.1", "0.0.0.0", "100.64.0.1"):  # fmt: skip
        assert p.refusal(ipaddress.ip_address(ip)), ip
    assert p.refusal(ipaddress.ip_address("93.184.216.34")) is None
    q = Policy(allow_private=True)
    assert q.refusal(ipaddress.ip_address("10.1.2.3")) is None
    assert q.refusal(ipaddress.ip_address("169.254.169.254"))  # cloud metadata: never
    assert q.refusal(ipaddress.ip_address("239.1.1.1"))


def test_external_entities_refused() -> None:
    with pytest.raises(FeedError):
        safe_xml(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>')


def test_every() -> None:
    assert parse_every("6h") == 21600 and parse_every("1d") == 86400 and parse_every("90") == 90
    for bad in ("5s", "six hours", "-1h"):
        with pytest.raises(WatchError):
            parse_every(bad)
