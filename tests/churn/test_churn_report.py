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


def test_churn_section_reasons_come_from_usage(data: ReportData) -> None:
    s = section(data)
    assert s is not None
    text = "".join(s.body)
    assert "Usage measures" in text
    assert "active_days" in text
    # Reasons are stated against references ("×factor vs reference").
    assert " vs " in text
    assert "the median account" in text


def test_usage_model_reads_no_event_after_its_cutoff(data: ReportData) -> None:
    from adoptmetrics.report._churn import _drivers, _usage_model

    drivers = _drivers(data.accounts)[0]
    fitted = _usage_model(data, drivers, 90)
    assert fitted is not None
    model, scored, cutoff = fitted
    assert cutoff == pd.Timestamp(data.as_of) - pd.Timedelta(days=90)
    # Trained on the accounts active at the cutoff only (started by then, not churned).
    acc = data.accounts
    at_cutoff = (acc["started_at"] <= cutoff) & ~(acc["churned_at"] < cutoff)
    assert model.n_accounts <= int(at_cutoff.sum())
    assert model.n_accounts >= int(at_cutoff.sum()) - 5  # only same-day edge cases drop out
    # Events after the cutoff change the scores, never the fitted model.
    early = data.events[data.events["timestamp"] <= cutoff]
    cut = ReportData.from_frames(early, data.accounts, as_of=data.as_of)
    again = _usage_model(cut, drivers, 90)
    assert again is not None
    pd.testing.assert_frame_equal(again[0].summary, model.summary)
    assert again[0].concordance == model.concordance
    assert {"active_days", "active_days_change", "days_since_active"} <= set(scored.columns)
