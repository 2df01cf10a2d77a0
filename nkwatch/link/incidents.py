"""An incident's merged fields (each with the claim it came from) and its confidence score.

Confidence (0..1), documented in the README so a researcher can defend it:

    confidence = 0.55 * corroboration + 0.45 * reliability - 0.25 * hedged_share + review_bonus

- corroboration = 1 - 0.5 ** independent_sources (one source 0.5, two 0.75, three 0.875, ...); copies and
  syndications of one original count once;
- reliability = mean Admiralty grade of the best source of each independent group (A 1.0, B 0.8, C 0.6,
  D 0.4, E 0.2, F 0.5 "cannot be judged");
- hedged_share = the share of its claims the sources themselves mark as unconfirmed;
- review_bonus = 0.15 when a person has confirmed (or corrected) a claim of it, else 0; publishing it adds
  nothing;
clipped to 0..1.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any, NamedTuple

from nkwatch.extract.gazetteer import gazetteer
from nkwatch.vocab import category_of, vocab

FORMULA = "0.55*corroboration + 0.45*reliability - 0.25*hedged_share + review_bonus"
INSTITUTIONS: dict[str, str] = vocab()["institutions"]
RELIABILITY = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.5}
# Claims listed one by one in an incident's "who said which number"; more are summarised (see _summarise).
REPORTED_CAP = 30
PRECISION_ORDER = {"day": 0, "month": 1, "season": 2, "year": 3, "decade": 4}


class SourceInfo(NamedTuple):  # a tuple: made for every source a run reads, several times faster than a dataclass
    id: str
    reliability: str
    group: str  # independence group: sources with one group key are copies of one original


def incident_id(claim_ids: list[str]) -> str:
    """A new incident's id, fixed by its first claim so that re-running gives the same ids."""
    return "inc-" + hashlib.sha256(min(claim_ids).encode()).hexdigest()[:12]


def confidence(claims: list[dict[str, Any]], sources: dict[str, SourceInfo], reviewed: bool) -> tuple[float, dict]:
    groups: dict[str, float] = {}
    for c in claims:
        s = sources[c["source_id"]]
        groups[s.group] = max(groups.get(s.group, 0.0), RELIABILITY.get(s.reliability, 0.5))
    independent = len(groups)
    corroboration = 1 - 0.5**independent
    reliability = sum(groups.values()) / independent if independent else 0.0
    hedged = sum(1 for c in claims if c.get("hedged")) / len(claims)
    bonus = 0.15 if reviewed else 0.0
    value = min(1.0, max(0.0, 0.55 * corroboration + 0.45 * reliability - 0.25 * hedged + bonus))
    breakdown = {"independent_sources": independent, "corroboration": round(corroboration, 3),
                 "reliability": round(reliability, 3), "hedged_share": round(hedged, 3),
                 "review_bonus": bonus, "formula": FORMULA}  # fmt: skip
    return round(value, 3), breakdown


def _pick(claims: list[dict[str, Any]], sources: dict[str, SourceInfo], field: str, key) -> dict | None:  # noqa: ANN001
    """The best claim for a field: by `key`, then the more reliable, unhedged source, then the smaller id."""
    having = [c for c in claims if c.get(field)]
    if not having:
        return None
    best = min(having, key=lambda c: (key(c), -RELIABILITY.get(sources[c["source_id"]].reliability, 0.5),
                                      bool(c.get("hedged")), c["id"]))  # fmt: skip
    return {"value": best[field], "claim_id": best["id"], "source_id": best["source_id"]}


def rebuild(c: dict[str, Any]) -> dict[str, Any]:
    """Fill in a claim's `where` and `perpetrator` from their indexed ids, when it was read without them (see
    rows.CLAIM_COLUMNS); returns the claim."""
    if "where" not in c:
        p = gazetteer().get(c.get("place_id") or "")
        c["where"] = {"place_id": p.id, "name": p.name, "precision": p.precision,
                      **({"lat": p.lat, "lon": p.lon} if p.lat is not None else {})} if p else None  # fmt: skip
    if "perpetrator" not in c:
        pid = c.get("perpetrator_id")
        c["perpetrator"] = {"id": pid, "name": INSTITUTIONS.get(pid, pid)} if pid else None
    return c


