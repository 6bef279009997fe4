"""Retention gives the same answer however ids and timestamps are held (pandas 2 or 3)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from adoptmetrics.retention import (
    cohort_retention,
    mrr_bridge,
    retention_curve,
    retention_matrix,
    retention_trend,
    revenue_retention,
)
from input_kinds import KINDS, assert_same_answer, demo_tables


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return demo_tables()


T = dict[str, pd.DataFrame]
CALLS: dict[str, Callable[[T], pd.DataFrame]] = {
    "cohort_retention": lambda t: cohort_retention(t["events"], period="month"),
    "cohort_retention_accounts": lambda t: cohort_retention(
        t["events"], period="month", accounts=t["accounts"], by="plan"
    ),
    "cohort_retention_start": lambda t: cohort_retention(
        t["events"],
        start=t["accounts"].set_index("account_id")["started_at"],
        as_of="2025-06-01",
    ),
    "retention_curve_chained": lambda t: retention_curve(
        t["events"], period="month", accounts=t["accounts"], by="plan", method="chained"
    ),
    "retention_curve_users": lambda t: retention_curve(
        t["events"], level="user", mode="on_or_after"
    ),
    "retention_matrix": lambda t: retention_matrix(
        t["events"], period="month", accounts=t["accounts"]
    ),
    "retention_trend": lambda t: retention_trend(
        t["events"], period="month", accounts=t["accounts"], by="plan"
    ),
    "revenue_retention": lambda t: revenue_retention(t["mrr"], accounts=t["accounts"], by="plan"),
    "mrr_bridge": lambda t: mrr_bridge(t["mrr"], by=t["accounts"].set_index("account_id")["plan"]),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("name", list(CALLS))
def test_same_answer_for_every_way_of_holding_the_data(
    tables: dict[str, pd.DataFrame], kind: str, name: str
) -> None:
    assert_same_answer(tables, kind, CALLS[name])
