"""Exports: claims as JSON Lines (exactly the spec's claim objects) or CSV (flattened, one claim a row)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from nkwatch.store.models import Claim

FORMATS = ("jsonl", "csv")

CSV_COLUMNS = [
    "id", "source_id", "span_start", "span_end", "kind", "act", "grounds", "when_start", "when_end",
    "when_precision", "where_place_id", "where_name", "where_precision", "where_lat", "where_lon",
    "perpetrator_id", "victims_count", "victims_count_min", "victims_count_max", "victims_group",
    "punishment_type", "punishment_years", "law", "hedged", "indicator", "value", "value_min", "value_max",
    "unit", "period", "status", "quote",
]  # fmt: skip


def _num(v: Any) -> Any:
    """Whole numbers as ints (2000, not 2000.0) so exports read as the text did."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def claim_json(c: Claim) -> dict[str, Any]:
    d = c.to_dict()
    for k in ("value", "value_min", "value_max"):
        d[k] = _num(d[k])
    return d


def claim_csv_row(c: Claim) -> dict[str, Any]:
    d = claim_json(c)
    w, p, v, u = d["when"] or {}, d["where"] or {}, d["victims"] or {}, d["punishment"] or {}
    return {
        "id": d["id"], "source_id": d["source_id"], "span_start": d["span"]["start"], "span_end": d["span"]["end"],
        "kind": d["kind"], "act": d["act"], "grounds": d["grounds"], "when_start": w.get("start"),
        "when_end": w.get("end"), "when_precision": w.get("precision"), "where_place_id": p.get("place_id"),
        "where_name": p.get("name"), "where_precision": p.get("precision"), "where_lat": p.get("lat"),
        "where_lon": p.get("lon"), "perpetrator_id": (d["perpetrator"] or {}).get("id"),
        "victims_count": v.get("count"), "victims_count_min": v.get("count_min"),
        "victims_count_max": v.get("count_max"), "victims_group": v.get("group"), "punishment_type": u.get("type"),
        "punishment_years": u.get("years"), "law": d["law"], "hedged": d["hedged"], "indicator": d["indicator"],
        "value": d["value"], "value_min": d["value_min"], "value_max": d["value_max"], "unit": d["unit"],
        "period": d["period"], "status": d["status"], "quote": d["quote"],
    }  # fmt: skip


def write_claims(claims: Iterable[Claim], fmt: str, out: IO[str]) -> int:
    """Write claims to a text stream; returns how many."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    n = 0
    if fmt == "jsonl":
        for c in claims:
            out.write(json.dumps(claim_json(c), ensure_ascii=False) + "\n")
            n += 1
    else:
        w = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        w.writeheader()
        for c in claims:
            w.writerow(claim_csv_row(c))
            n += 1
    return n


def write_file_atomically(path: Path, write: Any) -> Any:
    """Call write(stream) on a temporary file beside `path`, then rename it over `path`.

    An export interrupted half-way never leaves a truncated file that looks complete.
    """
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            result = write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result
