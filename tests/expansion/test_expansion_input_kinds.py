"""Expansion gives the same answer however ids and timestamps are held (pandas 2 or 3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from adoptmetrics.expansion import (
    backtest_expansion,
    expansion_scores,
    expansions_from_mrr,
    fit_expansion_model,
    trigger_lift,
)
from adoptmetrics.models import Trigger
from input_kinds import KINDS, assert_same_answer, demo_tables


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return demo_tables()


TRIGGERS = [
    Trigger("shares", event="share_report", min_count=2, window_days=30),
    Trigger("growth", metric="usage_growth", threshold=1.5, window_days=30),
]
T = dict[str, pd.DataFrame]


def _kw(t: T) -> dict[str, Any]:
    return {"expansions": t["expansions"], "accounts": t["accounts"]}


CALLS: dict[str, Callable[[T], pd.DataFrame]] = {
    "expansions_from_mrr": lambda t: expansions_from_mrr(t["mrr"]),
    "trigger_lift": lambda t: trigger_lift(t["events"], TRIGGERS, **_kw(t)),
    "expansion_scores": lambda t: expansion_scores(t["events"], TRIGGERS, **_kw(t)),
    "fit_expansion_model": lambda t: fit_expansion_model(t["events"], TRIGGERS, **_kw(t)).summary,
    "backtest_expansion": lambda t: (
        backtest_expansion(t["events"], TRIGGERS, cutoff="2025-01-01", **_kw(t)).summary
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("name", list(CALLS))
def test_same_answer_for_every_way_of_holding_the_data(
    tables: dict[str, pd.DataFrame], kind: str, name: str
) -> None:
    assert_same_answer(tables, kind, CALLS[name])
