"""The default as_of is the latest data, not the latest qualifying event."""

from __future__ import annotations

import pandas as pd

import adoptmetrics as am
from adoptmetrics.activity import activity_cells


def _log() -> pd.DataFrame:
    # The feature was last used on Jan 10; the log runs until Mar 1.
    return pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "b"],
            "event": ["feature", "login", "feature", "login"],
            "timestamp": pd.to_datetime(["2024-01-02", "2024-03-01", "2024-01-10", "2024-02-01"]),
        }
    )


def test_activity_cells_default_as_of_is_latest_event_of_any_kind() -> None:
    cells = activity_cells(_log(), period="week", activity_events=["feature"])
    assert cells.as_of == pd.Timestamp("2024-03-01")


def test_feature_retention_observes_until_the_end_of_the_log() -> None:
    by_default = am.cohort_retention(_log(), period="week", activity_events=["feature"])
    explicit = am.cohort_retention(
        _log(), period="week", activity_events=["feature"], as_of="2024-03-01"
    )
    pd.testing.assert_frame_equal(by_default, explicit)
    # Weeks after the last feature use are observed zeros, not missing cells.
    assert by_default["period"].max() >= 7
    assert (by_default.loc[by_default["period"] > 1, "n_retained"] == 0).all()
