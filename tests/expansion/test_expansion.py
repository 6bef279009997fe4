"""Tests for adoptmetrics.expansion: known answers, planted recovery, leakage, bad input."""

from __future__ import annotations

import math
import warnings
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import adoptmetrics as am
from adoptmetrics import expansion as ex
from adoptmetrics._schema._validate import SchemaError
from adoptmetrics.activity import trigger_firings
from strategies import events_frames, shuffled

SEAT = am.Trigger("seat limit", event="seat", window_days=10)
TS = pd.Timestamp


# --------------------------------------------------------------------------- hand-built log


def hand_log() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three accounts, horizon 30 days, as_of 2024-07-01 (worked out in test_known_answer)."""
    events = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "a", "b", "c", "c"],
            "event": ["seat", "seat", "seat", "login", "login", "login", "seat"],
            "timestamp": pd.to_datetime(
                [
                    "2024-02-01",
                    "2024-02-11",
                    "2024-05-01",
                    "2024-06-30",
                    "2024-01-05",
                    "2024-03-02",
                    "2024-06-20",
                ]
            ),
        }
    )
    accounts = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "started_at": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01"]),
            "churned_at": [pd.NaT, TS("2024-04-01"), pd.NaT],
        }
    )
    expansions = pd.DataFrame(
        {
            "account_id": ["a", "b", "c"],
            "timestamp": pd.to_datetime(["2024-02-21", "2024-03-01", "2024-06-20"]),
        }
    )
    return events, expansions, accounts


def test_known_answer() -> None:
    # Worked out by hand, horizon H = 30 days, as_of = 2024-07-01:
    # a: at risk Jan 1 → Jul 1 = 182 days. Firings Feb 1, Feb 11 (10 days apart: one
    #    episode, exposed (Feb 1, Mar 12] = 40 days) and May 1 (80 days later: a new
    #    alert, exposed (May 1, May 31] = 30 days). Expansion Feb 21 is 10 days after the
    #    Feb 11 firing: exposed. Alert Feb 1 expanded after 20 days; alert May 1 did not.
    # b: at risk Jan 1 → churn Apr 1 = 91 days, never fires; expansion Mar 1 unexposed.
    # c: at risk Mar 1 → Jul 1 = 122 days. Fires Jun 20, exposed (Jun 20, Jul 1] = 11
    #    days; its alert is censored (Jun 20 + 30 > as_of). The expansion at the very
    #    moment of the firing is not exposed to it (never its own trigger).
    # T1 = 70 + 11 = 81, T0 = 395 − 81 = 314, E1 = 1, E0 = 2.
    events, expansions, accounts = hand_log()
    out = ex.trigger_lift(
        events,
        [SEAT],
        expansions=expansions,
        horizon_days=30,
        accounts=accounts,
        as_of="2024-07-01",
        interval="exact",
    )
    row = out.iloc[0]
    assert row["trigger"] == "seat limit"
    assert row["n_fired"] == 2
    assert row["n_expanded"] == 1
    assert row["precision"] == 0.5
    assert row["n_censored"] == 1
    assert row["n_accounts_fired"] == 2
    assert row["median_lead_days"] == pytest.approx(20.0)
    assert row["exposed_days"] == pytest.approx(81.0)
    assert row["unexposed_days"] == pytest.approx(314.0)
    assert row["n_expansions_exposed"] == 1
    assert row["n_expansions_unexposed"] == 2
    assert row["lift"] == pytest.approx((1 / 81) / (2 / 314))
    assert row["baseline_rate"] == pytest.approx(1 - math.exp(-30 * 2 / 314))
    # Independent check of the exact interval: scipy's Clopper–Pearson for π = E1/(E1+E0),
    # mapped to the rate ratio RR = π/(1−π) · T0/T1.
    ci = stats.binomtest(1, 3).proportion_ci(confidence_level=0.95, method="exact")
    assert row["ci_lower"] == pytest.approx(ci.low / (1 - ci.low) * 314 / 81)
    assert row["ci_upper"] == pytest.approx(ci.high / (1 - ci.high) * 314 / 81)
    pi0 = 81 / 395
    tails = min(stats.binom.cdf(1, 3, pi0), stats.binom.sf(0, 3, pi0))
    assert row["p_value"] == pytest.approx(min(1.0, 2 * tails))
    assert row["q_value"] == pytest.approx(row["p_value"])
    lo, hi = am._stats._intervals.wilson_interval(1, 2)
    assert row["precision_ci_lower"] == pytest.approx(float(lo))
    assert row["precision_ci_upper"] == pytest.approx(float(hi))


def test_known_answer_without_accounts_uses_first_and_last_seen() -> None:
    # Without accounts: a at risk Feb 1 → Jun 30 (150 days), b Jan 5 → Mar 1 (56 days),
    # c Mar 2 → Jun 20 (110 days). Exposure a: 40 + 30 = 70; c: firing at its last
    # moment → 0 days. T1 = 70, T0 = 316 − 70 = 246.
    events, expansions, _ = hand_log()
    out = ex.trigger_lift(events, [SEAT], expansions=expansions, horizon_days=30)
    row = out.iloc[0]
    assert row["exposed_days"] == pytest.approx(70.0)
    assert row["unexposed_days"] == pytest.approx(246.0)
    assert row["lift"] == pytest.approx((1 / 70) / (2 / 246))


def test_row_order_and_input_not_mutated() -> None:
    events, expansions, accounts = hand_log()
    before = events.copy()
    a = ex.trigger_lift(events, [SEAT], expansions=expansions, horizon_days=30, accounts=accounts)
    b = ex.trigger_lift(
        shuffled(events, 1),
        [SEAT],
        expansions=shuffled(expansions, 2),
        horizon_days=30,
        accounts=shuffled(accounts, 3),
    )
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(events, before)


# --------------------------------------------------------------------------- firings


def test_trigger_firings_min_count_and_window() -> None:
    # By hand: invites on days 0, 20, 60, 70; two within 30 days first happen on day 20
    # (days 0, 20) and again on day 70 (days 60, 70); day 60 is 40 days after day 20.
    ev = pd.DataFrame(
        {
            "account_id": "a",
            "event": "invite",
            "timestamp": TS("2024-01-01") + pd.to_timedelta([0, 20, 60, 70], unit="D"),
        }
    )
    out = trigger_firings(ev, event="invite", min_count=2, window_days=30)
    assert list(out["timestamp"]) == [TS("2024-01-21"), TS("2024-03-11")]


def test_trigger_firings_keeps_the_column_names_it_was_given() -> None:
    ev = pd.DataFrame(
        {
            "org": "a",
            "action": "invite",
            "ts": TS("2024-01-01") + pd.to_timedelta([0, 20, 60, 70], unit="D"),
        }
    )
    out = trigger_firings(
        ev, event="invite", min_count=2, window_days=30,
        account_col="org", event_col="action", time_col="ts",
    )  # fmt: skip
    assert list(out.columns) == ["org", "ts"]
    assert list(out["ts"]) == [TS("2024-01-21"), TS("2024-03-11")]


def test_trigger_firings_usage_growth() -> None:
    # By hand, w = 10 days: 1 event in (day −10, 0], then 3 events on days 12, 13, 14.
    # At day 14: window (4, 14] holds 3, window (−6, 4] holds 1 → growth 3 ≥ 2: fires.
    # At day 13: 2 vs 1 → fires; at day 12: 1 vs 1 → not.
    days = [0, 12, 13, 14]
    ev = pd.DataFrame(
        {
            "account_id": "a",
            "event": "x",
            "timestamp": TS("2024-01-01") + pd.to_timedelta(days, unit="D"),
        }
    )
    out = trigger_firings(ev, metric="usage_growth", threshold=2.0, window_days=10)
    assert list(out["timestamp"]) == [TS("2024-01-14"), TS("2024-01-15")]


def test_trigger_firings_active_user_share() -> None:
    # By hand, w = 7 days, 4 seats, threshold 0.75 → 3 distinct users in (t − 7, t].
    # u1 day 0, u2 day 1, u1 day 3, u3 day 8, u2 day 9. Day 1: {u1, u2}; day 3: {u1, u2};
    # day 8: window (1, 8] → {u1, u3}; day 9: window (2, 9] → {u1, u3, u2} → fires.
    days = [0, 1, 3, 8, 9]
    users = ["u1", "u2", "u1", "u3", "u2"]
    ev = pd.DataFrame(
        {
            "account_id": "a",
            "user_id": users,
            "event": "x",
            "timestamp": TS("2024-01-01") + pd.to_timedelta(days, unit="D"),
        }
    )
    seats = pd.Series([4], index=["a"])
    out = trigger_firings(
        ev,
        metric="active_user_share",
        threshold=0.75,
        window_days=7,
        seats=seats,
        user_col="user_id",
    )
    assert list(out["timestamp"]) == [TS("2024-01-10")]


@settings(max_examples=40)
@given(events_frames(max_rows=60), st.integers(1, 3), st.integers(1, 40))
def test_trigger_firings_matches_a_loop(ev: pd.DataFrame, m: int, window: int) -> None:
    # Independent implementation: a plain loop over each account's sorted invite times.
    out = trigger_firings(ev, event="invite", min_count=m, window_days=window)
    expected = set()
    for acc, grp in ev[ev["event"] == "invite"].groupby("account_id"):
        t = sorted(grp["timestamp"])
        for i in range(m - 1, len(t)):
            if t[i] - t[i - m + 1] < pd.Timedelta(days=window):
                expected.add((acc, t[i]))
    got = set(zip(out["account_id"].astype(str), out["timestamp"], strict=True))
    assert got == expected


# --------------------------------------------------------------------------- properties


@settings(max_examples=30)
@given(events_frames(max_rows=60), st.integers(0, 10_000), st.integers(5, 60))
def test_lift_invariants(ev: pd.DataFrame, seed: int, horizon: int) -> None:
    rng = np.random.default_rng(seed)
    ids = ev["account_id"].unique()
    n = int(rng.integers(1, 6))
    lo, hi = ev["timestamp"].min(), ev["timestamp"].max()
    span = max((hi - lo).total_seconds(), 1.0)
    exp = pd.DataFrame(
        {
            "account_id": rng.choice(ids, n),
            "timestamp": lo + pd.to_timedelta(rng.uniform(0, span, n), unit="s"),
        }
    )
    trig = [am.Trigger("inv", event="invite"), am.Trigger("rep", event="report", min_count=2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ex.trigger_lift(ev, trig, expansions=exp, horizon_days=horizon)
        again = ex.trigger_lift(
            shuffled(ev, seed), trig, expansions=shuffled(exp, seed), horizon_days=horizon
        )
    pd.testing.assert_frame_equal(out, again)
    assert (out["n_expanded"] <= out["n_fired"]).all()
    total = out["exposed_days"] + out["unexposed_days"]
    assert np.allclose(total, total.iloc[0])
    assert (out["exposed_days"] >= -1e-9).all()
    assert ((out["n_expansions_exposed"] + out["n_expansions_unexposed"]) == n).all()
    ok = out["lift"].notna() & np.isfinite(out["lift"]) & (out["lift"] > 0)
    assert (out.loc[ok, "ci_lower"] <= out.loc[ok, "lift"] * (1 + 1e-9)).all()
    assert (out.loc[ok, "ci_upper"] >= out.loc[ok, "lift"] * (1 - 1e-9)).all()


# --------------------------------------------------------------------------- planted data


@pytest.fixture(scope="module")
def saas() -> am.datasets.SaaSData:
    return am.datasets.simulate_saas(1500, months=18, seed=0)


PLANTED = ["seat_limit_reached", "premium_feature_used"]
DECOYS = ["export_pdf", "update_profile"]
TRIGGERS = [am.Trigger(n, event=n) for n in PLANTED + DECOYS]


def with_null_trigger(saas: am.datasets.SaaSData, seed: int = 0) -> pd.DataFrame:
    """The events plus one 'null_ping' per account at a uniform time in its active span."""
    rng = np.random.default_rng(seed)
    acc = saas.accounts
    end = acc["churned_at"].fillna(saas.as_of)
    at = acc["started_at"] + (end - acc["started_at"]) * rng.uniform(0, 1, len(acc))
    ping = pd.DataFrame({"account_id": acc["account_id"], "event": "null_ping", "timestamp": at})
    return pd.concat([saas.events, ping], ignore_index=True)


def test_planted_triggers_rank_above_decoys(saas: am.datasets.SaaSData) -> None:
    assert saas.truth["expansion"]["decoys"] == DECOYS
    null = am.Trigger("null_ping", event="null_ping")
    out = ex.trigger_lift(
        with_null_trigger(saas),
        [*TRIGGERS, null],
        expansions=saas.expansions,
        horizon_days=60,
        accounts=saas.accounts,
    )
    # A trigger unrelated to expansion (issue 12, defect 3): its precision interval
    # holds its baseline, and the criteria the planted triggers must meet below reject
    # it. (Its lift is 1.2: a ping uniform over each account's life exposes the days of
    # short-lived accounts more, and accounts differ in their rate — confounding
    # between accounts, which is why lift is not causal; precision has no such issue.)
    row = out.set_index("trigger").loc["null_ping"]
    assert row["precision_ci_lower"] <= row["baseline_rate"] <= row["precision_ci_upper"]
    assert not row["precision_ci_lower"] > row["baseline_rate"]
    assert not row["q_value"] < 0.001
    out = out[out["trigger"] != "null_ping"]
    assert set(out["trigger"].iloc[:2]) == set(PLANTED)
    planted = out[out["trigger"].isin(PLANTED)]
    assert (planted["ci_lower"] > 1).all()
    assert (planted["q_value"] < 0.001).all()
    decoys = out[out["trigger"].isin(DECOYS)]
    assert planted["ci_lower"].min() > decoys["lift"].max()
    # The seat limit (true hazard ratio 4) beats the premium feature (3); saas.truth.
    assert out["trigger"].iloc[0] == "seat_limit_reached"
    assert (planted["precision_ci_lower"] > planted["baseline_rate"]).all()


def test_model_learns_planted_weights(saas: am.datasets.SaaSData) -> None:
    model = ex.fit_expansion_model(
        saas.events, TRIGGERS, expansions=saas.expansions, accounts=saas.accounts
    )
    summary = model.summary.set_index("trigger")
    assert (summary.loc[PLANTED, "ci_lower"] > 1).all()
    assert (summary.loc[DECOYS, "ci_lower"] < 1).all()
    scores = ex.expansion_scores(saas.events, TRIGGERS, model=model, accounts=saas.accounts)
    active = saas.accounts["churned_at"].isna().sum()
    assert len(scores) == active
    assert scores["score"].between(0, 1).all()
    # Rank: 1 + the number of strictly higher scores (ties share a rank, never by id).
    s = scores["score"].to_numpy()
    higher = (s[None, :] > s[:, None]).sum(axis=1)
    assert list(scores["rank"]) == list(1 + higher)
    reasons = {r for rs in scores["reasons"] for r in rs}
    assert reasons <= set(PLANTED)
    assert reasons == set(PLANTED)  # both planted triggers give reasons (simulator's truth)


def test_backtest_beats_chance(saas: am.datasets.SaaSData) -> None:
    bt = ex.backtest_expansion(
        saas.events,
        TRIGGERS,
        expansions=saas.expansions,
        cutoff="2025-01-01",
        accounts=saas.accounts,
    )
    n1, n0 = bt.n_expanded, bt.n_accounts - bt.n_expanded
    # Hanley–McNeil standard error of the AUC under the null (AUC = 0.5).
    se0 = math.sqrt((n1 + n0 + 1) / (12 * n1 * n0))
    assert (bt.auc - 0.5) / se0 > 3
    assert bt.lift_top_decile > 1.3
    assert bt.precision_at_k > bt.base_rate
    assert bt.k == math.ceil(0.1 * bt.n_accounts)
    assert 0 < bt.brier < 0.25  # 0.25: the Brier score of always forecasting 0.5
    assert bt.summary.shape == (1, 8)


def test_leakage_appending_after_cutoff_changes_no_score(saas: am.datasets.SaaSData) -> None:
    cutoff = TS("2025-01-01")
    events = saas.events[saas.events["timestamp"] <= TS("2025-03-01")]
    base = ex.backtest_expansion(
        events, TRIGGERS, expansions=saas.expansions, cutoff=cutoff, accounts=saas.accounts
    )
    # Append a burst of every trigger for every account just after the cutoff, plus
    # expansions, and let half the accounts churn after the cutoff.
    ids = saas.accounts["account_id"]
    later = pd.DataFrame(
        {
            "account_id": np.repeat(ids.to_numpy(), 4),
            "user_id": "x",
            "event": np.tile(PLANTED + DECOYS, len(ids)),
            "timestamp": cutoff + pd.Timedelta(hours=1),
        }
    )
    more_exp = pd.DataFrame(
        {"account_id": ids.iloc[:50], "timestamp": cutoff + pd.Timedelta(days=2)}
    )
    accounts = saas.accounts.copy()
    open_at_cutoff = (accounts["started_at"] <= cutoff) & (
        accounts["churned_at"].isna() | (accounts["churned_at"] > cutoff)
    )
    accounts.loc[open_at_cutoff, "churned_at"] = cutoff + pd.Timedelta(days=3)
    leaky = ex.backtest_expansion(
        pd.concat([events, later], ignore_index=True),
        TRIGGERS,
        expansions=pd.concat([saas.expansions, more_exp], ignore_index=True),
        cutoff=cutoff,
        accounts=accounts,
    )
    cols = ["account_id", "score", "rank", "reasons"]
    pd.testing.assert_frame_equal(base.scores[cols], leaky.scores[cols])
    np.testing.assert_array_equal(base.model.coef, leaky.model.coef)


def test_hand_weights(saas: am.datasets.SaaSData) -> None:
    hand = [
        am.Trigger(t.name, event=t.event, weight=w)
        for t, w in zip(TRIGGERS, [2, 1, 0, 0], strict=True)
    ]
    kw: dict[str, Any] = {"expansions": saas.expansions, "accounts": saas.accounts}
    model = ex.fit_expansion_model(saas.events, hand, weights="hand", **kw)
    np.testing.assert_array_equal(model.coef, [2.0, 1.0, 0.0, 0.0])
    assert model.weights == "hand"
    # The weights act as set: a trigger of weight 0 has no influence at all, so
    # removing its events changes neither the learnt baseline nor any score (the
    # intercept's own known answer, against statsmodels, is in test_expansion_honesty).
    no_decoys = saas.events[~saas.events["event"].isin(DECOYS)]
    with pytest.warns(UserWarning, match="never"):
        again = ex.fit_expansion_model(no_decoys, hand, weights="hand", **kw)
    assert again.intercept == pytest.approx(model.intercept, rel=1e-12)
    with_decoys = ex.expansion_scores(saas.events, hand, model=model, accounts=saas.accounts)
    with pytest.warns(UserWarning, match="never"):
        without = ex.expansion_scores(no_decoys, hand, model=again, accounts=saas.accounts)
    np.testing.assert_allclose(with_decoys["score"], without["score"], rtol=1e-12)
    # Only positive hand weights give reasons.
    assert {x for r in with_decoys["reasons"] for x in r} == set(PLANTED)
    # And a learnt intercept is not the hand one: setting the seat limit's weight
    # higher must lower the baseline needed to explain the same expansions.
    higher = [attrs.evolve(hand[0], weight=4.0), *hand[1:]]
    steeper = ex.fit_expansion_model(saas.events, higher, weights="hand", **kw)
    assert steeper.intercept < model.intercept


def test_expansions_from_mrr(saas: am.datasets.SaaSData) -> None:
    # Independent implementation: a loop over each account's months; only a rise over
    # the calendar month just before, with revenue in it, is an expansion. Rows are
    # dropped at random so gaps (reactivations) occur.
    mrr = saas.mrr.sample(frac=0.8, random_state=0).head(600)
    out = ex.expansions_from_mrr(mrr, min_increase=5.0)
    rows = []
    for acc, grp in mrr.groupby("account_id", sort=True):
        by_month = dict(zip(pd.to_datetime(grp["month"]), grp["mrr"], strict=True))
        for month in sorted(by_month):
            prev = by_month.get(month - pd.DateOffset(months=1), 0.0)
            if prev > 0 and by_month[month] - prev > 5.0:
                rows.append((acc, month, by_month[month] - prev))
    got = list(zip(out["account_id"], out["timestamp"], out["amount"], strict=True))
    assert [(a, t) for a, t, _ in got] == [(a, t) for a, t, _ in rows]
    assert np.allclose([x for *_, x in got], [x for *_, x in rows])


# --------------------------------------------------------------------------- bad input


def test_expansions_for_unknown_accounts() -> None:
    events, expansions, accounts = hand_log()
    bad = pd.concat(
        [expansions, pd.DataFrame({"account_id": ["zz"], "timestamp": [TS("2024-03-01")]})]
    )
    with pytest.raises(SchemaError, match=r"expansions.*not in the accounts"):
        ex.trigger_lift(events, [SEAT], expansions=bad, accounts=accounts)
    with pytest.raises(SchemaError, match=r"expansions.*not in the events"):
        ex.trigger_lift(events, [SEAT], expansions=bad)


def test_trigger_event_never_occurs_warns() -> None:
    events, expansions, accounts = hand_log()
    typo = am.Trigger("typo", event="seat_limit_reched")
    with pytest.warns(UserWarning, match="'seat_limit_reched' never occurs"):
        out = ex.trigger_lift(events, [SEAT, typo], expansions=expansions, accounts=accounts)
    row = out.set_index("trigger").loc["typo"]
    assert row["n_fired"] == 0
    assert np.isnan(row["lift"])
    never = am.Trigger("never", event="seat", min_count=5)
    with pytest.warns(UserWarning, match="'never' never fires"):
        ex.trigger_lift(events, [never], expansions=expansions, accounts=accounts)


def test_expansion_outside_active_time_warns() -> None:
    events, expansions, accounts = hand_log()
    late = pd.concat(
        [expansions, pd.DataFrame({"account_id": ["b"], "timestamp": [TS("2024-05-01")]})]
    )
    with pytest.warns(UserWarning, match="outside their account's active time"):
        ex.trigger_lift(events, [SEAT], expansions=late, accounts=accounts, as_of="2024-07-01")


@pytest.mark.parametrize("horizon", [0, -5, float("nan")])
def test_horizon_must_be_positive(horizon: float) -> None:
    events, expansions, _ = hand_log()
    with pytest.raises(ValueError, match=r"(?s)horizon_days.*Hint"):
        ex.trigger_lift(events, [SEAT], expansions=expansions, horizon_days=horizon)
    with pytest.raises(ValueError, match=r"(?s)horizon_days.*Hint"):
        ex.expansion_scores(events, [SEAT], expansions=expansions, horizon_days=horizon)
    with pytest.raises(ValueError, match=r"(?s)horizon_days.*Hint"):
        ex.backtest_expansion(
            events, [SEAT], expansions=expansions, cutoff="2024-03-01", horizon_days=horizon
        )


def test_cutoff_before_data_or_after_last_expansion() -> None:
    events, expansions, _ = hand_log()
    with pytest.raises(ValueError, match=r"(?s)cutoff=.*before the first event.*Hint"):
        ex.backtest_expansion(events, [SEAT], expansions=expansions, cutoff="2023-01-01")
    with pytest.raises(ValueError, match=r"(?s)cutoff=.*on or after the last expansion.*Hint"):
        ex.backtest_expansion(events, [SEAT], expansions=expansions, cutoff="2024-06-20")
    with pytest.raises(TypeError, match="cutoff"):
        ex.backtest_expansion(events, [SEAT], expansions=expansions, cutoff=None)


def test_backtest_window_past_data_warns_and_nothing_to_learn() -> None:
    events, expansions, accounts = hand_log()
    # cutoff May 1 + 90 days = Jul 30, past the last event (Jun 30): the window is cut short.
    with (
        pytest.warns(UserWarning, match="runs past the end of the data"),
        pytest.warns(UserWarning, match="only 2 account-periods"),
    ):
        ex.backtest_expansion(
            events, [SEAT], expansions=expansions, cutoff="2024-05-01", accounts=accounts
        )
    with pytest.raises(ValueError, match="nothing to learn"):
        ex.backtest_expansion(
            events, [SEAT], expansions=expansions, cutoff="2024-02-02", accounts=accounts
        )


def test_bad_options() -> None:
    events, expansions, _ = hand_log()
    with pytest.raises(TypeError, match="list of Trigger"):
        ex.trigger_lift(events, "seat", expansions=expansions)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a Trigger"):
        ex.trigger_lift(events, ["seat"], expansions=expansions)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="unique"):
        ex.trigger_lift(events, [SEAT, SEAT], expansions=expansions)
    with pytest.raises(ValueError, match="empty"):
        ex.trigger_lift(events, [], expansions=expansions)
    with pytest.raises(ValueError, match=r"(?s)weight.*Hint"):
        ex.fit_expansion_model(events, [SEAT], expansions=expansions, weights="hand")
    with pytest.raises(ValueError, match=r"weights="):
        ex.fit_expansion_model(events, [SEAT], expansions=expansions, weights="magic")
    with pytest.raises(TypeError, match=r"(?s)expansions=.*Hint"):
        ex.expansion_scores(events, [SEAT])
    with pytest.raises(ValueError, match="seats"):
        ex.trigger_lift(
            events,
            [am.Trigger("u", metric="active_user_share", threshold=0.9)],
            expansions=expansions,
        )
    with pytest.raises(ValueError, match="confidence"):
        ex.trigger_lift(events, [SEAT], expansions=expansions, confidence=95)
    with pytest.raises(ValueError, match=r"(?s)min_increase.*Hint"):
        ex.expansions_from_mrr(
            pd.DataFrame({"account_id": ["a"], "month": ["2024-01-01"], "mrr": [1.0]}),
            min_increase=-1,
        )


def test_backtest_k_options(saas: am.datasets.SaaSData) -> None:
    with pytest.raises(ValueError, match=r"(?s)k=.*Hint"):
        ex.backtest_expansion(
            saas.events, TRIGGERS[:1], expansions=saas.expansions, cutoff="2025-01-01", k=1.5
        )
    bt = ex.backtest_expansion(
        saas.events, TRIGGERS[:1], expansions=saas.expansions, cutoff="2025-01-01", k=25,
        accounts=saas.accounts,
    )  # fmt: skip
    assert bt.k == 25


def test_model_trigger_mismatch(saas: am.datasets.SaaSData) -> None:
    model = ex.fit_expansion_model(saas.events, TRIGGERS[:2], expansions=saas.expansions)
    with pytest.raises(ValueError, match="triggers differ"):
        ex.expansion_scores(saas.events, TRIGGERS[1:], model=model)
    with pytest.raises(TypeError, match="ExpansionModel"):
        ex.expansion_scores(saas.events, TRIGGERS, model="m")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- plots


def test_plots(saas: am.datasets.SaaSData) -> None:
    import matplotlib.pyplot as plt

    from adoptmetrics.plotting._expansion import plot_cumulative_gains, plot_trigger_lift

    lift = ex.trigger_lift(
        saas.events, TRIGGERS, expansions=saas.expansions, horizon_days=60, accounts=saas.accounts
    )
    ax = plot_trigger_lift(lift)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "seat_limit_reached"
    bt = ex.backtest_expansion(
        saas.events,
        TRIGGERS,
        expansions=saas.expansions,
        cutoff="2025-01-01",
        accounts=saas.accounts,
    )
    ax2 = plot_cumulative_gains(bt)
    assert len(ax2.lines) >= 3
    with pytest.raises(TypeError, match="ExpansionBacktest"):
        plot_cumulative_gains(lift)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="missing columns"):
        plot_trigger_lift(lift.drop(columns="ci_lower"))
    plt.close("all")


# --------------------------------------------------------------------------- report


def test_report_section(saas: am.datasets.SaaSData) -> None:
    from adoptmetrics.report import ReportData
    from adoptmetrics.report._expansion import section

    data = ReportData.from_frames(
        saas.events, saas.accounts, expansions=saas.expansions, as_of=saas.as_of
    )
    card = section(data)
    assert card is not None
    assert card.id == "expansion"
    assert len(card.figures) == 2
    assert "seat_limit_reached" in card.metrics[0].label
    no_exp = ReportData.from_frames(saas.events, saas.accounts, as_of=saas.as_of)
    assert section(no_exp) is None


def test_report_section_frees_the_trigger_rows_on_the_shared_log(
    saas: am.datasets.SaaSData,
) -> None:
    from adoptmetrics.activity._triggers import _KEY
    from adoptmetrics.report import ReportData
    from adoptmetrics.report._expansion import section

    data = ReportData.from_frames(
        saas.events, saas.accounts, expansions=saas.expansions, as_of=saas.as_of
    )

    def memo_keys() -> list[object]:
        return [
            k
            for enc in data.log._encoded.values()
            for k in (enc.cache or {})
            if isinstance(k, tuple) and k[:1] == (_KEY,)
        ]

    # The key is the one the trigger functions really memoise under on a log.
    am.trigger_lift(data.log, [am.Trigger("login", event="login")], expansions=saas.expansions)
    assert memo_keys() != []
    before = section(data)
    assert memo_keys() == []  # built during the section, then dropped
    again = section(data)  # and the section still builds from scratch
    assert before is not None
    assert again is not None
    assert again.body == before.body
