"""Multiple systems estimation: how many units (incidents, victims) no list recorded.

Given k lists (2 to 5) and the number of units seen on each combination of lists (the cells of an
incomplete 2^k table: the cell of units on no list is the unknown), a hierarchical log-linear Poisson
model is fitted to the observed cells with statsmodels' GLM, and the unobserved cell is estimated as
exp(intercept) (its design row is all zeros). N = observed + exp(intercept).

- Models are given in bracket notation (`nkwatch.analysis.hierarchy`) or chosen by AIC or BIC among all
  hierarchical models (2-4 lists; for 5 lists, a greedy search from independence, one term added or one
  generator removed at a time, until the criterion stops improving). AIC = -2 logL + 2p and
  BIC = -2 logL + log(n) p, with logL the Poisson log-likelihood of the observed cells, p the number of
  parameters and n the number of units observed.
- The 95% interval is the multinomial profile-likelihood interval that Rcapture's closedpCI reports
  (Cormack 1992): for each candidate N, the model is refitted to the table completed with n0 = N - n
  in the unobserved cell (design row all zeros, so it is fitted by the intercept alone), and the
  multinomial log-likelihood is ct(N) - deviance(N)/2 with ct = log N! - log n0! + n0 log n0 - N log N
  (exact, through lgamma; Rcapture uses Stirling's form above 100). The interval is the set of N whose
  log-likelihood is within chi2_1(0.95)/2 = 1.92 of its maximum, found by root-finding between n and
  3N (then 10N, 100N: beyond that the upper limit is reported as unbounded).
- The bootstrap over model selection (Silverman, Chan & Vincent 2024) resamples the observed cells
  (multinomial, n fixed), re-selects among the best models on the original data (the `ntopmodels`
  restriction of the R package MultipleSystemsEstimation, here the 10 best) and refits; the 2.5% and
  97.5% percentiles of the N's are the interval. It is seeded, and its count is bounded.
- A term whose sufficient statistic is zero (no unit is on all of its lists: two lists that never
  overlap, for instance) has no finite maximum-likelihood estimate; it is fitted at its limit (-inf),
  which is the same as dropping it, the terms above it and the cells that need it (all empty), and a
  warning says so. Models that are still not identifiable (rank-deficient design), fits that do not
  converge, infinite estimates and estimates of more than ten unseen units per seen one are flagged.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import gammaln, xlogy
from scipy.stats import chi2
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM

from nkwatch.analysis import hierarchy as h
from nkwatch.analysis.hierarchy import ModelError, Term

HUGE_RATIO = 10.0  # more unseen than ten times the seen: the data barely identify the estimate
BOOTSTRAP_MAX = 2000
BOOTSTRAP_TOP = 10
CI_LEVEL = 0.95


@dataclass
class ModelFit:
    """One hierarchical model fitted to the observed cells."""

    model: str
    N: float  # observed + exp(intercept); inf or nan when the data cannot give one
    unobserved: float
    deviance: float
    df: int
    aic: float
    bic: float
    identified: bool
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: _json_num(v) for k, v in asdict(self).items()}


@dataclass
class Bootstrap:
    replicates: int
    seed: int
    ci95: tuple[float, float]
    candidates: int  # models re-selected among in each replicate
    selected: dict[str, int]  # how often each model was chosen


@dataclass
class Estimate:
    lists: list[str]
    observed: int
    N: float
    ci95: tuple[float, float] | None  # profile likelihood; upper may be inf
    model: str
    deviance: float
    df: int
    aic: float
    bic: float
    select: str | None  # "aic" | "bic" | None when the model was given
    warnings: list[str]
    fits: list[ModelFit]
    N_profile: float | None = None  # the maximum of the multinomial profile likelihood
    bootstrap: Bootstrap | None = None
    ci_method: str = "multinomial profile likelihood (Cormack 1992, as Rcapture closedpCI)"

    def to_dict(self) -> dict[str, Any]:
        d = {k: _json_num(v) for k, v in asdict(self).items() if k not in ("fits", "bootstrap")}
        d["fits"] = [f.to_dict() for f in self.fits]
        if self.bootstrap:
            b = asdict(self.bootstrap)
            b["ci95"] = _json_num(b["ci95"])
            d["bootstrap"] = b
        return d


def _json_num(v: Any) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) else ("inf" if math.isinf(v) else round(v, 6))
    if isinstance(v, tuple | list):
        return [_json_num(x) for x in v]
    return v


# --- cells ---------------------------------------------------------------------------------------------------


def patterns(k: int) -> np.ndarray:
    """The 2^k - 1 observable capture histories, Rcapture's order (111.., 110.., .., 0..01), as a 0/1 matrix."""
    return np.array([[(code >> (k - 1 - j)) & 1 for j in range(k)] for code in range(2**k - 1, 0, -1)], dtype=float)


