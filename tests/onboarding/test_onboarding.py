"""Tests for adoptmetrics.onboarding (milestones, time to value, funnel, success paths)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adoptmetrics as am
from adoptmetrics._stats import _adjusted_odds
from adoptmetrics._stats._logistic import fit_logistic, score_tests
from adoptmetrics.onboarding import (
    _paths,
    golden_path,
    milestone_status,
    onboarding_funnel,
    success_paths,
    time_to_value,
)

T0 = pd.Timestamp("2024-01-01")
# Long after every window in these tests closed.
LATE = pd.Timestamp("2025-01-01")


def _ev(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Events from (account, event, day offset) triples."""
    acc, ev, day = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "account_id": list(acc),
            "event": list(ev),
            "timestamp": T0 + pd.to_timedelta(np.asarray(day, dtype=float), unit="D"),
        }
    )


# Hand-written sequences; expected counts worked out by hand in the comments.
HAND = _ev(
    [
        ("a", "A", 0), ("a", "x", 1), ("a", "B", 2),  # A…B with a gap: counted
        ("b", "B", 0), ("b", "A", 1),  # B…A only: A…B not counted
        ("c", "A", 0), ("c", "B", 1), ("c", "A", 2), ("c", "B", 3),  # A…B twice: once
        ("d", "A", 0), ("d", "B", 20),  # B after the 14-day window: not counted
        ("e", "A", 0), ("e", "B", 0),  # same instant: not ordered
    ]
)  # fmt: skip
HAND_Y = pd.Series([True, False, True, False, False], index=list("abcde"))


def _row(res: pd.DataFrame, pattern: tuple[str, ...]) -> pd.Series:
    hit = res[res["pattern"] == pattern]
    assert len(hit) == 1, pattern
    return hit.iloc[0]


def test_known_answer_counts_gaps_order_once_window() -> None:
    res = success_paths(HAND, HAND_Y, max_length=2, min_support=0.01, adjust_for=None)
    ab = _row(res, ("A", "B"))
    # by hand: a (gap) and c (twice, counted once) hold A…B;
    # b (reversed), d (cut off), e (tie) do not
    assert (ab["n_success"], ab["n_failure"]) == (2, 0)
    ba = _row(res, ("B", "A"))
    # by hand: b (B then A) and c (B at day 1, A at day 2)
    assert (ba["n_success"], ba["n_failure"]) == (1, 1)
    a = _row(res, ("A",))
    assert (a["n_success"], a["n_failure"]) == (2, 3)
    b = _row(res, ("B",))
    # d's B is outside its window
    assert (b["n_success"], b["n_failure"]) == (2, 2)
    assert ab["support_success"] == 1.0
    assert ab["support_failure"] == 0.0
    # lift by hand: success rate among holders 2/2 over the base rate 2/5
    assert ab["lift"] == pytest.approx(2.5)
    aa = _row(res, ("A", "A"))
    # by hand: only c has two A's (days 0 and 2)
    assert (aa["n_success"], aa["n_failure"]) == (1, 0)


def test_triple_needs_an_intermediate() -> None:
    ev = _ev(
        [
            ("a", "A", 0), ("a", "B", 1), ("a", "C", 2),  # A…B…C
            ("b", "A", 0), ("b", "C", 1), ("b", "B", 2),  # A…C…B, not A…B…C
            ("c", "B", 0), ("c", "A", 1), ("c", "C", 2),  # B before A: not A…B…C
            # B, then C with a B tie
            ("d", "A", 0), ("d", "B", 1), ("d", "B", 1.5), ("d", "C", 1.5),
        ]
    )  # fmt: skip
    y = pd.Series([True, True, False, False], index=list("abcd"))
    res = success_paths(ev, y, max_length=3, adjust_for=None, as_of=LATE)
    abc = _row(res, ("A", "B", "C"))
    assert abc["n_success"] + abc["n_failure"] == 2  # a and d (B at day 1 < C at 1.5)


