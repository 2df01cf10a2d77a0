"""Copy and syndication detection: which sources repeat another source, so they add no independent corroboration.

One forced repatriation may be reported by a UN report, two NGOs and five news sites that copy each other: a
wire story republished with "Source: Yonhap", one article on two sites, a lightly rewritten copy. This module
marks the copies (`Source.derived_from`, `Source.derivation`) so that corroboration counts originals only.

How a copy is found
1. Text → word shingles. The text is normalised (NFKC, lower case, punctuation to spaces, whitespace
   collapsed) and cut into overlapping runs of `SHINGLE_WORDS` words; each shingle is hashed to 64 bits
   (blake2b). Two texts' overlap is measured on these shingle sets.
2. Shingles → MinHash signature (`fingerprint`): `NUM_PERM` hash functions h_i(x) = (a_i*x + b_i) mod (2^61-1),
   truncated to 32 bits, applied with numpy to all shingle hashes at once; the signature is the minimum of
   each. It is stored as `NUM_PERM` little-endian uint32 in `Source.fingerprint`. The share of equal
   positions of two signatures estimates the Jaccard similarity of the shingle sets (`similarity`).
3. Candidates by LSH banding: the signature is cut into `BANDS` bands of `ROWS` values; sources with an
   identical band are candidates. Each band is grouped with one numpy sort (a band → source ids table), so
   the work grows about linearly with the number of sources, not with the number of pairs.
4. Confirmation on the exact shingle sets of both texts: containment |A∩B| / min(|A|, |B|) (which is never
   below the Jaccard similarity) catches an excerpt republished inside a longer page as well as a full copy.
5. Attribution lines ("Source: Yonhap", "(AP) —", "Copyright ... Radio Free Asia", ...; found by
   nkwatch.link.attribution, which also groups sources by independence, `independence_groups`):
   a source that credits a publisher other than its own is linked to a stored source of that publisher
   when the two tell the same story (a lower containment, `ATTRIBUTION_CONTAINMENT`). With no such stored
   source it is marked "attribution: Yonhap (original not stored)" (derived_from None): it is then not
   independent of any other source crediting the same publisher (`independence_groups`).

Direction and chains. Each confirmed pair is oriented from the copy to the original: a source that credits
another publisher is the copy; otherwise the later one is (published_at, taken at the latest day its
precision allows; on the same day a wire agency's own story before a carrier's; then captured_at, then the
id as a deterministic tie-break). Every source then takes as
parent its best-scoring earlier partner, and `derived_from` is the end of that chain: if A copies B and B
copies C, both A and B derive from C. Chains follow the parent of each source, not whole connected
components, so a round-up quoting two unrelated originals does not make one original a copy of the other.

Thresholds were chosen on the real copies in dev/linkage (see `dev/linkage/eval_copies.py`).
"""

from __future__ import annotations

import calendar
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

# Attribution lines and independence groups live in nkwatch.link.attribution; imported from here as before too.
from nkwatch.link.attribution import ALIASES, NOT_STORED, attribution, canonical_publisher, independence_groups
from nkwatch.store.models import Source

__all__ = ["ALIASES", "NOT_STORED", "CopyLink", "attribution", "canonical_publisher", "detect_copies", "fingerprint",
           "independence_groups", "overlap", "shingles", "similarity"]  # fmt: skip

# --- thresholds (k=5 shingles; numbers measured on dev/linkage, 57 texts, 9 real copy pairs) -------------

