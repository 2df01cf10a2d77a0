"""A learned second opinion on each sentence: which claims (kind and act, or indicator) does it assert?

The rules (coder.py) find what their dictionaries name; on prose they were not tuned on they miss sentences
without a trigger verb and confuse events with patterns. A linear model over the sentence's words, trained on
the annotated passages (`python dev/train_sentences.py`), scores every label for every sentence. The coder
then keeps a rule's claim the model does not contradict, relabels or drops one it contradicts strongly, and
adds a claim the model is sure of that no rule made (fields from the rules' reading of the sentence). Every
claim the model touched says so in `evidence.model` (name and score), so a reviewer sees why it exists.

The weights are a small file in the package (`data/models/sentences.npz`); inference needs numpy only.
Features are language-neutral: lower-cased words and word pairs, and for Hangul words their first two and
three syllables (a stem without its particles: 처형됐다 -> 처형, 처형됐).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "sentences-v1"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d")


def features(sentence: str) -> list[str]:
    """The features of one sentence (shared by training and inference: change both or neither)."""
    words = _WORD.findall(_DIGITS.sub("0", sentence.lower()))
    out = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for w in words:
        if "가" <= w[:1] <= "힣" and len(w) > 2:
            out.append(w[:2] + "~")
            if len(w) > 3:
                out.append(w[:3] + "~")
    if sentence.isupper() and len(words) > 2:
        out.append("<caps>")
    if len(words) < 8:
        out.append("<short>")
    return out


@dataclass(frozen=True)
class Model:
    name: str
    vocab: dict[str, int]
    idf: np.ndarray  # (features,)
    weights: np.ndarray  # (features, labels): a row per feature, so a sentence reads only its own rows
    intercept: np.ndarray  # (labels,)
    labels: tuple[str, ...]  # "event:execution", "pattern:torture", "statistic:political_prisoners"
    parts: tuple[str, ...]  # what each column of `weights` predicts: "kind:event", "act:execution", "ind:executions"
    pairs: np.ndarray  # (labels, 2): the two parts whose probabilities multiply into each label's
    keep: float  # a rule's claim whose label scores below this is contradicted...
    replace: float  # ...and replaced when another label scores above this (else dropped below `drop`)
    drop: float
    add: float  # a label no rule produced, scored above this, becomes a claim

    def scores(self, sentences: list[str]) -> np.ndarray:
        """(sentences, labels) probabilities: tf-idf of the features (sublinear tf, l2 norm, as trained), times
        the weights, through the logistic function, gives each part's probability (the sentence asserts an
        event; it asserts an execution); a label's is the product of its kind's and its act's. Factored so, a
        rare pair ("event:forced_relocation") borrows what all events and all relocations taught the model."""
        out = np.tile(self.intercept, (len(sentences), 1)).astype(np.float32)
        get = self.vocab.get
        for first in range(0, len(sentences), 1024):  # batches: one gather and one sum per batch, bounded memory
            idx: list[int] = []
            cnt: list[int] = []
            rows: list[int] = []
            for r, sentence in enumerate(sentences[first:first + 1024], start=first):
                counts = Counter(map(get, features(sentence)))
                counts.pop(None, None)  # features the model never saw
                idx += counts.keys()
                cnt += counts.values()
                rows += [r] * len(counts)
            if not idx:
                continue
            at, row = np.asarray(idx), np.asarray(rows)
            vals = (1.0 + np.log(np.asarray(cnt, dtype=np.float32))) * self.idf[at]
            norm = np.sqrt(np.bincount(row - first, weights=vals * vals, minlength=min(1024, len(sentences) - first)))
            vals /= norm[row - first]
            starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])  # rows come grouped, in order
            out[row[starts]] += np.add.reduceat(self.weights[at] * vals[:, None], starts)
        part = 1.0 / (1.0 + np.exp(-out))
        return part[:, self.pairs[:, 0]] * part[:, self.pairs[:, 1]]


def save(path: Path, model: Model) -> None:
    terms = sorted(model.vocab, key=model.vocab.__getitem__)
    np.savez_compressed(path, terms=np.array(terms), idf=model.idf.astype(np.float16),
                        weights=model.weights.astype(np.float16), intercept=model.intercept.astype(np.float32),
                        labels=np.array(model.labels), name=np.array(model.name), parts=np.array(model.parts),
                        pairs=model.pairs.astype(np.int32),
                        thresholds=np.array([model.keep, model.replace, model.drop, model.add]))  # fmt: skip


def load(path: Path | None = None) -> Model | None:
    """The model at `path` (default: the packaged one), or None when there is none."""
    if path is None:
        ref = resources.files("nkwatch").joinpath("data/models/sentences.npz")
        if not ref.is_file():
            return None
        with resources.as_file(ref) as p:
            return load(p)
    with np.load(path, allow_pickle=False) as z:
        terms = [str(t) for t in z["terms"]]
        keep, replace, drop, add = (float(x) for x in z["thresholds"])
        return Model(str(z["name"]), {t: i for i, t in enumerate(terms)}, z["idf"].astype(np.float32),
                     z["weights"].astype(np.float32), z["intercept"].astype(np.float32),
                     tuple(str(x) for x in z["labels"]), tuple(str(x) for x in z["parts"]), z["pairs"].astype(np.int64),
                     keep, replace, drop, add)  # fmt: skip


_OVERRIDE: list[Model | None] = []


@cache
def _packaged() -> Model | None:
    return load()


def current() -> Model | None:
    """The model extraction uses: the packaged one, unless `use` set another (evaluation of a fold)."""
    return _OVERRIDE[-1] if _OVERRIDE else _packaged()


class use:  # noqa: N801 - used as a context manager, like a function
    """`with use(model): ...` extracts with `model` (None: rules only); for training and evaluation scripts."""

    def __init__(self, model: Model | None):
        self.model = model

    def __enter__(self) -> Model | None:
        _OVERRIDE.append(self.model)
        return self.model

    def __exit__(self, *exc: object) -> None:
        _OVERRIDE.pop()


def _label(c: dict[str, Any]) -> str:
    return f"{c['kind']}:{c.get('act') or c.get('indicator')}"


def _mark(c: dict[str, Any], model: Model, score: float, decision: str) -> dict[str, Any]:
    c["evidence"] = dict(c.get("evidence") or {}, model={"name": model.name, "score": round(score, 3),
                                                         "decision": decision})  # fmt: skip
    return c


def revise(claims: list[dict[str, Any]], p: np.ndarray, model: Model, coder: Any) -> list[dict[str, Any]]:
    """The rules' claims for one sentence, revised by the model's scores `p` for it (see the module):
    a claim whose label the model contradicts is relabelled (event <-> pattern of the same act, or the act the
    model prefers) or dropped; a label the model is sure of and no rule made is added, with the fields the
    rules read from the sentence (`coder`, a SentenceCoder)."""
    col = {label: i for i, label in enumerate(model.labels)}
    best = int(p.argmax())
    out: list[dict[str, Any]] = []
    for c in claims:
        i = col.get(_label(c))
        score = float(p[i]) if i is not None else None
        if score is None or score >= model.keep:
            out.append(_mark(c, model, score, "kept") if score is not None else c)
            continue
        if c["kind"] != "statistic":
            # Contradicted: the same act as the other kind ("event" <-> "pattern") when the model prefers it,
            # else the act the model is sure of, else kept unless the model all but rules it out.
            other = col.get(f"{'pattern' if c['kind'] == 'event' else 'event'}:{c['act']}")
            taken = {_label(x) for x in out}
            for j, floor in ((other, model.keep), (best, model.replace)):
                alt = model.labels[j] if j is not None else None
                if alt and not alt.startswith("statistic") and alt not in taken and float(p[j]) >= max(floor, score):
                    kind, act = alt.split(":", 1)
                    c = dict(c, kind=kind, act=act, rule=f"{kind}.model:{act}<{c['rule']}>")
                    out.append(_mark(c, model, float(p[j]), "relabelled"))
                    break
            else:
                if score >= model.drop:
                    out.append(_mark(c, model, score, "kept"))
            continue
        if score >= model.drop:
            out.append(_mark(c, model, score, "kept"))
    have = {_label(x) for x in out}
    # Beside claims the rules made, another act needs the model to be sure (the replace threshold): a sentence
    # the rules understood rarely asserts a second act they missed, and a wrong one costs a reviewer's time.
    for i in np.flatnonzero(p >= (model.add if not out else max(model.add, model.replace))):
        label = model.labels[i]
        if label in have:
            continue
        kind, name = label.split(":", 1)
        c = coder.claim_for(kind, name)
        if c is not None:
            c["rule"] = f"{kind}.model:{name}<{model.name} {p[i]:.2f}>"
            out.append(_mark(c, model, float(p[i]), "added"))
            have.add(label)
    return _unique(out)


def _unique(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One claim per label and occurrence (a relabelled claim may land on a label a rule gave too)."""
    seen: set[tuple] = set()
    out = []
    for c in claims:
        ev = c.get("evidence") or {}
        key = (_label(c), tuple(ev.get("quantity_span") or ()), tuple(ev.get("occurrence") or ()))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
