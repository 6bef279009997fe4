"""attribute_skew gives the same answer however ids and attributes are held (pandas 2 or 3)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from adoptmetrics.segments import attribute_skew
from input_kinds import KINDS, assert_same_answer, demo_tables


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return demo_tables()


T = dict[str, pd.DataFrame]
CALLS: dict[str, Callable[[T], pd.DataFrame]] = {
    "mask": lambda t: attribute_skew(
        t["accounts"],
        t["accounts"]["plan"].astype(str) == "pro",
        attributes=["industry", "region", "seats", "mrr"],
    ),
    "column": lambda t: attribute_skew(
        t["accounts"], "onboarding_success", attributes=["industry", "seats"]
    ),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("name", list(CALLS))
def test_same_answer_for_every_way_of_holding_the_data(
    tables: dict[str, pd.DataFrame], kind: str, name: str
) -> None:
    assert_same_answer(tables, kind, CALLS[name])
