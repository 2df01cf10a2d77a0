"""A redacted testimony's sentences that begin with a mask ("[name withheld] said ...") are still sentences."""

from __future__ import annotations

import time

from nkwatch.extract import extract_claims
from nkwatch.extract.sentences import split_sentences


def test_a_mask_starts_a_sentence() -> None:
    text = "[name withheld] said guards beat him. [name withheld] saw it. Then [place withheld] was closed."
    assert [text[s.begin:s.end] for s in split_sentences(text)] == [
        "[name withheld] said guards beat him.", "[name withheld] saw it.", "Then [place withheld] was closed."]


def test_a_long_redacted_testimony_is_coded_in_linear_time() -> None:
    # Before: one 28 kB "sentence", 32 s for 400 repetitions (the coder is cubic in a sentence's length).
    text = "[name withheld] said guards executed three men in Hyesan in May 2019. " * 400
    t = time.perf_counter()
    claims = extract_claims(text, published_at="2023-02-02", source_id="x" * 64, language="en")
    assert len(claims) == 400 and time.perf_counter() - t < 5
