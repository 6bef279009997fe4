"""The NPS & segments report section."""

from __future__ import annotations

import pytest

from adoptmetrics.datasets import simulate_saas
from adoptmetrics.report import ReportData, Section
from adoptmetrics.report._nps import _attributes, section


@pytest.fixture(scope="module")
def data() -> ReportData:
    d = simulate_saas(600, seed=5)
    return ReportData.from_frames(d.events, d.accounts, nps=d.nps, as_of=d.as_of)


def test_nps_section_has_score_trend_quadrants_and_skew(data: ReportData) -> None:
    s = section(data)
    assert isinstance(s, Section)
    assert s.id == "nps"
    assert len(s.figures) == 3
    assert s.metrics[0].label.startswith("NPS (last 90 days)")
    assert "95 % CI" in s.metrics[0].detail
    text = "".join(s.body)
    assert "quadrants" in text
    assert "at_risk" in text
    assert "healthcare" in text  # the planted detractor segment shows up
    assert s.highlights
    assert s.how_to_read


def test_nps_section_is_none_without_responses(data: ReportData) -> None:
    quiet = ReportData.from_frames(data.events, data.accounts, as_of=data.as_of)
    assert section(quiet) is None


def test_attributes_skip_ids_and_dates(data: ReportData) -> None:
    attrs = _attributes(data.accounts)
    assert "plan" in attrs
    assert "seats" in attrs
    assert "account_id" not in attrs
    assert "started_at" not in attrs
