"""lifecycle_stages and stage_transitions: every rule on a hand case, properties, bad input.

The hand log puts one account in each stage at 2024-06-30; the expected stages,
``since`` dates and flows are worked out by hand in the comments.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adoptmetrics.health import STAGES, StageRules, lifecycle_stages, stage_transitions
from adoptmetrics.models import Measure, Scorecard
from strategies import accounts_frames, events_frames, shuffled

AS_OF = pd.Timestamp("2024-06-30")
CARD = Scorecard([Measure("active_days", 1, bad=0, good=10)])
RULES = StageRules(milestones=["invite"], established_breadth=0.6)
FEATURES = ["login", "report", "export", "invite"]


def _hand() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows: list[tuple[str, str, str, str]] = []
    june = [f"2024-06-{d}" for d in range(10, 20)]  # ten active days in the window
    for name in ("adopt", "estab", "risky"):
        rows.append((name, "u1", "invite", "2024-01-02"))
    rows += [("adopt", "u1", "login", d) for d in june]
    rows += [("estab", "u1", "login", d) for d in june]
    rows += [("estab", "u1", "report", "2024-06-12"), ("estab", "u1", "export", "2024-06-13")]
    rows += [("expand", "u1", "invite", "2024-01-02")]
    rows += [("expand", u, "login", d) for d in june for u in ("u1", "u2")]
    rows += [("risky", "u1", "login", "2024-06-15")]
    rows += [("stuck", "u1", "login", d) for d in june]  # never invites
    rows += [("new", "u1", "login", "2024-06-21")]
    rows += [("gone", "u1", "login", "2024-04-01")]
    ev = pd.DataFrame(rows, columns=["account_id", "user_id", "event", "timestamp"])
    ev["timestamp"] = pd.to_datetime(ev["timestamp"])
    ids = ["adopt", "estab", "expand", "risky", "stuck", "new", "gone", "future"]
    started = ["2024-01-01"] * 5 + ["2024-06-20", "2024-01-01", "2024-07-15"]
    acc = pd.DataFrame(
        {
            "account_id": ids,
            "started_at": pd.to_datetime(started),
            "churned_at": pd.to_datetime(pd.Series([None] * 6 + ["2024-05-01", None])),
            "seats": [50, 50, 2, 50, 50, 50, 50, 50],
        }
    )
    return ev, acc


def _stages(**kwargs: object) -> pd.DataFrame:
    ev, acc = _hand()
    options: dict[str, object] = {
        "as_of": AS_OF,
        "rules": RULES,
        "scorecard": CARD,
        "features": FEATURES,
    }
    options.update(kwargs)
    return lifecycle_stages(ev, acc, **options).set_index("account_id")  # type: ignore[arg-type]


def test_each_rule_on_a_hand_case() -> None:
    st_ = _stages()
    assert st_["stage"].to_dict() == {
        "adopt": "adopting",  # breadth 1/4 < 0.6
        "estab": "established",  # login, report, export: 3/4 ≥ 0.6, tenure 181 d
        "expand": "expanding",  # 2 active users on 2 seats
        "gone": "churned",
        "new": "onboarding",  # 10 days old (red on health, but too new to judge)
        "risky": "at_risk",  # one active day: score 10 → red
        "stuck": "onboarding",  # healthy but never invited after 30 days
    }
    assert "future" not in st_.index  # starts after as_of
    r = st_["reasons"]
    assert r["risky"][0] == "health score 10 (red)"
    assert r["risky"][1] == "active_days low (1)"
    assert r["stuck"] == ("milestones not reached: invite",)
    assert r["expand"] == ("seat_utilization 1.00 ≥ 0.9",)
    assert r["estab"] == ("breadth 0.75 ≥ 0.6", "tenure 181 d ≥ 90 d")
    assert r["adopt"] == ("breadth 0.25 < 0.6",)
    assert r["gone"] == ("churned on 2024-05-01",)
    assert r["new"] == ("tenure 10 d < 30 d", "milestones not reached: invite")


def test_since_dates() -> None:
    since = _stages()["since"]
    assert since["gone"] == pd.Timestamp("2024-05-01")  # the churn date
    assert since["new"] == pd.Timestamp("2024-06-20")  # the start
    # risky was red on every month start from 2024-02-01 (on 2024-01-01 it was onboarding).
    assert since["risky"] == pd.Timestamp("2024-02-01")
    # adopt was at risk on 2024-06-01 (nothing in May): adopting only since the as-of check.
    assert since["adopt"] == AS_OF
    # with no history checked, a non-exact stage starts at as_of
    assert _stages(history_months=0)["since"]["risky"] == AS_OF


def test_rules_are_overridable() -> None:
    st_ = _stages(rules=StageRules(milestones=[], established_breadth=0.2))
    assert st_.loc["stuck", "stage"] == "established"  # no milestones → not stuck; 0.25 ≥ 0.2
    assert st_.loc["adopt", "stage"] == "established"  # 0.25 ≥ 0.2 now
    yellow = StageRules(at_risk_band="yellow")
    # ten active days score 50 on this card: yellow.
    card = Scorecard([Measure("active_days", 1, bad=0, good=20)], bands=(40, 75))
    assert _stages(rules=yellow, scorecard=card).loc["adopt", "stage"] == "at_risk"
    assert _stages(scorecard=card).loc["adopt", "stage"] == "adopting"


def test_transitions_by_hand() -> None:
    ev, acc = _hand()
    flow = stage_transitions(
        ev,
        acc,
        start="2024-06-01",
        end=AS_OF,
        rules=RULES,
        scorecard=CARD,
        features=FEATURES,
    )
    got = {(f, t): (n, s) for f, t, n, s in flow.itertuples(index=False)}
    # On 2024-06-01 nobody had May activity: the five old accounts were at risk.
    assert got[("not_started", "onboarding")] == (1, 1.0)
    for to in ("adopting", "established", "expanding", "at_risk", "onboarding"):
        assert got[("at_risk", to)] == (1, 0.2)
    assert len(got) == 6  # gone churned before the start: left out
    assert list(flow.columns) == ["from_stage", "to_stage", "n_accounts", "share"]


def test_bad_inputs() -> None:
    ev, acc = _hand()
    with pytest.raises(ValueError, match="must be before end"):
        stage_transitions(ev, acc, start="2024-06-30", end="2024-06-01")
    with pytest.warns(UserWarning, match="after the last data"):
        stage_transitions(ev, acc, start="2024-06-01", end="2025-01-01")
    with pytest.raises(TypeError, match="StageRules"):
        lifecycle_stages(ev, acc, rules={"onboarding_days": 10})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="onboarding_days"):
        StageRules(onboarding_days=-1)
    with pytest.raises(ValueError, match="at_risk_band"):
        StageRules(at_risk_band="green")
    with pytest.raises(TypeError, match="milestones"):
        StageRules(milestones=[3])
    with pytest.raises(TypeError, match="accounts table"):
        lifecycle_stages(ev, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="history_months"):
        lifecycle_stages(ev, acc, history_months=-1)


@settings(max_examples=20)
@given(
    events_frames(with_users=True, max_rows=40),
    accounts_frames(max_rows=10, max_days=100),
    st.integers(0, 10**6),
)
def test_stages_partition_the_accounts_and_ignore_row_order(
    ev: pd.DataFrame, acc: pd.DataFrame, seed: int
) -> None:
    as_of = ev["timestamp"].max()
    before = (ev.copy(), acc.copy())
    a = lifecycle_stages(ev, acc, as_of=as_of, history_months=2)
    expected = sorted(acc.loc[acc["started_at"] <= as_of, "account_id"])
    assert sorted(a["account_id"]) == expected  # every started account, exactly once
    assert set(a["stage"]) <= set(STAGES)
    assert (a["since"] <= as_of).all()
    b = lifecycle_stages(shuffled(ev, seed), shuffled(acc, seed), as_of=as_of, history_months=2)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(ev, before[0])
    pd.testing.assert_frame_equal(acc, before[1])
