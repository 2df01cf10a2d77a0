"""Benchmark: latency of the web app on a store of 100,000 claims, at 1 and at 20 concurrent clients.

    python bench/web.py [--claims 100000] [--keep DIR [--reuse]] [--seconds 15] [--workers 1]

Builds a store with bench/link.py's generator (realistic acts, places, dates, one to six sources per
occurrence), links it, and makes a viewer with a session and an API token (not timed). Then it serves the
store with uvicorn on loopback in a subprocess and runs a load generator in another process: N clients,
each on one keep-alive connection, sending requests back to back (closed loop) for --seconds per endpoint,
after a short warm-up. Endpoints:

  incidents page   /incidents with a rotating mix of filters, sorts and pages   (target p95 < 150 ms)
  incident page    /incidents/<id> for random incidents                          (target p95 < 150 ms)
  API incidents    /api/incidents with the same mix, bearer token               (target p95 < 100 ms)

The load generator speaks HTTP/1.1 over asyncio streams itself: a client library would cost more CPU than
the server on a 2-core machine and measure itself.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILTERS = ["", "?page=2", "?page=5", "?act=execution", "?act=forced_repatriation&sort=date",
           "?kind=event&year_from=2015", "?place=kp-ryanggang", "?min_confidence=0.6&sort=sources",
           "?category=detention_torture_execution&page=3", "?year_from=2020&year_to=2024&sort=-date",
           "?perpetrator=dprk_state&page=2", "?status=machine&sort=updated"]


def build(db: str, home: Path, n: int) -> None:
    spec = importlib.util.spec_from_file_location("bench_link", ROOT / "bench" / "link.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    t = time.perf_counter()
    made = mod.generate(db, n, seed=1)
    from nkwatch.link.run import link
    from nkwatch.store.db import open_store

    store = open_store(db)
    r = link(store, full=True)
    print(f"built {made} claims into {r.incidents} incidents in {time.perf_counter() - t:.0f}s (not timed)", flush=True)
    store.close()


def credentials(db: str) -> dict[str, str]:
    from nkwatch.store.db import open_store
    from nkwatch.web import accounts

    store = open_store(db)
    with store.session() as s:
        try:
            user = accounts.get_user(s, "bench")
        except accounts.AccountError:
            user = accounts.add_user(s, "bench", accounts.generate_password(), "viewer")
        session = accounts.start_session(s, user)
        _, token = accounts.create_token(s, user, "bench")
    with store.session() as s:
        from sqlalchemy import select

        from nkwatch.store.models import Incident

        ids = list(s.scalars(select(Incident.id).order_by(Incident.id)))
    store.close()
    rng = random.Random(7)
    return {"cookie": session.token, "token": token, "incidents": json.dumps(rng.sample(ids, min(2000, len(ids))))}


# --- load generator (runs in its own process) ----------------------------------------------------------------


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, headers: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length, chunked = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        k, _, v = line.decode("latin-1").partition(":")
        if k.lower() == "content-length":
            length = int(v)
        elif k.lower() == "transfer-encoding" and "chunked" in v:
            chunked = True
    if chunked:
        while (size := int((await reader.readline()).strip(), 16)) > 0:
            await reader.readexactly(size + 2)
        await reader.readline()
    else:
        await reader.readexactly(length)
    return status


async def _client(port: int, paths: list[str], headers: str, until: float, warm: float, out: list[float],
                  seed: int) -> None:  # fmt: skip
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while (now := time.perf_counter()) < until:
            path = rng.choice(paths)
            status = await _request(reader, writer, path, headers)
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status}")
            if now >= warm:
                out.append(time.perf_counter() - now)
    finally:
        writer.close()


async def _load(port: int, paths: list[str], headers: str, clients: int, seconds: float) -> list[float]:
    out: list[float] = []
    start = time.perf_counter()
    warm, until = start + min(2.0, seconds / 4), start + min(2.0, seconds / 4) + seconds
    await asyncio.gather(*(_client(port, paths, headers, until, warm, out, i) for i in range(clients)))
    return out


def load_main(args: argparse.Namespace) -> None:
    spec = json.loads(Path(args.load).read_text())
    lat = asyncio.run(_load(spec["port"], spec["paths"], spec["headers"], spec["clients"], spec["seconds"]))
    print(json.dumps(lat))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="keep the generated store in this folder")
    ap.add_argument("--reuse", action="store_true", help="use the store already in --keep")
    ap.add_argument("--seconds", type=float, default=15.0, help="measured seconds per endpoint and client count")
    ap.add_argument("--clients", default="1,20", help="client counts, comma-separated")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--load", help=argparse.SUPPRESS)  # a child process: the load generator
    a = ap.parse_args()
    if a.load:
        load_main(a)
        return
    work = a.keep or Path(tempfile.mkdtemp(prefix="nkwatch-webbench-"))
    work.mkdir(parents=True, exist_ok=True)
    db, home = str(work / "web.db"), work / "home"
    if not (a.reuse and Path(db).exists()):
        Path(db).unlink(missing_ok=True)
        build(db, home, a.claims)
    creds = credentials(db)
    port = _free_port()
    env = dict(os.environ, NKWATCH_DB=db, NKWATCH_HOME=str(home))
    server = subprocess.Popen([sys.executable, "-m", "nkwatch", "serve", "--port", str(port), "--workers",
                               str(a.workers)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        incidents = json.loads(creds["incidents"])
        endpoints = {
            "incidents page": ([f"/incidents{f}" for f in FILTERS], f"Cookie: nkw_session={creds['cookie']}\r\n"),
            "incident page": ([f"/incidents/{i}" for i in incidents], f"Cookie: nkw_session={creds['cookie']}\r\n"),
            "/api/incidents": ([f"/api/incidents{f}" for f in FILTERS], f"Authorization: Bearer {creds['token']}\r\n"),
        }  # fmt: skip
        sys.path.insert(0, str(ROOT / "bench"))
        import machine

        print(machine.describe(), flush=True)
        print(f"{'endpoint':16} {'clients':>7} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
        for clients in (int(c) for c in a.clients.split(",")):
            for name, (paths, headers) in endpoints.items():
                spec = work / "load.json"
                spec.write_text(json.dumps({"port": port, "paths": paths, "headers": headers, "clients": clients,
                                            "seconds": a.seconds}))  # fmt: skip
                out = subprocess.run([sys.executable, __file__, "--load", str(spec)], capture_output=True, text=True)
                if out.returncode:
                    raise SystemExit(f"load generator failed:\n{out.stderr[-2000:]}")
                lat = json.loads(out.stdout)
                print(f"{name:16} {clients:7} {len(lat):9} {len(lat) / a.seconds:7.0f} "
                      f"{statistics.median(lat) * 1000:7.1f} {percentile(lat, 95) * 1000:7.1f}", flush=True)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