def cell_vector(lists: list[str], cells: dict[str, Any]) -> np.ndarray:
    """Counts in `patterns` order from {"110": 5, ...}; absent cells are 0. Clear errors for bad input."""
    k = len(lists)
    if not 2 <= k <= h.MAX_LISTS:
        raise ModelError(f"multiple systems estimation here takes 2 to {h.MAX_LISTS} lists, not {k}")
    if len({str(x).strip().lower() for x in lists}) != k:
        raise ModelError("two lists have the same name")
    index = {"".join(str(int(b)) for b in row): i for i, row in enumerate(patterns(k))}
    y = np.zeros(len(index))
    for key, value in cells.items():
        key = str(key).strip()
        if len(key) != k or set(key) - {"0", "1"}:
            raise ModelError(f"cell {key!r}: a cell is {k} digits of 0 and 1, one per list ({', '.join(lists)})")
        if key == "0" * k:
            raise ModelError(f"cell {key!r} is the number of units on no list: it is what is estimated, leave it out")
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise ModelError(f"cell {key!r}: the count must be a whole number, not {value!r}")
        if value < 0:
            raise ModelError(f"cell {key!r}: the count {value} is negative")
        y[index[key]] = int(value)
    if y.sum() == 0:
        raise ModelError("every cell is zero: there is nothing to estimate from")
    return y


def data_warnings(lists: list[str], y: np.ndarray) -> list[str]:
    """What in the data itself limits any estimate: empty lists, lists that never overlap, little overlap."""
    k = len(lists)
    P = patterns(k)
    out = []
    for i in range(k):
        if y[P[:, i] == 1].sum() == 0:
            out.append(f"list {i + 1} ({lists[i]}) has no units: it contributes nothing")
    for i in range(k):
        for j in range(i + 1, k):
            if y[(P[:, i] == 1) & (P[:, j] == 1)].sum() == 0:
                out.append(f"lists {i + 1} ({lists[i]}) and {j + 1} ({lists[j]}) never overlap: their interaction "
                           "cannot be estimated, and with only these two lists neither can N")  # fmt: skip
    multi = y[P.sum(axis=1) >= 2].sum()
    if multi == 0:
        out.append("no unit is on more than one list: the lists give no overlap to estimate from")
    elif multi < 10:
        out.append(f"only {int(multi)} units are on more than one list: every estimate rests on very little overlap")
    return out


# --- fitting -------------------------------------------------------------------------------------------------


@dataclass
class _Design:
    rows: np.ndarray  # bool mask of the cells used
    X: np.ndarray  # intercept + one column per term kept, rows used only
    dropped: list[Term]


def _design(P: np.ndarray, y: np.ndarray, terms: frozenset[Term]) -> _Design:
    ordered = h.ordered_terms(terms)
    zero = [t for t in ordered if y[P[:, sorted(t)].all(axis=1)].sum() == 0]
    minimal = [t for t in zero if not any(z < t for z in zero)]
    kept = [t for t in ordered if not any(z <= t for z in minimal)]
    rows = np.ones(len(y), dtype=bool)
    for z in minimal:
        rows &= ~P[:, sorted(z)].all(axis=1)
    X = np.column_stack([np.ones(len(y))] + [P[:, sorted(t)].prod(axis=1) for t in kept])[rows]
    return _Design(rows, X, minimal)


def _glm(y: np.ndarray, X: np.ndarray) -> Any:
    with warnings.catch_warnings():  # convergence and domain trouble is read from the result below
        warnings.simplefilter("ignore")
        return GLM(y, X, family=Poisson()).fit()


