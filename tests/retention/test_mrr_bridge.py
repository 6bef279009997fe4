"""mrr_bridge: a hand table with every movement, bad input, and hypothesis properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoptmetrics import SchemaError
from adoptmetrics.retention import mrr_bridge, revenue_retention
from strategies import T0, shuffled

COLUMNS = [
    "month",
    "starting_mrr",
    "new_mrr",
    "expansion_mrr",
    "reactivation_mrr",
    "contraction_mrr",
    "churned_mrr",
    "ending_mrr",
    "n_new",
    "n_expanded",
    "n_reactivated",
    "n_contracted",
    "n_churned",
    "quick_ratio",
]
AMOUNTS = ["new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr"]


def _mrr(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": [a for a, _, _ in rows],
            "month": pd.to_datetime([m for _, m, _ in rows]),
            "mrr": [v for _, _, v in rows],
        }
    )


# a: 100, 150 (expansion +50), 150 (no movement), 120 (contraction 30).
# b: 200, no February row (churn 200), 180 in March (reactivation), 180.
# c: new in February (50), MRR 0 in March (churn 50: 0 is no revenue), no April row.
# d: MRR 0 in January and February, 70 in March (new: its first MRR > 0), 90 (expansion 20).
# e: 30, 30, then no rows (churn 30 in March). Days inside a month are ignored.
HAND = _mrr(
    [
        ("a", "2024-01-01", 100.0),
        ("a", "2024-02-01", 150.0),
        ("a", "2024-03-15", 150.0),
        ("a", "2024-04-01", 120.0),
        ("b", "2024-01-01", 200.0),
        ("b", "2024-03-01", 180.0),
        ("b", "2024-04-30", 180.0),
        ("c", "2024-02-01", 50.0),
        ("c", "2024-03-01", 0.0),
        ("d", "2024-01-01", 0.0),
        ("d", "2024-02-01", 0.0),
        ("d", "2024-03-01", 70.0),
        ("d", "2024-04-01", 90.0),
        ("e", "2024-01-01", 30.0),
        ("e", "2024-02-01", 30.0),
    ]
)


def test_known_answer_every_movement() -> None:
    # Worked by hand from the comment above HAND (month totals: 330, 230, 400, 390).
    out = mrr_bridge(HAND)
    assert list(out.columns) == COLUMNS
    expected = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]),
            "starting_mrr": [0.0, 330.0, 230.0, 400.0],
            "new_mrr": [330.0, 50.0, 70.0, 0.0],
            "expansion_mrr": [0.0, 50.0, 0.0, 20.0],
            "reactivation_mrr": [0.0, 0.0, 180.0, 0.0],
            "contraction_mrr": [0.0, 0.0, 0.0, 30.0],
            "churned_mrr": [0.0, 200.0, 80.0, 0.0],
            "ending_mrr": [330.0, 230.0, 400.0, 390.0],
            "n_new": [3, 1, 1, 0],
            "n_expanded": [0, 1, 0, 1],
            "n_reactivated": [0, 0, 1, 0],
            "n_contracted": [0, 0, 0, 1],
            "n_churned": [0, 1, 2, 0],
            "quick_ratio": [np.nan, 100 / 200, 250 / 80, 20 / 30],
        }
    )
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    assert out["n_new"].dtype == np.int64
    assert str(out["month"].dtype) == "datetime64[ns]"


def test_segments_add_up_and_are_named() -> None:
    plan = pd.Series({"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"}, name="plan")
    out = mrr_bridge(HAND, by=plan)
    assert list(out.columns) == ["plan", *COLUMNS]
    total = out.groupby("month")[[*AMOUNTS, "starting_mrr", "ending_mrr"]].sum()
    whole = mrr_bridge(HAND).set_index("month")
    pd.testing.assert_frame_equal(total, whole[total.columns], check_dtype=False)
    # By hand, segment x = {a, b}: March has b's reactivation (180) and nothing lost.
    x_mar = out[(out["plan"] == "x") & (out["month"] == "2024-03-01")].iloc[0]
    assert (x_mar["reactivation_mrr"], x_mar["churned_mrr"]) == (180.0, 0.0)
    assert np.isnan(x_mar["quick_ratio"])
    # An unnamed mapping gives a "segment" column; a column of the table its own name.
    assert mrr_bridge(HAND, by=plan.to_dict()).columns[0] == "segment"
    with_col = HAND.assign(plan=HAND["account_id"].map(plan.to_dict()))
    pd.testing.assert_frame_equal(mrr_bridge(with_col, by="plan"), out)


def test_other_column_names_and_empty_input() -> None:
    renamed = HAND.rename(columns={"account_id": "org", "month": "billing", "mrr": "amount"})
    out = mrr_bridge(renamed, account_col="org", month_col="billing", mrr_col="amount")
    pd.testing.assert_frame_equal(out, mrr_bridge(HAND))
    empty = mrr_bridge(HAND.iloc[:0])
    assert list(empty.columns) == COLUMNS
    assert len(empty) == 0


def test_consistent_with_revenue_retention_on_a_gap() -> None:
    # Jan 100, no February row, March 150: churned in February and reactivated in March,
    # never a +50 expansion; revenue_retention counts it lost in February, back in March.
    mrr = _mrr([("a", "2024-01-01", 100.0), ("a", "2024-03-01", 150.0)])
    bridge = mrr_bridge(mrr)
    assert bridge["churned_mrr"].tolist() == [0.0, 100.0, 0.0]
    assert bridge["reactivation_mrr"].tolist() == [0.0, 0.0, 150.0]
    assert bridge["expansion_mrr"].sum() == 0.0
    rev = revenue_retention(mrr)
    assert rev["n_retained"].tolist() == [1, 0, 1]
    np.testing.assert_allclose(rev["net_revenue_retention"], bridge["ending_mrr"] / 100.0)


def test_bad_input_names_the_column_and_the_fix() -> None:
    negative = HAND.assign(mrr=np.where(HAND["account_id"] == "c", -5.0, HAND["mrr"]))
    with pytest.raises(SchemaError, match=r"(?s)mrr: column 'amount'.*negative.*Hint"):
        mrr_bridge(negative.rename(columns={"mrr": "amount"}), mrr_col="amount")
    # Two rows for one account in one month (the days differ, the month does not).
    dup = pd.concat([HAND, _mrr([("a", "2024-01-20", 10.0)])], ignore_index=True)
    with pytest.raises(SchemaError, match=r"(?s)account_id × month.*duplicate.*Hint.*sum"):
        mrr_bridge(dup)
    with pytest.raises(SchemaError, match=r"(?s)'revenue'.*missing.*Hint"):
        mrr_bridge(HAND, mrr_col="revenue")
    with pytest.raises(SchemaError, match=r"by.*no segment"):
        mrr_bridge(HAND, by={"a": "x"})
    with pytest.raises(TypeError, match="mrr must be a pandas DataFrame"):
        mrr_bridge(HAND.to_dict())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- properties


@st.composite
def gappy_mrr(draw: st.DrawFn, max_accounts: int = 6, max_months: int = 10) -> pd.DataFrame:
    """MRR with gaps and zeros; cents-valued and awkward amounts, for the exact identity."""
    amounts = st.sampled_from([0.0, 0.1, 0.2, 19.99, 50.0, 100.3, 400.0, 1234.56])
    rows: list[tuple[str, pd.Timestamp, float]] = []
    for i in range(draw(st.integers(1, max_accounts))):
        months = draw(st.sets(st.integers(0, max_months - 1), min_size=1, max_size=max_months))
        for m in sorted(months):
            rows.append((f"a{i}", T0 + pd.DateOffset(months=m), draw(amounts)))
    return pd.DataFrame(rows, columns=["account_id", "month", "mrr"])


@settings(max_examples=60, deadline=None)
@given(gappy_mrr(), st.integers(0, 1000))
def test_bridge_properties(mrr: pd.DataFrame, seed: int) -> None:
    before = mrr.copy()
    out = mrr_bridge(mrr)
    pd.testing.assert_frame_equal(mrr, before)  # input not mutated
    # The identity, evaluated as a user would, holds exactly (no tolerance).
    lhs = (
        out["starting_mrr"]
        + out["new_mrr"]
        + out["expansion_mrr"]
        + out["reactivation_mrr"]
        - out["contraction_mrr"]
        - out["churned_mrr"]
    )
    assert (lhs == out["ending_mrr"]).all()
    assert (out["starting_mrr"].iloc[1:].to_numpy() == out["ending_mrr"].iloc[:-1].to_numpy()).all()
    # ending_mrr is the month's total MRR (up to rounding).
    total = mrr.groupby(mrr["month"].dt.to_period("M").dt.to_timestamp())["mrr"].sum()
    np.testing.assert_allclose(out["ending_mrr"], total.reindex(out["month"]).fillna(0), atol=1e-9)
    assert (out[AMOUNTS] >= 0).all().all()
    assert out["n_new"].sum() == mrr.loc[mrr["mrr"] > 0, "account_id"].nunique()
    # Every churn but the ones still out at the end is followed by a reactivation.
    assert out["n_reactivated"].sum() <= out["n_churned"].sum()
    pd.testing.assert_frame_equal(mrr_bridge(shuffled(mrr, seed)), out)


@settings(max_examples=30, deadline=None)
@given(gappy_mrr())
def test_bridge_by_cohort_matches_revenue_retention(mrr: pd.DataFrame) -> None:
    # With segments = first-revenue cohorts, a cohort's bridge ending MRR is its
    # revenue_retention MRR month by month, and its first-month new MRR its starting MRR.
    paid = mrr[mrr["mrr"] > 0]
    if paid.empty:
        return
    cohort = paid.groupby("account_id")["month"].min().rename("cohort")
    # Accounts without revenue need no segment (they have no movement).
    bridge = mrr_bridge(mrr, by=cohort)
    rev = revenue_retention(mrr)
    for row in rev.to_dict("records"):
        month = row["cohort"] + pd.DateOffset(months=int(row["period"]))
        b = bridge[(bridge["cohort"] == row["cohort"]) & (bridge["month"] == month)].iloc[0]
        assert b["ending_mrr"] == pytest.approx(row["mrr"], abs=1e-9)
        if row["period"] == 0:
            assert b["new_mrr"] == pytest.approx(row["starting_mrr"])


def test_large_grid_path_gives_the_same_bridge(monkeypatch: pytest.MonkeyPatch) -> None:
    from adoptmetrics.retention import _bridge

    dense = mrr_bridge(HAND)
    monkeypatch.setattr(_bridge, "_DENSE_LIMIT", 0)  # sort by argsort instead of flags
    pd.testing.assert_frame_equal(mrr_bridge(shuffled(HAND, 5)), dense)