# 5-word shingles: long enough that independent reports of one event rarely share them (shared names and
# short quotes give a few), short enough that a rewrite changing a word every sentence keeps most of them.
# On dev/linkage the largest containment between two non-copies is 0.27 at k=5 (0.39 at k=3).
SHINGLE_WORDS = 5
# 256 permutations: the Jaccard estimate has a standard error of at most 0.031 (0.5/sqrt(256)), and there
# are enough bands below for low-Jaccard copies. The signature costs 1 KiB a source.
NUM_PERM = 256
# 128 bands of 2 rows: a pair becomes a candidate with probability 1-(1-J^2)^128, i.e. 0.72 at J=0.10,
# 0.95 at J=0.15, 0.99 at J=0.20. Real copies in dev/linkage that are excerpts of different parts of one
# story have a Jaccard of only 0.17-0.19 (containment 0.34-0.44), so the usual 32x4 banding (0.03 at
# J=0.17) would miss them. Unrelated texts (J < 0.01) collide in 1% of pairs or fewer, and are
# dropped by the estimate below before any text is read.
BANDS = 128
ROWS = 2
# A candidate is checked on the texts only if its estimated Jaccard reaches this (4 standard errors under
# the 0.17 of the weakest real copy found by similarity alone).
CANDIDATE_MIN_ESTIMATE = 0.05
# A pair is a copy when at least this share of the smaller text's shingles is in the other text. Real
# copies in dev/linkage: 0.34 (Reuters rewrite) up to 1.0; the highest non-copy pair: 0.27 (Daily Mail's own
# story on the BBC report vs the BBC text), then 0.11.
COPY_CONTAINMENT = 0.30
# ... and they share at least this many shingles (about two sentences): a single long quotation two
# independent reports both carry is not a copy. Real copies share 39 or more; non-copies at most 20.
COPY_MIN_SHARED = 25
# The reason says "near-duplicate" from this Jaccard on (the whole text repeated), else "containment".
NEAR_DUPLICATE_JACCARD = 0.5
# A source that credits a publisher copies a stored source of that publisher when they tell the same
# story: containment from 0.15 with 10 shared shingles. The HRW release and its rewrite in dev/linkage:
# 0.22 (15 shared); two different Yonhap stories about the same repatriation: 0.07; different outlets on
# the same incident: at most 0.11 (apart from the 0.27 above).
ATTRIBUTION_CONTAINMENT = 0.15
ATTRIBUTION_MIN_SHARED = 10
# Cheap signature filter before reading texts for the attribution check (the HRW pair estimates ~0.08).
ATTRIBUTION_MIN_ESTIMATE = 0.02
# ... and only against stored stories of that publisher dated within this many days of the crediting one
# (either date unknown: always compared). A carried wire story follows the original within days; the
# slack covers month-only dates. It keeps the check from comparing every Yonhap copy with every Yonhap story.
ATTRIBUTION_WINDOW_DAYS = 31
# A band shared by more than this many sources (a common footer, a wire story carried by hundreds of
# sites) is not expanded into all its pairs: each member is compared with the earliest BUCKET_CAP members
# only, which still finds the original of every syndicated copy and bounds the work.
BUCKET_CAP = 50

# Reasons this module writes; a derivation that starts otherwise was written by a person and is kept.
MACHINE_REASONS = ("near-duplicate", "containment", "attribution:")

_PRIME = (1 << 61) - 1
_MASK32 = np.uint64(0xFFFFFFFF)
_EMPTY = np.uint32(0xFFFFFFFF)


def _seeded(tag: str, i: int) -> int:
    # Parameters from a hash, not from numpy's generator, so signatures never change with a numpy upgrade.
    return int.from_bytes(hashlib.blake2b(f"nkwatch-minhash-{tag}-{i}".encode(), digest_size=4).digest(), "little")


# a < 2^32 and x < 2^32, so a*x + b < 2^64: the products are exact in uint64 before the modulo.
_A = np.array([_seeded("a", i) | 1 for i in range(NUM_PERM)], dtype=np.uint64)
_B = np.array([_seeded("b", i) for i in range(NUM_PERM)], dtype=np.uint64)

# --- fingerprints -----------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[^\w\s]|_", " ", text).split()