def fit_model(lists: list[str], y: np.ndarray, terms: frozenset[Term]) -> tuple[ModelFit, _Design]:
    k = len(lists)
    P = patterns(k)
    n = float(y.sum())
    d = _design(P, y, terms)
    label = h.name(terms, k)
    notes = [f"term [{''.join(str(i + 1) for i in sorted(t))}] is inestimable: no unit is on "
             f"{' and '.join(lists[i] for i in sorted(t))} together; fitted at its limit (-inf)"
             for t in d.dropped]  # fmt: skip
    nan = float("nan")
    if y[P.sum(axis=1) >= 2].sum() == 0:  # no overlap at all: the likelihood rises without bound in N
        notes.append(f"model {label} has no finite estimate: no unit is on more than one list")
        return ModelFit(label, math.inf, math.inf, nan, 0, nan, nan, False, notes), d
    p = d.X.shape[1]
    if d.X.shape[0] <= p - 1 or np.linalg.matrix_rank(d.X) < p:
        notes.append(f"model {label} is not identifiable from these cells (more parameters than the data fix)")
        return ModelFit(label, nan, nan, nan, 0, nan, nan, False, notes), d
    try:
        res = _glm(y[d.rows], d.X)
    except (ValueError, np.linalg.LinAlgError):
        res = None
    if res is None or not res.converged or not np.all(np.isfinite(res.params)):
        notes.append(f"model {label} did not converge")
        return ModelFit(label, nan, nan, nan, 0, nan, nan, False, notes), d
    b0 = float(res.params[0])
    unobserved = math.exp(b0) if b0 < 700 else math.inf
    N = n + unobserved
    if math.isinf(unobserved):
        notes.append(f"model {label} gives an infinite estimate: the data cannot identify the unseen count")
    elif unobserved > HUGE_RATIO * n:
        notes.append(f"model {label} puts {unobserved:,.0f} units on no list, over {HUGE_RATIO:.0f} times the "
                     f"{n:,.0f} seen: the data barely identify it; treat it as unreliable")  # fmt: skip
    llf = float(res.llf)
    fit = ModelFit(label, N, unobserved, float(res.deviance), int(d.X.shape[0] - p), -2 * llf + 2 * p,
                   -2 * llf + math.log(n) * p, True, notes)  # fmt: skip
    return fit, d


def _candidates(k: int, fit_one: Any, select: str) -> list[ModelFit]:
    """All hierarchical models (k <= 4), or a greedy search over them (k = 5)."""
    if k <= 4:
        return [fit_one(t) for t in h.all_models(k)]
    seen: dict[frozenset[Term], ModelFit] = {}

    def get(t: frozenset[Term]) -> ModelFit:
        if t not in seen:
            seen[t] = fit_one(t)
        return seen[t]

    current = h.main_effects(k)
    best = _score(get(current), select)
    while True:
        step = min(((_score(get(t), select), t) for t in h.neighbours(current, k)), key=lambda st: st[0])
        if step[0] >= best:
            break
        best, current = step
    return list(seen.values())


def _score(f: ModelFit, select: str) -> float:
    if not f.identified or not math.isfinite(f.N):
        return math.inf
    return f.aic if select == "aic" else f.bic


# --- intervals -----------------------------------------------------------------------------------------------


def profile_ci(y_used: np.ndarray, X: np.ndarray, N_hat: float, level: float = CI_LEVEL
               ) -> tuple[float, float, float, list[str]]:  # fmt: skip
    """Multinomial profile-likelihood interval for N (see the module docstring): (low, high, N at max, notes)."""
    n = float(y_used.sum())
    X_aug = np.vstack([X, np.eye(1, X.shape[1])])  # the unobserved cell: intercept only
    cache: dict[float, float] = {}

    def loglik(N: float) -> float:
        if N not in cache:
            n0 = max(N - n, 0.0)
            try:
                res = _glm(np.append(y_used, n0), X_aug)
            except (ValueError, np.linalg.LinAlgError):  # IRLS breaks down far out on a flat likelihood
                cache[N] = -math.inf
                return cache[N]
            ct = gammaln(N + 1) - gammaln(n0 + 1) + xlogy(n0, n0) - xlogy(N, N)
            cache[N] = float(ct - res.deviance / 2) if res.converged else -math.inf
        return cache[N]

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _profile(loglik, n, N_hat, level)