def _brute_has(seq: list[tuple[float, str]], pattern: tuple[str, ...]) -> bool:
    t = -np.inf
    for x in pattern:
        later = [s for s, e in seq if e == x and s > t]
        if not later:
            return False
        t = min(later)
    return True


@settings(max_examples=25)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcdef"), st.sampled_from("XYZ"), st.integers(0, 20)),
        min_size=1,
        max_size=60,
    ),
    st.integers(1, 3),
)
def test_counts_match_brute_force(rows: list[tuple[str, str, int]], max_length: int) -> None:
    # independent implementation: a greedy loop over each account's sorted events
    ev = _ev([(a, e, d / 2) for a, e, d in rows])
    ids = sorted(set(ev["account_id"]))
    y = pd.Series([i % 2 == 0 for i in range(len(ids))], index=ids)
    if y.all() or not y.any():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = success_paths(
            ev, y, max_length=max_length, min_support=1e-9, adjust_for=None, as_of=LATE
        )
    first = ev.groupby("account_id")["timestamp"].min()
    seqs = {}
    for a in ids:
        sub = ev[(ev.account_id == a) & (ev.timestamp < first[a] + pd.Timedelta(days=14))]
        seqs[a] = list(zip((sub.timestamp - T0).dt.total_seconds(), sub.event, strict=True))
    expected = {}
    for k in range(1, max_length + 1):
        for pat in itertools.product("XYZ", repeat=k):
            held = [a for a in ids if _brute_has(seqs[a], pat)]
            if held:
                expected[pat] = (sum(y[a] for a in held), sum(not y[a] for a in held))
    got = {p: (s, f) for p, s, f in zip(res.pattern, res.n_success, res.n_failure, strict=True)}
    assert got == expected


def test_row_order_does_not_matter() -> None:
    ev = HAND.sample(frac=1.0, random_state=3)
    a = success_paths(HAND, HAND_Y, max_length=2, adjust_for=None)
    b = success_paths(ev, HAND_Y.sample(frac=1.0, random_state=1), max_length=2, adjust_for=None)
    pd.testing.assert_frame_equal(a, b)


def test_inputs_not_mutated() -> None:
    ev = HAND.copy()
    y = HAND_Y.copy()
    success_paths(ev, y, max_length=2, adjust_for=None)
    pd.testing.assert_frame_equal(ev, HAND)
    pd.testing.assert_series_equal(y, HAND_Y)


# --------------------------------------------------------------------------- planted recovery


