"""Speed of the date and number grammars on ordinary report prose and on text dense with dates and numbers.

    python bench/grammars.py

Prints MB/s on one core for find_dates and find_quantities, best of three runs each.
"""

from __future__ import annotations

import datetime as dt
import time

from nkwatch.extract.dates import find_dates
from nkwatch.extract.numbers import find_quantities

DENSE = (  # a number or a date every few words
    "On 9 October 2023, Chinese authorities forcibly returned more than 500 North Koreans. In late "
    "2025 a man got seven years of forced labor. The Ministry said 224 defectors arrived in 2025, at "
    "least 1,076 since 2020. "
)
PROSE = (  # ordinary report prose
    "The traditional underground railroad networks that once helped defectors reach safety have been "
    "systematically dismantled. Brokers who facilitated escapes now face execution, and their digital "
    "footprints are traced with ruthless efficiency. Since taking power in 2011, Kim has transformed "
    "border security into a high-tech surveillance network that makes every escape attempt a calculated "
    "risk with diminishing odds of success, according to interviews with former residents. "
)


def main() -> None:
    ref = dt.date(2026, 1, 15)
    for name, fn in (("find_dates", lambda t: find_dates(t, ref)), ("find_quantities", find_quantities)):
        for label, corpus in (("prose", PROSE * 4000), ("dense", DENSE * 8000)):
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                n = len(fn(corpus))
                best = min(best, time.perf_counter() - t)
            print(f"{name:16} {label:6} {len(corpus.encode()) / 1e6 / best:6.1f} MB/s ({n} matches)")


if __name__ == "__main__":
    main()
