"""Onboarding gives the same answer however ids and timestamps are held (pandas 2 or 3)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from adoptmetrics.onboarding import (
    golden_path,
    milestone_status,
    onboarding_funnel,
    success_paths,
    time_to_value,
)
from input_kinds import KINDS, assert_same_answer, demo_tables


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return demo_tables()


STEPS = ["invite_teammate", "create_report"]
T = dict[str, pd.DataFrame]


def _outcome(t: T) -> pd.Series:
    return t["accounts"].set_index("account_id")["onboarding_success"]


CALLS: dict[str, Callable[[T], pd.DataFrame]] = {
    "milestone_status": lambda t: milestone_status(t["events"], STEPS, accounts=t["accounts"]),
    "milestone_status_first_event": lambda t: milestone_status(t["events"], STEPS),
    "onboarding_funnel": lambda t: onboarding_funnel(
        t["events"], STEPS, accounts=t["accounts"], by="plan"
    ),
    "time_to_value": lambda t: time_to_value(
        t["events"], STEPS[:1], start=t["accounts"].set_index("account_id")["started_at"]
    ),
    "success_paths": lambda t: success_paths(
        t["events"], _outcome(t), accounts=t["accounts"], max_length=2
    ),
    "golden_path": lambda t: golden_path(
        t["events"], _outcome(t), accounts=t["accounts"], max_length=3
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("name", list(CALLS))
def test_same_answer_for_every_way_of_holding_the_data(
    tables: dict[str, pd.DataFrame], kind: str, name: str
) -> None:
    assert_same_answer(tables, kind, CALLS[name])