def _planted(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """A small planted generator (independent of adoptmetrics.datasets).

    Each account has an activity level; events in its first 14 days: common
    actions, decoys whose counts grow with activity, the planted pair
    invite → dashboard (OR 3), the planted single connect (OR 2), and the
    reversed order dashboard → invite in many accounts. Success depends on
    log(1 + active days) with coefficient 0.8.
    """
    rng = np.random.default_rng(seed)
    act = rng.lognormal(0.0, 0.6, n)
    n_ev = rng.poisson(6 + 6 * act)
    acc = np.repeat(np.arange(n), n_ev)
    vocab = np.array(["project", "import", "alert", "share", "theme", "mobile", "invite",
                      "dashboard", "connect", "tutorial", "help"])  # fmt: skip
    w = np.array([3, 2, 1, 1, 1, 1, 1.2, 1.2, 0.5, 0, 0], dtype=float)
    p = w / w.sum()
    codes = rng.choice(len(vocab), size=len(acc), p=p)
    # decoys: extra events whose number grows with activity
    n_dec = rng.poisson(0.8 * act**2)
    dacc = np.repeat(np.arange(n), n_dec)
    dcodes = rng.choice([9, 10], size=len(dacc))
    acc = np.r_[acc, dacc]
    codes = np.r_[codes, dcodes]
    days = rng.uniform(0, 14, len(acc))
    days = np.floor(days * (0.3 + 0.7 * rng.random(len(acc))) * 24) / 24  # hourly grid
    ev = pd.DataFrame(
        {
            "account_id": np.char.add("u", acc.astype(str)),
            "event": vocab[codes],
            "timestamp": T0 + pd.to_timedelta(days, unit="D"),
        }
    )
    ids = np.char.add("u", np.arange(n).astype(str))
    start = pd.Series(T0, index=ids)
    seqs = am.activity.event_sequences(ev, window_days=14, start=start)
    seq = _paths.build_sequences(seqs, "account_id", pd.Index(ids))
    m = _paths.Miner(seq, 2, 1)
    code = {name: i for i, name in enumerate(seq.names)}
    pair = m.presence((code["invite"], code["dashboard"])).astype(float)
    single = m.presence((code["connect"],)).astype(float)
    active = am.activity.window_activity(ev, window_days=14, start=start)["active_days"]
    eta = -2.2 + np.log(3.0) * pair + np.log(2.0) * single + 0.8 * np.log1p(active.to_numpy())
    y = rng.random(n) < 1 / (1 + np.exp(-eta))
    return ev, pd.Series(y, index=ids), start


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    return _planted(6000, seed=11)


def test_planted_drivers_recovered(planted: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    ev, y, start = planted
    res = success_paths(ev, y, start=start, window_days=14, as_of=LATE)
    sel = res[res["selected"]]
    assert set(sel["pattern"]) == {("invite", "dashboard"), ("connect",)}
    pair = _row(res, ("invite", "dashboard"))
    assert pair["ci_lower"] <= 3.0 <= pair["ci_upper"]
    single = _row(res, ("connect",))
    assert single["ci_lower"] <= 2.0 <= single["ci_upper"]
    rev = _row(res, ("dashboard", "invite"))
    assert not rev["selected"]
    assert (rev["n_success"] + rev["n_failure"]) / len(y) >= 0.25  # reversed pair is common


def test_decoys_need_the_adjustment(planted: tuple[pd.DataFrame, pd.Series, pd.Series]) -> None:
    ev, y, start = planted
    adj = success_paths(ev, y, start=start, max_length=1, as_of=LATE)
    raw = success_paths(ev, y, start=start, max_length=1, adjust_for=None, as_of=LATE)
    for decoy in [("tutorial",), ("help",)]:
        assert _row(raw, decoy)["odds_ratio"] > 1.3  # marginally they look like drivers
        r = _row(adj, decoy)
        assert r["ci_lower"] <= 1.0 <= r["ci_upper"] or abs(np.log(r["odds_ratio"])) < 0.2
        assert not r["selected"]


def test_simulate_saas_recovery() -> None:
    # 95 % intervals miss now and then: over seeds 0-7 at this size, 15 of 16 driver
    # intervals held the truth (seed 4 missed the pair) and seed 7 also selected one
    # spurious triple (family-wise level 5 %). Seed 0 is a typical draw.
    data = am.datasets.simulate_saas(3000, seed=0)
    truth = data.truth["onboarding"]
    acc = data.accounts.set_index("account_id")
    res = success_paths(
        data.events,
        acc["onboarding_success"],
        start=acc["started_at"],
        window_days=truth["window_days"],
    )
    sel = set(res.loc[res["selected"], "pattern"])
    assert sel == {tuple(truth["ordered_pair"]), (truth["single_event"],)}
    pair = _row(res, tuple(truth["ordered_pair"]))
    assert pair["ci_lower"] <= truth["pair_odds_ratio"] <= pair["ci_upper"]
    single = _row(res, (truth["single_event"],))
    assert single["ci_lower"] <= truth["single_odds_ratio"] <= single["ci_upper"]


# --------------------------------------------------------------------------- internals


def test_cell_fits_match_fit_logistic() -> None:
    # independent implementation: fit_logistic on the expanded accounts
    rng = np.random.default_rng(0)
    n = 400
    x = rng.integers(0, 4, n).astype(float)
    z = rng.random(n) < 0.4
    y = rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.4 * x + 0.8 * z)))
    fit = fit_logistic(np.column_stack([x, z]), y)
    cells = [(xv, zv) for xv in range(4) for zv in (0, 1)]
    succ = np.array([[np.sum(y[(x == a) & (z == b)]) for a, b in cells]], dtype=float)
    tot = np.array([[np.sum((x == a) & (z == b)) for a, b in cells]], dtype=float)
    design = np.array([[[1.0, a, b] for a, b in cells]])
    coef, se, ok = _adjusted_odds.fit_cells(succ, tot, design)
    assert ok.all()
    np.testing.assert_allclose(coef[0], fit.coef, rtol=1e-6)
    np.testing.assert_allclose(se[0], fit.se, rtol=1e-6)


