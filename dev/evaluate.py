"""Score the coder on a development set with the project's scorer, without a database.

    python dev/evaluate.py            # the seeds and dev/claims (both gold files)
    python dev/evaluate.py --verbose  # also list misses and confusions

Runs extract_claims on each gold source (publication date from its sidecar), writes the claims as
`export claims` would, and runs ../shared/tools/score_claims.py on them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from nkwatch.extract import extract_claims

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SETS = {
    "seeds": (SHARED / "spec/dev/seeds-gold.jsonl", SHARED / "seeds"),
    "dev": (None, ROOT / "dev/claims/texts"),
}


def predict(gold: Path, texts: Path, out: Path) -> None:
    names = sorted({json.loads(line)["source"] for line in gold.read_text().splitlines() if line.strip()})
    with out.open("w") as f:
        for name in names:
            raw = (texts / name).read_bytes()
            side = texts / (name + ".meta.json")
            meta = json.loads(side.read_text()) if side.exists() else {}
            sid = hashlib.sha256(raw).hexdigest()
            for c in extract_claims(raw.decode("utf-8"), published_at=meta.get("published_at"), source_id=sid,
                                    language=meta.get("language", "en")):  # fmt: skip
                f.write(json.dumps(c, ensure_ascii=False) + "\n")


def false_positives(gold: Path, texts: Path, pred: Path) -> None:
    """Predictions that overlap no gold claim of the same kind and label (what the scorer counts against us)."""
    golds = [json.loads(x) for x in gold.read_text().splitlines() if x.strip()]
    by_sha = {hashlib.sha256((texts / g["source"]).read_bytes()).hexdigest(): g["source"] for g in golds}
    for line in pred.read_text().splitlines():
        p = json.loads(line)
        name = by_sha[p["source_id"]]
        text = (texts / name).read_text()
        label = p.get("indicator") if p["kind"] == "statistic" else p.get("act")
        ok = False
        for g in golds:
            if g["source"] != name or g["kind"] != p["kind"]:
                continue
            glabel = g.get("indicator") if g["kind"] == "statistic" else g.get("act")
            i = text.find(g["quote"])
            a, b = p["span"]["start"], p["span"]["end"]
            if glabel == label and i >= 0 and max(0, min(b, i + len(g["quote"])) - max(a, i)) / len(g["quote"]) > 0.25:
                ok = True
        if not ok:
            print(f"  FP {p['kind'][:4]} {label:22} {p['rule'][:40]:40} | {name[:22]} | {p['quote'][:80]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--only", choices=list(SETS))
    ap.add_argument("--fp", action="store_true", help="list predictions that match no gold claim")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    for name, (gold, texts) in SETS.items():
        if a.only and name != a.only:
            continue
        if gold is None:  # the dev set has two gold files: score them together
            gold = tmp / "dev-gold.jsonl"
            gold.write_text("".join(p.read_text() for p in sorted((ROOT / "dev/claims").glob("gold-*.jsonl"))))
        pred = tmp / f"{name}-pred.jsonl"
        predict(gold, texts, pred)
        res = subprocess.run([sys.executable, str(SHARED / "tools/score_claims.py"), "--gold", str(gold),
                              "--texts", str(texts), "--pred", str(pred)], capture_output=True, text=True)  # fmt: skip
        lines = res.stdout.splitlines()
        print(f"== {name}")
        if a.fp:
            false_positives(gold, texts, pred)
        print("\n".join(lines if a.verbose else [x for x in lines if not x.strip().startswith(("confused", "missed"))]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
