"""Onboarding: who is analysed (accounts=/start=/as_of), by= segments, honest selection."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import adoptmetrics as am
from adoptmetrics._stats._adjusted_odds import PresenceMatrix, adjusted_odds
from adoptmetrics._stats._logistic import fit_logistic
from adoptmetrics.datasets import SaaSData
from adoptmetrics.onboarding import (
    golden_path,
    milestone_status,
    onboarding_funnel,
    success_paths,
    time_to_value,
)

T0 = pd.Timestamp("2024-01-01")


@pytest.fixture(scope="module")
def saas() -> SaaSData:
    return am.datasets.simulate_saas(1500, seed=3)


def _quiet(func: Callable[..., pd.DataFrame], *args: Any, **kwargs: Any) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return func(*args, **kwargs)


# --------------------------------------------------------------------------- as_of


def test_open_windows_are_left_out_with_a_warning(saas: SaaSData) -> None:
    acc = saas.accounts.set_index("account_id")
    y, start = acc["onboarding_success"], acc["started_at"]
    as_of = start.sort_values().iloc[len(start) // 2] + pd.Timedelta(days=20)
    closed = start + pd.Timedelta(days=14) <= as_of
    n_open = int((~closed).sum())
    with pytest.warns(UserWarning, match=f"{n_open} of {len(y)} accounts were left out"):
        res = success_paths(saas.events, y, start=start, as_of=as_of, max_length=2)
    assert res.attrs["n_window_open"] == n_open
    assert res.attrs["n_accounts"] == int(closed.sum())
    # independent: the same analysis on the closed accounts only, events cut at as_of
    ev = saas.events[saas.events["timestamp"] <= as_of]
    ref = _quiet(success_paths, ev, y[closed], start=start[closed], as_of=as_of, max_length=2)
    pd.testing.assert_frame_equal(res, ref)
    # before the fix the open accounts were counted with truncated windows
    assert res["n_success"].max() + res["n_failure"].max() <= closed.sum()


def test_golden_path_leaves_out_open_windows(saas: SaaSData) -> None:
    acc = saas.accounts.set_index("account_id")
    y, start = acc["onboarding_success"], acc["started_at"]
    as_of = start.sort_values().iloc[len(start) // 3] + pd.Timedelta(days=10)
    closed = start + pd.Timedelta(days=14) <= as_of
    with pytest.warns(UserWarning, match="window had not closed"):
        gp = golden_path(saas.events, y, start=start, as_of=as_of, max_length=3)
    first = gp.iloc[0]
    assert first["n_success"] <= int(y[closed].sum())
    assert first["n_success"] + first["n_failure"] <= int(closed.sum())


def test_all_windows_open_is_an_error() -> None:
    ev = pd.DataFrame({"account_id": ["a", "b"], "event": "x",
                       "timestamp": [T0, T0 + pd.Timedelta(days=1)]})  # fmt: skip
    y = pd.Series([True, False], index=["a", "b"])
    with pytest.raises(ValueError, match=r"(?s)no account's window has closed.*Hint"):
        _quiet(success_paths, ev, y)


# --------------------------------------------------------------------------- accounts=, start=


def test_accounts_equals_start_series(saas: SaaSData) -> None:
    acc = saas.accounts
    y = acc.set_index("account_id")["onboarding_success"]
    a = _quiet(success_paths, saas.events, y, start=acc.set_index("account_id")["started_at"],
               max_length=2)  # fmt: skip
    renamed = acc.rename(columns={"account_id": "org", "started_at": "signup"})
    b = _quiet(success_paths, saas.events, y, accounts=renamed, start_col="signup",
               accounts_account_col="org", max_length=2)  # fmt: skip
    pd.testing.assert_frame_equal(a, b)
    c = _quiet(success_paths, saas.events, "onboarding_success", accounts=acc, max_length=2)
    pd.testing.assert_frame_equal(a, c)
    f1 = onboarding_funnel(saas.events, ["create_project"], accounts=acc)
    start = acc.set_index("account_id")["started_at"]
    f2 = onboarding_funnel(saas.events, ["create_project"], start=start)
    pd.testing.assert_frame_equal(f1, f2)


def test_accounts_errors(saas: SaaSData) -> None:
    acc = saas.accounts
    y = acc.set_index("account_id")["onboarding_success"]
    start = acc.set_index("account_id")["started_at"]
    with pytest.raises(ValueError, match="accounts= or start=, not both"):
        success_paths(saas.events, y, accounts=acc, start=start)
    with pytest.raises(am.SchemaError, match=r"(?s)'org'.*accounts_account_col"):
        success_paths(saas.events, y, accounts=acc, accounts_account_col="org")
    with pytest.raises(am.SchemaError, match="start_col"):
        milestone_status(saas.events, ["create_project"], accounts=acc, start_col="signup")
    with pytest.raises(TypeError, match="accounts="):
        success_paths(saas.events, "onboarding_success")


# --------------------------------------------------------------------------- by=


def test_by_equals_a_loop_over_segments(saas: SaaSData) -> None:
    acc = saas.accounts
    y = acc.set_index("account_id")["onboarding_success"]
    plan = acc.set_index("account_id")["plan"]
    res = _quiet(success_paths, saas.events, y, accounts=acc, by="plan", max_length=1)
    assert res.columns[0] == "plan"
    for value in sorted(plan.unique()):  # independent: an explicit loop over segments
        ids = plan.index[plan == value]
        ref = _quiet(success_paths, saas.events, y[ids], accounts=acc, max_length=1)
        got = res[res["plan"] == value].drop(columns="plan").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, ref, check_dtype=False)


def test_by_series_names_the_column(saas: SaaSData) -> None:
    acc = saas.accounts
    start = acc.set_index("account_id")["started_at"]
    plan = acc.set_index("account_id")["plan"]
    f = onboarding_funnel(saas.events, ["create_project"], start=start, by=plan.rename(None))
    assert f.columns[0] == "segment"
    assert set(f["segment"]) == set(plan)
    for value, part in f.groupby("segment"):
        ids = plan.index[plan == value]
        ref = onboarding_funnel(saas.events, ["create_project"], start=start[ids])
        assert part["n_accounts"].tolist() == ref["n_accounts"].tolist()
    t = time_to_value(saas.events, ["create_project"], accounts=acc, by=plan.rename("tier"))
    assert t.columns[0] == "tier"
    ids = plan.index[plan == sorted(plan.unique())[0]]
    ref = time_to_value(saas.events, ["create_project"], start=start[ids])
    got = t[t["tier"] == sorted(plan.unique())[0]].drop(columns="tier")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), ref)


def test_by_errors() -> None:
    ev = pd.DataFrame({"account_id": ["a", "a", "b"], "event": "x", "plan": ["p", "q", "p"],
                       "timestamp": [T0, T0 + pd.Timedelta(days=1), T0]})  # fmt: skip
    with pytest.raises(am.SchemaError, match=r"(?s)changes within an account.*Hint"):
        onboarding_funnel(ev, ["x"], window_days=1, by="plan", as_of="2024-02-01")
    with pytest.raises(am.SchemaError, match=r"(?s)'tier'.*not a column"):
        onboarding_funnel(ev, ["x"], window_days=1, by="tier", as_of="2024-02-01")
    with pytest.raises(TypeError, match="Hint"):
        onboarding_funnel(ev, ["x"], window_days=1, by=3, as_of="2024-02-01")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- selection split


def test_split_selected_statistics_come_from_the_held_out_accounts(saas: SaaSData) -> None:
    acc = saas.accounts
    y = acc.set_index("account_id")["onboarding_success"]
    res = _quiet(success_paths, saas.events, y, accounts=acc, max_length=2,
                 selection_split=0.5, seed=7)  # fmt: skip
    assert res.attrs["selection_split"] == 0.5
    assert res.attrs["seed"] == 7
    again = _quiet(success_paths, saas.events.sample(frac=1.0, random_state=2), y, accounts=acc,
                   max_length=2, selection_split=0.5, seed=7)  # fmt: skip
    pd.testing.assert_frame_equal(res, again)  # seeded, row order irrelevant
    full = _quiet(success_paths, saas.events, y, accounts=acc, max_length=2)
    assert full.attrs["selection_split"] is None
    sel = res[res["selected"]]
    assert len(sel) >= 1
    # rows selected in neither keep the same all-account statistics of their own model
    both = res.merge(full, on="pattern", suffixes=("", "_full"))
    neither = both[~both["selected"] & ~both["selected_full"]]
    np.testing.assert_allclose(neither["odds_ratio"], neither["odds_ratio_full"], rtol=1e-12)
    np.testing.assert_array_equal(both["n_success"], both["n_success_full"])


def test_selection_without_split_is_anti_conservative_and_split_is_not() -> None:
    # Null data: no candidate affects success. Lenient selection (confidence=0.5) so something
    # is selected often; its Wald p-value from the selecting data is then almost always small,
    # while the held-out p-value is uniform (rejects about 5 %). Reference: the definition.
    rng = np.random.default_rng(0)
    naive, honest, n_sel = 0, 0, 0
    for _ in range(150):
        n = 400
        z = rng.random((n, 10)) < 0.3
        days = rng.integers(0, 8, n)
        y = rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.3 * np.log1p(days))))
        mask = rng.random(n) < 0.5
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = adjusted_odds(PresenceMatrix(z), y, days, confidence=0.5, select_on=mask)
            b = adjusted_odds(PresenceMatrix(z[mask]), y[mask], days[mask], confidence=0.5)
        if not b.selected:
            continue
        assert a.selected == b.selected  # the split selects on exactly the mask
        n_sel += 1
        naive += bool(b.p_value[b.selected[0]] < 0.05)
        honest += bool(a.p_value[a.selected[0]] < 0.05)
        # held-out estimate: fit_logistic on the other accounts
        fit = fit_logistic(np.column_stack([np.log1p(days[~mask]), z[~mask][:, a.selected]]),
                           y[~mask])  # fmt: skip
        assert np.log(a.odds_ratio[a.selected[0]]) == pytest.approx(fit.coef[2], rel=1e-6)
    assert n_sel >= 40
    assert naive / n_sel > 0.9
    assert honest / n_sel < 0.15


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.2])
def test_bad_selection_split(bad: float) -> None:
    ev = pd.DataFrame({"account_id": ["a", "b"], "event": "x", "timestamp": [T0, T0]})
    y = pd.Series([True, False], index=["a", "b"])
    with pytest.raises(ValueError, match=r"(?s)selection_split.*Hint"):
        success_paths(ev, y, selection_split=bad, as_of="2025-01-01")
    with pytest.raises(TypeError, match="selection_split"):
        success_paths(ev, y, selection_split="half", as_of="2025-01-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed"):
        success_paths(ev, y, selection_split=0.5, seed=0.5, as_of="2025-01-01")  # type: ignore[arg-type]


def test_by_and_accounts_ignore_row_order_and_never_mutate(saas: SaaSData) -> None:
    acc, ev = saas.accounts, saas.events
    acc_copy, ev_copy = acc.copy(), ev.copy()
    a = _quiet(golden_path, ev, "onboarding_success", accounts=acc, by="plan", max_length=3)
    b = _quiet(golden_path, ev.sample(frac=1.0, random_state=5), "onboarding_success",
               accounts=acc.sample(frac=1.0, random_state=6), by="plan", max_length=3)  # fmt: skip
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(acc, acc_copy)
    pd.testing.assert_frame_equal(ev, ev_copy)
    assert a.columns[0] == "plan"
    assert set(a["plan"]) == set(acc["plan"])


def test_duplicate_ids_in_start_or_by_are_refused() -> None:
    ev = pd.DataFrame({"account_id": ["a", "b"], "event": "x", "timestamp": [T0, T0]})
    dup = pd.Series([T0, T0], index=["a", "a"])
    with pytest.raises(am.SchemaError, match=r"(?s)start.*duplicate.*Hint"):
        onboarding_funnel(ev, ["x"], window_days=1, start=dup, as_of="2024-02-01")
    seg = pd.Series(["p", "q"], index=["a", "a"])
    with pytest.raises(am.SchemaError, match=r"(?s)by.*duplicate.*Hint"):
        onboarding_funnel(ev, ["x"], window_days=1, by=seg, as_of="2024-02-01")


def test_a_segment_with_nothing_to_compare_is_left_out_with_a_warning() -> None:
    rows = [(f"a{i}", "x" if i % 2 else "y", T0) for i in range(40)]
    ev = pd.DataFrame(rows, columns=["account_id", "event", "timestamp"])
    ids = [f"a{i}" for i in range(40)]
    y = pd.Series([i % 2 == 1 for i in range(40)], index=ids)
    seg = pd.Series(["all_won" if i >= 36 else "mixed" for i in range(40)], index=ids)
    y[seg == "all_won"] = True
    with pytest.warns(UserWarning, match="all_won'? left out"):
        res = success_paths(ev, y, by=seg.rename("group"), as_of="2024-06-01", max_length=1)
    assert set(res["group"]) == {"mixed"}


def test_accounts_without_a_given_start_are_left_out() -> None:
    rows = [(f"a{i}", "x" if i % 2 else "y", T0) for i in range(20)]
    ev = pd.DataFrame(rows, columns=["account_id", "event", "timestamp"])
    ids = [f"a{i}" for i in range(20)]
    y = pd.Series([i % 3 == 0 for i in range(20)], index=ids)
    start = pd.Series(T0, index=ids[2:])  # a0 and a1 have no start date
    with pytest.warns(UserWarning, match=r"2 of 20 accounts have no start in start="):
        res = success_paths(ev, y, start=start, as_of="2024-06-01", max_length=1)
    assert res.attrs["n_accounts"] == 18
    assert int(res["n_success"].sum() + res["n_failure"].sum()) == 18  # x or y, once each


def test_a_start_series_goes_through_the_boundary() -> None:
    # Hand-built: a starts on day 0 and does "y" on day 3 (in a 5-day window); b does
    # "y" on day 6 (outside it). A start given in Paris time is the same instant in UTC
    # (one hour earlier), and its resolution (s, us or ns) does not matter.
    ev = pd.DataFrame(
        {
            "account_id": ["a", "b"],
            "event": ["y", "y"],
            "timestamp": [T0 + pd.Timedelta(days=3), T0 + pd.Timedelta(days=6)],
        }
    )
    naive = pd.Series([T0, T0], index=["a", "b"])
    want = milestone_status(ev, ["y"], start=naive, window_days=5, as_of="2024-03-01")
    assert want["onboarded"].tolist() == [True, False]
    assert want["start"].dtype == np.dtype("datetime64[ns]")
    for unit in ("s", "us", "ns"):
        got = milestone_status(
            ev, ["y"], start=naive.astype(np.dtype(f"datetime64[{unit}]")), window_days=5,
            as_of="2024-03-01",
        )  # fmt: skip
        pd.testing.assert_frame_equal(got, want)
    paris = pd.Series(pd.DatetimeIndex([T0, T0]).tz_localize("Europe/Paris"), index=["a", "b"])
    got = milestone_status(ev, ["y"], start=paris, window_days=5, as_of="2024-03-01")
    assert (got["start"] == T0 - pd.Timedelta(hours=1)).all()
    assert got["onboarded"].tolist() == [True, False]