def test_cell_scores_match_score_tests() -> None:
    rng = np.random.default_rng(1)
    n = 500
    lev = rng.integers(0, 3, n)
    xa = np.log1p(lev.astype(float))
    y = rng.random(n) < 0.4
    zs = rng.random((n, 3)) < 0.3
    fit = fit_logistic(xa[:, None], y)
    expected, _ = score_tests(fit, xa[:, None], y, zs.astype(float))
    all_counts = np.array([[np.sum((lev == c) & ~y), np.sum((lev == c) & y)] for c in range(3)])
    zc = np.array(
        [[[np.sum((lev == c) & ~y & zs[:, j]), np.sum((lev == c) & y & zs[:, j])] for c in range(3)]
         for j in range(3)]
    )  # fmt: skip
    design = np.column_stack([np.ones(3), np.log1p(np.arange(3.0))])
    fitted = np.array([fit.fitted[lev == c][0] for c in range(3)])
    got = _adjusted_odds.score_from_cells(
        zc.astype(float), all_counts.astype(float), design, fitted
    )
    np.testing.assert_allclose(got, expected, rtol=1e-8)


# --------------------------------------------------------------------------- milestones


MS = [am.Milestone("Invited", "invite"), am.Milestone("Two reports", "report", min_count=2)]
MEV = _ev(
    [
        ("a", "signup", 0), ("a", "invite", 1), ("a", "report", 2), ("a", "report", 3),
        ("b", "signup", 0), ("b", "invite", 1), ("b", "report", 2), ("b", "report", 40),
        ("c", "signup", 50), ("c", "invite", 51),  # c started 10 days before as_of
    ]
)  # fmt: skip


def test_milestone_status_known_answer() -> None:
    st_ = milestone_status(MEV, MS, window_days=30, as_of=T0 + pd.Timedelta(days=60))
    per = st_.groupby("account_id", observed=True).first()
    # by hand: a reaches both by day 3; b's second report is outside its window
    assert per.loc["a", "status"] == "onboarded"
    assert per.loc["a", "days_to_onboard"] == 3.0
    assert per.loc["b", "status"] == "not_onboarded"
    assert per.loc["c", "status"] == "onboarding"  # window still open at as_of
    rep = st_[(st_.account_id == "a") & (st_.milestone == "Two reports")].iloc[0]
    assert rep["reached"]
    assert rep["days_to_reach"] == 3.0
    assert list(st_.columns)[:3] == ["account_id", "milestone", "event"]


def test_time_to_value_known_answer() -> None:
    ttv = time_to_value(MEV, MS, window_days=30, as_of=T0 + pd.Timedelta(days=60))
    # by hand: 3 accounts; a onboarded at day 3; c censored at 10; b censored at 30
    assert ttv["time"].tolist() == [3, 10, 30]
    assert ttv["n_at_risk"].tolist() == [3, 2, 1]
    assert ttv["n_onboarded"].tolist() == [1, 0, 0]
    assert ttv["n_censored"].tolist() == [0, 1, 1]
    assert ttv["onboarded_rate"].iloc[0] == pytest.approx(1 / 3)
    assert ttv["onboarded_rate"].iloc[-1] == pytest.approx(1 / 3)
    assert (ttv["ci_lower"] <= ttv["onboarded_rate"]).all()


