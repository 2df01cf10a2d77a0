"""Train the learned stage of the coder (nkwatch/extract/learned.py) from the annotated passages.

    python dev/train_sentences.py          # train on every tuning set, write nkwatch/data/models/sentences.npz
    python dev/train_sentences.py --cv     # first choose the thresholds on out-of-fold figures (folds by publisher)

Training data: the seeds, dev/claims and the *tuning* parts of dev/eval (English and Korean); never a test part.
Each sentence (as the coder splits it) is labelled with the claims whose gold quote overlaps it most
("event:execution", "pattern:torture", "statistic:political_prisoners"); a sentence without one is a negative.
One logistic regression per label (scikit-learn, a dev dependency) over tf-idf features; the file keeps the
vocabulary, idf and weights (float16), which nkwatch reads with numpy alone.

--cv splits the tuning parts by publisher into folds; each fold's passages are coded by a model trained without
their publishers, and the rules-plus-model claims are scored with the project's scorer. The thresholds
(keep, replace, drop, add) with the best mean of facts and patterns F1 over English and Korean are written into
the model; those out-of-fold figures are the honest tuning figures, not the ones a model scores on its own
training data.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate as ev  # noqa: E402

from nkwatch.extract import learned  # noqa: E402
from nkwatch.extract.coder import _content_sentences  # noqa: E402
from nkwatch.extract.dictionaries import dictionaries, normalise  # noqa: E402
from nkwatch.extract.sentences import split_sentences  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "nkwatch/data/models/sentences.npz"
OOF = ROOT / "dev/eval/tune-oof.json"  # the honest tuning figures of the last --cv run (evaluate.py prints them)
TRAIN_SETS = ("seeds", "dev", "en-tune", "ko-tune")
FOLDED = ("en-tune", "ko-tune")  # the parts whose out-of-fold figures choose the thresholds
MIN_POSITIVES = 3
FOLDS = 5
# drop 0: the model never deletes a rule's claim (it may relabel it); a rule's claim has a trigger a person can
# check, and the out-of-fold figures were no better with dropping (0.02 and 0.05 tried).
GRID = {"keep": (0.05, 0.1, 0.2), "replace": (0.5, 0.7), "drop": (0.0,), "add": (0.25, 0.3, 0.4)}


@dataclass
class Passage:
    set: str
    name: str
    publisher: str
    sentences: list[str]
    labels: list[set[str]]


def publisher_of(meta: dict) -> str:
    return (meta.get("publisher") or "?").split(" (")[0].strip().casefold()


def passages(set_name: str) -> list[Passage]:
    cs = ev.SETS[set_name]
    gold = ev.read_gold(cs.golds)
    d = dictionaries()
    out = []
    for name in sorted({g["source"] for g in gold}):
        text = (cs.texts / name).read_text(encoding="utf-8")
        sents = _content_sentences(split_sentences(text), text, normalise(text), d)
        labels: list[set[str]] = [set() for _ in sents]
        for g in (g for g in gold if g["source"] == name):
            a = text.find(g["quote"])
            if a < 0 or not sents:
                continue
            b = a + len(g["quote"])
            overlap = [max(0, min(b, s.end) - max(a, s.begin)) for s in sents]
            i = int(np.argmax(overlap))
            if overlap[i] > 0:
                labels[i].add(f"{g['kind']}:{g.get('indicator') if g['kind'] == 'statistic' else g.get('act')}")
        out.append(Passage(set_name, name, publisher_of(ev.sidecar(cs.texts, name)),
                           [text[s.begin:s.end] for s in sents], labels))  # fmt: skip
    return out


def _parts(label: str) -> tuple[str, str]:
    kind, name = label.split(":", 1)
    return f"kind:{kind}", ("ind:" if kind == "statistic" else "act:") + name


def train(pool: list[Passage], c: float = 4.0) -> learned.Model:
    """One classifier per part (each kind, each act, each indicator); labels are the (kind, act) pairs seen
    at least MIN_POSITIVES times."""
    sents = [s for p in pool for s in p.sentences]
    labels = [lab for p in pool for lab in p.labels]
    counts: dict[str, int] = {}
    for ls in labels:
        for lab in ls:
            counts[lab] = counts.get(lab, 0) + 1
    names = sorted(k for k, v in counts.items() if v >= MIN_POSITIVES)
    parts = sorted({x for lab in names for x in _parts(lab)})
    has = [{x for lab in ls for x in _parts(lab)} for ls in labels]
    vec = TfidfVectorizer(analyzer=learned.features, sublinear_tf=True, min_df=2, dtype=np.float32)
    x = vec.fit_transform(sents)
    weights = np.zeros((x.shape[1], len(parts)), dtype=np.float32)
    intercept = np.zeros(len(parts), dtype=np.float32)
    for j, part in enumerate(parts):
        y = np.array([part in h for h in has])
        clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(x, y)
        weights[:, j], intercept[j] = clf.coef_[0], clf.intercept_[0]
    col = {p: i for i, p in enumerate(parts)}
    pairs = np.array([[col[a], col[b]] for a, b in map(_parts, names)], dtype=np.int64)
    return learned.Model(learned.MODEL_NAME, {t: int(i) for t, i in vec.vocabulary_.items()},
                         vec.idf_.astype(np.float32), weights, intercept, tuple(names), tuple(parts), pairs,
                         0.1, 0.8, 0.05, 0.5)  # fmt: skip


def folds(pool: list[Passage]) -> list[set[str]]:
    """Publishers of the folded parts in FOLDS groups of about equal passage counts (largest first)."""
    sizes: dict[str, int] = {}
    for p in pool:
        if p.set in FOLDED:
            sizes[p.publisher] = sizes.get(p.publisher, 0) + 1
    groups: list[set[str]] = [set() for _ in range(FOLDS)]
    load = [0] * FOLDS
    for pub, n in sorted(sizes.items(), key=lambda kv: -kv[1]):
        i = load.index(min(load))
        groups[i].add(pub)
        load[i] += n
    return groups


def score_oof(pool: list[Passage], models: list[learned.Model], groups: list[set[str]], work: Path,
              thresholds: dict[str, float]) -> dict[str, dict[str, float | None]]:  # fmt: skip
    """Facts and patterns F1 of each folded part, each passage coded by the model of its fold."""
    out = {}
    for set_name in FOLDED:
        cs = ev.SETS[set_name]
        gold = ev.read_gold(cs.golds)
        pred = work / f"{set_name}-oof.jsonl"
        pred.unlink(missing_ok=True)
        for model, pubs in zip(models, groups, strict=True):
            names = {p.name for p in pool if p.set == set_name and p.publisher in pubs}
            with learned.use(replace(model, **thresholds)):
                ev.predict([g for g in gold if g["source"] in names], cs.texts, work / "fold.jsonl")
            with pred.open("a", encoding="utf-8") as f:
                f.write((work / "fold.jsonl").read_text(encoding="utf-8"))
        score = ev.run_scorer(gold, cs.texts, pred, work)
        out[set_name] = {m: score.figure(m) for m in ev.METRICS}
    return out


def objective(figs: dict[str, dict[str, float | None]]) -> float:
    vals = [figs[s][m] for s in FOLDED for m in ("facts", "patterns")]
    return float(np.mean([v or 0.0 for v in vals]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cv", action="store_true", help="choose the thresholds on out-of-fold figures first")
    ap.add_argument("-C", type=float, default=4.0, help="inverse regularisation strength")
    args = ap.parse_args()
    pool = [p for s in TRAIN_SETS for p in passages(s)]
    print(f"{len(pool)} passages, {sum(len(p.sentences) for p in pool)} sentences, "
          f"{sum(len(ls) for p in pool for ls in p.labels)} labels")  # fmt: skip
    best = {"keep": 0.1, "replace": 0.8, "drop": 0.05, "add": 0.5}
    if args.cv:
        groups = folds(pool)
        models = [train([p for p in pool if not (p.set in FOLDED and p.publisher in g)], args.C) for g in groups]
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            with learned.use(None):
                base = {}
                for set_name in FOLDED:
                    cs = ev.SETS[set_name]
                    gold = ev.read_gold(cs.golds)
                    ev.predict(gold, cs.texts, work / "rules.jsonl")
                    s = ev.run_scorer(gold, cs.texts, work / "rules.jsonl", work)
                    base[set_name] = {m: s.figure(m) for m in ev.METRICS}
            print("rules only      ", json.dumps(base))
            scored = []
            for values in itertools.product(*GRID.values()):
                th = dict(zip(GRID, values, strict=True))
                if th["drop"] > th["keep"]:
                    continue
                figs = score_oof(pool, models, groups, work, th)
                scored.append((objective(figs), th, figs))
                print(f"{objective(figs):.3f} {th} {json.dumps(figs)}", flush=True)
        _, best, figs = max(scored, key=lambda t: t[0])
        print("chosen:", best)
        print("out-of-fold (the tuning figure):", json.dumps(figs, indent=1))
        OOF.write_text(json.dumps({"thresholds": best, "rules_only": base, "out_of_fold": figs}, indent=1) + "\n")
    model = replace(train(pool, args.C), **best)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    learned.save(OUT, model)
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1024:.0f} KB, {len(model.labels)} labels, "
          f"{len(model.vocab)} features)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
