"""campaign_impact and release_impact: hand-made logs, bad inputs, properties, coverage.

Known answers are computed by hand in the comments; the coverage test uses the
simulated world of ``impact_sim.py``, whose true effect on the exposed is
known exactly for each draw (common random numbers).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from impact_sim import simulate

import adoptmetrics as am
from adoptmetrics import SchemaError
from adoptmetrics.impact import ImpactResult, campaign_impact, release_impact
from strategies import shuffled

T0 = pd.Timestamp("2024-01-01")
P = ParamSpec("P")
R = TypeVar("R")


def _log(days: dict[str, list[int]], event: str = "login") -> pd.DataFrame:
    rows = [(acct, T0 + pd.Timedelta(days=d, hours=10)) for acct, ds in days.items() for d in ds]
    return pd.DataFrame(
        {"account_id": [r[0] for r in rows], "event": event, "timestamp": [r[1] for r in rows]}
    )


def _exposures(pairs: dict[str, int], campaign: str = "c") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": list(pairs),
            "campaign": campaign,
            "exposed_at": [T0 + pd.Timedelta(days=d, hours=12) for d in pairs.values()],
        }
    )


def _quiet(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# --- known answers on hand-made logs -----------------------------------------------------


def test_controls_come_only_from_the_risk_set_at_exposure() -> None:
    # Exposure of "x" on day 30 (pre-period days 20..29, outcome days 31..40).
    # "ok" is active in the pre-period: the only eligible control.
    # "quiet" has no activity in the pre-period, "late" is exposed on day 35
    # (inside x's outcome window), "new" starts on day 31: none is eligible.
    days = {
        "x": [21, 25, 29, 33],
        "ok": [22, 26, 28, 45],
        "quiet": [2, 3, 33, 34],
        "late": [21, 25, 29, 33],
        "new": [31, 32, 33],
        "tail": [60],
    }
    accounts = pd.DataFrame(
        {
            "account_id": list(days),
            "started_at": [T0, T0, T0, T0, T0 + pd.Timedelta(days=31), T0],
            "churned_at": pd.NaT,
        }
    )
    res = _quiet(
        campaign_impact,
        _log(days),
        _exposures({"x": 30, "late": 35}),
        horizon_days=10,
        pre_days=10,
        accounts=accounts,
    )
    pairs = res.pairs[res.pairs["account_id"] == "x"]
    assert pairs["control_id"].tolist() == ["ok"]
    # x active on day 33 (inside 31..40), ok not (45 is outside): 1 - 0.
    assert res.pairs.shape[0] == 2  # late is matched too (to ok or x? x is exposed: never)
    assert "x" not in set(res.pairs["control_id"])


def test_a_control_exposed_after_its_window_closes_is_still_a_control() -> None:
    # "later" is exposed on day 60, after x's window (31..40) has closed:
    # eligible for x. Had it been exposed on day 35 it would not be.
    days = {"x": [21, 25, 29, 33], "later": [22, 26, 28], "other": [70]}
    exp = _exposures({"x": 30, "later": 60})
    res = _quiet(campaign_impact, _log(days), exp, horizon_days=10, pre_days=10)
    assert res.pairs.loc[res.pairs["account_id"] == "x", "control_id"].tolist() == ["later"]


def test_difference_in_differences_by_hand() -> None:
    # x: 5 active days in the pre-period (20..29), 8 after (31..40): change +3.
    # c: 5 before, 3 after: change -2. DiD = 3 - (-2) = 5.
    days = {
        "x": [20, 22, 24, 26, 28, 31, 32, 33, 34, 35, 36, 37, 38],
        "c": [21, 23, 25, 27, 29, 31, 33, 35],
        "end": [50],
    }
    res = _quiet(
        campaign_impact,
        _log(days),
        _exposures({"x": 30}),
        outcome="active_days",
        horizon_days=10,
        pre_days=10,
    )
    row = res.summary.iloc[0]
    assert row["outcome_exposed"] == 3.0
    assert row["outcome_control"] == -2.0
    # fewer than 20 matched: the effect is not estimated, the means are kept
    assert np.isnan(row["effect"])


def _replicated(n: int, outcome: str = "active") -> tuple[pd.DataFrame, pd.DataFrame]:
    """n exposed copies of x and n control copies of c (the hand DiD case)."""
    x = [20, 22, 24, 26, 28, 31, 32, 33, 34, 35, 36, 37, 38]
    c = [21, 23, 25, 27, 29, 31, 33, 35]
    days = {f"x{i}": x for i in range(n)} | {f"c{i}": c for i in range(n)} | {"end": [50]}
    return _log(days), _exposures({f"x{i}": 30 for i in range(n)})


def test_effect_interval_and_naive_effect_by_hand() -> None:
    events, exp = _replicated(25)
    res = _quiet(campaign_impact, events, exp, outcome="active_days", horizon_days=10, pre_days=10)
    row = res.summary.iloc[0]
    # every paired difference is exactly 5: zero variance, effect 5, p = 0
    assert row["effect"] == 5.0
    assert row["ci_lower"] == row["ci_upper"] == 5.0
    assert row["n_matched"] == 25
    # the eligible unexposed are the 25 c's (and "end" is not active in the pre-period)
    assert row["naive_effect"] == 5.0
    assert set(res.placebo.columns) == {"campaign", "effect", "ci_lower", "ci_upper", "p_value"}


def test_event_outcome_and_balance_columns() -> None:
    events, exp = _replicated(25)
    extra = _log({f"x{i}": [33] for i in range(25)}, event="export")
    res = _quiet(
        campaign_impact,
        pd.concat([events, extra], ignore_index=True),
        exp,
        outcome="export",
        horizon_days=10,
        pre_days=10,
    )
    assert res.summary.iloc[0]["effect"] == 1.0
    assert list(res.balance.columns) == [
        "campaign",
        "variable",
        "mean_exposed",
        "mean_control",
        "smd_before",
        "smd_after",
    ]
    assert isinstance(res, ImpactResult)


# --- bad input ---------------------------------------------------------------------------


def test_unknown_accounts_and_out_of_range_exposures_warn() -> None:
    events, exp = _replicated(25)
    bad = pd.concat(
        [exp, _exposures({"ghost": 30}), _exposures({"x0": 400}, campaign="late")],
        ignore_index=True,
    )
    with pytest.warns(UserWarning, match="absent from the events"):
        campaign_impact(events, bad, horizon_days=10, pre_days=10)


def test_small_campaign_gives_a_nan_row_and_a_warning() -> None:
    events, exp = _replicated(5)
    with pytest.warns(UserWarning, match="fewer than 20"):
        res = campaign_impact(events, exp, horizon_days=10, pre_days=10)
    assert np.isnan(res.summary.iloc[0]["effect"])


def test_no_eligible_controls_warns() -> None:
    days = {f"x{i}": [21, 25] for i in range(3)} | {"end": [60]}
    exp = _exposures({f"x{i}": 30 for i in range(3)})
    with pytest.warns(UserWarning, match="no eligible"):
        res = campaign_impact(_log(days), exp, horizon_days=10, pre_days=10)
    assert res.summary.iloc[0]["n_matched"] == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"outcome": "no_such_event"}, ValueError, "neither a built-in"),
        ({"outcome": "retained"}, ValueError, "needs churn dates"),
        ({"horizon_days": 0}, ValueError, "horizon_days"),
        ({"pre_days": 2.5}, ValueError, "pre_days"),
        ({"n_controls": 0}, ValueError, "n_controls"),
        ({"campaign_col": "program"}, SchemaError, "program"),
    ],
)
def test_bad_options(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    events, exp = _replicated(3)
    with pytest.raises(error, match=match):
        campaign_impact(events, exp, **kwargs)  # type: ignore[arg-type]


def test_bad_exposures_tables() -> None:
    events, exp = _replicated(3)
    with pytest.raises(SchemaError, match="no rows"):
        campaign_impact(events, exp.iloc[:0])
    nulls = exp.copy()
    nulls.loc[0, "account_id"] = None
    with pytest.raises(SchemaError, match="missing values"):
        campaign_impact(events, nulls)
    with pytest.raises(SchemaError, match="exposed_at"):
        campaign_impact(events, exp.drop(columns="exposed_at"))
    unparseable = exp.astype({"exposed_at": str})
    unparseable.loc[0, "exposed_at"] = "not a date"
    with pytest.raises(SchemaError):
        campaign_impact(events, unparseable)


def test_open_windows_are_left_out_not_failures() -> None:
    events, exp = _replicated(25)
    # as_of on day 35: the windows (31..40) have not closed
    with pytest.warns(UserWarning, match="not closed"):
        res = campaign_impact(
            events, exp, horizon_days=10, pre_days=10, as_of=T0 + pd.Timedelta(days=35)
        )
    assert res.summary.iloc[0]["n_exposed"] == 0
    assert np.isnan(res.summary.iloc[0]["effect"])


# --- properties --------------------------------------------------------------------------


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 1000), order=st.integers(0, 1000))
def test_shuffled_rows_give_the_same_result_and_inputs_are_not_mutated(
    seed: int, order: int
) -> None:
    w = simulate(n=150, days=170, seed=seed)
    ev, ex = w.events.copy(), w.exposures.copy()
    a = _quiet(campaign_impact, w.events, w.exposures, seed=3)
    b = _quiet(campaign_impact, shuffled(w.events, order), shuffled(w.exposures, order), seed=3)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.balance, b.balance)
    pd.testing.assert_frame_equal(ev, w.events)
    pd.testing.assert_frame_equal(ex, w.exposures)
    s = a.summary
    assert ((s["ci_lower"] <= s["effect"]) | s["effect"].isna()).all()
    assert ((s["effect"] <= s["ci_upper"]) | s["effect"].isna()).all()


def test_campaign_impact_recovers_a_planted_effect() -> None:
    w = simulate(n=1500, days=200, seed=11, lift=0.8)
    res = _quiet(campaign_impact, w.events, w.exposures, accounts=w.accounts)
    row = res.summary.iloc[0]
    truth = w.effect_active.loc[res.pairs["account_id"].unique()].mean()
    assert row["ci_lower"] <= truth <= row["ci_upper"]
    assert row["ci_lower"] > 0
    assert (res.balance["smd_after"].abs() < 0.1).all()
    plac = res.placebo.iloc[0]
    assert plac["ci_lower"] <= 0 <= plac["ci_upper"]


@pytest.mark.slow
def test_interval_coverage_on_repeated_simulations() -> None:
    # Nominal 95 %: the share of draws whose interval holds that draw's true
    # effect on the matched exposed must lie in [90 %, 98 %].
    hits = []
    for seed in range(200):
        w = simulate(n=300, days=170, seed=seed, lift=0.5)
        res = _quiet(campaign_impact, w.events, w.exposures, seed=seed)
        row = res.summary.iloc[0]
        truth = w.effect_active.loc[res.pairs["account_id"].unique()].mean()
        hits.append(row["ci_lower"] <= truth <= row["ci_upper"])
    assert 0.90 <= np.mean(hits) <= 0.98, np.mean(hits)


# --- release impact ----------------------------------------------------------------------


def test_release_impact_uses_first_use_after_launch_and_states_the_caveat() -> None:
    events, _ = _replicated(25)
    launch = T0 + pd.Timedelta(days=15)
    # x's use the new feature first on day 30 (and once before launch, ignored)
    feature = _log({f"x{i}": [5, 30, 31] for i in range(25)}, event="new_editor")
    log = pd.concat([events, feature], ignore_index=True)
    res = _quiet(
        release_impact, log, "new_editor", launched_at=launch, horizon_days=10, pre_days=10
    )
    assert res.caveat is not None
    assert "self-selected" in res.caveat
    assert set(res.pairs["exposed_at"]) == {T0 + pd.Timedelta(days=30)}
    assert res.summary.iloc[0]["campaign"] == "new_editor"


def test_release_impact_bad_input() -> None:
    events, _ = _replicated(3)
    with pytest.raises(ValueError, match="after as_of"):
        release_impact(events, "login", launched_at="2030-01-01")
    with pytest.raises(ValueError, match="no account used"):
        release_impact(events, "missing_feature", launched_at=T0)


def test_top_level_names() -> None:
    assert am.campaign_impact is campaign_impact
    assert am.release_impact is release_impact
