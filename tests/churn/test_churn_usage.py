"""Usage covariates (``usage_covariates``) and reasons stated against references.

Known answers: usage counts on a hand-built log (dates counted by hand in the
comments) and on random logs against an explicit Python loop over accounts;
reason factors recomputed from the fitted coefficients and the training
median by hand. No lookahead: events after ``as_of`` never change a value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import adoptmetrics as am
from adoptmetrics import churn

T = pd.Timestamp


def _log() -> pd.DataFrame:
    rows = [
        # a: 3 active days in (Feb 3, Mar 2], 1 in (Jan 6, Feb 3]; last event Mar 1 12:00.
        ("a", "2024-02-10 09:00"),
        ("a", "2024-02-10 17:00"),
        ("a", "2024-02-20 08:00"),
        ("a", "2024-03-01 12:00"),
        ("a", "2024-01-20 10:00"),
        # b: nothing recent; 2 days in the window before; last event Jan 30.
        ("b", "2024-01-25 10:00"),
        ("b", "2024-01-30 10:00"),
        # c: only an event long ago (before both windows): capped idle days.
        ("c", "2023-06-01 10:00"),
        # d: an event exactly at as_of counts; one after as_of must not.
        ("d", "2024-03-02 00:00"),
        ("d", "2024-03-05 00:00"),
    ]
    ev = pd.DataFrame(rows, columns=["account_id", "timestamp"])
    ev["timestamp"] = pd.to_datetime(ev["timestamp"])
    ev["event"] = "login"
    return ev


def test_usage_counts_by_hand() -> None:
    out = churn.usage_covariates(_log(), as_of="2024-03-02")
    got = out.set_index("account_id")
    assert list(out.columns) == [
        "account_id",
        "active_days",
        "active_days_change",
        "days_since_active",
    ]
    # a: Feb 10, Feb 20, Mar 1 recent (3); Jan 20 before (1): change +2; Mar 1 12:00 → 0 days.
    assert list(got.loc["a"]) == [3, 2, 0]
    # b: none recent, Jan 25 and Jan 30 before: change −2; Jan 30 10:00 → 31 whole days.
    assert list(got.loc["b"]) == [0, -2, 31]
    # c: nothing in 56 days: idle capped at 2 × 28.
    assert list(got.loc["c"]) == [0, 0, 56]
    # d: the event at as_of counts (window (as_of − 28 d, as_of]); Mar 5 is not read.
    assert list(got.loc["d"]) == [1, 1, 0]


def test_no_lookahead_and_eventlog_same_answer() -> None:
    ev = _log()
    as_of = T("2024-02-15")
    base = churn.usage_covariates(ev, as_of=as_of)
    later = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "d"],
            "timestamp": pd.to_datetime(["2024-02-15 00:00:01"] * 4),
            "event": "login",
        }
    )
    more = pd.concat([ev, later, ev.assign(timestamp=ev["timestamp"] + pd.Timedelta(days=400))])
    pd.testing.assert_frame_equal(churn.usage_covariates(more, as_of=as_of), base)
    log = am.EventLog(ev)
    pd.testing.assert_frame_equal(churn.usage_covariates(log, as_of=as_of), base)
    shuffled = ev.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(churn.usage_covariates(shuffled, as_of=as_of), base)


def test_default_as_of_is_latest_event() -> None:
    ev = _log()
    pd.testing.assert_frame_equal(
        churn.usage_covariates(ev), churn.usage_covariates(ev, as_of=ev["timestamp"].max())
    )


def test_usage_matches_explicit_loop_on_random_logs() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    ev = pd.DataFrame(
        {
            "account_id": rng.choice([f"acc{i:03d}" for i in range(60)], n),
            "timestamp": T("2024-01-01") + pd.to_timedelta(rng.integers(0, 120 * 86_400, n), "s"),
            "event": "x",
        }
    )
    as_of, w = T("2024-03-20 15:30"), 21
    out = churn.usage_covariates(ev, as_of=as_of, window_days=w).set_index("account_id")
    day = pd.Timedelta(days=1)
    for acc, grp in ev.groupby("account_id"):  # the reference: a loop over accounts
        t = grp["timestamp"]
        recent = t[(t > as_of - w * day) & (t <= as_of)]
        before = t[(t > as_of - 2 * w * day) & (t <= as_of - w * day)]
        seen = t[(t > as_of - 2 * w * day) & (t <= as_of)]
        idle = 2 * w if seen.empty else min(2 * w, int((as_of - seen.max()) // day))
        expected = [
            recent.dt.normalize().nunique(),
            recent.dt.normalize().nunique() - before.dt.normalize().nunique(),
            idle,
        ]
        assert list(out.loc[acc]) == expected, acc


def test_usage_bad_options() -> None:
    with pytest.raises(ValueError, match="window_days"):
        churn.usage_covariates(_log(), window_days=0)
    with pytest.raises(TypeError, match="window_days"):
        churn.usage_covariates(_log(), window_days=2.5)  # type: ignore[arg-type]
    with pytest.raises(am.SchemaError):
        churn.usage_covariates(_log().drop(columns="timestamp"))


def _accounts_with_usage() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 2000
    active = rng.integers(0, 29, n)
    plan = rng.choice(["basic", "pro"], n)
    rate = np.exp(-0.06 * (active - 14) + 0.5 * (plan == "basic")) / 200
    start = T("2023-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    life = pd.to_timedelta(rng.exponential(1 / rate).astype(int), unit="D")
    return pd.DataFrame(
        {
            "account_id": [f"a{i:04d}" for i in range(n)],
            "plan": plan,
            "active_days": active,
            "started_at": start,
            "churned_at": start + life,
        }
    )


def test_reasons_are_stated_against_references_by_hand() -> None:
    acc = _accounts_with_usage()
    as_of = "2024-06-30"
    model = churn.fit_churn_model(
        acc, covariates=["plan", "active_days"], as_of=as_of, reference={"plan": "pro"}
    )
    # The references: the given level, and the median over the training accounts.
    trained = acc[acc["started_at"] <= as_of]
    assert model.reference_values == {
        "plan": "pro",
        "active_days": float(np.median(trained["active_days"])),
    }
    coef = model.summary.set_index("covariate")["coef"]
    assert coef["active_days"] < 0 < coef["plan=basic"]  # the planted directions
    median = model.reference_values["active_days"]
    hand = pd.DataFrame(
        {
            "account_id": ["low", "typical", "busy"],
            "plan": ["basic", "pro", "pro"],
            "active_days": [2, int(median), 28],
            "started_at": pd.Timestamp("2024-05-01"),
            "churned_at": pd.NaT,
        }
    )
    risk = churn.churn_risk(model, hand, horizon_days=30, as_of=as_of).set_index("account_id")
    low = risk.loc["low", "reasons"]
    f_active = np.exp(coef["active_days"] * (2 - median))
    f_plan = np.exp(coef["plan=basic"])
    expected = sorted(
        [
            (f_active, f"active_days=2 (×{f_active:.2f} vs {median:g})"),
            (f_plan, f"plan=basic (×{f_plan:.2f} vs pro)"),
        ],
        reverse=True,
    )
    assert low == tuple(text for _, text in expected)
    # At the references nothing is a reason; more use than the median lowers the hazard.
    assert risk.loc["typical", "reasons"] == ()
    assert risk.loc["busy", "reasons"] == ()
    assert churn.churn_risk(model, hand, horizon_days=30, as_of=as_of, n_reasons=1).set_index(
        "account_id"
    ).loc["low", "reasons"] == (expected[0][1],)
