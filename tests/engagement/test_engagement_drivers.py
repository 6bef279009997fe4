"""feature_retention: windows by hand, the adjusted odds ratio against statsmodels, censoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adoptmetrics.engagement import feature_retention

T0 = pd.Timestamp("2024-01-01")


def _world(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entities start over 30 days; busy ones use 'decoy' more and stay more; 'driver' helps."""
    rng = np.random.default_rng(seed)
    rows = []
    truth = []
    for i in range(n):
        s = T0 + pd.Timedelta(days=int(rng.integers(0, 30)))
        busy = int(rng.integers(1, 7))
        # Day 0 always active, so the first activity is the start.
        days = np.r_[0, rng.choice(np.arange(1, 7), size=busy - 1, replace=False)]
        driver = rng.random() < 0.4
        decoy = rng.random() < busy / 7
        for d in days:
            rows.append((f"e{i:04d}", "login", s + pd.Timedelta(days=int(d), hours=1)))
        if driver:
            rows.append((f"e{i:04d}", "driver", s + pd.Timedelta(days=int(days[0]), hours=2)))
        if decoy:
            rows.append((f"e{i:04d}", "decoy", s + pd.Timedelta(days=int(days.max()), hours=3)))
        eta = -1.5 + 0.5 * busy + 1.0 * driver
        stays = rng.random() < 1 / (1 + np.exp(-eta))
        if stays:
            rows.append(
                (f"e{i:04d}", "login", s + pd.Timedelta(days=int(rng.integers(28, 56)), hours=2))
            )
        truth.append((f"e{i:04d}", s + pd.Timedelta(hours=1), busy, driver, decoy, stays))
    rows.append(("zz", "login", T0 + pd.Timedelta(days=120)))  # as_of: every window closed
    ev = pd.DataFrame(rows, columns=["account_id", "event", "timestamp"])
    tr = pd.DataFrame(truth, columns=["account_id", "start", "active_days", "driver", "decoy", "y"])
    return ev, tr


def test_counts_and_rates_by_hand() -> None:
    ev, tr = _world()
    out = feature_retention(ev, features=["driver", "decoy"]).set_index("feature")
    tr = tr.set_index("account_id")
    # 'zz' starts at day 120: its window is open, so it is left out.
    assert out.attrs["n_window_open"] == 1
    for f in ("driver", "decoy"):
        used = tr[f]
        row = out.loc[f]
        assert row["n_entities"] == len(tr)
        assert row["n_used"] == used.sum()
        assert row["retention_used"] == pytest.approx(tr.loc[used, "y"].mean())
        assert row["retention_not_used"] == pytest.approx(tr.loc[~used, "y"].mean())
        assert row["ppv"] == row["retention_used"]
        assert row["sensitivity"] == pytest.approx(tr.loc[tr["y"], f].mean())


def test_adjusted_odds_ratio_matches_statsmodels() -> None:
    sm = pytest.importorskip("statsmodels.api")
    ev, tr = _world(seed=1)
    out = feature_retention(ev, features=["driver", "decoy"]).set_index("feature")
    for f in ("driver", "decoy"):
        x = sm.add_constant(np.column_stack([np.log1p(tr["active_days"]), tr[f].astype(float)]))
        fit = sm.Logit(tr["y"].astype(float), x).fit(disp=0)
        lo, hi = np.exp(fit.conf_int()[-1:]).to_numpy()[0]
        assert out.loc[f, "odds_ratio"] == pytest.approx(np.exp(fit.params.iloc[-1]), rel=1e-4)
        assert out.loc[f, "ci_lower"] == pytest.approx(lo, rel=1e-4)
        assert out.loc[f, "ci_upper"] == pytest.approx(hi, rel=1e-4)
        assert out.loc[f, "p_value"] == pytest.approx(fit.pvalues.iloc[-1], rel=1e-3)


def test_open_windows_are_left_out() -> None:
    ev, tr = _world(n=100)
    as_of = T0 + pd.Timedelta(days=70)  # starts after day 14 have not closed (14 + 56 = 70)
    out = feature_retention(ev, features=["driver"], as_of=as_of)
    closed = (tr["start"] + pd.Timedelta(days=56) <= as_of).sum()
    assert out["n_entities"].iloc[0] == closed
    assert out.attrs["n_window_open"] == len(tr) - closed


def test_min_count_thresholds_and_start_from_accounts() -> None:
    rows = []
    for i in range(40):
        s = T0 + pd.Timedelta(days=i % 5)
        for k in range(i % 4):
            rows.append((f"e{i}", "x", s + pd.Timedelta(hours=k + 1)))
        rows.append((f"e{i}", "login", s))
        if i % 3:
            rows.append((f"e{i}", "login", s + pd.Timedelta(days=30)))
    rows.append(("late", "login", T0 + pd.Timedelta(days=90)))
    ev = pd.DataFrame(rows, columns=["account_id", "event", "timestamp"])
    out = feature_retention(ev, features=["x"], min_count=[1, 3])
    assert out.set_index("min_count")["n_used"].to_dict() == {1: 30, 3: 10}
    accounts = pd.DataFrame({
        "account_id": [f"e{i}" for i in range(40)] + ["late"],
        "started_at": [T0 + pd.Timedelta(days=i % 5) for i in range(40)] + [T0],
    })  # fmt: skip
    by_acc = feature_retention(ev, features=["x"], min_count=[1, 3], accounts=accounts)
    assert by_acc["n_entities"].iloc[0] == 41  # 'late' now starts at T0, window closed
    assert by_acc.set_index("min_count")["n_used"].to_dict() == {1: 30, 3: 10}


def test_select_adds_a_column() -> None:
    ev, _ = _world(seed=2)
    out = feature_retention(ev, features=["driver", "decoy"], select=True)
    assert "selected" in out.columns
    assert out["selected"].dtype == bool


def test_row_order_does_not_matter() -> None:
    ev, _ = _world(n=150, seed=4)
    a = feature_retention(ev, features=["driver", "decoy"])
    b = feature_retention(ev.sample(frac=1.0, random_state=3), features=["driver", "decoy"])
    pd.testing.assert_frame_equal(a, b)
