"""The onboarding report section."""

from __future__ import annotations

import pytest

from adoptmetrics.datasets import simulate_saas
from adoptmetrics.onboarding import milestone_status
from adoptmetrics.report import ReportData, Section
from adoptmetrics.report._demo import DEMO_OPTIONS
from adoptmetrics.report._onboarding import section
from adoptmetrics.report._section import SectionUnavailable


@pytest.fixture(scope="module")
def data() -> ReportData:
    # 600 accounts: since the datasets gained the engagement/health/impact effects, 400 with
    # this seed select no driver (the planted ones are found at 600 with seeds 0-3).
    d = simulate_saas(600, seed=1)
    return ReportData.from_frames(d.events, d.accounts, as_of=d.as_of, options=DEMO_OPTIONS)


def test_onboarding_section_has_funnel_curve_drivers_and_metrics(data: ReportData) -> None:
    s = section(data)
    assert isinstance(s, Section)
    assert s.id == "onboarding"
    assert len(s.figures) == 3  # funnel, time to value, drivers
    labels = [m.label for m in s.metrics]
    assert labels[0] == "Accounts onboarded (all milestones, any order)"
    assert "95 % CI" in s.metrics[0].detail
    assert "Top onboarding driver" in labels
    text = "".join(s.body)
    assert "create_project, invite_teammate, create_dashboard" in text
    assert "Selected drivers" in text
    assert "not proven causes" in s.how_to_read


def test_onboarding_section_without_outcome_has_caveat(data: ReportData) -> None:
    accounts = data.accounts.drop(columns="onboarding_success")
    plain = ReportData.from_frames(data.events, accounts, as_of=data.as_of, options=DEMO_OPTIONS)
    s = section(plain)
    assert isinstance(s, Section)
    assert len(s.figures) == 2
    assert [m.label for m in s.metrics] == ["Accounts onboarded (all milestones, any order)"]
    assert any("onboarding_success" in c for c in s.caveats)


def test_onboarding_section_unavailable_without_milestones_or_outcome(data: ReportData) -> None:
    events = data.events[
        ~data.events["event"].isin(["create_project", "invite_teammate", "create_dashboard"])
    ]
    accounts = data.accounts.drop(columns="onboarding_success")
    with pytest.raises(SectionUnavailable):
        section(ReportData.from_frames(events, accounts, as_of=data.as_of))


def test_onboarding_section_non_boolean_outcome_is_a_caveat(data: ReportData) -> None:
    accounts = data.accounts.assign(onboarding_success="maybe")
    s = section(
        ReportData.from_frames(data.events, accounts, as_of=data.as_of, options=DEMO_OPTIONS)
    )
    assert isinstance(s, Section)
    assert any("not true/false" in c for c in s.caveats)


def test_onboarding_section_says_selected_intervals_are_not_selection_corrected(
    data: ReportData,
) -> None:
    s = section(data)
    assert isinstance(s, Section)
    assert "not corrected for the selection" in s.how_to_read
    assert any("selection_split" in c for c in s.caveats)


def test_onboarding_section_frees_its_windows_memo_on_the_shared_log(data: ReportData) -> None:
    from adoptmetrics.onboarding._windows import _KEY

    def memo_keys() -> list[object]:
        return [
            k
            for enc in data.log._encoded.values()
            for k in (enc.cache or {})
            if isinstance(k, tuple) and k[:1] == (_KEY,)
        ]

    # The key is the one the onboarding functions really memoise under on a log.
    milestone_status(data.log, list(DEMO_OPTIONS.milestones), window_days=14)
    assert memo_keys() != []
    before = section(data)
    assert memo_keys() == []  # the windows were built during the section, then dropped
    again = section(data)  # and the section still builds from scratch
    assert again.body == before.body
