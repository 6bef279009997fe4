"""Shared statistics against hand-computed values and independent implementations.

Hand computations are written out in the comments (z = 1.959964 for 95 %).
Fisher and chi-square are checked against scipy, Kaplan–Meier against
lifelines (called directly here, not through adoptmetrics).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from adoptmetrics._stats._intervals import (
    benjamini_hochberg,
    check_confidence,
    chi2_2x2,
    fisher_exact_2x2,
    kaplan_meier,
    nps_interval,
    nps_standard_error,
    wilson_interval,
    woolf_interval,
    z_value,
)

Z95 = 1.959963984540054


def test_z_value_and_confidence_checks() -> None:
    assert z_value(0.95) == pytest.approx(Z95)
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)  # standard normal 95th percentile
    for bad in (0, 1, 95, -0.5):
        with pytest.raises(ValueError, match="Hint: "):
            check_confidence(bad)
    with pytest.raises(TypeError):
        check_confidence("0.95")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check_confidence(True)


# --------------------------------------------------------------------------- Wilson


def test_wilson_hand_computed() -> None:
    # Wilson: centre = (p + z²/2n) / (1 + z²/n), half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n).
    # k = 8, n = 10: p = 0.8, z²/n = 0.3841459, centre = 0.9920729 / 1.3841459 = 0.7167402,
    # half = 1.959964 · √(0.016 + 0.0096036) / 1.3841459 = 0.2265777 → (0.4901625, 0.9433178).
    lo, hi = wilson_interval(8, 10)
    assert float(lo) == pytest.approx(0.4901625, abs=1e-6)
    assert float(hi) == pytest.approx(0.9433178, abs=1e-6)
    # k = 0, n = 10: lower is exactly 0, upper = (z²/n) / (1 + z²/n) = 0.3841459 / 1.3841459.
    lo, hi = wilson_interval(0, 10)
    assert float(lo) == 0.0
    assert float(hi) == pytest.approx(0.2775328, abs=1e-6)
    # k = n = 10: mirror image, upper exactly 1.
    lo, hi = wilson_interval(10, 10)
    assert float(lo) == pytest.approx(1 - 0.2775328, abs=1e-6)
    assert float(hi) == 1.0


def test_wilson_vectorised_and_empty_groups() -> None:
    lo, hi = wilson_interval([8, 0, 3], [10, 0, 3])
    assert lo[0] == pytest.approx(0.4901625, abs=1e-6)
    assert np.isnan(lo[1])
    assert np.isnan(hi[1])
    assert hi[2] == 1.0


@given(st.integers(0, 500), st.integers(1, 500), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_contains_the_estimate_and_matches_the_score_test(
    k: int, extra: int, conf: float
) -> None:
    n = k + extra
    lo, hi = (float(x) for x in wilson_interval(k, n, conf))
    assert 0 <= lo <= k / n <= hi <= 1
    # The Wilson bounds are where the score statistic equals ±z (inverting the score test).
    z = z_value(conf)
    for bound in (lo, hi):
        if 0 < bound < 1:
            assert abs(k / n - bound) / math.sqrt(bound * (1 - bound) / n) == pytest.approx(
                z, rel=1e-6
            )


# --------------------------------------------------------------------------- Woolf


def test_woolf_hand_computed() -> None:
    # [[10, 20], [5, 40]]: OR = 10·40 / (20·5) = 4;
    # SE(log OR) = √(1/10 + 1/20 + 1/5 + 1/40) = √0.375 = 0.6123724;
    # interval exp(log 4 ∓ 1.959964 · 0.6123724) = (1.204502, 13.28349).
    odds, lo, hi = woolf_interval(10, 20, 5, 40)
    assert float(odds) == pytest.approx(4.0)
    assert float(lo) == pytest.approx(1.204502, rel=1e-6)
    assert float(hi) == pytest.approx(13.28349, rel=1e-6)


def test_woolf_zero_cell_adds_one_half_to_every_cell() -> None:
    # [[0, 10], [5, 5]] → [[0.5, 10.5], [5.5, 5.5]]: OR = 0.5·5.5 / (10.5·5.5) = 1/21.
    odds, lo, _ = woolf_interval([0, 10], [10, 20], [5, 5], [5, 40])
    assert odds[0] == pytest.approx(1 / 21)
    se = math.sqrt(1 / 0.5 + 1 / 10.5 + 1 / 5.5 + 1 / 5.5)
    assert lo[0] == pytest.approx(math.exp(math.log(1 / 21) - Z95 * se))
    assert odds[1] == pytest.approx(4.0)  # the other table is not corrected


# --------------------------------------------------------------------------- Benjamini–Hochberg


def test_benjamini_hochberg_hand_worked() -> None:
    # m = 5; sorted p: 0.005, 0.01, 0.03, 0.04, 0.20 → p·m/rank: 0.025, 0.025, 0.05, 0.05, 0.20;
    # running minimum from the largest rank down leaves them unchanged; mapped back to input order.
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005, 0.20])
    assert q.tolist() == pytest.approx([0.025, 0.05, 0.05, 0.025, 0.20])


def test_benjamini_hochberg_monotone_step_and_cap() -> None:
    # p = 0.01, 0.02, 0.021 (m = 3): 0.03, 0.03, 0.021 → the minimum from the top makes all 0.021.
    assert benjamini_hochberg([0.01, 0.02, 0.021]).tolist() == pytest.approx([0.021] * 3)
    # p·m/rank above 1 is capped: 0.9·2/1 = 1.8 → min(1.8, 0.95·2/2) = 0.95.
    assert benjamini_hochberg([0.9, 0.95]).tolist() == pytest.approx([0.95, 0.95])


def test_benjamini_hochberg_ignores_nans_and_empty() -> None:
    q = benjamini_hochberg([0.01, np.nan, 0.04])
    # m = 2 (the NaN is not a hypothesis): 0.02, 0.04.
    assert q[0] == pytest.approx(0.02)
    assert np.isnan(q[1])
    assert q[2] == pytest.approx(0.04)
    assert benjamini_hochberg([]).size == 0
    assert np.isnan(benjamini_hochberg([np.nan])).all()


@given(st.lists(st.floats(0, 1), min_size=1, max_size=40))
def test_benjamini_hochberg_properties(p: list[float]) -> None:
    arr = np.asarray(p)
    q = benjamini_hochberg(arr)
    assert (q >= arr - 1e-15).all()
    assert (q <= 1).all()
    order = np.argsort(arr, kind="stable")
    assert (np.diff(q[order]) >= -1e-15).all()  # q is monotone in p
    # independent formula: q_i = min over j with p_j ≥ p_i of p_j·m/rank_j
    m = len(arr)
    ranks = np.empty(m)
    ranks[order] = np.arange(1, m + 1)
    slow = [
        min(min(arr[j] * m / ranks[j] for j in range(m) if ranks[j] >= ranks[i]), 1.0)
        for i in range(m)
    ]
    assert q.tolist() == pytest.approx(slow)


# --------------------------------------------------------------------------- Fisher, chi-square


def test_fisher_lady_tasting_tea() -> None:
    # [[3, 1], [1, 3]]: P(a=4) = 1/70, P(a=3) = 16/70; two-sided p = (1 + 16 + 16 + 1)/70.
    assert float(fisher_exact_2x2(3, 1, 1, 3)[0]) == pytest.approx(34 / 70)


@settings(max_examples=40)
@given(st.lists(st.tuples(*(st.integers(0, 30),) * 4), min_size=1, max_size=5))
def test_fisher_matches_scipy(tables: list[tuple[int, int, int, int]]) -> None:
    a, b, c, d = (np.array(x) for x in zip(*tables, strict=True))
    got = fisher_exact_2x2(a, b, c, d)
    for i, (ai, bi, ci, di) in enumerate(tables):
        assert got[i] == pytest.approx(
            stats.fisher_exact(np.array([[ai, bi], [ci, di]])).pvalue, rel=1e-9
        )


@given(st.tuples(*(st.integers(1, 200),) * 4))
def test_chi2_matches_scipy(table: tuple[int, int, int, int]) -> None:
    a, b, c, d = table
    expected = stats.chi2_contingency([[a, b], [c, d]], correction=False).pvalue
    assert float(chi2_2x2(a, b, c, d)) == pytest.approx(expected, rel=1e-9)


def test_chi2_degenerate_table_gives_one() -> None:
    assert float(chi2_2x2(0, 0, 5, 5)) == 1.0


# --------------------------------------------------------------------------- NPS


def test_nps_standard_error_hand_computed() -> None:
    # 50 promoters, 30 passives, 20 detractors: NPS = 100·(0.5 − 0.2) = 30;
    # variance of the +1/0/−1 coding = 0.5 + 0.2 − 0.3² = 0.61; SE = 100·√(0.61/100) = 7.81025.
    nps, se = nps_standard_error(50, 20, 100)
    assert float(nps) == pytest.approx(30.0)
    assert float(se) == pytest.approx(7.810250, rel=1e-6)
    lo, hi = nps_interval(50, 20, 100, method="wald")
    assert float(lo) == pytest.approx(30 - Z95 * 7.810250)
    assert float(hi) == pytest.approx(30 + Z95 * 7.810250)
    with pytest.raises(ValueError, match="Hint: "):
        nps_standard_error(1, 1, 3, method="exact")


def test_nps_adjusted_wald_against_the_augmented_trinomial_sample() -> None:
    # Rocks (2016) adds 3 pseudo-responses — 0.75 promoter, 1.5 passive, 0.75 detractor, the
    # defaults of his R package NPS (nps_test(pseudo_observations = c(0.75, 1.5, 0.75))) —
    # and takes the Wald interval of the augmented sample. The paper's worked numbers were
    # not reachable from here, so the reference is computed by another route: the weighted
    # mean and variance of the +1/0/−1 coding (numpy), and the numbers written out by hand.
    # 50 promoters, 30 passives, 20 detractors → weights 50.75, 31.5, 20.75 (total 103):
    # mean 30/103 = 0.291262, E[x²] = 71.5/103 = 0.694175, variance 0.694175 − 0.084834
    # = 0.609341, SE 100·√(0.609341/103) = 7.69151; 95 %: 29.1262 ± 15.0751.
    nps_a, se_a = nps_standard_error(50, 20, 100, method="adjusted_wald")
    assert float(nps_a) == pytest.approx(29.1262, abs=1e-4)
    assert float(se_a) == pytest.approx(7.69151, abs=1e-5)
    lo, hi = nps_interval(50, 20, 100)  # the default is the adjusted interval
    assert (float(lo), float(hi)) == pytest.approx((14.0511, 44.2013), abs=1e-3)
    coded = np.array([1.0, 0.0, -1.0])
    for counts in ([50, 30, 20], [3, 0, 0], [0, 0, 7], [1, 5, 2], [400, 250, 350]):
        weights = np.asarray(counts) + np.array([0.75, 1.5, 0.75])
        mean = np.average(coded, weights=weights)
        var = np.average((coded - mean) ** 2, weights=weights)
        se = math.sqrt(var / weights.sum())
        lo, hi = nps_interval(counts[0], counts[2], sum(counts), confidence=0.9)
        z = 1.6448536269514722
        assert float(lo) == pytest.approx(max(100 * (mean - z * se), -100), abs=1e-9)
        assert float(hi) == pytest.approx(min(100 * (mean + z * se), 100), abs=1e-9)


def test_nps_interval_is_never_of_zero_width() -> None:
    # Issue 12, defect 6: 40 promoters out of 40 gave [100, 100] under the Wald default.
    n = np.arange(1, 300)
    for promoters, detractors in ((n, 0 * n), (0 * n, n)):
        lo, hi = nps_interval(promoters, detractors, n)
        assert (hi - lo > 0.5).all()
    lo, hi = nps_interval(40, 0, 40, method="wald")
    assert (float(lo), float(hi)) == (100.0, 100.0)  # the textbook interval, on request


@given(st.lists(st.integers(0, 10), min_size=1, max_size=200))
def test_nps_standard_error_equals_the_coded_sample(scores: list[int]) -> None:
    s = np.asarray(scores)
    coded = np.where(s >= 9, 1.0, np.where(s <= 6, -1.0, 0.0))
    nps, se = nps_standard_error(int((s >= 9).sum()), int((s <= 6).sum()), len(s))
    assert float(nps) == pytest.approx(100 * coded.mean(), abs=1e-9)
    # population variance of the coded answers / n
    assert float(se) == pytest.approx(100 * math.sqrt(coded.var() / len(s)), abs=1e-9)
    pro, det = int((s >= 9).sum()), int((s <= 6).sum())
    lo, hi = nps_interval(pro, det, len(s), method="wald")
    assert -100 <= float(lo) <= float(nps) <= float(hi) <= 100
    # the adjusted interval leans towards 0 but, from 2 answers on, still holds the score
    lo, hi = nps_interval(pro, det, len(s))
    assert -100 <= float(lo) < float(hi) <= 100
    if len(s) >= 2:
        assert float(lo) - 1e-9 <= float(nps) <= float(hi) + 1e-9


# --------------------------------------------------------------------------- Kaplan–Meier


def _lifelines(
    durations: np.ndarray, events: np.ndarray, entry: np.ndarray | None, times: np.ndarray
) -> dict[str, np.ndarray]:
    # lifelines is the optional extra (it pins pandas<3): these references run
    # on the pandas-2 leg of CI and skip elsewhere.
    lifelines = pytest.importorskip("lifelines")
    kmf = lifelines.KaplanMeierFitter(alpha=0.05)
    kmf.fit(durations, event_observed=events, entry=entry)
    table = kmf.event_table
    ci = kmf.confidence_interval_
    return {
        "survival": kmf.survival_function_at_times(times).to_numpy(),
        "n_at_risk": table.loc[times, "at_risk"].to_numpy(),
        "n_events": table.loc[times, "observed"].to_numpy(),
        "ci_lower": ci.iloc[:, 0].reindex(times).to_numpy(),
        "ci_upper": ci.iloc[:, 1].reindex(times).to_numpy(),
    }


def test_kaplan_meier_hand_computed() -> None:
    # durations 1, 2, 2, 3, 4 with events 1, 1, 0, 1, 0:
    # t=1: 5 at risk, 1 event → S = 4/5; t=2: 4 at risk, 1 event, 1 censored → S = 4/5·3/4 = 0.6;
    # t=3: 2 at risk, 1 event → S = 0.3; t=4: 1 at risk, censored → S = 0.3.
    km = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    assert km["time"].tolist() == [1, 2, 3, 4]
    assert km["n_at_risk"].tolist() == [5, 4, 2, 1]
    assert km["n_events"].tolist() == [1, 1, 1, 0]
    assert km["n_censored"].tolist() == [0, 1, 0, 1]
    assert km["survival"].tolist() == pytest.approx([0.8, 0.6, 0.3, 0.3])


@st.composite
def survival_data(
    draw: st.DrawFn, *, truncated: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    n = draw(st.integers(2, 60))
    durations = np.asarray(draw(st.lists(st.integers(1, 40), min_size=n, max_size=n)))
    events = np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if not truncated:
        return durations, events, None
    # Even durations, odd (or zero) entries below them: no entry time equals an exit time,
    # where lifelines and the (entry, duration] risk set agree (see the tie test below).
    durations = 2 * durations
    half = np.asarray(draw(st.lists(st.integers(0, 40), min_size=n, max_size=n)))
    entry = np.where(half == 0, 0, 2 * np.minimum(half, durations // 2) - 1)
    # One subject followed from 0 to the end keeps the risk set from emptying, which
    # lifelines refuses ("too few early truncation times").
    return np.r_[durations, durations.max() + 2], np.r_[events, False], np.r_[entry, 0]


@settings(max_examples=40)
@given(survival_data(truncated=False))
def test_kaplan_meier_matches_lifelines(
    data: tuple[np.ndarray, np.ndarray, np.ndarray | None],
) -> None:
    durations, events, _ = data
    km = kaplan_meier(durations, events)
    ref = _lifelines(durations, events, None, km["time"])
    for key in ("survival", "n_at_risk", "n_events", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(km[key], ref[key], rtol=1e-7, atol=1e-9, err_msg=key)


@settings(max_examples=40)
@given(survival_data(truncated=True))
def test_kaplan_meier_left_truncation_matches_lifelines(
    data: tuple[np.ndarray, np.ndarray, np.ndarray | None],
) -> None:
    durations, events, entry = data
    km = kaplan_meier(durations, events, entry=entry)
    ref = _lifelines(durations, events, entry, km["time"])
    for key in ("survival", "n_at_risk", "n_events"):
        np.testing.assert_allclose(km[key], ref[key], rtol=1e-7, atol=1e-9, err_msg=key)
    # lifelines leaves the interval NaN where no one is at risk; compare where it is defined.
    ok = ~np.isnan(ref["ci_lower"])
    np.testing.assert_allclose(km["ci_lower"][ok], ref["ci_lower"][ok], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(km["ci_upper"][ok], ref["ci_upper"][ok], rtol=1e-7, atol=1e-9)


def test_kaplan_meier_bad_input() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        kaplan_meier([-1, 2], [1, 1])
    with pytest.raises(ValueError, match="entry"):
        kaplan_meier([1, 2], [1, 1], entry=[3, 0])


def test_kaplan_meier_entry_tie_convention() -> None:
    # Risk set (entry, duration], as R's survival::Surv(start, stop, event): a subject who
    # enters at t is not at risk for an event at t.
    # durations 1, 2, 3; events 1, 0, 1; entry 0, 1, 0:
    # t=1: at risk {0, 2} → S = 1/2; t=2: at risk {1, 2}, a censoring → 1/2; t=3: {2} → 0.
    # (lifelines counts entrants at t as at risk at t and would give 3 at risk and 2/3 at t=1.)
    km = kaplan_meier([1, 2, 3], [1, 0, 1], entry=[0, 1, 0])
    assert km["n_at_risk"].tolist() == [2, 2, 1]
    assert km["survival"].tolist() == pytest.approx([0.5, 0.5, 0.0])
