"""What an attack on the running server found (issue 11), each case against a live server on loopback: a 4xx
with a message within 2 s, nothing stored, memory flat, and the server still answering afterwards.

The server runs in this process (uvicorn in a thread), so its memory is this process's: the growth of the
peak resident set across a case is what the case cost the server.
"""

from __future__ import annotations

import json
import resource
import socket
import time

import httpx
import pytest
from sqlalchemy import func, select

from nkwatch.store.models import Source
from nkwatch.vault.models import Interview
from nkwatch.web import accounts, create_app

from .conftest import make_world
from .helpers import free_port, live_server
from .vault_helpers import PASSPHRASE, init_vault


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    root = tmp_path_factory.mktemp("attack")
    store, _ = make_world(str(root / "web.db"), root / "originals")
    init_vault(store)
    with store.session() as s:
        _, custodian = accounts.create_token(s, accounts.get_user(s, "custodian"), "attack")
        _, analyst = accounts.create_token(s, accounts.get_user(s, "analyst"), "attack")
    store.close()
    app = create_app(str(root / "web.db"), originals=root / "originals")
    with live_server(app) as (base, port):
        custodian_api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {custodian}"}, timeout=10)
        assert custodian_api.post("/api/vault/unlock", json={"passphrase": PASSPHRASE}).status_code == 200
        analyst_api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {analyst}"}, timeout=10)
        yield base, port, app, custodian_api, analyst_api
    app.state.nk.store.close()


def _raw(port: int, head: bytes, body: bytes = b"") -> tuple[int, float]:
    """Send a request's head and part of its body on a raw socket; the status line's code and the seconds it took
    (a server that waited for the rest of the body would time out here)."""
    t = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=3) as c:
        c.sendall(head + body)
        answer = c.recv(4096)
    return int(answer.split(b" ", 2)[1]), time.perf_counter() - t


def _stored(app) -> tuple[int, int]:  # noqa: ANN001
    with app.state.nk.store.session() as s:
        return s.scalar(select(func.count()).select_from(Source)), s.scalar(select(func.count()).select_from(Interview))


def test_an_anonymous_huge_body_is_refused_before_it_is_read(live):
    _, port, app, _, _ = live
    before = _peak_mb()
    head = (b"POST /api/vault/unlock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 314572800\r\n\r\n")  # 300 MB announced, a few bytes sent
    status, took = _raw(port, head, b'{"passphrase": "')
    assert status == 401 and took < 2
    for path in ("/upload", "/api/sources", "/vault/witnesses/W-0001/interviews"):  # pages and uploads alike
        status, took = _raw(port, f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 314572800\r\n\r\n".encode())
        assert status in (303, 401) and took < 2, path
    assert _peak_mb() - before < 50


def test_a_signed_in_body_past_the_route_limit_is_cut_off_as_it_arrives(live):
    base, _, app, custodian, _ = live
    before, stored = _peak_mb(), _stored(app)

    def chunks():  # no Content-Length: the server can only count
        for _ in range(200):
            yield b" " * (64 << 10)

    t = time.perf_counter()
    r = custodian.post("/api/vault/witnesses", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than the limit" in r.json()["detail"]
    assert time.perf_counter() - t < 2 and _stored(app) == stored and _peak_mb() - before < 50


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,  # nested past Python's recursion limit
    json.dumps({"text": 5}), '{"text": NaN}', '{"text": "\\ud800 a lone surrogate"}',
])  # fmt: skip
def test_malformed_interview_bodies_are_refused_with_a_message(live, body):
    _, _, app, custodian, _ = live
    wid = custodian.post("/api/vault/witnesses", json={"identity": {"name": "Ostrava Pellin"}}).json().get("id")
    stored = _stored(app)
    r = custodian.post(f"/api/vault/witnesses/{wid or 'W-0001'}/interviews", content=body.encode(),
                       headers={"Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 400 and r.json()["detail"], r.text
    assert _stored(app) == stored


def test_malformed_witness_bodies_are_refused_with_a_message(live):
    _, _, _, custodian, _ = live
    for body in ("[" * 100_000 + "]" * 100_000, '{"identity": {"name": "\\udc80 broken"}}',
                 '{"identity": {"name": "Kim", "family_in_dprk": "my sister Yeon-ok in Hyesan"}}'):  # fmt: skip
        r = custodian.post("/api/vault/witnesses", content=body.encode(), headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500 and r.status_code != 413, r.text
    r = custodian.post("/api/vault/witnesses", content=b'{"identity": {"name": "Kim", "family_in_dprk": "a sister"}}',
                       headers={"Content-Type": "application/json"})  # fmt: skip
    assert "cannot be masked" in r.json()["detail"]


def test_searches_are_bounded_and_never_an_error(live):
    _, _, _, _, analyst = live
    for path in ("/api/search?q=", "/api/claims?q=", "/search?q=", "/claims?q=", "/incidents?q="):
        for q in ("OR", "a OR", "OR OR", "-", '"', "NOT", "Hyesan OR -Dandong"):
            r = analyst.get(path + httpx.QueryParams({"q": q})["q"])
            assert r.status_code == 200, (path, q, r.text[:200])
    _, port, _, _, _ = live
    token = analyst.headers["authorization"].encode()
    for n in (400, 15_000):  # 400 words took 1.1 s and 15,000 over 12 minutes; a search may have 32
        q = "+".join(f"w{i}" for i in range(n)).encode()
        for path in (b"/api/search", b"/claims", b"/incidents"):
            status, took = _raw(port, b"GET " + path + b"?q=" + q + b" HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                                + b"\r\n\r\n")  # fmt: skip
            assert 400 <= status < 500 and took < 2, (n, path, status, took)
    r = analyst.get("/api/search", params={"q": " ".join(f"w{i}" for i in range(40))})
    assert r.status_code == 400 and "at most 32 words" in r.json()["detail"]
    assert analyst.get("/api/search", params={"q": "Hyesan"}).status_code == 200  # still answering


def test_an_upload_whose_file_name_holds_a_nul_is_stored_under_a_clean_name(live):
    _, _, app, _, analyst = live
    text = b"In May 2024 guards beat returnees in Onsong."
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="files"; filename="re\x00port\x07.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n" + text + b"\r\n--XyZ--\r\n")  # a NUL as a client may send it
    r = analyst.post("/api/sources", content=body, headers={"Content-Type": "multipart/form-data; boundary=XyZ"})
    assert r.status_code in (200, 201), r.text
    (result,) = r.json()["results"]
    assert result["name"] == "report.txt" and result["status"] == "added"


def test_the_server_stops_on_sigterm_within_seconds_with_a_request_under_way(tmp_path):
    """`nkwatch serve` as an init system runs it: a client that sends half a request keeps it open; SIGTERM
    still ends the process within the grace period (nkwatch.web.server.GRACE_SECONDS) and a little more."""
    import os
    import signal
    import subprocess
    import sys

    from nkwatch.web.server import GRACE_SECONDS

    port = free_port()
    env = dict(os.environ, NKWATCH_DB=str(tmp_path / "s.db"), NKWATCH_HOME=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "nkwatch", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        slow = socket.create_connection(("127.0.0.1", port))
        # a body under the limit, announced and never finished: the server is waiting for it
        slow.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\nuser")
        time.sleep(0.2)
        t = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=GRACE_SECONDS + 5)
        assert time.perf_counter() - t < GRACE_SECONDS + 3
        slow.close()
    finally:
        proc.kill()
