"""Replay the attacks of issue 11 against a live server and print, for each, status, time and server memory.

    python bench/attack.py [--keep DIR] [--timeout 60] [--budget-mb 1024]

Builds a store with the bundled sample corpus (ingested and linked, as `nkwatch demo` does), a vault (cheap
Argon2id: its cost is setup, not an attack), a custodian, an analyst and a viewer with API tokens. Then it
starts the real server as a separate process (`python -m nkwatch serve --port P`, NKWATCH_DB / NKWATCH_HOME)
and sends every case on loopback (127.0.0.1) only:

  unlock 300MB        anonymous POST /api/vault/unlock announcing and sending 300 MB of JSON
  unlock 300MB x4     four of those at once
  chunked JSON        custodian token, /api/vault/witnesses, chunked body (no Content-Length) up to 300 MB
  docx bomb           analyst uploads a .docx of ~330 KB holding 100 MB of one-letter paragraphs
  docx lying size     a .docx whose zip headers say 64 KB for a 1 GB part
  text 5MB            analyst uploads 5 MB of sentence after sentence that each make a claim
  search 400/800/15k  /api/search with that many words (raw socket: the 15,000-word URL is 60 KB)
  q=OR                a search that is only an operator
  NUL file name       an upload whose file name holds a NUL
  lone surrogate      a vault witness whose name holds an unpaired surrogate (\\udc80)
  JSON 100k deep      an interview body nested 100,000 deep
  text 5 / text NaN   interview bodies {"text": 5} and {"text": NaN}
  SIGTERM             SIGTERM with requests under way (a POST whose body never arrives, the docx bomb upload)

For each: the HTTP status (several for the concurrent case), seconds to the answer, the server process's
resident memory (VmRSS from /proc, sampled every 20 ms in a thread) before, at its peak during and after the
case, and whether the server still answers a GET /api/me afterwards. At the end a table and a verdict against
the issue's targets: every case refused (a 4xx; an upload may instead be answered 200 with the file `failed`
and a reason; `q=OR` and the NUL name are answered cleanly, 200, as tests/web/test_attacks.py expects) within
2 s, and server memory under --budget-mb throughout. Each case has its own time limit (--timeout); the server
is killed if it passes --kill-mb (so a runaway case cannot take the machine down) and restarted, as it is when
it stops answering, so that one case's failure does not hide the next one's figures.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from pathological import CASES, MB, SENTENCE, _write, docx_bomb  # noqa: E402
from web import _free_port  # noqa: E402

HOST = "127.0.0.1"  # loopback only, for the server and for every request
FAST_KDF = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PASSPHRASE = "a long vault passphrase for the attack bench"
ANSWER_SECONDS = 2.0
SIGTERM_SECONDS = 7.0  # nkwatch.web.server.GRACE_SECONDS (5) and a little more
BIG = 300 * MB


# --- setup ---------------------------------------------------------------------------------------------------


def build(db: str, home: Path) -> dict[str, str]:
    """Ingest and link the sample corpus; a vault; users with API tokens. Returns the tokens by role."""
    from importlib import resources

    from nkwatch.ingest.pipeline import ingest_paths
    from nkwatch.link.copies import detect_copies
    from nkwatch.link.run import link
    from nkwatch.store.db import open_store
    from nkwatch.vault import keys
    from nkwatch.web import accounts

    t = time.perf_counter()
    store = open_store(db)
    with resources.as_file(resources.files("nkwatch").joinpath("data/sample")) as sample:
        report = ingest_paths(store, [sample], originals=home / "originals")
    added = [r.source_id for r in report.results if r.status == "added" and r.source_id]
    if added:
        detect_copies(store, added)
    linked = link(store)
    tokens = {}
    with store.session() as s:
        keys.init_vault(s, passphrase=PASSPHRASE, kdf=FAST_KDF)
        for role in ("custodian", "analyst", "viewer"):
            user = accounts.add_user(s, f"bench-{role}", accounts.generate_password(), role)
            tokens[role] = accounts.create_token(s, user, "attack bench")[1]
    store.close()
    print(f"store: {report.count('added')} sample sources, {linked.assigned} claims in incidents, vault and 3 users "
          f"({time.perf_counter() - t:.0f} s, not timed)", flush=True)  # fmt: skip
    return tokens


# --- the server and its memory -------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    """VmRSS of `pid` and its children, in MB; None once it has gone."""
    total, found = 0.0, False
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            pids += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
                    found = True
        except OSError:
            continue
    return total if found else None


class Server:
    def __init__(self, db: str, home: Path, log: Path, kill_mb: float):
        self.env = dict(os.environ, NKWATCH_DB=db, NKWATCH_HOME=str(home))
        self.log, self.kill_mb = log, kill_mb
        self.proc: subprocess.Popen | None = None
        self.samples: list[float] = []  # every sample since the start of the run, for the overall peak
        self.killed_at: float | None = None
        self.starts = 0

    def start(self) -> None:
        self.port = _free_port()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "nkwatch", "serve", "--host", HOST, "--port",
                                          str(self.port)], env=self.env, cwd=ROOT, stdout=log, stderr=log)  # fmt: skip
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited at start ({self.proc.returncode}); see {self.log}")
            if get(self.port, "/login", timeout=1)[0] == 200:
                break
            time.sleep(0.1)
        else:
            raise SystemExit(f"the server did not answer within 60 s; see {self.log}")
        self._stop = threading.Event()
        self._current: list[float] = []
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        assert self.proc is not None
        while not self._stop.is_set():
            mb = rss_mb(self.proc.pid)
            if mb is None:
                return
            self._current.append(mb)
            self.samples.append(mb)
            if mb > self.kill_mb and self.proc.poll() is None:
                self.killed_at = mb
                self.proc.kill()  # a runaway case is stopped here, not by the kernel's OOM killer
                return
            time.sleep(0.02)

    def mark(self) -> int:
        return len(self._current)

    def peak_since(self, mark: int) -> float:
        return max(self._current[mark:], default=float("nan"))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc is not None:
            self._stop.set()
            self._thread.join(2)


# --- HTTP on raw sockets (bounded in bytes and time) ----------------------------------------------------------


def _parse(answer: bytes) -> tuple[int, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    try:
        return int(head.split(b" ", 2)[1]), body
    except (IndexError, ValueError):
        return 0, answer  # 0: no HTTP answer (connection closed, reset or timed out)


def _read_answer(c: socket.socket, deadline: float) -> bytes:
    """Read until the server closes, the body is complete (Content-Length / chunked end), or the deadline."""
    data = b""
    while time.monotonic() < deadline:
        c.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = c.recv(1 << 16)
        except (TimeoutError, ConnectionError, OSError):
            break
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            lower = head.lower()
            if b"content-length:" in lower:
                n = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
                if len(body) >= n:
                    break
            elif b"chunked" in lower and body.endswith(b"0\r\n\r\n"):
                break
    return data


def request(port: int, head: bytes, body_chunks: Callable[[], object] | bytes = b"", *,
            timeout: float) -> tuple[int, float, bytes]:  # fmt: skip
    """Send `head` then the body (bytes, or a callable giving an iterable of chunks, sent only while the server
    has not answered). Returns the status (0 for none), the seconds to the first byte of the answer, the body."""
    t = time.perf_counter()
    deadline = time.monotonic() + timeout
    try:
        c = socket.create_connection((HOST, port), timeout=timeout)
    except OSError:
        return 0, time.perf_counter() - t, b"connection refused"
    answered = None
    with c:
        try:
            c.sendall(head)
            chunks = [body_chunks] if isinstance(body_chunks, bytes) else body_chunks()
            for chunk in chunks:  # type: ignore[attr-defined]
                if time.monotonic() > deadline:
                    break
                if select.select([c], [], [], 0)[0]:  # the server answered (or closed) before the body was done
                    answered = time.perf_counter()
                    break
                c.settimeout(max(0.01, deadline - time.monotonic()))
                c.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            answered = answered or time.perf_counter()
        if answered is None and select.select([c], [], [], max(0.0, deadline - time.monotonic()))[0]:
            answered = time.perf_counter()
        data = _read_answer(c, deadline)
    status, body = _parse(data)
    took = (answered or time.perf_counter()) - t
    return status, took, body


def head_of(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Connection: close", *(f"{k}: {v}" for k, v in
             headers.items())]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def get(port: int, path: str, token: str | None = None, timeout: float = 5) -> tuple[int, float, bytes]:
    return request(port, head_of("GET", path, {"Authorization": f"Bearer {token}"} if token else {}), timeout=timeout)


def post_json(port: int, path: str, body: bytes, token: str, timeout: float) -> tuple[int, float, bytes]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Length": str(len(body))}
    return request(port, head_of("POST", path, headers), body, timeout=timeout)


def post_files(port: int, path: str, files: list[tuple[bytes, bytes]], token: str,
               timeout: float) -> tuple[int, float, bytes]:  # fmt: skip
    """A multipart upload (field `files`) of (file name as bytes, content)."""
    parts = [b'--XyZbench\r\nContent-Disposition: form-data; name="files"; filename="' + name + b'"\r\n'
             b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n" for name, data in files]  # fmt: skip
    body = b"".join(parts) + b"--XyZbench--\r\n"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "multipart/form-data; boundary=XyZbench",
               "Content-Length": str(len(body))}  # fmt: skip
    return request(port, head_of("POST", path, headers), lambda: (body[i : i + MB] for i in range(0, len(body), MB)),
                   timeout=timeout)  # fmt: skip


# --- the cases -----------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    statuses: list[int]
    seconds: float
    detail: str = ""
    refused: bool | None = None  # None: judged from the statuses (every one a 4xx)


@dataclass
class Row:
    name: str
    outcome: Outcome
    before: float
    peak: float
    after: float
    answers: bool
    notes: list[str] = field(default_factory=list)
    ok: bool = False


def _detail(body: bytes) -> str:
    try:
        d = json.loads(body)
    except ValueError:
        return body[:100].decode("utf-8", "replace").replace("\r\n", " ")
    if isinstance(d, dict) and "results" in d:
        return "; ".join(f"{r['status']}: {r.get('reason') or str(r.get('claims')) + ' claims'}"
                         for r in d["results"])[:140]  # fmt: skip
    return str(d.get("detail", d) if isinstance(d, dict) else d)[:140]


def _upload_outcome(status: int, took: float, body: bytes) -> Outcome:
    """An upload is refused by a 4xx, or by a 200 whose every file `failed` with a reason."""
    detail = _detail(body)
    refused = 400 <= status < 500
    if status == 200:
        try:
            refused = all(r["status"] == "failed" and r.get("reason") for r in json.loads(body)["results"])
        except (ValueError, KeyError, TypeError):
            refused = False
    return Outcome([status], took, detail, refused)


def big_chunks() -> object:
    block = b" " * MB
    return (block for _ in range(BIG // MB))


def case_unlock(port: int, t: dict[str, str], timeout: float) -> Outcome:
    head = head_of("POST", "/api/vault/unlock", {"Content-Type": "application/json", "Content-Length": str(BIG)})
    status, took, body = request(port, head, lambda: (b'{"passphrase": "', *big_chunks()), timeout=timeout)
    return Outcome([status], took, _detail(body))


def case_unlock_x4(port: int, t: dict[str, str], timeout: float) -> Outcome:
    results: list[Outcome] = []
    threads = [threading.Thread(target=lambda: results.append(case_unlock(port, t, timeout))) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout + 5)
    return Outcome([r.statuses[0] for r in results], max((r.seconds for r in results), default=timeout),
                   results[0].detail if results else "")  # fmt: skip


def case_chunked(port: int, t: dict[str, str], timeout: float) -> Outcome:
    head = head_of("POST", "/api/vault/witnesses", {"Authorization": f"Bearer {t['custodian']}",
                   "Content-Type": "application/json", "Transfer-Encoding": "chunked"})  # fmt: skip
    block = b"%x\r\n" % (64 << 10) + b" " * (64 << 10) + b"\r\n"
    status, took, body = request(port, head, lambda: (block for _ in range(BIG // (64 << 10))), timeout=timeout)
    return Outcome([status], took, _detail(body))


def case_docx_bomb(port: int, t: dict[str, str], timeout: float, files: dict[str, bytes]) -> Outcome:
    return _upload_outcome(*post_files(port, "/api/sources", [(b"bomb.docx", files["bomb.docx"])], t["analyst"],
                                       timeout))  # fmt: skip


def case_docx_liar(port: int, t: dict[str, str], timeout: float, files: dict[str, bytes]) -> Outcome:
    return _upload_outcome(*post_files(port, "/api/sources", [(b"liar.docx", files["liar.docx"])], t["analyst"],
                                       timeout))  # fmt: skip


def case_text_5mb(port: int, t: dict[str, str], timeout: float, files: dict[str, bytes]) -> Outcome:
    return _upload_outcome(*post_files(port, "/api/sources", [(b"claims.txt", files["claims.txt"])], t["analyst"],
                                       timeout))  # fmt: skip


def case_search(words: int) -> Callable[..., Outcome]:
    def run(port: int, t: dict[str, str], timeout: float) -> Outcome:
        q = "+".join(f"w{i}" for i in range(words))
        status, took, body = get(port, f"/api/search?q={q}", t["viewer"], timeout)
        return Outcome([status], took, f"URL {len(q) / 1024:.0f} KB; {_detail(body)}")

    return run


def case_q_or(port: int, t: dict[str, str], timeout: float) -> Outcome:
    status, took, body = get(port, "/api/search?q=OR", t["viewer"], timeout)
    return Outcome([status], took, _detail(body), status == 200)  # a clean answer, not an error


def case_nul_name(port: int, t: dict[str, str], timeout: float) -> Outcome:
    data = f"In May 2024 guards beat returnees in Onsong ({time.time()}).".encode()
    status, took, body = post_files(port, "/api/sources", [(b"re\x00port.txt", data)], t["analyst"], timeout)
    try:
        (r,) = json.loads(body)["results"]
        clean = status == 200 and "\x00" not in r["name"]
        detail = f"stored as {r['name']!r}: {r['status']}"
    except (ValueError, KeyError, TypeError):
        clean, detail = False, _detail(body)
    return Outcome([status], took, detail, clean or 400 <= status < 500)


def case_surrogate(port: int, t: dict[str, str], timeout: float) -> Outcome:
    status, took, body = post_json(port, "/api/vault/witnesses", b'{"identity": {"name": "\\udc80 Pellin"}}',
                                   t["custodian"], timeout)  # fmt: skip
    return Outcome([status], took, _detail(body))


def case_interview(body: bytes) -> Callable[..., Outcome]:
    def run(port: int, t: dict[str, str], timeout: float) -> Outcome:
        status, took, answer = post_json(port, f"/api/vault/witnesses/{t['witness']}/interviews", body,
                                         t["custodian"], timeout)  # fmt: skip
        return Outcome([status], took, _detail(answer))

    return run


CASE_LIST: list[tuple[str, Callable[..., Outcome], bool]] = [  # name, case, needs the built files
    ("unlock 300MB anon", case_unlock, False),
    ("unlock 300MB x4", case_unlock_x4, False),
    ("chunked JSON 300MB", case_chunked, False),
    ("docx bomb 100MB", case_docx_bomb, True),
    ("docx lying size", case_docx_liar, True),
    ("text upload 5MB", case_text_5mb, True),
    ("search 400 words", case_search(400), False),
    ("search 800 words", case_search(800), False),
    ("search 15000 words", case_search(15_000), False),
    ("search q=OR", case_q_or, False),
    ("NUL in file name", case_nul_name, False),
    ("lone surrogate", case_surrogate, False),
    ("JSON 100k deep", case_interview(b"[" * 100_000 + b"]" * 100_000), False),
    ('interview {"text":5}', case_interview(b'{"text": 5}'), False),
    ('interview {"text":NaN}', case_interview(b'{"text": NaN}'), False),
]


def build_files(work: Path) -> dict[str, bytes]:
    t = time.perf_counter()
    docx_bomb(work / "bomb.docx", 100 * MB)
    CASES["docx-lying-header"][1](work / "liar.docx")  # 1 GB of paragraphs, headers saying 64 KB
    _write(work / "claims.txt", SENTENCE, 5 * MB)
    files = {n: (work / n).read_bytes() for n in ("bomb.docx", "liar.docx", "claims.txt")}
    files["claims.txt"] = files["claims.txt"][: 5 * MB]
    sizes = ", ".join(f"{n} {len(d) / 1024:.0f} KB" for n, d in files.items())
    print(f"files: {sizes} ({time.perf_counter() - t:.0f} s, not timed)", flush=True)
    return files


def prepare(server: Server, tokens: dict[str, str]) -> None:
    """After each start: unlock the vault for the custodian's token (the keyring lives in the server's memory)
    and, once, add a witness to send interviews to."""
    body = json.dumps({"passphrase": PASSPHRASE}).encode()
    status, _, answer = post_json(server.port, "/api/vault/unlock", body, tokens["custodian"], 30)
    if status != 200:
        raise SystemExit(f"could not unlock the vault: {status} {answer[:200]!r}")
    if "witness" not in tokens:
        body = json.dumps({"identity": {"name": "Ostrava Pellin"}, "allow_duplicate": True}).encode()
        status, _, answer = post_json(server.port, "/api/vault/witnesses", body, tokens["custodian"], 30)
        if status != 201:
            raise SystemExit(f"could not add a witness: {status} {answer[:200]!r}")
        tokens["witness"] = json.loads(answer)["id"]


def settle(server: Server) -> float:
    """The server's RSS once it is quiet: the median of 5 samples over 100 ms."""
    values = []
    for _ in range(5):
        if (mb := rss_mb(server.proc.pid)) is not None:  # type: ignore[union-attr]
            values.append(mb)
        time.sleep(0.02)
    return sorted(values)[len(values) // 2] if values else float("nan")


def run_case(server: Server, tokens: dict[str, str], name: str, fn: Callable[..., Outcome], timeout: float,
             files: dict[str, bytes] | None) -> Row:  # fmt: skip
    if not server.alive():
        server.start()
        prepare(server, tokens)
    before, mark = settle(server), server.mark()
    args = (server.port, tokens, timeout) + ((files,) if files is not None else ())
    try:
        outcome = fn(*args)
    except Exception as e:  # a bench error is a figure too; it must not stop the other cases
        outcome = Outcome([0], float("nan"), f"bench error: {type(e).__name__}: {e}")
    time.sleep(0.1)
    peak = server.peak_since(mark)
    notes = []
    answers = server.alive() and get(server.port, "/api/me", tokens["viewer"], timeout=5)[0] == 200
    after = settle(server) if server.alive() else float("nan")
    if server.killed_at is not None:
        notes.append(f"server killed at {server.killed_at:.0f} MB (--kill-mb)")
        server.killed_at = None
    elif not server.alive():
        notes.append(f"server died (exit {server.proc.returncode})")  # type: ignore[union-attr]
    if not answers:
        notes.append("restarted for the next case")
        server.stop()
    return Row(name, outcome, before, peak, after, answers, notes)


def case_sigterm(server: Server, tokens: dict[str, str], files: dict[str, bytes]) -> Row:
    """SIGTERM with requests under way: a sign-in POST whose body never comes (under the body limit, so the
    server waits for it) and the docx bomb's upload, being read; seconds from the signal to the exit."""
    if not server.alive():
        server.start()
        prepare(server, tokens)
    before, mark = settle(server), server.mark()
    slow = socket.create_connection((HOST, server.port))
    slow.sendall(head_of("POST", "/login", {"Content-Length": "200000", "Content-Type":
                                            "application/x-www-form-urlencoded"}) + b"username=")  # fmt: skip
    uploaded: list[int] = []
    upload = threading.Thread(target=lambda: uploaded.append(post_files(
        server.port, "/api/sources", [(b"bomb2.docx", files["bomb.docx"] + b"\0")], tokens["analyst"], 30)[0]),
        daemon=True)  # fmt: skip
    upload.start()
    time.sleep(1.0)
    t = time.perf_counter()
    server.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
    try:
        code = server.proc.wait(SIGTERM_SECONDS + 20)  # type: ignore[union-attr]
        took, detail = time.perf_counter() - t, ""
    except subprocess.TimeoutExpired:
        code, took, detail = -1, time.perf_counter() - t, f"still running {SIGTERM_SECONDS + 20:.0f} s after SIGTERM"
    slow.settimeout(1)
    try:
        slow_status = _parse(slow.recv(4096))[0] or "closed"
    except OSError:
        slow_status = "reset"
    slow.close()
    upload.join(5)
    peak = server.peak_since(mark)
    server.stop()
    # uvicorn stops gracefully, then re-raises the signal it caught: -15 (or 0) is a clean stop, -9 is not
    clean = code in (0, -signal.SIGTERM) and took < SIGTERM_SECONDS
    detail = detail or (f"exit code {code}; unfinished POST: {slow_status}; docx upload under way: "
                        f"{uploaded[0] if uploaded and uploaded[0] else 'no answer'}")  # fmt: skip
    return Row("SIGTERM mid-request", Outcome([code], took, detail, clean), before, peak, float("nan"), False)


def judge(row: Row, budget: float) -> None:
    o = row.outcome
    refused = o.refused if o.refused is not None else bool(o.statuses) and all(400 <= s < 500 for s in o.statuses)
    limit = SIGTERM_SECONDS if row.name.startswith("SIGTERM") else ANSWER_SECONDS
    row.ok = bool(refused) and o.seconds < limit and row.peak < budget and (row.answers or row.name.startswith(
        "SIGTERM"))  # fmt: skip
    if not refused:
        row.notes.append("not refused")
    if not o.seconds < limit:
        row.notes.append(f"over {limit:.0f} s")
    if not row.peak < budget:
        row.notes.append(f"peak over {budget:.0f} MB")


def table(rows: list[Row]) -> str:
    out = ["| case | HTTP | seconds | RSS MB before / peak / after | answers after | verdict | detail |",
           "|---|---|---:|---|---|---|---|"]  # fmt: skip
    for r in rows:
        status = "exit " + str(r.outcome.statuses[0]) if r.name.startswith("SIGTERM") else ",".join(
            str(s) if s else "none" for s in r.outcome.statuses)  # fmt: skip
        after = "-" if r.after != r.after else f"{r.after:.0f}"
        answers = "-" if r.name.startswith("SIGTERM") else ("yes" if r.answers else "NO")
        verdict = "ok" if r.ok else "FAIL: " + ", ".join(r.notes)
        detail = r.outcome.detail.replace("|", "/").replace("\n", " ")[:90]
        if r.ok and r.notes:
            detail += " (" + ", ".join(r.notes) + ")"
        out.append(f"| {r.name} | {status} | {r.outcome.seconds:.3f} | {r.before:.0f} / {r.peak:.0f} / {after} | "
                   f"{answers} | {verdict} | {detail} |")  # fmt: skip
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, help="keep the store, the built files and the server log in this folder")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds a case may take (default 60)")
    ap.add_argument("--budget-mb", type=float, default=1024.0, help="server memory budget (default 1024 MB)")
    ap.add_argument("--kill-mb", type=float, default=4096.0, help="kill the server past this RSS (default 4096)")
    ap.add_argument("--only", help="comma-separated case names (substrings) to run; SIGTERM always runs last")
    a = ap.parse_args()
    work = a.keep or Path(tempfile.mkdtemp(prefix="nkwatch-attack-"))
    work.mkdir(parents=True, exist_ok=True)
    db, home = str(work / "attack.db"), work / "home"
    for old in (Path(db), Path(db + "-wal"), Path(db + "-shm")):
        old.unlink(missing_ok=True)
    tokens = build(db, home)
    files = build_files(work)
    from machine import describe

    print(describe(), flush=True)
    server = Server(db, home, work / "server.log", a.kill_mb)
    rows: list[Row] = []
    started = time.monotonic()
    try:
        for name, fn, needs in CASE_LIST:
            if a.only and not any(s.strip() in name for s in a.only.split(",")):
                continue
            row = run_case(server, tokens, name, fn, a.timeout, files if needs else None)
            judge(row, a.budget_mb)
            rows.append(row)
            o = row.outcome
            print(f"{name:24} HTTP {','.join(map(str, o.statuses)):15} {o.seconds:7.3f} s  RSS {row.before:5.0f} / "
                  f"{row.peak:5.0f} / {row.after:5.0f} MB  answers after: {'yes' if row.answers else 'NO '}  "
                  f"{'ok' if row.ok else 'FAIL'}  {o.detail[:80]} {' '.join(row.notes)}", flush=True)  # fmt: skip
        row = case_sigterm(server, tokens, files)
        judge(row, a.budget_mb)
        rows.append(row)
        print(f"{row.name:24} exit {row.outcome.statuses[0]} after {row.outcome.seconds:.2f} s  "
              f"{'ok' if row.ok else 'FAIL'}", flush=True)  # fmt: skip
    finally:
        server.stop()
    overall = max(server.samples, default=float("nan"))
    print(f"\n{len(rows)} cases in {time.monotonic() - started:.0f} s; server started {server.starts} times; "
          f"peak server RSS over the whole run {overall:.0f} MB (budget {a.budget_mb:.0f} MB)\n")  # fmt: skip
    print(table(rows))
    failed = [r for r in rows if not r.ok]
    print(f"\nverdict: {len(rows) - len(failed)} of {len(rows)} cases met the targets (refused within "
          f"{ANSWER_SECONDS:.0f} s, SIGTERM within {SIGTERM_SECONDS:.0f} s, server under {a.budget_mb:.0f} MB, still "
          f"answering)" + ("" if overall < a.budget_mb else f"; memory budget passed ({overall:.0f} MB)"))  # fmt: skip
    for r in failed:
        print(f"  FAILED {r.name}: {', '.join(r.notes)}")
    if a.keep:
        print(f"store, files and server log kept in {work}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
