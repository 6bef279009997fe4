"""nps_quadrants with an EventLog, and the latest-response pick by integer ranks.

References: the events frame (the log must give the same quadrants) and the
former pick, written out here: a lexsort on one string per row, then
``duplicated(keep="last")``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adoptmetrics as am
from adoptmetrics.nps import nps_quadrants
from adoptmetrics.nps._core import _latest_per
from input_kinds import demo_tables


@pytest.mark.parametrize("per", ["account", "user"])
def test_a_log_gives_the_frames_quadrants(per: str) -> None:
    t = demo_tables()
    kw = {"per": per, "user_col": "user_id"}
    want = nps_quadrants(t["nps"], t["events"], **kw)  # type: ignore[arg-type]
    got = nps_quadrants(t["nps"], am.EventLog(t["events"]), **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got, want)


def _by_strings(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    cols = [df[k].astype(str).to_numpy() for k in reversed(keys)]
    order = np.lexsort((df["score"].to_numpy(), df["timestamp"].to_numpy(), *cols))
    ordered = df.iloc[order]
    return ordered[~ordered.duplicated(subset=keys, keep="last").to_numpy()]


ids = st.sampled_from(["a", "B", "b", "10", "9", "a1", "A", "é", "z z"])


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(ids, ids, st.integers(0, 3), st.integers(0, 10), st.integers(0, 2)),
        min_size=1,
        max_size=40,
    ),
    categorical=st.booleans(),
)
def test_latest_pick_matches_the_string_sort(
    rows: list[tuple[str, str, int, int, int]], categorical: bool
) -> None:
    # Ties in time go to the higher score; ids sort as strings ("10" < "9", "B" < "a").
    df = pd.DataFrame(rows, columns=["account_id", "user_id", "day", "score", "quarter"])
    df["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df.pop("day"), unit="D")
    df["period"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(91 * df.pop("quarter"), unit="D")
    if categorical:
        df["account_id"] = df["account_id"].astype("category")
    for keys in (["account_id"], ["account_id", "user_id"], ["period", "account_id"]):
        pd.testing.assert_frame_equal(_latest_per(df, keys), _by_strings(df, keys))
