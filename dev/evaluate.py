"""Score the coder on the development and held-out sets with the project's scorer, without a database.

    python dev/evaluate.py                    # every set: seeds, dev, en-tune, en-test, ko-tune, ko-test
    python dev/evaluate.py --set en-tune      # one set (repeat --set for several)
    python dev/evaluate.py --set dev -v       # also list misses and confusions (never for a *-test set)
    python dev/evaluate.py --set dev --fp     # list predictions that match no gold claim (never for a test set)

Runs extract_claims on each gold source (publication date and language from its sidecar), writes the claims
as `export claims` would, and scores them with ../shared/tools/score_claims.py --json. A part with several
gold-*.jsonl files scores them together. Figures: facts F1 (events and statistics pooled), events, patterns
and statistics F1, and grounds agreement on matched claims. The held-out sets (dev/eval/README.md) are also
broken down by publisher kind (sidecar `kind`), their tune and test parts side by side; a tune figure more
than 0.05 above its test figure is flagged as overfitting.

From a test part only the figures are shown: nobody reads its misses, false positives or claims while tuning.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from nkwatch.extract import extract_claims, learned

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools/score_claims.py"
EVAL = ROOT / "dev/eval"
BASELINE = EVAL / "baseline.json"  # the figures before any tuning on the held-out sets
OVERFIT = 0.05  # a tune figure this much above the test figure is overfitting


@dataclass(frozen=True)
class ClaimSet:
    name: str
    golds: tuple[Path, ...]
    texts: Path
    held_out: str | None = None  # language group (en, ko) of a held-out part
    test: bool = False


def part(lang: str, role: str) -> ClaimSet:
    folder = EVAL / lang / role
    return ClaimSet(f"{lang}-{role}", tuple(sorted(folder.glob("gold-*.jsonl"))), folder / "texts", lang,
                    role == "test")  # fmt: skip


SETS = {
    s.name: s
    for s in (
        ClaimSet("seeds", (SHARED / "spec/dev/seeds-gold.jsonl",), SHARED / "seeds"),
        ClaimSet("dev", tuple(sorted((ROOT / "dev/claims").glob("gold-*.jsonl"))), ROOT / "dev/claims/texts"),
        part("en", "tune"),
        part("en", "test"),
        part("ko", "tune"),
        part("ko", "test"),
    )
}
# Publisher kinds reported separately (sidecar `kind`); testimony and other only count in "all".
GROUPS = {"UN": ("un_report",), "NGO": ("ngo_report",), "government": ("government",), "news": ("news",)}
METRICS = ("facts", "events", "patterns", "statistics", "grounds")


@dataclass
class Score:
    """Counts from one scorer run: per claim kind (tp, gold, pred) and grounds agreement."""

    kinds: dict[str, tuple[int, int, int]]
    grounds: tuple[int, int]  # agree, scored
    passages: int
    misses: list[list]
    confusions: list[list]

    def f1(self, *kinds: str) -> float | None:
        """F1 of the kinds pooled; None where the gold has none of them."""
        tp, gold, pred = (sum(self.kinds[k][i] for k in kinds) for i in range(3))
        if not gold:
            return None
        return 2 * tp / (gold + pred)  # = 2PR/(P+R)

    def figure(self, metric: str) -> float | None:
        if metric == "grounds":
            ok, n = self.grounds
            return ok / n if n else None
        kinds = {"facts": ("event", "statistic"), "events": ("event",), "patterns": ("pattern",),
                 "statistics": ("statistic",)}[metric]  # fmt: skip
        return self.f1(*kinds)

    @property
    def gold(self) -> int:
        return sum(v[1] for v in self.kinds.values())


def read_gold(golds: tuple[Path, ...]) -> list[dict]:
    return [json.loads(x) for g in golds for x in g.read_text(encoding="utf-8").splitlines() if x.strip()]


def sidecar(texts: Path, name: str) -> dict:
    side = texts / (name + ".meta.json")
    return json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}


def predict(gold: list[dict], texts: Path, out: Path) -> None:
    with out.open("w", encoding="utf-8") as f:
        for name in sorted({g["source"] for g in gold}):
            raw = (texts / name).read_bytes()
            meta = sidecar(texts, name)
            sid = hashlib.sha256(raw).hexdigest()
            for c in extract_claims(raw.decode("utf-8"), published_at=meta.get("published_at"), source_id=sid,
                                    language=meta.get("language", "en")):  # fmt: skip
                f.write(json.dumps(c, ensure_ascii=False) + "\n")


def run_scorer(gold: list[dict], texts: Path, pred: Path, work: Path) -> Score:
    path = work / "gold.jsonl"
    path.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold), encoding="utf-8")
    res = subprocess.run([sys.executable, str(SCORER), "--gold", str(path), "--texts", str(texts), "--pred",
                          str(pred), "--json"], capture_output=True, text=True, check=True)  # fmt: skip
    out = json.loads(res.stdout)
    kinds = {k: (v["tp"], v["gold"], v["pred"]) for k, v in out["kinds"].items()}
    g = out["fields"]["grounds"]
    return Score(kinds, (g["agree"], g["scored"]), len({x["source"] for x in gold}), out["misses"], out["confusions"])


def evaluate(cs: ClaimSet, work: Path) -> dict[str, Score]:
    """Scores of a set: "all", and for a held-out part each publisher kind present."""
    gold = read_gold(cs.golds)
    pred = work / f"{cs.name}-pred.jsonl"
    predict(gold, cs.texts, pred)
    scores = {"all": run_scorer(gold, cs.texts, pred, work)}
    if cs.held_out:
        kind = {name: sidecar(cs.texts, name).get("kind") for name in {g["source"] for g in gold}}
        for group, kinds in GROUPS.items():
            sub = [g for g in gold if kind[g["source"]] in kinds]
            if sub:  # predictions for other sources are ignored by the scorer
                scores[group] = run_scorer(sub, cs.texts, pred, work)
    return scores


def false_positives(gold: list[dict], texts: Path, pred: Path) -> None:
    """Predictions that overlap no gold claim of the same kind and label (what the scorer counts against us)."""
    by_sha = {hashlib.sha256((texts / g["source"]).read_bytes()).hexdigest(): g["source"] for g in gold}
    for line in pred.read_text(encoding="utf-8").splitlines():
        p = json.loads(line)
        name = by_sha[p["source_id"]]
        text = (texts / name).read_text(encoding="utf-8")
        label = p.get("indicator") if p["kind"] == "statistic" else p.get("act")
        ok = False
        for g in gold:
            if g["source"] != name or g["kind"] != p["kind"]:
                continue
            glabel = g.get("indicator") if g["kind"] == "statistic" else g.get("act")
            i = text.find(g["quote"])
            a, b = p["span"]["start"], p["span"]["end"]
            if glabel == label and i >= 0 and max(0, min(b, i + len(g["quote"])) - max(a, i)) / len(g["quote"]) > 0.25:
                ok = True
        if not ok:
            print(f"  FP {p['kind'][:4]} {label:22} {p['rule'][:40]:40} | {name[:22]} | {p['quote'][:80]}")


def fmt(x: float | None) -> str:
    return "    -" if x is None else f"{x:.3f}"


def print_sets(results: dict[str, dict[str, Score]]) -> None:
    print(f"{'set':8} {'passages':>8} {'gold':>5}  {'facts':>5} {'events':>6} {'patterns':>8} {'stats':>5} "
          f"{'grounds':>13}")  # fmt: skip
    for name, scores in results.items():
        s = scores["all"]
        ok, n = s.grounds
        print(f"{name:8} {s.passages:8} {s.gold:5}  {fmt(s.figure('facts'))} {fmt(s.figure('events')):>6} "
              f"{fmt(s.figure('patterns')):>8} {fmt(s.figure('statistics'))} {fmt(s.figure('grounds')):>6} "
              f"({ok:>3}/{n:<3})")  # fmt: skip


def figures(results: dict[str, dict[str, Score]]) -> dict[str, dict[str, dict[str, float | None]]]:
    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 3)

    return {name: {g: {m: r(s.figure(m)) for m in METRICS} | {"gold": s.gold, "passages": s.passages}
                   for g, s in scores.items()} for name, scores in results.items()}  # fmt: skip


def baseline_gap(baseline: dict, lang: str, group: str, metric: str) -> float | None:
    """tune - test of a figure in the recorded baseline (dev/eval/baseline.json), if both are there."""
    sets = baseline.get("sets", {})
    x = sets.get(f"{lang}-tune", {}).get(group, {}).get(metric)
    y = sets.get(f"{lang}-test", {}).get(group, {}).get(metric)
    return x - y if x is not None and y is not None else None


def print_tune_test(lang: str, tune: dict[str, Score] | None, test: dict[str, Score] | None,
                    baseline: dict) -> list[str]:  # fmt: skip
    """The tune and test figures of a language side by side, per publisher kind; returns the overfitting lines."""
    print(f"\n{lang}: tune | test by publisher kind (F1; grounds = agreement; ! = tune > test + {OVERFIT})")
    head = " ".join(f"{m:^12}" for m in METRICS)
    print(f"{'kind':11} {'gold':^9} {head}")
    flags = []
    for group in ("all", *GROUPS):
        a, b = (tune or {}).get(group), (test or {}).get(group)
        if a is None and b is None:
            continue
        gold = f"{a.gold if a else '-':>4}|{b.gold if b else '-':<4}"
        cells = []
        for m in METRICS:
            x, y = a.figure(m) if a else None, b.figure(m) if b else None
            over = x is not None and y is not None and x - y > OVERFIT
            if over:
                gap = baseline_gap(baseline, lang, group, m)
                flags.append(f"overfitting: {lang} {group} {m}: tune {x:.3f} > test {y:.3f} (+{x - y:.3f}"
                             + (f"; baseline gap {gap:+.3f})" if gap is not None else ")"))  # fmt: skip
            cells.append(f"{fmt(x)}|{fmt(y)}{'!' if over else ' '}")
        print(f"{group:11} {gold:>9} " + " ".join(cells))
    return flags


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", "--only", dest="sets", action="append", choices=list(SETS),
                    help="a set to score (repeatable); default: all")  # fmt: skip
    ap.add_argument("--verbose", "-v", action="store_true", help="list misses and confusions (not on a test set)")
    ap.add_argument("--fp", action="store_true", help="list predictions that match no gold claim (not on a test set)")
    ap.add_argument("--write-baseline", action="store_true", help=f"record the figures in {BASELINE.name}")
    a = ap.parse_args()
    baseline = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.exists() else {}
    listing = a.verbose or a.fp
    names = a.sets or list(SETS)
    tests = [n for n in names if SETS[n].test]
    if listing and a.sets and tests:
        print(f"refused: --verbose/--fp would list the misses or claims of {', '.join(tests)}. From a test part "
              "only the figures may be read (dev/eval/README.md); use the tune part to look at errors.",
              file=sys.stderr)  # fmt: skip
        return 2
    if listing and tests:  # no --set: leave the test parts out rather than list them
        names = [n for n in names if not SETS[n].test]
        print(f"(--verbose/--fp: {', '.join(tests)} left out; from a test part only the figures may be read)")
    work = Path(tempfile.mkdtemp())
    results: dict[str, dict[str, Score]] = {}
    for name in names:
        cs = SETS[name]
        results[name] = evaluate(cs, work)
        if listing:  # never a test set here
            print(f"== {name}")
            if a.fp:
                false_positives(read_gold(cs.golds), cs.texts, work / f"{name}-pred.jsonl")
            if a.verbose:
                for m in results[name]["all"].confusions:
                    print("  confused:", m)
                for m in results[name]["all"].misses:
                    print("  missed:  ", m)
    print_sets(results)
    flags = []
    for lang in ("en", "ko"):
        tune, test = results.get(f"{lang}-tune"), results.get(f"{lang}-test")
        if tune or test:
            flags += print_tune_test(lang, tune, test, baseline)
    if flags:
        print()
        print("\n".join(flags))
    oof = EVAL / "tune-oof.json"
    if oof.exists() and any(n.endswith("-tune") for n in results) and learned.current() is not None:
        # The learned stage was trained on the tuning parts: its figures there are its training data. The honest
        # tuning figures are out-of-fold (each passage coded by a model trained without its publisher).
        data = json.loads(oof.read_text(encoding="utf-8"))
        print("\nThe learned stage was trained on the tuning parts; their honest figures are out-of-fold "
              f"({oof.relative_to(ROOT)}, from dev/train_sentences.py --cv):")  # fmt: skip
        for name, figs in data["out_of_fold"].items():
            print(f"  {name:8} " + "  ".join(f"{m} {fmt(figs.get(m))}" for m in METRICS))
    if a.write_baseline:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
        data = {"date": date.today().isoformat(), "commit": commit.strip(), "sets": figures(results)}
        BASELINE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {BASELINE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
