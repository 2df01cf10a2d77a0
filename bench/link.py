"""Benchmark: link 1,000,000 claims into incidents, then add 1,000 new claims incrementally.

    python bench/link.py [--claims 1000000] [--keep DIR]

Claims are generated from realistic distributions: occurrences of each act spread over 2000-2025 (more
in recent years), placed at gazetteer places, each reported by one to six sources with one to three
claims each (headline, lede, detail) and differing counts and date precision; about 40% of claims are
patterns and 10% statistics; quotes are real report sentences. They are written straight into a SQLite
store (not timed). Each timed step runs in a fresh process, so its peak memory is its own:

  full link      every claim, from scratch      (target: under 2 minutes on 2 cores); its partitions are
                 planned by two worker processes while the main one writes (nkwatch.link.plan)
  incremental    1,000 new claims into that store (target: under 5 seconds); the median of three runs,
                 each on a fresh copy of the linked store
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAPTURED = datetime(2026, 1, 1, tzinfo=UTC)
ACTS = {"forced_repatriation": 14, "detention": 14, "execution": 10, "torture": 10, "sentence": 10, "arrest": 9,
        "surveillance": 7, "forced_labour": 6, "sexual_violence": 5, "border_killing": 4, "information_control": 4,
        "enforced_disappearance": 3, "food_deprivation": 2, "abduction": 1, "collective_punishment": 1}  # fmt: skip
INDICATORS = ["defector_arrivals", "political_prisoners", "forced_repatriations", "executions", "food_insecure"]


def quotes() -> list[str]:
    from nkwatch.extract.sentences import split_sentences

    out = []
    for folder in ("nkwatch/data/sample", "dev/claims/texts", "dev/linkage/texts"):
        for p in sorted((ROOT / folder).glob("*.txt")):
            t = p.read_text(encoding="utf-8")
            out.extend(t[s.begin:s.end] for s in split_sentences(t) if s.end - s.begin > 30)
    return out


def generate(db: str, n: int, seed: int, *, new: bool = False) -> int:
    """Write about n claims (with their sources) into the store; returns how many."""
    from nkwatch.extract.gazetteer import gazetteer
    from nkwatch.store.db import open_store
    from nkwatch.store.models import Claim, Source

    rng = random.Random(seed)
    g = gazetteer()
    places = [p for p in g.places.values() if p.id.startswith(("kp", "cn-", "camp-", "border")) and p.lat]
    pool = quotes()
    acts, weights = list(ACTS), list(ACTS.values())
    store = open_store(db)
    claims, sources = [], []
    made = 0
    occurrence = 0
    while made < n:
        occurrence += 1
        tag = f"{seed}-{occurrence}"
        r = rng.random()
        kind = "event" if r < 0.5 else "pattern" if r < 0.9 else "statistic"
        act = rng.choices(acts, weights)[0]
        year = min(2025, int(2000 + 26 * rng.random() ** 0.6))
        day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        place = rng.choice(places)
        count = max(1, int(rng.lognormvariate(2.5, 1.2)))
        indicator = rng.choice(INDICATORS)
        for k in range(rng.choice([1, 1, 2, 2, 3, 4, 6])):
            sid = hashlib.sha256(f"src-{tag}-{k}".encode()).hexdigest()
            sources.append({"id": sid, "kind": "news", "text": "", "format": "text", "size_bytes": 0,
                            "reliability": rng.choice("ABCDF"), "published_at": day.isoformat(),
                            "captured_at": CAPTURED})  # fmt: skip
            for j in range(rng.choice([1, 1, 2, 3])):
                precision = rng.choice(["day", "month", "month", "year"])
                iso = {"day": day.isoformat(), "month": day.isoformat()[:7], "year": str(year)}[precision]
                c = {"id": hashlib.sha256(f"c-{tag}-{k}-{j}".encode()).hexdigest()[:24], "source_id": sid,
                     "span_start": 0, "span_end": 1, "quote": rng.choice(pool), "kind": kind,
                     "hedged": rng.random() < 0.15,
                     "status": "machine", "rule": "bench", "extractor_version": "bench",
                     "created_at": CAPTURED, "link_locked": False, "act": None, "indicator": None,
                     "value": None, "period": None, "unit": None, "year": None, "month": None, "place_id": None,
                     "when": None, "where": None, "perpetrator": None, "victims": None}  # fmt: skip
                if kind == "statistic":
                    c.update(indicator=indicator, value=float(count * 10), period=str(year), unit="people")
                else:
                    c.update(act=act, year=year if kind == "event" else None, place_id=place.id,
                             month=iso[:7] if kind == "event" and precision != "year" else None,
                             when={"start": iso, "end": iso, "precision": precision} if kind == "event" else None,
                             where={"place_id": place.id, "name": place.name, "precision": place.precision},
                             perpetrator={"id": "dprk_state"},
                             victims={"count": int(count * rng.uniform(0.7, 1.4)), "group": "escapees"})  # fmt: skip
                claims.append(c)
                made += 1
        if len(claims) > 50_000 or made >= n:
            with store.session() as s:
                s.connection().execute(Source.__table__.insert(), sources)
                s.connection().execute(Claim.__table__.insert(), claims)
            claims, sources = [], []
    store.close()
    return made


def _remove_store(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)


INCREMENTAL_RUNS = 3  # a shared 2-core machine is noisy: the incremental figure is a median


def timed_link(db: str, full: bool) -> dict:
    """Run one link in this process and report its time and peak memory."""
    from nkwatch.link.run import link
    from nkwatch.store.db import open_store

    store = open_store(db)
    t = time.perf_counter()
    r = link(store, full=full)
    return {"seconds": round(time.perf_counter() - t, 2), "claims": r.claims, "assigned": r.assigned,
            "incidents": r.incidents, "proposals": r.proposals,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "worker_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="keep the generated store in this folder")
    ap.add_argument("--reuse", action="store_true", help="link the store already in --keep again")
    ap.add_argument("--step", choices=["full", "incremental"], help=argparse.SUPPRESS)  # a child process
    ap.add_argument("--db", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.step:
        print(json.dumps(timed_link(a.db, a.step == "full")))
        return
    work = a.keep or Path(tempfile.mkdtemp(prefix="nkwatch-linkbench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = str(work / "link.db")
    if a.reuse:
        print(f"reusing the store in {work}")
    else:
        t = time.perf_counter()
        n = generate(db, a.claims, seed=1)
        print(f"generated {n} claims in {time.perf_counter() - t:.0f}s (not timed below)", flush=True)

    def step(name: str, target: str = db) -> dict:
        out = subprocess.run([sys.executable, __file__, "--step", name, "--db", target], capture_output=True,
                             text=True)  # fmt: skip
        if out.returncode:
            raise SystemExit(f"{name} link failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    import machine

    print(machine.describe(), flush=True)
    full = step("full")
    print(f"full link:   {full['seconds']:.1f}s, peak memory {full['peak_rss_mb']} MB (each planning worker at most "
          f"{full['worker_peak_mb']} MB); {full['claims']} claims "
          f"into {full['incidents']} incidents, {full['proposals']} possible duplicates")  # fmt: skip
    generate(db, 1000, seed=2 if not a.reuse else int(time.time()), new=True)
    runs = []
    with sqlite3.connect(db) as src:  # everything into the database file, so that a file copy is the store
        src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = work / "incremental.db"
    for _ in range(INCREMENTAL_RUNS):  # each on a fresh copy of the linked store with the same new claims
        _remove_store(copy)
        shutil.copyfile(db, copy)
        runs.append(step("incremental", str(copy)))
    _remove_store(copy)
    inc = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    each = ", ".join(f"{r['seconds']:.2f}" for r in runs)
    print(f"incremental: {inc['seconds']:.2f}s (median of {each}), peak "
          f"memory {inc['peak_rss_mb']} MB; {inc['assigned']} claims placed ({inc['claims']} claims read from their "
          f"blocks), {inc['incidents']} incidents written")  # fmt: skip


if __name__ == "__main__":
    main()
