"""NPS gives the same answer however ids and timestamps are held (pandas 2 or 3)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from adoptmetrics.nps import (
    compare_nps,
    nps_category,
    nps_quadrants,
    nps_score,
    nps_trend,
    quadrant_summary,
)
from input_kinds import KINDS, assert_same_answer, demo_tables


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return demo_tables()


T = dict[str, pd.DataFrame]
CALLS: dict[str, Callable[[T], pd.DataFrame]] = {
    "nps_score_by_account": lambda t: nps_score(
        t["nps"], by=t["accounts"].set_index("account_id")["plan"], per="account"
    ),
    "nps_score_since": lambda t: nps_score(t["nps"], since="2024-06-01", until="2025-01-01"),
    "nps_trend": lambda t: nps_trend(t["nps"], period="month"),
    "nps_trend_accounts": lambda t: nps_trend(t["nps"], per="account"),
    "compare_nps": lambda t: compare_nps(t["nps"].iloc[::2], t["nps"].iloc[1::2]),
    "nps_category": lambda t: nps_category(t["nps"]["score"]).to_frame(),
    "nps_quadrants": lambda t: nps_quadrants(t["nps"], t["events"]),
    "quadrant_summary": lambda t: quadrant_summary(nps_quadrants(t["nps"], t["events"])),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("name", list(CALLS))
def test_same_answer_for_every_way_of_holding_the_data(
    tables: dict[str, pd.DataFrame], kind: str, name: str
) -> None:
    assert_same_answer(tables, kind, CALLS[name])
