"""The churn report section."""

from __future__ import annotations

import pandas as pd
import pytest

from adoptmetrics.datasets import simulate_saas
from adoptmetrics.report import ReportData, Section
from adoptmetrics.report._churn import section


@pytest.fixture(scope="module")
def data() -> ReportData:
    d = simulate_saas(500, seed=3)
    return ReportData.from_frames(d.events, d.accounts, mrr=d.mrr, as_of=d.as_of)


def test_churn_section_has_curves_drivers_and_risk(data: ReportData) -> None:
    s = section(data)
    assert isinstance(s, Section)
    assert s.id == "churn"
    assert len(s.figures) == 2
    assert any("12 months" in m.label for m in s.metrics)
    text = "".join(s.body)
    assert "Hazard ratios" in text
    assert "most likely to churn" in text
    assert "plan=pro" in text
    assert s.highlights


def test_churn_section_is_none_without_churn(data: ReportData) -> None:
    accounts = data.accounts.assign(
        churned_at=pd.Series(pd.NaT, index=data.accounts.index, dtype="datetime64[ns]")
    )
    quiet = ReportData.from_frames(data.events, accounts, as_of=data.as_of)
    assert section(quiet) is None
