"""Exports: claims and incidents as JSON Lines (the spec's objects, one a line), one JSON array, or CSV (flattened)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from nkwatch.store.models import Claim

FORMATS = ("jsonl", "json", "csv")

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
    return _claim_csv_from_json(claim_json(c))


def _claim_csv_from_json(d: dict[str, Any]) -> dict[str, Any]:
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


def write_claims(claims: Iterable[Claim], fmt: str, out: IO[str], *, audience: str = "public") -> int:
    """Write claims to a text stream; returns how many.

    Claims from testimonies go through the witness vault's gate for `audience` (nkwatch.vault.guard:
    consent, then the disclosure check for anyone outside); "internal" is for the organisation's own staff."""
    from nkwatch.vault.guard import claims_for

    return write_rows((claim_json(c) for c in claims_for(claims, audience)), fmt, out, CSV_COLUMNS,
                      _claim_csv_from_json)  # fmt: skip


INCIDENT_CSV = ["id", "kind", "act", "indicator", "category", "when_start", "when_end", "when_precision", "place_id",
                "perpetrator_id", "victim_group", "count_min", "count_max", "value_min", "value_max", "n_claims",
                "n_sources", "n_independent", "confidence", "status", "claim_ids", "sources",
                "independent_sources", "sequel_of"]  # fmt: skip


def write_incidents(rows: Iterable[dict[str, Any]], fmt: str, out: IO[str], *, audience: str = "public") -> int:
    """Write incidents (as `nkwatch.link.query.incident_export` gives them) to a text stream; returns how many.

    Written inside a `Store.session()` block (as every caller does), incidents told by testimony go through
    the witness vault's gate for `audience` (nkwatch.vault.guard): left out, generalised, or as they are."""
    from nkwatch.vault.guard import incident_rows_for

    return write_rows(incident_rows_for(rows, audience), fmt, out, INCIDENT_CSV,
                      lambda d: {k: _cell(d.get(k)) for k in INCIDENT_CSV})  # fmt: skip


def write_rows(rows: Iterable[dict[str, Any]], fmt: str, out: IO[str], columns: list[str], flat: Any) -> int:
    """Write JSON objects one a line (jsonl), as one JSON array (json), or flattened by `flat` (csv)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    n = 0
    w = csv.DictWriter(out, fieldnames=columns) if fmt == "csv" else None
    if w:
        w.writeheader()
    elif fmt == "json":
        out.write("[")
    for d in rows:
        if w:
            w.writerow(flat(d))
        elif fmt == "json":  # written as it goes, so a large export never sits in memory whole
            out.write(("," if n else "") + "\n" + json.dumps(d, ensure_ascii=False))
        else:
            out.write(json.dumps(d, ensure_ascii=False) + "\n")
        n += 1
    if fmt == "json":
        out.write("\n]\n")
    return n


def _cell(v: Any) -> Any:
    return ";".join(v) if isinstance(v, list) else v


def write_file_atomically(path: Path, write: Any, *, binary: bool = False) -> Any:
    """Call write(stream) on a temporary file beside `path`, then rename it over `path`.

    An export interrupted half-way never leaves a truncated file that looks complete.
    """
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            result = write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result