def shingles(text: str) -> np.ndarray:
    """The sorted unique 64-bit hashes of the text's SHINGLE_WORDS-word shingles (one shingle if shorter)."""
    w = _words(text)
    if not w:
        return np.zeros(0, dtype=np.uint64)
    grams = [" ".join(w[i:i + SHINGLE_WORDS]) for i in range(max(1, len(w) - SHINGLE_WORDS + 1))]
    hashes = [int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little") for g in grams]
    return np.unique(np.array(hashes, dtype=np.uint64))


def _signature(sh: np.ndarray) -> np.ndarray:
    sig = np.full(NUM_PERM, _EMPTY, dtype=np.uint32)
    if sh.size == 0:
        return sig
    x = sh & _MASK32  # 32-bit inputs keep a*x+b exact in uint64
    out = np.full(NUM_PERM, np.uint64(0xFFFFFFFF), dtype=np.uint64)
    for start in range(0, x.size, 2048):  # 2048 x 256 x 8 bytes = 4 MiB at a time, whatever the text length
        chunk = x[start:start + 2048, None]
        vals = ((chunk * _A[None, :] + _B[None, :]) % np.uint64(_PRIME)) & _MASK32
        np.minimum(out, vals.min(axis=0), out=out)
    return out.astype(np.uint32)


def fingerprint(text: str) -> bytes:
    """MinHash signature of the text: NUM_PERM little-endian uint32 (what Source.fingerprint stores)."""
    return _signature(shingles(text or "")).astype("<u4").tobytes()


def _sig(fp: bytes) -> np.ndarray:
    arr = np.frombuffer(fp, dtype="<u4") if len(fp) % 4 == 0 else np.zeros(0, dtype="<u4")
    if arr.size != NUM_PERM:
        raise ValueError(f"not a fingerprint of {NUM_PERM} values ({len(fp)} bytes)")
    return arr


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two texts' shingle sets, from their fingerprints (0.0 .. 1.0)."""
    return float(np.count_nonzero(_sig(a) == _sig(b))) / NUM_PERM


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[int, float, float]:
    """(shared shingles, Jaccard, containment in the smaller) of two `shingles` arrays."""
    if a.size == 0 or b.size == 0:
        return 0, 0.0, 0.0
    shared = int(np.intersect1d(a, b, assume_unique=True).size)
    return shared, shared / (a.size + b.size - shared), shared / min(a.size, b.size)


# --- the links --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyLink:
    """One source's place among copies: the original it derives from (None: no stored original), why, and
    the overlap with its partner that supports it (0.0 for an attribution whose original is not stored)."""

    source_id: str
    derived_from: str | None
    reason: str
    score: float


@dataclass
class _Node:
    id: str
    publisher: str | None  # canonical agency of the publisher field
    published: str
    captured: str
    derived_from: str | None
    derivation: str | None
    days: tuple[int, int] | None = None  # first and last day (ordinal) published_at may mean
    credits: str | None = None  # canonical publisher the text credits, other than its own

    @property
    def manual(self) -> bool:
        """A link a person set: kept as it is."""
        return bool(self.derived_from) and not (self.derivation or "").startswith(MACHINE_REASONS)

    def order(self) -> tuple[int, str, int, str, str]:
        """Sort key of 'earlier': a source that credits another publisher comes after any that does not; then
        the publication date; on the same date a wire agency (ALIASES) comes before a site that carries its
        stories; then the capture time and the id."""
        return (1 if self.credits else 0, self.published, 0 if self.publisher else 1, self.captured, self.id)


@dataclass
class _Edge:
    child: str
    parent: str
    reason: str
    score: float
    explicit: bool  # an attribution line supports it

    def rank(self) -> tuple[bool, float]:
        return (self.explicit, self.score)


def _date_key(published_at: str | None) -> str:
    """A partial date sorts at the last day it may mean: '2020-09' after '2020-09-24' (a dated source is
    preferred as the original of an undated copy); no date sorts last."""
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", published_at or "")
    if not m:
        return "9999-99-99"
    return f"{m.group(1)}-{m.group(2) or '12'}-{m.group(3) or '31'}"


def _day_range(published_at: str | None) -> tuple[int, int] | None:
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", published_at or "")
    if not m:
        return None
    try:
        y = int(m.group(1))
        if m.group(3):
            d = date(y, int(m.group(2)), int(m.group(3))).toordinal()
            return d, d
        if m.group(2):
            mo = int(m.group(2))
            return date(y, mo, 1).toordinal(), date(y, mo, calendar.monthrange(y, mo)[1]).toordinal()
        return date(y, 1, 1).toordinal(), date(y, 12, 31).toordinal()
    except ValueError:
        return None


def _near_in_time(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    if a is None or b is None:
        return True
    return b[0] - a[1] <= ATTRIBUTION_WINDOW_DAYS and a[0] - b[1] <= ATTRIBUTION_WINDOW_DAYS


def _captured_key(value: datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _batches(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


@dataclass
class _Run:
    s: Session
    nodes: dict[str, _Node]
    sigs: np.ndarray  # (n, NUM_PERM) uint32, rows in `order`
    order: list[str]
    focus: set[str] | None  # None: a full run
    sh: dict[str, np.ndarray] = field(default_factory=dict)

    def load(self, ids: Iterable[str]) -> None:
        """Read the texts of these sources (once) for their shingles and attribution."""
        need = sorted({i for i in ids if i not in self.sh})
        for batch in _batches(need):
            for sid, text in self.s.execute(select(Source.id, Source.text).where(Source.id.in_(batch))):
                self.see(sid, text or "")

    def see(self, sid: str, text: str) -> None:
        node = self.nodes[sid]
        self.sh[sid] = shingles(text)
        credited = attribution(text)
        node.credits = credited if credited and credited != node.publisher else None

    def in_focus(self, sid: str) -> bool:
        return self.focus is None or sid in self.focus


def _candidates(run: _Run) -> list[tuple[int, int]]:
    """Pairs of row indices that share a band (at least one in focus), with an estimated Jaccard high enough."""
    sigs, n = run.sigs, len(run.order)
    if n < 2:
        return []
    valid = ~np.all(sigs == _EMPTY, axis=1)  # empty texts have nothing to share
    focus = np.array([run.in_focus(i) for i in run.order], dtype=bool)
    rank = np.empty(n, dtype=np.int64)  # earliest first, so capped buckets keep the originals
    rank[sorted(range(n), key=lambda i: run.nodes[run.order[i]].order())] = np.arange(n)
    pairs: set[tuple[int, int]] = set()
    for b in range(BANDS):
        keys = (sigs[:, b * ROWS].astype(np.uint64) << np.uint64(32)) | sigs[:, b * ROWS + 1].astype(np.uint64)
        idx = np.flatnonzero(valid)
        idx = idx[np.argsort(keys[idx], kind="stable")]
        k = keys[idx]
        bounds = np.flatnonzero(np.diff(k)) + 1
        starts, ends = np.r_[0, bounds], np.r_[bounds, k.size]
        for g in np.flatnonzero(ends - starts >= 2).tolist():
            group = idx[starts[g]:ends[g]]
            if not focus[group].any():
                continue
            group = group[np.argsort(rank[group])]
            partners = (group if group.size <= BUCKET_CAP else group[:BUCKET_CAP]).tolist()
            members = group[focus[group]] if run.focus is not None else group
            for i in members.tolist():
                for j in partners:
                    if i != j:
                        pairs.add((min(i, j), max(i, j)))
    if not pairs:
        return []
    arr = np.array(sorted(pairs), dtype=np.int64)
    est = np.empty(len(arr))
    for start in range(0, len(arr), 4096):
        a, b = arr[start:start + 4096, 0], arr[start:start + 4096, 1]
        est[start:start + 4096] = (sigs[a] == sigs[b]).mean(axis=1)
    return [tuple(p) for p in arr[est >= CANDIDATE_MIN_ESTIMATE].tolist()]


def _orient(run: _Run, a: str, b: str) -> tuple[str, str]:
    """(copy, original) of a pair."""
    na, nb = run.nodes[a], run.nodes[b]
    return (a, b) if na.order() > nb.order() else (b, a)


def _similar_edges(run: _Run, pairs: list[tuple[int, int]]) -> dict[frozenset[str], _Edge]:
    ids = [(run.order[i], run.order[j]) for i, j in pairs]
    run.load(x for p in ids for x in p)
    edges: dict[frozenset[str], _Edge] = {}
    for a, b in ids:
        shared, jac, cont = overlap(run.sh[a], run.sh[b])
        if shared >= COPY_MIN_SHARED and cont >= COPY_CONTAINMENT:
            child, parent = _orient(run, a, b)
            reason = f"near-duplicate {jac:.2f}" if jac >= NEAR_DUPLICATE_JACCARD else f"containment {cont:.2f}"
            edges[frozenset((a, b))] = _Edge(child, parent, reason, round(max(jac, cont), 4), False)
    return edges


def _attribution_edges(run: _Run, edges: dict[frozenset[str], _Edge]) -> None:
    """Link sources that credit a publisher to a stored source of that publisher telling the same story."""
    by_publisher: dict[str, list[str]] = defaultdict(list)
    for sid in run.order:
        p = run.nodes[sid].publisher
        if p:
            by_publisher[p].append(sid)
    row = {sid: i for i, sid in enumerate(run.order)}
    crediting: list[str] = []
    if run.focus is None:
        crediting = [sid for sid in run.order if run.nodes[sid].credits]
    else:
        crediting = [sid for sid in sorted(run.focus) if run.nodes[sid].credits]
        # Older sources waiting for an original that has just arrived.
        new_publishers = {run.nodes[sid].publisher for sid in run.focus if run.nodes[sid].publisher}
        waiting = [sid for sid in run.order if sid not in run.focus and any(
            (run.nodes[sid].derivation or "") == f"attribution: {p} {NOT_STORED}" for p in new_publishers)]
        run.load(waiting)
        crediting += [sid for sid in waiting if run.nodes[sid].credits]
    for sid in crediting:
        node = run.nodes[sid]
        originals = [o for o in by_publisher.get(node.credits or "", [])
                     if o != sid and (run.in_focus(sid) or run.in_focus(o))
                     and _near_in_time(node.days, run.nodes[o].days)]  # fmt: skip
        if not originals:
            continue
        est = (run.sigs[[row[o] for o in originals]] == run.sigs[row[sid]]).mean(axis=1)
        close = [o for o, e in zip(originals, est.tolist(), strict=True) if e >= ATTRIBUTION_MIN_ESTIMATE]
        run.load(close + [sid])
        for o in close:
            shared, _jac, cont = overlap(run.sh[sid], run.sh[o])
            if shared >= ATTRIBUTION_MIN_SHARED and cont >= ATTRIBUTION_CONTAINMENT:
                child, parent = _orient(run, sid, o)
                edges[frozenset((sid, o))] = _Edge(child, parent, f"attribution: {node.credits}",
                                                   round(cont, 4), True)  # fmt: skip


def _load_nodes(s: Session) -> tuple[dict[str, _Node], dict[str, bytes | None]]:
    nodes: dict[str, _Node] = {}
    fps: dict[str, bytes | None] = {}
    cols = (Source.id, Source.publisher, Source.published_at, Source.captured_at, Source.derived_from,
            Source.derivation, Source.fingerprint)  # fmt: skip
    rows = s.execute(select(*cols).order_by(Source.id))
    for r in rows:
        nodes[r.id] = _Node(r.id, canonical_publisher(r.publisher), _date_key(r.published_at),
                            _captured_key(r.captured_at), r.derived_from, r.derivation,
                            _day_range(r.published_at))  # fmt: skip
        fps[r.id] = bytes(r.fingerprint) if r.fingerprint is not None else None
    return nodes, fps


def detect_copies(store: Any, source_ids: Iterable[str] | None = None) -> list[CopyLink]:
    """Find sources that copy or syndicate others and record it in Source.derived_from / derivation.

    Missing fingerprints are computed and stored first. Without `source_ids` every pair of sources is
    considered (a full run: machine links no longer found are cleared). With `source_ids` only pairs that
    involve one of those sources are (an incremental run after an ingest); older links are kept, and
    re-pointed when a new source turns out to be the original of an older one. Links a person set (a
    derivation that is not one of MACHINE_REASONS) are never changed. Everything is written in one
    transaction; the same data gives the same result, so a second run changes nothing.

    Returns the links of the sources concerned: all linked sources in a full run; in an incremental one the
    given sources, the sources now deriving from them, and any source whose link changed.
    """
    with store.session() as s:
        nodes, fps = _load_nodes(s)
        focus = None if source_ids is None else {i for i in source_ids if i in nodes}
        order = list(nodes)
        run = _Run(s, nodes, np.zeros((0, NUM_PERM), dtype=np.uint32), order, focus)

        # 1. fingerprints (a full run reads every text anyway, for the attribution lines)
        stale = [i for i in order if fps[i] is None or len(fps[i] or b"") != NUM_PERM * 4]
        todo = order if focus is None else sorted(set(stale) | focus)
        new_fps: list[dict[str, Any]] = []
        stale_set = set(stale)
        for batch in _batches(todo):
            for sid, text in s.execute(select(Source.id, Source.text).where(Source.id.in_(batch))):
                text = text or ""
                if sid in stale_set:
                    fps[sid] = fingerprint(text)
                    new_fps.append({"id": sid, "fingerprint": fps[sid]})
                if focus is None:  # keep only what is needed: the attribution, not the text
                    credited = attribution(text)
                    nodes[sid].credits = credited if credited and credited != nodes[sid].publisher else None
                else:
                    run.see(sid, text)
        if new_fps:
            s.execute(update(Source), new_fps)
        run.sigs = (np.stack([np.frombuffer(fps[i] or b"", dtype="<u4") for i in order]).astype(np.uint32)
                    if order else np.zeros((0, NUM_PERM), dtype=np.uint32))  # fmt: skip

        # 2. confirmed pairs
        edges = _similar_edges(run, _candidates(run))
        _attribution_edges(run, edges)
        # 3. parents and roots
        links = _resolve(run, list(edges.values()))

        # 4. write
        changes = []
        for sid, (df, dv) in links.items():
            node = nodes[sid]
            if (node.derived_from, node.derivation) != (df, dv):
                changes.append({"id": sid, "derived_from": df, "derivation": dv})
        if changes:
            s.execute(update(Source), changes)
        changed = {c["id"] for c in changes}

        scores = {e.child: e.score for e in edges.values()}
        out = []
        for sid in sorted(links):
            df, dv = links[sid]
            if not (df or dv) or (focus is not None and not (sid in focus or df in focus or sid in changed)):
                continue
            stored = re.search(r" (\d\.\d+)", dv or "")  # a kept link: its score is in its reason
            out.append(CopyLink(sid, df, dv or "", scores.get(sid, float(stored.group(1)) if stored else 0.0)))
        return out


def _resolve(run: _Run, edges: list[_Edge]) -> dict[str, tuple[str | None, str | None]]:
    """Each source's (derived_from, derivation) after this run."""
    nodes, focus = run.nodes, run.focus
    out_edges: dict[str, list[_Edge]] = defaultdict(list)
    for e in edges:
        out_edges[e.child].append(e)
    parent: dict[str, str] = {}
    reason: dict[str, str] = {}
    kept: set[str] = set()  # links that stay as stored: a person's, or older ones outside an incremental run
    for sid, node in nodes.items():
        if node.manual or (focus is not None and sid not in focus and node.derived_from):
            parent[sid], reason[sid] = node.derived_from or "", node.derivation or ""
            kept.add(sid)
        elif out_edges.get(sid):  # the best partner: explicit credit first, then overlap, then the earliest
            best = min(out_edges[sid], key=lambda e: (not e.explicit, -e.score, nodes[e.parent].order()))
            parent[sid], reason[sid] = best.parent, best.reason

    def root(sid: str) -> str:
        seen = {sid}
        while sid in parent and parent[sid] in nodes and parent[sid] not in seen:
            sid = parent[sid]
            seen.add(sid)
        return parent[sid] if sid in parent and parent[sid] not in nodes else sid  # a deleted original

    result: dict[str, tuple[str | None, str | None]] = {}
    for sid, node in nodes.items():
        if node.manual:
            result[sid] = (node.derived_from, node.derivation)
        elif sid in parent:
            r = root(sid)
            if r == sid:  # a loop made by people's links: leave it to them
                result[sid] = (node.derived_from, node.derivation)
            elif sid in kept:
                result[sid] = (r, node.derivation)
            else:
                result[sid] = (r, reason[sid] + (f" (via {parent[sid][:12]})" if parent[sid] != r else ""))
        elif focus is None or sid in focus:
            credited = node.credits
            result[sid] = (None, f"attribution: {credited} {NOT_STORED}" if credited else None)
        else:
            result[sid] = (node.derived_from, node.derivation)
    return result
