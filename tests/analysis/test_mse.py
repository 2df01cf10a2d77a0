"""Multiple systems estimation checked against published analyses, and its warnings and errors.

The tables and published figures below come from Rcapture's own validation file (CRAN package Rcapture,
inst/tests/testPapersResults.R, "Rcapture reproduces ... results"), which copies each table from the paper
and records the paper's figures; and from Rcapture's documented example output
(tests/Examples/Rcapture-Ex.Rout.save, example of closedp: Seber 1982 p.107). Cells are listed in Rcapture's
order (histpos.t: 111, 110, 101, 100, 011, 010, 001 for three lists). Figures the papers give that neither
Rcapture nor this code reproduce are named in comments and not asserted.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nkwatch.analysis import hierarchy as h
from nkwatch.analysis.hierarchy import ModelError
from nkwatch.analysis.mse import estimate, patterns


def table(counts: list[int]) -> dict[str, int]:
    k = {3: 2, 7: 3, 15: 4, 31: 5}[len(counts)]
    return {"".join(str(int(b)) for b in row): c for row, c in zip(patterns(k), counts, strict=True)}


def near(value: float, published: float, tol: float = 1.0) -> bool:
    return abs(value - published) <= tol


# Cormack, Chang & Smith (2000), Table 3b: three lists (deaths, NTOF, WCC). Rcapture's test records the
# paper's estimates, deviances and profile-likelihood limits.
CORMACK_3 = table([72, 5, 29, 54, 24, 3, 14])
# Table 3a: the same cases on four lists (death, NTOF, WCC, MOSH).
CORMACK_4 = table([72, 5, 29, 53, 24, 3, 12, 14, 0, 0, 0, 1, 0, 0, 2])


def test_cormack_2000_three_lists_independence_with_its_interval():
    e = estimate(["death", "NTOF", "WCC"], CORMACK_3, model="independence")
    assert round(e.N) == 209 and round(e.deviance, 1) == 75.1 and e.df == 3
    assert e.ci95 and near(e.ci95[0], 203) and near(e.ci95[1], 217)  # published 203-217


def test_cormack_2000_three_lists_dependence_models():
    e = estimate(["death", "NTOF", "WCC"], CORMACK_3, model="[23][1]")
    assert e.model == "[1][23]" and round(e.deviance, 1) == 1.2 and e.df == 2
    assert near(e.N, 221) and e.ci95 and near(e.ci95[0], 210) and near(e.ci95[1], 237)  # published 221 (210-237)
    e = estimate(["death", "NTOF", "WCC"], CORMACK_3, model="[13][23]")
    assert round(e.N) == 233 and e.df == 1 and e.ci95 and near(e.ci95[0], 204)  # published 233 (204-...)
    # The paper's upper limit for [13][23] (313) and its figures for [12][23] (223, 208-246) are reproduced
    # neither by Rcapture (its test leaves them commented out) nor here (311.5; 227.1, 210.2-252.0).
    e = estimate(["death", "NTOF", "WCC"], CORMACK_3, model="saturated")
    assert e.model == "[12][13][23]" and e.df == 0 and near(e.N, 247) and e.ci95 and near(e.ci95[0], 204)


def test_cormack_2000_four_lists():
    lists = ["death", "NTOF", "WCC", "MOSH"]
    e = estimate(lists, CORMACK_4, model="independence")
    assert round(e.N) == 215 and round(e.deviance, 1) == 87.1 and e.df == 10
    e = estimate(lists, CORMACK_4, model="[34]")
    assert round(e.N) == 215 and e.df == 9
    e = estimate(lists, CORMACK_4, model="[12][13][34]")
    assert round(e.N) == 218 and round(e.deviance, 1) == 2.6 and e.df == 7
    # All two-list interactions: the paper's N is over a million (deviance 1.3 on 4 df): sparse cells leave
    # the unseen count unidentified, and the estimate must say so.
    e = estimate(lists, CORMACK_4, model="[12][13][14][23][24][34]")
    assert e.N > 1_000_000 and round(e.deviance, 1) == 1.3 and e.df == 4
    assert any("barely identify" in w for w in e.warnings)
    # (Table 3a's intervals differ from profile likelihood: Rcapture's authors could not reproduce them either.)


# Darroch, Fienberg, Glonek & Junker (1993), data R3, as analysed in Rivest (2011).
DARROCH_R3 = table([72, 155, 7, 71, 13, 53, 43])


def test_darroch_1993_r3_as_in_rivest_2011():
    e = estimate(["1", "2", "3"], DARROCH_R3, model="saturated")
    assert round(e.N) == 1240
    e = estimate(["1", "2", "3"], DARROCH_R3, model="[12][23]")
    assert round(e.N) == 850 and round(e.deviance, 1) == 3.8 and e.df == 1


# Bruno et al. (1994): insulin-dependent diabetes in Casale Monferrato, four sources, as in Rivest (2011).
DIABETES = table([58, 157, 18, 104, 46, 650, 12, 709, 14, 20, 7, 74, 8, 182, 10])


def test_bruno_1994_diabetes_four_lists():
    lists = ["clinic", "hospital", "prescriptions", "reimbursements"]
    e = estimate(lists, DIABETES, model="[12][13][23][24][34]")  # Bruno et al.'s model: all pairs but [14]
    assert round(e.N) == 2771 and round(e.deviance, 2) == 7.62 and e.df == 5
    e = estimate(lists, DIABETES, model="[13][24][34]")  # the interaction set Rivest (2011) chose
    assert round(e.N) == 2472 and round(e.deviance, 2) == 21.97 and e.df == 7


def test_seber_1982_two_lists_as_in_rcapture_documentation():
    # Rcapture, example of closedp: Mt 2389.9, deviance 0 on 0 df, AIC 28.831 (Lincoln-Petersen).
    e = estimate(["first", "second"], {"11": 167, "10": 781, "01": 254})
    assert round(e.N, 1) == 2389.9 and e.df == 0 and round(e.aic, 3) == 28.831


# --- selection, bootstrap, search -----------------------------------------------------------------------------


def test_selection_picks_the_smallest_criterion_among_all_hierarchical_models():
    assert sum(1 for _ in h.all_models(3)) == 8 and sum(1 for _ in h.all_models(4)) == 113
    for crit in ("aic", "bic"):
        e = estimate(["a", "b", "c", "d"], DIABETES, select=crit)
        assert len(e.fits) == 113 and e.select == crit
        best = min(getattr(f, crit) for f in e.fits if f.identified)
        assert getattr(e, crit) == best and e.model == e.fits[0].model


def test_bootstrap_is_seeded_and_bounded():
    a = estimate(["a", "b", "c"], CORMACK_3, bootstrap=60, seed=7)
    b = estimate(["a", "b", "c"], CORMACK_3, bootstrap=60, seed=7)
    assert a.bootstrap and b.bootstrap and a.bootstrap.ci95 == b.bootstrap.ci95
    assert sum(a.bootstrap.selected.values()) == 60 and a.bootstrap.ci95[0] <= a.N <= a.bootstrap.ci95[1]
    with pytest.raises(ModelError, match="between 0 and 2000"):
        estimate(["a", "b", "c"], CORMACK_3, bootstrap=5000)


def test_five_lists_recover_a_simulated_population():
    rng = np.random.default_rng(3)
    caught = rng.random((3000, 5)) < np.array([0.2, 0.25, 0.3, 0.15, 0.35])  # independent lists, N = 3000
    cells: dict[str, int] = {}
    for row in caught[caught.any(axis=1)]:
        key = "".join("1" if x else "0" for x in row)
        cells[key] = cells.get(key, 0) + 1
    e = estimate(list("ABCDE"), cells)
    assert abs(e.N - 3000) < 150 and e.ci95 and e.ci95[0] < e.N < e.ci95[1]
    # A greedy search, not all models: it stops where no neighbouring model has a smaller BIC.
    by_name = {f.model: f for f in e.fits}
    here = h.parse(e.model, 5)
    assert all(by_name[h.name(t, 5)].bic >= e.bic for t in h.neighbours(here, 5) if h.name(t, 5) in by_name)
    assert all(h.name(t, 5) in by_name for t in h.neighbours(here, 5))
    ind = estimate(list("ABCDE"), cells, model="independence")
    assert ind.ci95 and ind.ci95[0] <= 3000 <= ind.ci95[1] + 30


# --- warnings -------------------------------------------------------------------------------------------------


def test_lists_that_never_overlap_are_flagged_and_their_term_fitted_at_its_limit():
    cells = {"110": 30, "100": 50, "011": 20, "010": 40, "001": 60}  # lists 1 and 3 share nothing
    e = estimate(["A", "B", "C"], cells, model="[12][13]")
    assert any("1 (A) and 3 (C) never overlap" in w for w in e.warnings)
    assert any("term [13] is inestimable" in w for w in e.warnings)
    assert math.isfinite(e.N) and e.df == 0  # [13] at -inf drops cells 111 and 101: 5 cells, 5 parameters
    e = estimate(["A", "B", "C"], cells, model="saturated")  # then [23] leaves more parameters than cells
    assert math.isnan(e.N) and any("not identifiable" in w for w in e.warnings)
    assert estimate(["A", "B", "C"], cells).model != "[12][13][23]"  # selection skips what cannot be fitted


def test_no_overlap_at_all_gives_no_estimate():
    e = estimate(["A", "B"], {"10": 5, "01": 3})
    assert math.isinf(e.N) and e.ci95 is None
    assert any("no unit is on more than one list" in w for w in e.warnings)


def test_little_overlap_is_flagged():
    e = estimate(["A", "B"], {"11": 2, "10": 40, "01": 30})
    assert any("only 2 units" in w for w in e.warnings)


# --- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "message"), [
    ("[14]", "unknown model term \\[14\\].*3 lists"),
    ("[1a]", "unknown model term"),
    ("12", "cannot read the model"),
    ("[123]", "3-way term"),
    ("[11]", "appears twice"),
])  # fmt: skip
def test_unknown_model_terms(model: str, message: str):
    with pytest.raises(ModelError, match=message):
        estimate(["a", "b", "c"], CORMACK_3, model=model)


@pytest.mark.parametrize(("lists", "cells", "message"), [
    (["a", "b", "c"], {"11": 3, "101": 4}, "cell '11': a cell is 3 digits"),
    (["a", "b", "c"], {"1x1": 3}, "a cell is 3 digits"),
    (["a", "b", "c"], {"110": -3, "101": 4}, "negative"),
    (["a", "b", "c"], {"110": 2.5}, "whole number"),
    (["a", "b", "c"], {"000": 7, "110": 2}, "units on no list"),
    (["a", "b", "c"], {"110": 0}, "every cell is zero"),
    (["a"], {"1": 3}, "2 to 5 lists"),
    (["a", "A", "b"], {"110": 3}, "same name"),
])  # fmt: skip
def test_bad_cells(lists: list[str], cells: dict, message: str):
    with pytest.raises(ModelError, match=message):
        estimate(lists, cells)


def test_bad_criterion():
    with pytest.raises(ModelError, match="aic' or 'bic"):
        estimate(["a", "b", "c"], CORMACK_3, select="cp")
