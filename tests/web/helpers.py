"""A small store for the web tests: sources and claims built directly (tests/factory.py), linked, with one
published incident and a user of every role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select

from nkwatch.link.run import link
from nkwatch.store.models import ROLES, Claim, Incident
from nkwatch.web import accounts

from ..factory import add_claim, add_source, publish_checked

PASSWORD = "correct horse battery"
HOSTILE = 'Guards beat <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> returnees.'


@dataclass
class World:
    published: str  # an incident id that is publishable
    unpublished: str  # one that is not
    claim: str  # a claim of the unpublished incident
    source: str  # a source id
    hostile_source: str  # a source whose text looks like HTML


def build_world(store) -> World:
    a = add_source(store, "Daily report", "In April 2024, Chinese authorities forcibly repatriated 60 North Korean "
                   "defectors from Dandong. Later, guards executed two men in Hyesan.", reliability="B")
    b = add_source(store, "UN note", "The OHCHR said about 60 people were forcibly repatriated from China in April "
                   "2024.", reliability="A", published="2024-06-01")
    h = add_source(store, "Hostile <b>title</b>", HOSTILE, reliability="C")
    lede = "In April 2024, Chinese authorities forcibly repatriated 60 North Korean defectors from Dandong."
    add_claim(store, a, lede, when="2024-04", place="cn-dandong", count=60)
    add_claim(store, b, "about 60 people were forcibly repatriated from China in April 2024", when="2024-04",
              place="cn", count=60)
    add_claim(store, a, "guards executed two men in Hyesan", act="execution", when="2024", precision="year",
              place="kp-hyesan", count=2, perpetrator="kpa_border_guard")
    add_claim(store, h, HOSTILE, act="torture", when="2023", precision="year", place="kp", perpetrator="mss")
    link(store)
    with store.session() as s:
        rep = s.scalar(select(Claim.incident_id).where(Claim.act == "forced_repatriation").limit(1))
        ex = s.scalar(select(Claim.incident_id).where(Claim.act == "execution"))
        claim = s.scalar(select(Claim.id).where(Claim.act == "execution"))
        publish_checked(s, rep, actor="tester")  # its claims confirmed first, as the publication rule asks
        for role in ROLES:
            accounts.add_user(s, role, PASSWORD, role)
        assert s.scalar(select(Incident.status).where(Incident.id == rep)) == "publishable"
    return World(published=rep, unpublished=ex, claim=claim, source=a, hostile_source=h)


def session_cookie(store, username: str) -> tuple[str, str]:
    """A fresh session for `username` (made directly: no password hashing), as (cookie value, csrf token)."""
    with store.session() as s:
        new = accounts.start_session(s, accounts.get_user(s, username))
    return new.token, new.csrf


def signed_in(app, username: str) -> tuple[TestClient, str]:
    """A client signed in through the sign-in form, and its CSRF token."""
    c = TestClient(app)
    page = c.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    csrf = c.get("/api/me").json()["csrf"]
    return c, csrf


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app) -> Iterator[tuple[str, int]]:  # noqa: ANN001 - a FastAPI app
    """`app` served by uvicorn in a thread on a free loopback port, for tests that need real sockets (a browser,
    raw requests); yields (base URL, port) and stops the server afterwards."""
    import threading
    import time

    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", port
    finally:
        srv.should_exit = True
        thread.join(5)