def _profile(loglik: Any, n: float, N_hat: float, level: float) -> tuple[float, float, float, list[str]]:
    top = minimize_scalar(lambda N: -loglik(N), bounds=(n, max(3 * N_hat, n + 1)), method="bounded",
                          options={"xatol": 1e-4})  # fmt: skip
    N_max, l_max = float(top.x), -float(top.fun)
    target = l_max - chi2.ppf(level, 1) / 2
    notes: list[str] = []
    low = n if loglik(n) >= target else brentq(lambda N: loglik(N) - target, n, N_max, xtol=1e-4)
    high = math.inf
    lo_edge = N_max
    for factor in (3, 10, 100):
        edge = max(factor * N_hat, N_max + 1)
        if loglik(edge) < target:
            high = brentq(lambda N: loglik(N) - target, lo_edge, edge, xtol=1e-4)
            break
        lo_edge = edge
    if math.isinf(high):
        notes.append(f"the upper limit of the interval is beyond {100 * N_hat:,.0f}: the data do not bound N above")
    return float(low), float(high), N_max, notes


def _percentile_interval(values: list[float]) -> tuple[float, float]:
    arr = np.sort(np.array([v if not math.isnan(v) else math.inf for v in values]))
    lo = arr[int(math.floor(0.025 * (len(arr) - 1)))]
    hi = arr[int(math.ceil(0.975 * (len(arr) - 1)))]
    return float(lo), float(hi)


# --- the API -------------------------------------------------------------------------------------------------


def estimate(lists: list[str], cells: dict[str, Any], model: str | None = None, select: str = "bic", *,
             bootstrap: int = 0, seed: int = 20240917) -> Estimate:  # fmt: skip
    """Estimate N from list overlaps. `model` fixes the model (bracket notation), else `select` (aic|bic) picks
    it. `bootstrap` > 0 adds that many replicates (at most 2000) of the bootstrap over model selection."""
    if select not in ("aic", "bic"):
        raise ModelError(f"select must be 'aic' or 'bic', not {select!r}")
    if not 0 <= bootstrap <= BOOTSTRAP_MAX:
        raise ModelError(f"bootstrap replicates must be between 0 and {BOOTSTRAP_MAX}")
    lists = [str(x) for x in lists]
    k = len(lists)
    y = cell_vector(lists, cells)
    fixed = h.parse(model, k) if model is not None else None
    designs: dict[str, _Design] = {}

    def fit_one(terms: frozenset[Term], yy: np.ndarray = y) -> ModelFit:
        f, d = fit_model(lists, yy, terms)
        if yy is y:
            designs[f.model] = d
        return f

    fits = _candidates(k, fit_one, select)
    if fixed is not None and h.name(fixed, k) not in designs:
        fits.append(fit_one(fixed))
    fits.sort(key=lambda f: (_score(f, select), f.model))
    terms_of = {h.name(t, k): t for t in ([fixed] if fixed is not None else []) + list(_all_terms(k, fits))}
    chosen = next(f for f in fits if f.model == h.name(fixed, k)) if fixed is not None else fits[0]
    notes = data_warnings(lists, y) + [w for w in chosen.warnings if w not in data_warnings(lists, y)]
    est = Estimate(lists, int(y.sum()), chosen.N, None, chosen.model, chosen.deviance, chosen.df, chosen.aic,
                   chosen.bic, None if fixed is not None else select, notes, fits)  # fmt: skip
    if not chosen.identified or not math.isfinite(chosen.N):
        est.warnings.append("no estimate: the chosen model cannot be identified from these data")
        return est
    d = designs[chosen.model]
    low, high, n_max, ci_notes = profile_ci(y[d.rows], d.X, chosen.N)
    est.ci95, est.N_profile = (low, high), n_max
    est.warnings += ci_notes
    if bootstrap:
        pool = [terms_of[chosen.model]] if fixed is not None else \
            [terms_of[f.model] for f in fits if math.isfinite(_score(f, select))][:BOOTSTRAP_TOP]
        rng = np.random.default_rng(seed)
        p = y / y.sum()
        values, picked = [], Counter()
        for _ in range(bootstrap):
            yb = rng.multinomial(int(y.sum()), p).astype(float)
            best = min((fit_one(t, yb) for t in pool), key=lambda f: (_score(f, select), f.model))
            values.append(best.N if best.identified else math.inf)
            picked[best.model] += 1
        est.bootstrap = Bootstrap(bootstrap, seed, _percentile_interval(values), len(pool), dict(picked.most_common()))
    return est


def _all_terms(k: int, fits: list[ModelFit]) -> list[frozenset[Term]]:
    """The terms of each fitted model, recovered from its canonical name."""
    return [h.parse(f.model, k) for f in fits]
