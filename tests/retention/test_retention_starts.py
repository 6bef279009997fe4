"""Cohorts from ``accounts=`` / ``start=``, and ``by=`` from either table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoptmetrics import SchemaError
from adoptmetrics.retention import (
    cohort_retention,
    retention_curve,
    retention_matrix,
    retention_trend,
)
from strategies import ACCOUNT_IDS, T0, events_frames


def _log(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": [a for a, _ in rows],
            "event": "login",
            "timestamp": pd.to_datetime([t for _, t in rows]),
        }
    )


# Weeks: W0 = 2024-01-01 (Mon), W1 = 01-08, W2 = 01-15, W3 = 01-22.
# a starts W0 and is active W0, W1; b starts W0 and is active W2 only; c starts W1 and
# never uses the product; d starts after as_of (left out).
EVENTS = _log([("a", "2024-01-02"), ("a", "2024-01-09"), ("b", "2024-01-16")])
ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["a", "b", "c", "d"],
        "started_at": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-10", "2024-03-01"]),
        "plan": ["pro", "basic", "pro", "basic"],
    }
)
AS_OF = "2024-01-22"  # W3 starts at as_of: W0..W2 complete


def _rows(out: pd.DataFrame) -> list[tuple[str, int, int, int]]:
    return list(
        zip(
            out["cohort"].dt.strftime("%m-%d"),
            out["period"].astype(int),
            out["cohort_size"].astype(int),
            out["n_retained"].astype(int),
            strict=True,
        )
    )


def test_accounts_give_start_cohorts_and_inactive_accounts_are_not_retained() -> None:
    out = cohort_retention(EVENTS, accounts=ACCOUNTS, as_of=AS_OF)
    # By hand: cohort W0 = {a, b}: k1 a, k2 b, k3 nobody (open). Cohort W1 = {c}: never
    # active after its start (k0 is retained by definition), k1 0, k2 0 (open).
    assert _rows(out) == [
        ("01-01", 0, 2, 2),
        ("01-01", 1, 2, 1),
        ("01-01", 2, 2, 1),
        ("01-01", 3, 2, 0),
        ("01-08", 0, 1, 1),
        ("01-08", 1, 1, 0),
        ("01-08", 2, 1, 0),
    ]
    # Without accounts=, c (no events) is missing and cohorts come from first activity:
    # b's first event is in W2, so it forms its own cohort.
    first = cohort_retention(EVENTS, as_of=AS_OF)
    assert first.drop_duplicates("cohort")["cohort_size"].sum() == 2
    assert first["cohort"].dt.strftime("%m-%d").unique().tolist() == ["01-01", "01-15"]


def test_accounts_equal_start_series_and_other_id_column_names() -> None:
    via_accounts = cohort_retention(EVENTS, accounts=ACCOUNTS, as_of=AS_OF)
    start = ACCOUNTS.set_index("account_id")["started_at"]
    pd.testing.assert_frame_equal(cohort_retention(EVENTS, start=start, as_of=AS_OF), via_accounts)
    # Accounts table with its own id and start column names.
    renamed = ACCOUNTS.rename(columns={"account_id": "org", "started_at": "signup"})
    other = cohort_retention(
        EVENTS, accounts=renamed, accounts_account_col="org", start_col="signup", as_of=AS_OF
    )
    pd.testing.assert_frame_equal(other, via_accounts)
    # Events with another id column; the accounts table keeps account_id.
    ev = EVENTS.rename(columns={"account_id": "org_id"})
    both = cohort_retention(
        ev, accounts=ACCOUNTS, account_col="org_id", accounts_account_col="account_id", as_of=AS_OF
    )
    pd.testing.assert_frame_equal(both, via_accounts)


def test_the_issue_example_no_account_drops_out() -> None:
    # 300 accounts, 20 of them with events: every account is in a cohort.
    ids = [f"acc{i}" for i in range(300)]
    accounts = pd.DataFrame({"account_id": ids, "started_at": pd.Timestamp("2024-01-01")})
    events = _log([(ids[i], "2024-01-10") for i in range(20)])
    out = cohort_retention(events, accounts=accounts, as_of="2024-01-15")
    assert out["cohort_size"].unique().tolist() == [300]
    assert out.loc[out["period"] == 1, "n_retained"].tolist() == [20]
    assert len(cohort_retention(events, as_of="2024-01-15").query("period == 0")) == 1
    assert cohort_retention(events, as_of="2024-01-15")["cohort_size"].max() == 20


def test_by_column_of_accounts_and_series_names() -> None:
    out = cohort_retention(EVENTS, accounts=ACCOUNTS, by="plan", as_of=AS_OF)
    assert list(out.columns[:2]) == ["plan", "cohort"]
    pro = out[out["plan"] == "pro"]
    # pro = {a (W0), c (W1)}; basic = {b (W0)}; d starts after as_of.
    assert _rows(pro) == [
        ("01-01", 0, 1, 1),
        ("01-01", 1, 1, 1),
        ("01-01", 2, 1, 0),
        ("01-01", 3, 1, 0),
        ("01-08", 0, 1, 1),
        ("01-08", 1, 1, 0),
        ("01-08", 2, 1, 0),
    ]
    named = cohort_retention(
        EVENTS, accounts=ACCOUNTS, by=ACCOUNTS.set_index("account_id")["plan"], as_of=AS_OF
    )
    pd.testing.assert_frame_equal(named, out)
    unnamed = ACCOUNTS.set_index("account_id")["plan"].rename(None)
    seg = cohort_retention(EVENTS, accounts=ACCOUNTS, by=unnamed, as_of=AS_OF)
    assert seg.columns[0] == "segment"
    # by= may still name an events column when the accounts table does not hold it.
    ev = EVENTS.assign(region="eu")
    acc = ACCOUNTS[ACCOUNTS["account_id"] != "c"]
    by_events = cohort_retention(ev, accounts=acc, by="region", as_of=AS_OF)
    assert by_events["region"].unique().tolist() == ["eu"]


def test_curve_matrix_and_trend_take_accounts() -> None:
    cells = cohort_retention(EVENTS, accounts=ACCOUNTS, as_of=AS_OF)
    curve = retention_curve(EVENTS, accounts=ACCOUNTS, as_of=AS_OF)
    # Pooled by hand over complete cells: k1 (1 + 0) / 3, k2 (W0 only) 1 / 2.
    assert curve["n_at_risk"].tolist() == [3, 3, 2]
    assert curve["n_retained"].tolist() == [3, 1, 1]
    matrix = retention_matrix(EVENTS, accounts=ACCOUNTS, as_of=AS_OF)
    assert matrix.loc[pd.Timestamp("2024-01-08"), 1] == 0.0
    trend = retention_trend(EVENTS, at=1, accounts=ACCOUNTS, as_of=AS_OF)
    np.testing.assert_allclose(trend["retention_rate"], [0.5, 0.0])
    assert len(cells) == 7


def test_bad_start_options_and_data() -> None:
    start = ACCOUNTS.set_index("account_id")["started_at"]
    with pytest.raises(ValueError, match=r"(?s)accounts= or start=, not both.*Hint"):
        cohort_retention(EVENTS, accounts=ACCOUNTS, start=start)
    with pytest.raises(ValueError, match=r"(?s)level='user'.*Hint: pass start="):
        cohort_retention(EVENTS.assign(user_id="u"), accounts=ACCOUNTS, level="user")
    with pytest.raises(TypeError, match=r"(?s)start must be a pandas Series.*Hint"):
        cohort_retention(EVENTS, start=ACCOUNTS)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"(?s)accounts must be a pandas DataFrame.*Hint"):
        cohort_retention(EVENTS, accounts=start)  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match=r"(?s)accounts.*'org'.*missing.*accounts_account_col"):
        cohort_retention(EVENTS, accounts=ACCOUNTS, accounts_account_col="org")
    with pytest.raises(SchemaError, match=r"(?s)accounts.*'signup'.*missing.*start_col"):
        cohort_retention(EVENTS, accounts=ACCOUNTS, start_col="signup")
    with pytest.raises(SchemaError, match=r"(?s)accounts.*no start for 1 entities.*'a'.*Hint"):
        cohort_retention(EVENTS, accounts=ACCOUNTS[ACCOUNTS["account_id"] != "a"])
    with pytest.raises(SchemaError, match=r"(?s)start.*duplicate entity ids.*Hint"):
        cohort_retention(EVENTS, start=pd.concat([start, start]))
    with pytest.raises(SchemaError, match=r"(?s)accounts.*duplicate.*Hint"):
        cohort_retention(EVENTS, accounts=pd.concat([ACCOUNTS, ACCOUNTS]))


def test_accounts_not_mutated() -> None:
    before = ACCOUNTS.copy()
    cohort_retention(EVENTS, accounts=ACCOUNTS, by="plan", as_of=AS_OF)
    pd.testing.assert_frame_equal(ACCOUNTS, before)


@settings(max_examples=25, deadline=None)
@given(
    events_frames(min_rows=1, max_rows=60, max_days=90),
    st.lists(st.integers(-10, 100), min_size=len(ACCOUNT_IDS), max_size=len(ACCOUNT_IDS)),
    st.sampled_from(["day", "week", "month"]),
    st.sampled_from(["on", "on_or_after"]),
)
def test_accounts_same_as_start_and_every_started_account_counted(
    events: pd.DataFrame, offsets: list[int], period: str, mode: str
) -> None:
    started = T0 + pd.to_timedelta(offsets, unit="D")
    accounts = pd.DataFrame({"account_id": ACCOUNT_IDS, "started_at": started})
    start = pd.Series(started, index=ACCOUNT_IDS)
    a = cohort_retention(events, period=period, mode=mode, accounts=accounts)
    b = cohort_retention(events, period=period, mode=mode, start=start)
    pd.testing.assert_frame_equal(a, b)
    as_of = events["timestamp"].max()
    sizes = a.drop_duplicates("cohort")["cohort_size"].sum()
    assert sizes == int((started <= as_of).sum())
    assert a["retention_rate"].between(0, 1).all()


def test_user_cohorts_from_a_start_series_and_two_account_columns() -> None:
    # By hand: users u1 (starts W0, active W0 and W1) and u2 (starts W0, never active).
    ev = EVENTS[EVENTS["account_id"] == "a"].assign(user_id="u1")
    start = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02"]), index=["u1", "u2"])
    users = cohort_retention(ev, level="user", start=start, as_of="2024-01-15")
    assert _rows(users) == [("01-01", 0, 2, 2), ("01-01", 1, 2, 1), ("01-01", 2, 2, 0)]
    acc = ACCOUNTS.assign(region=["eu", "us", "eu", "us"])
    out = cohort_retention(EVENTS, accounts=acc, by=["plan", "region"], as_of=AS_OF)
    assert list(out.columns[:3]) == ["plan", "region", "cohort"]
    assert sorted(set(zip(out["plan"], out["region"], strict=True))) == [
        ("basic", "us"),
        ("pro", "eu"),
    ]