def test_funnel_known_answer() -> None:
    f = onboarding_funnel(
        MEV, ["invite", "report"], window_days=30, as_of=T0 + pd.Timedelta(days=60)
    )
    # c's window is still open: only a and b are counted
    assert f["n_accounts"].tolist() == [2, 2]
    f2 = onboarding_funnel(
        MEV, ["report", "invite"], window_days=30, as_of=T0 + pd.Timedelta(days=60)
    )
    assert f2["n_accounts"].tolist() == [2, 0]  # invite never follows a report
    f3 = onboarding_funnel(
        MEV, ["report", "invite"], window_days=30, ordered=False, as_of=T0 + pd.Timedelta(days=60)
    )
    assert f3["n_accounts"].tolist() == [2, 2]


def test_golden_path_known_answer() -> None:
    gp = golden_path(HAND, HAND_Y, max_length=3, min_support=0.01)
    # both successful accounts (a, c) did A then B
    assert gp["pattern"].iloc[-1][:2] == ("A", "B")
    assert gp["n_success"].iloc[1] == 2
    assert gp["n_failure"].iloc[1] == 0  # b reversed, d cut off by the window, e a tie


# --------------------------------------------------------------------------- bad input


def test_outcome_index_matching_nothing() -> None:
    y = pd.Series([True, False], index=["zz1", "zz2"])
    with pytest.raises(am.SchemaError, match=r"outcome.*index"):
        success_paths(HAND, y)


def test_outcome_not_boolean() -> None:
    with pytest.raises(TypeError, match="Hint"):
        success_paths(HAND, HAND_Y.astype(int))
    with pytest.raises(TypeError, match="Series"):
        success_paths(HAND, HAND_Y.to_numpy())  # type: ignore[arg-type]


def test_outcome_one_class() -> None:
    with pytest.raises(ValueError, match="nothing to compare"):
        success_paths(HAND, HAND_Y | True)


@pytest.mark.parametrize("bad", [0, 6, -1])
def test_max_length_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match=r"(?s)max_length.*Hint"):
        success_paths(HAND, HAND_Y, max_length=bad)


def test_max_length_wrong_type() -> None:
    with pytest.raises(TypeError, match="max_length"):
        success_paths(HAND, HAND_Y, max_length=2.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -3, float("nan")])
def test_empty_window(bad: float) -> None:
    with pytest.raises(ValueError, match=r"(?s)window_days.*Hint"):
        success_paths(HAND, HAND_Y, window_days=bad)
    with pytest.raises(ValueError, match="window_days"):
        milestone_status(MEV, MS, window_days=bad)


def test_no_events_in_window() -> None:
    start = pd.Series(T0 + pd.Timedelta(days=100), index=list("abcde"))
    with pytest.raises(ValueError, match="no events fall inside"):
        success_paths(HAND, HAND_Y, start=start, as_of=LATE)


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="adjust_for"):
        success_paths(HAND, HAND_Y, adjust_for="plan")
    with pytest.raises(ValueError, match="min_support"):
        success_paths(HAND, HAND_Y, min_support=5)
    with pytest.raises(ValueError, match="confidence"):
        success_paths(HAND, HAND_Y, confidence=95)


def test_milestone_event_never_occurs() -> None:
    with pytest.warns(UserWarning, match=r"(?s)'invitee' never occurs.*did you mean 'invite'"):
        st_ = milestone_status(MEV, [am.Milestone("Invited", "invitee")], window_days=30)
    assert not st_["reached"].any()


