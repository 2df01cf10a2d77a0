"""Hierarchical log-linear models over k lists, in the bracket notation of the MSE literature.

A model is named by its generators: `[12][3]` has the main effects of lists 1, 2, 3 and the interaction of
lists 1 and 2; `[12][23]` adds the 2-3 interaction; `[1][2][3]` (or `independence`) has main effects only.
Every model contains all main effects (each list has its own capture rate), and all lower-order terms of a
generator (hierarchy). The k-way term is never allowed: with the all-absent cell unobserved it cannot be
told apart from the unobserved count, so `saturated` means every term but that one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import combinations

Term = frozenset[int]  # 0-based list indices

MAX_LISTS = 5


class ModelError(ValueError):
    """A model given in bracket notation that cannot be used with these lists; the message says why."""


def closure(generators: set[Term] | frozenset[Term]) -> frozenset[Term]:
    """All non-empty subsets of the generators: the terms a hierarchical model contains."""
    out: set[Term] = set()
    for g in generators:
        for r in range(1, len(g) + 1):
            out.update(frozenset(c) for c in combinations(sorted(g), r))
    return frozenset(out)


def generators(terms: frozenset[Term]) -> list[Term]:
    """The maximal terms (the ones the bracket name shows), in a stable order."""
    gens = [t for t in terms if not any(t < u for u in terms)]
    return sorted(gens, key=lambda t: (-len(t), sorted(t)))


def name(terms: frozenset[Term], k: int) -> str:
    """Canonical bracket name: `[12][3]`; lists numbered from 1. Lists above 9 are not supported (k <= 5)."""
    gens = sorted(generators(terms), key=lambda t: (sorted(t), len(t)))
    return "".join("[" + "".join(str(i + 1) for i in sorted(g)) + "]" for g in gens)


def ordered_terms(terms: frozenset[Term]) -> list[Term]:
    """Terms in design-matrix column order: by order, then by list numbers."""
    return sorted(terms, key=lambda t: (len(t), sorted(t)))


def main_effects(k: int) -> frozenset[Term]:
    return frozenset(frozenset([i]) for i in range(k))


def saturated(k: int) -> frozenset[Term]:
    """Every term the data can identify: all but the k-way interaction."""
    return closure({frozenset(c) for c in combinations(range(k), k - 1)}) | main_effects(k)


_BRACKET = re.compile(r"\[([^\[\]]*)\]")


def parse(text: str, k: int) -> frozenset[Term]:
    """`[12][23]`, `[12,23]`, `independence` or `saturated` -> the model's terms (0-based)."""
    if not 2 <= k <= MAX_LISTS:
        raise ModelError(f"multiple systems estimation here takes 2 to {MAX_LISTS} lists, not {k}")
    t = text.strip().lower().replace(" ", "")
    if t in ("independence", "indep", "[]"):
        return main_effects(k)
    if t == "saturated":
        return saturated(k)
    if not t or _BRACKET.sub("", t):
        raise ModelError(f"cannot read the model {text!r}: write terms in brackets, e.g. [12][3], "
                         "or 'independence' or 'saturated'")  # fmt: skip
    gens: set[Term] = set()
    for group in _BRACKET.findall(t):
        for part in group.split(","):
            if not part or not part.isdigit():
                raise ModelError(f"unknown model term [{part}] in {text!r}: a term is list numbers, e.g. [12]")
            digits = [int(d) for d in part]
            bad = [d for d in digits if not 1 <= d <= k]
            if bad:
                raise ModelError(f"unknown model term [{part}] in {text!r}: there are {k} lists, numbered 1 to {k}")
            if len(set(digits)) != len(digits):
                raise ModelError(f"unknown model term [{part}] in {text!r}: a list appears twice")
            gens.add(frozenset(d - 1 for d in digits))
    if any(len(g) == k for g in gens):
        top = "".join(map(str, range(1, k + 1)))
        raise ModelError(f"the {k}-way term [{top}] cannot be estimated: with the cell of units on no list "
                         "unobserved it is confounded with that cell; use 'saturated'")  # fmt: skip
    return closure(gens) | main_effects(k)


def all_models(k: int) -> Iterator[frozenset[Term]]:
    """Every hierarchical model with all main effects and without the k-way term (exhaustive; k <= 4).

    Built order by order: a term of order r may enter only when all its (r-1)-subsets are in (hierarchy).
    """
    def extend(current: frozenset[Term], order: int) -> Iterator[frozenset[Term]]:
        if order >= k:
            yield current
            return
        eligible = [frozenset(c) for c in combinations(range(k), order)
                    if all(frozenset(s) in current for s in combinations(c, order - 1))]  # fmt: skip
        for r in range(len(eligible) + 1):
            for chosen in combinations(eligible, r):
                yield from extend(current | frozenset(chosen), order + 1)

    yield from extend(main_effects(k), 2)


def neighbours(terms: frozenset[Term], k: int) -> Iterator[frozenset[Term]]:
    """Models one hierarchical step away: one term added (its subsets all present) or one generator removed."""
    for r in range(2, k):
        for c in combinations(range(k), r):
            t = frozenset(c)
            if t not in terms and all(frozenset(s) in terms for s in combinations(c, r - 1)):
                yield terms | {t}
    for g in generators(terms):
        if len(g) >= 2:
            yield terms - {g}
