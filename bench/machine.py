"""How fast this machine runs nkwatch's own Python, so that benchmark figures from different machines compare.

    python bench/machine.py

The coder (pure Python, the bulk of ingest) over the bundled sample corpus, median of 5 runs, in MB/s.
bench/link.py and bench/web.py print it before their figures. The machines here differ by up to three times
in single-core speed from one session to the next (on 2026-11-25 the ingest benchmark's coder ran at
1.61 MB/s, on 2026-12-03 at 0.58 MB/s on the same code), so a target in seconds is only meaningful beside it.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "nkwatch" / "data" / "sample"


def coder_speed(runs: int = 5) -> float:
    """MB of text per second through the coder, median of `runs`."""
    from nkwatch.extract import extract_claims

    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.txt"))]
    size = sum(len(t.encode()) for t in texts) / 1e6
    rates = []
    for _ in range(runs):
        t = time.perf_counter()
        for text in texts:
            extract_claims(text, published_at="2025-06-01", source_id="0" * 64)
        rates.append(size / (time.perf_counter() - t))
    return statistics.median(rates)


def describe() -> str:
    return f"machine: coder {coder_speed():.2f} MB/s on the sample corpus (python bench/machine.py)"


if __name__ == "__main__":
    print(describe())
