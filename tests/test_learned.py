"""The coder's learned stage: the packaged model loads with numpy alone, its claims say why they exist, it can be
switched off, it is retrained from the repository's annotations, and it does not cost the coder half its speed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nkwatch.extract import extract_claims, learned

ROOT = Path(__file__).resolve().parents[1]
# No trigger verb the dictionaries know, but plainly a claim: what the rules alone miss on unseen prose.
NO_TRIGGER = ("In 2023 a court in Hyesan handed a 22-year-old farm worker a death sentence for sharing South "
              "Korean songs, and he was shot in front of a crowd.")  # fmt: skip


def test_the_packaged_model_is_small_and_loads_without_scikit_learn():
    path = ROOT / "nkwatch/data/models/sentences.npz"
    assert path.stat().st_size < 2_000_000
    code = "import sys; sys.modules['sklearn'] = None; from nkwatch.extract import learned; " \
           "m = learned.current(); print(m.name, len(m.labels))"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == learned.MODEL_NAME and int(out[1]) >= 20


def test_scores_are_probabilities_of_labels_the_model_knows():
    m = learned.current()
    p = m.scores([NO_TRIGGER, "The weather was mild.", ""])
    assert p.shape == (3, len(m.labels)) and np.all((p >= 0) & (p <= 1))
    best = m.labels[int(p[0].argmax())]
    assert best.split(":")[1] in ("execution", "sentence")
    assert p[0].max() > p[1].max()  # a sentence about an execution outscores one about the weather


def test_every_claim_the_model_touched_says_so_and_rules_alone_are_a_switch_away():
    with_model = extract_claims(NO_TRIGGER, published_at="2024-06-27", source_id="0" * 64)
    with learned.use(None):
        rules = extract_claims(NO_TRIGGER, published_at="2024-06-27", source_id="0" * 64)
    assert all("model" not in c["evidence"] for c in rules)
    touched = [c for c in with_model if "model" in c["evidence"]]
    assert touched
    for c in touched:
        assert c["evidence"]["model"]["name"] == learned.MODEL_NAME
        assert 0 <= c["evidence"]["model"]["score"] <= 1
        assert c["evidence"]["model"]["decision"] in ("kept", "relabelled", "added")
    added = [c for c in with_model if c["evidence"].get("model", {}).get("decision") == "added"]
    assert all(".model:" in c["rule"] for c in added)
    assert len({c["id"] for c in with_model}) == len(with_model)  # ids stay unique


def test_a_model_that_contradicts_a_rule_drops_or_relabels_it():
    m = learned.current()
    text = "North Korean guards routinely beat prisoners at Camp 16."
    with learned.use(None):
        rules = extract_claims(text, published_at="2024-01-01", source_id="0" * 64)
    assert rules
    # Thresholds no claim can meet: every rule claim is contradicted, none can be replaced, nothing is added.
    strict = replace(m, keep=1.01, replace=1.01, drop=1.01, add=1.01)
    with learned.use(strict):
        assert extract_claims(text, published_at="2024-01-01", source_id="0" * 64) == []
    lenient = replace(m, keep=0.0, add=1.01)
    with learned.use(lenient):
        kept = extract_claims(text, published_at="2024-01-01", source_id="0" * 64)
    assert [(c["kind"], c["act"]) for c in kept] == [(c["kind"], c["act"]) for c in rules]


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="scikit-learn is a dev dependency")
def test_training_from_the_repository_round_trips(tmp_path):
    sys.path.insert(0, str(ROOT / "dev"))
    import train_sentences as ts

    pool = ts.passages("seeds") + ts.passages("dev")
    model = ts.train(pool)
    path = tmp_path / "m.npz"
    learned.save(path, model)
    again = learned.load(path)
    sents = [s for p in pool[:5] for s in p.sentences]
    assert again.labels == model.labels and again.parts == model.parts
    assert np.allclose(again.scores(sents), model.scores(sents), atol=2e-3)  # float16 weights on disk
    assert json.loads(json.dumps(again.labels))  # plain strings
