"""The onboarding card reads everything from the config (``ReportOptions``).

No event or column name of the demo is assumed: milestones, window and outcome
come from ``[onboarding]``; without them the card says which key to set.
"""

from __future__ import annotations

import pandas as pd
import pytest

from adoptmetrics.datasets import simulate_saas
from adoptmetrics.report import ReportData, ReportOptions, Section, SectionUnavailable
from adoptmetrics.report._onboarding import section

RENAMED = {
    "create_project": "Created Workspace",
    "invite_teammate": "Invited Teammate",
    "create_dashboard": "Built Dashboard",
}
OPTIONS = ReportOptions(
    milestones=("Created Workspace", "Invited Teammate", "Built Dashboard"),
    window_days=14,
    outcome="onboarded_ok",
)


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    d = simulate_saas(300, seed=3)
    events = d.events.assign(event=d.events["event"].astype(str).replace(RENAMED))
    accounts = d.accounts.rename(columns={"onboarding_success": "onboarded_ok"})
    return events, accounts, d.as_of


def _data(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp], options: ReportOptions, **kw: object
) -> ReportData:
    events, accounts, as_of = tables
    accounts = kw.pop("accounts", accounts)  # type: ignore[assignment]
    return ReportData.from_frames(events, accounts, as_of=as_of, options=options)


def test_milestones_and_outcome_from_the_config(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp],
) -> None:
    s = section(_data(tables, OPTIONS))
    assert isinstance(s, Section)
    assert s.metrics[0].label == "Accounts onboarded (all milestones, any order)"
    text = "".join(s.body)
    assert "Created Workspace, Invited Teammate, Built Dashboard" in text
    assert "in any order (the headline)" in text
    assert "Outcome: 'onboarded_ok'" in text
    assert len(s.figures) >= 2


def test_window_days_from_the_config(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp],
) -> None:
    s = section(_data(tables, ReportOptions(milestones=OPTIONS.milestones, window_days=30)))
    assert "within 30 days" in s.metrics[0].detail
    assert "first 30 days" in s.how_to_read


def test_without_config_the_card_says_which_key_to_set(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp],
) -> None:
    with pytest.raises(SectionUnavailable) as info:
        section(_data(tables, ReportOptions()))
    assert "[onboarding] milestones" in info.value.fix


def test_unknown_milestones_say_so(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp],
) -> None:
    with pytest.raises(SectionUnavailable, match="none of the milestones"):
        section(_data(tables, ReportOptions(milestones=("create_project",))))
    s = section(_data(tables, ReportOptions(milestones=("Created Workspace", "create_project"))))
    assert any("create_project" in c and "do not occur" in c for c in s.caveats)


def test_outcome_as_text_true_false_is_read(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp],
) -> None:
    accounts = tables[1]
    text = accounts.assign(onboarded_ok=accounts["onboarded_ok"].map({True: "yes", False: "no"}))
    s = section(_data(tables, OPTIONS, accounts=text))
    assert "Outcome: 'onboarded_ok'" in "".join(s.body)
    odd = accounts.assign(onboarded_ok="maybe")
    s2 = section(_data(tables, OPTIONS, accounts=odd))
    assert any("is not true/false" in c and "[onboarding] outcome" in c for c in s2.caveats)


def test_missing_outcome_column_names_the_key(
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp],
) -> None:
    s = section(_data(tables, ReportOptions(milestones=OPTIONS.milestones, outcome="done")))
    assert any("no 'done' column" in c for c in s.caveats)