def merge(claims: list[dict[str, Any]], sources: dict[str, SourceInfo]) -> dict[str, Any]:
    """The merged best value of each field, with the claim and source it came from, and who said what."""
    g = gazetteer()
    out: dict[str, Any] = {}
    out["when"] = _pick(claims, sources, "when", lambda c: PRECISION_ORDER.get(c["when"].get("precision"), 9))
    for c in claims:
        rebuild(c)
    out["where"] = _pick(claims, sources, "where", lambda c: -len(g.ancestors(c["where"].get("place_id") or "")))
    specific = [c for c in claims if (c.get("perpetrator") or {}).get("id") not in (None, "dprk_state")]
    out["perpetrator"] = _majority(specific or claims, "perpetrator", lambda v: v.get("id"))
    out["grounds"] = _majority(claims, "grounds", lambda v: v)
    out["punishment"] = _majority(claims, "punishment", lambda v: (v.get("type"), v.get("years")))
    out["law"] = _majority(claims, "law", lambda v: v)
    groups = Counter((c.get("victims") or {}).get("group") for c in claims if (c.get("victims") or {}).get("group"))
    counts = []
    for c in claims:
        v = c.get("victims") or {}
        if c["kind"] == "statistic":
            lo, hi = c.get("value_min", c.get("value")), c.get("value_max", c.get("value"))
            lo = lo if lo is not None else c.get("value")
            hi = hi if hi is not None else c.get("value")
        else:
            lo = v.get("count") if v.get("count") is not None else v.get("count_min")
            hi = v.get("count") if v.get("count") is not None else v.get("count_max")
        if lo is not None or hi is not None:
            counts.append({"claim_id": c["id"], "source_id": c["source_id"], "min": lo, "max": hi,
                           "text": v.get("text") if c["kind"] != "statistic" else c.get("quote", "")[:80]})  # fmt: skip
    lows = [x["min"] for x in counts if x["min"] is not None]
    highs = [x["max"] for x in counts if x["max"] is not None]
    reported, omitted = _summarise(counts, sources)
    out["victims"] = {"group": groups.most_common(1)[0][0] if groups else None,
                      "min": min(lows) if lows else None, "max": max(highs or lows) if (highs or lows) else None,
                      "reported": reported, **({"omitted": omitted} if omitted else {})}  # fmt: skip
    out["hedged"] = all(c.get("hedged") for c in claims)
    return out


def _summarise(counts: list[dict[str, Any]], sources: dict[str, SourceInfo]) -> tuple[list[dict], dict | None]:
    """Who said which number. Up to REPORTED_CAP claims, each one; beyond (a figure quoted by hundreds of
    articles), one entry per distinct value, from its most reliable source, with how many claims gave it;
    beyond REPORTED_CAP values, the lowest, the highest and the most reported, and a count of the rest."""
    if len(counts) <= REPORTED_CAP:
        return counts, None
    by_value: dict[tuple, list[dict[str, Any]]] = {}
    for x in counts:
        by_value.setdefault((x["min"], x["max"]), []).append(x)
    entries = [dict(min(xs, key=lambda x: (-RELIABILITY.get(sources[x["source_id"]].reliability, 0.5),
                                           x["claim_id"])), claims=len(xs)) for xs in by_value.values()]  # fmt: skip
    entries.sort(key=_value_order)
    if len(entries) <= REPORTED_CAP:
        return entries, None
    highest = max(entries, key=lambda x: _value_order(x)[::-1])
    ends = [entries[0]] if highest is entries[0] else [entries[0], highest]  # one range may span them all
    rest = sorted((x for x in entries[1:] if x is not highest), key=lambda x: (-x["claims"], _value_order(x)))
    room = REPORTED_CAP - len(ends)
    left = rest[room:]
    return sorted(ends + rest[:room], key=_value_order), {"values": len(left), "claims": sum(x["claims"] for x in left)}


def _value_order(x: dict[str, Any]) -> tuple[float, float]:
    lo = x["min"] if x["min"] is not None else x["max"]
    hi = x["max"] if x["max"] is not None else lo
    return (lo, hi)


def _majority(claims: list[dict[str, Any]], field: str, key) -> dict | None:  # noqa: ANN001
    votes = Counter()
    first: dict[Any, dict] = {}
    for c in sorted(claims, key=lambda c: c["id"]):
        v = c.get(field)
        if v:
            k = key(v)
            votes[k] += 1
            first.setdefault(k, c)
    if not votes:
        return None
    k = max(votes, key=lambda k: (votes[k], str(k)))
    c = first[k]
    return {"value": c[field], "claim_id": c["id"], "source_id": c["source_id"], "votes": votes[k]}


def incident_row(iid: str, claims: list[dict[str, Any]], sources: dict[str, SourceInfo], *, status: str,
                 reviewed: bool) -> dict[str, Any]:  # fmt: skip
    """The incidents-table row for a cluster of claims."""
    lead = min(claims, key=lambda c: ({"event": 0, "statistic": 1, "pattern": 2}[c["kind"]], c["id"]))
    fields = merge(claims, sources)
    conf, breakdown = confidence(claims, sources, reviewed)  # publishing adds nothing: confirmations do
    when = (fields["when"] or {}).get("value") or {}
    where = (fields["where"] or {}).get("value") or {}
    srcs = sorted({c["source_id"] for c in claims})
    vmin, vmax = fields["victims"]["min"], fields["victims"]["max"]
    return {
        "id": iid, "kind": lead["kind"], "act": lead.get("act"), "indicator": lead.get("indicator"),
        "category": category_of(lead.get("act")), "when_start": when.get("start"), "when_end": when.get("end"),
        "when_precision": when.get("precision"),
        "year": int(str(when["start"])[:4]) if when.get("start") else None,
        "place_id": where.get("place_id"),
        "perpetrator_id": ((fields["perpetrator"] or {}).get("value") or {}).get("id"),
        "victim_group": fields["victims"]["group"],
        "count_min": int(vmin) if vmin is not None and lead["kind"] != "statistic" else None,
        "count_max": int(vmax) if vmax is not None and lead["kind"] != "statistic" else None,
        "value_min": vmin if lead["kind"] == "statistic" else None,
        "value_max": vmax if lead["kind"] == "statistic" else None,
        "fields": dict(fields, sources=srcs), "n_claims": len(claims), "n_sources": len(srcs),
        "n_independent": breakdown["independent_sources"], "confidence": conf,
        "confidence_breakdown": breakdown, "status": status,
    }  # fmt: skip