def test_bad_milestones() -> None:
    with pytest.raises(ValueError, match="empty"):
        milestone_status(MEV, [])
    with pytest.raises(TypeError, match="Milestone"):
        milestone_status(MEV, am.Milestone("x", "invite"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="duplicate"):
        milestone_status(MEV, ["invite", "invite"])


# --------------------------------------------------------------------------- counting by cell


def _random_miner(
    seed: int, n_cells: int, max_length: int
) -> tuple[_paths.Miner, npt.NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    n = 300
    k = rng.poisson(6, n)
    acc = np.repeat(np.arange(n), k)
    ev = pd.DataFrame(
        {
            "account_id": np.char.add("u", acc.astype(str)),
            "event": np.array(list("ABCDEFGHIJ"))[rng.integers(0, 10, len(acc))],
            "timestamp": T0 + pd.to_timedelta(rng.integers(0, 20, len(acc)) / 2, unit="D"),
        }
    )
    ids = pd.Index(np.char.add("u", np.arange(n).astype(str)))
    seqs = am.activity.event_sequences(ev, window_days=14)
    seq = _paths.build_sequences(seqs, "account_id", ids)
    cell = rng.integers(0, n_cells, n).astype(np.int64)  # in no particular order
    miner = _paths.Miner(seq, max_length, 3, cell, n_cells)
    miner.discover()
    return miner, cell


@pytest.mark.parametrize(("hist", "rows"), [(1 << 23, 1 << 21), (256 * 7, 1 << 21), (1 << 23, 50)])
def test_cell_counts_match_presence(monkeypatch: pytest.MonkeyPatch, hist: int, rows: int) -> None:
    # independent of the byte histograms: bincount of the cells of the accounts holding
    # each pattern, presence by earliest-completion matching (pinned to the brute force above);
    # one histogram run, runs cut by bins, runs cut by rows
    monkeypatch.setattr(_paths, "_HIST", hist)
    monkeypatch.setattr(_paths, "_ROWS", rows)
    miner, cell = _random_miner(5, n_cells=6, max_length=3)
    assert any(len(p) == 3 for p in miner.patterns)
    pres = miner.presence_many(miner.patterns)
    expected = np.stack([np.bincount(cell[z], minlength=6) for z in pres])
    np.testing.assert_array_equal(miner.counts, expected)
    assert expected.sum(axis=1).min() >= 3  # min_count
    other = (cell * 7 + 3) % 4
    expected4 = np.stack([np.bincount(other[z], minlength=4) for z in pres])
    np.testing.assert_array_equal(miner.cell_counts(other, 4), expected4)


def test_shared_design_fit_matches_general() -> None:
    rng = np.random.default_rng(2)
    total = rng.integers(5, 40, (7, 6)).astype(float)
    succ = np.floor(total * rng.random((7, 6)))
    design = np.column_stack([np.ones(6), np.arange(6.0), np.r_[1, 1, 1, 0, 0, 0]])
    coef, se, ok = _adjusted_odds.fit_cells(succ, total, design)
    design3 = np.broadcast_to(design, (7, 6, 3)).copy()
    coef2, se2, ok2 = _adjusted_odds.fit_cells(succ, total, design3)
    np.testing.assert_allclose(coef, coef2, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(se, se2, rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(ok, ok2)


def test_selection_resumes_beyond_the_shortlist(
    monkeypatch: pytest.MonkeyPatch, planted: tuple[pd.DataFrame, pd.Series, pd.Series]
) -> None:
    # a one-candidate shortlist: the second driver must come from the final check over all
    monkeypatch.setattr(_adjusted_odds, "SHORTLIST", 1)
    ev, y, start = planted
    res = success_paths(ev, y, start=start, window_days=14, as_of=LATE)
    assert set(res.loc[res["selected"], "pattern"]) == {("invite", "dashboard"), ("connect",)}


def test_selection_cell_guard_warns(
    monkeypatch: pytest.MonkeyPatch, planted: tuple[pd.DataFrame, pd.Series, pd.Series]
) -> None:
    monkeypatch.setattr(_adjusted_odds, "EXACT_CHECK_CELLS", 1)
    ev, y, start = planted
    with pytest.warns(UserWarning, match="confined to the"):
        res = success_paths(ev, y, start=start, window_days=14, as_of=LATE)
    assert res["selected"].sum() >= 1
