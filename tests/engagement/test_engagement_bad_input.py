"""Every bad input of the engagement functions gets a clear error or warning naming the fix."""

from __future__ import annotations

import pandas as pd
import pytest

from adoptmetrics import SchemaError
from adoptmetrics.engagement import (
    active_counts,
    active_days_distribution,
    adopter_categories,
    adoption_curve,
    feature_adoption,
    feature_retention,
    lifecycle,
    stickiness,
)

EV = pd.DataFrame({
    "account_id": ["a", "a", "b", "c"],
    "event": ["login", "export", "login", "login"],
    "timestamp": pd.to_datetime(["2024-01-01", "2024-02-02", "2024-01-20", "2024-03-01"]),
})  # fmt: skip
# For feature_retention: a and c come back in days 28-55, b and d do not; z fixes as_of.
EV_R = pd.DataFrame({
    "account_id": ["a", "a", "a", "b", "c", "c", "d", "z"],
    "event": ["login", "export", "login", "login", "login", "login", "login", "login"],
    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-02-05", "2024-01-01",
                                 "2024-01-03", "2024-02-10", "2024-01-02", "2024-04-01"]),
})  # fmt: skip


def test_short_not_shorter_than_long() -> None:
    with pytest.raises(ValueError, match=r"(?s)short='month' must be a shorter period.*Hint"):
        stickiness(EV, short="month", long="month", level="account")
    with pytest.raises(ValueError, match="shorter"):
        stickiness(EV, short="month", long="week", level="account")


def test_unknown_period() -> None:
    for fn in (active_counts, lifecycle, feature_adoption, active_days_distribution):
        with pytest.raises(ValueError, match=r"(?s)period='quarter' is not supported.*Hint"):
            fn(EV, period="quarter")  # type: ignore[operator, unused-ignore]


def test_user_level_without_user_column() -> None:
    for fn in (active_counts, lifecycle, feature_adoption, active_days_distribution, stickiness):
        with pytest.raises(ValueError, match=r"(?s)level='user' needs a user column.*user_col"):
            fn(EV, level="user")  # type: ignore[operator, unused-ignore]
    with pytest.raises(ValueError, match="user_col is None"):
        active_counts(EV, level="user", user_col=None)


def test_bad_level() -> None:
    with pytest.raises(ValueError, match="level must be 'account' or 'user'"):
        active_counts(EV, level="team")


def test_unknown_feature_warns_with_its_name() -> None:
    with pytest.warns(UserWarning, match="'Exported Reprot'"):
        out = feature_adoption(EV, features=["Exported Reprot"])
    assert (out["n_adopters"] == 0).all()
    with pytest.warns(UserWarning, match="'nope'"):
        out = feature_retention(EV_R, features=["nope", "export"])
    assert out.set_index("feature").loc["nope", "n_used"] == 0


def test_features_as_a_string() -> None:
    with pytest.raises(TypeError, match=r"features=\['export'\]"):
        feature_adoption(EV, features="export")  # type: ignore[arg-type, unused-ignore]


def test_launched_at_after_as_of_or_before_the_data() -> None:
    with pytest.raises(ValueError, match=r"launched_at=.* is after as_of"):
        adopter_categories(EV, "export", launched_at="2024-06-01")
    with pytest.raises(ValueError, match=r"launched_at=.* is after as_of"):
        adoption_curve(EV, "export", launched_at="2024-02-15", as_of="2024-02-01")
    with pytest.raises(ValueError, match="not after the first event"):
        adoption_curve(EV, "export", launched_at="2023-06-01")
    with pytest.raises(TypeError, match="launched_at"):
        adopter_categories(EV, "export", launched_at="not a date")


def test_eligible_days_and_feature_type() -> None:
    with pytest.raises(ValueError, match="eligible_days"):
        adopter_categories(EV, "export", launched_at="2024-02-01", eligible_days=0)
    with pytest.raises(TypeError, match="feature must be an event name"):
        adoption_curve(EV, 3, launched_at="2024-02-01")  # type: ignore[arg-type]


def test_retained_days_not_increasing() -> None:
    with pytest.raises(ValueError, match=r"retained_days=\(56, 28\) must be increasing"):
        feature_retention(EV_R, retained_days=(56, 28))
    with pytest.raises(TypeError, match="retained_days"):
        feature_retention(EV_R, retained_days=28)  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="inside the first_days"):
        feature_retention(EV_R, first_days=7, retained_days=(3, 40))
    with pytest.raises(ValueError, match="first_days"):
        feature_retention(EV_R, first_days=0)
    with pytest.raises(ValueError, match="min_count"):
        feature_retention(EV_R, min_count=0)


def test_feature_retention_nothing_closed_or_nothing_to_compare() -> None:
    with pytest.raises(ValueError, match="has closed by"):
        feature_retention(EV_R, as_of="2024-02-20")  # no 56-day window has closed yet
    with pytest.raises(ValueError, match="nothing to compare"):
        feature_retention(EV_R, retained_days=(60, 80))


def test_as_of_before_the_data() -> None:
    with pytest.raises(ValueError, match="earlier than every event"):
        active_counts(EV, as_of="2023-01-01")


def test_by_column_missing_or_varying() -> None:
    with pytest.raises(SchemaError, match=r"'plan' \(named by by=\) is missing"):
        active_counts(EV, by="plan")
    ev = EV.assign(plan=["x", "y", "x", "x"])
    with pytest.raises(SchemaError, match="several values for one entity"):
        lifecycle(ev, by="plan")
    with pytest.raises(SchemaError, match="gives no segment"):
        active_counts(EV, by=pd.Series({"a": "x"}, name="plan"))
    with pytest.raises(TypeError, match="by must be a column name"):
        active_counts(EV, by=["plan"])  # type: ignore[arg-type]


def test_missing_columns_name_the_option() -> None:
    with pytest.raises(SchemaError, match="time_col"):
        active_counts(EV.rename(columns={"timestamp": "ts"}))


def test_empty_events_give_empty_frames() -> None:
    empty = EV.iloc[:0]
    assert active_counts(empty).empty
    assert lifecycle(empty, by="account_id").columns[0] == "account_id"
    assert stickiness(empty, level="account").empty
    assert feature_adoption(empty).empty


def test_null_ids_and_mixed_id_types() -> None:
    ev = EV.assign(account_id=pd.Series(["a", None, "b", "c"], dtype=object))
    with pytest.raises(SchemaError, match=r"missing ids.*first offending rows: 1"):
        active_counts(ev)
    mixed = EV.assign(account_id=["a", 1, "b", 1])
    assert active_counts(mixed, period="month")["n_active"].tolist() == [2, 1, 1]
