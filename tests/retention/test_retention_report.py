"""The retention report section."""

from __future__ import annotations

import pandas as pd
import pytest

from adoptmetrics.datasets import simulate_saas
from adoptmetrics.report import ReportData, Section, build_report
from adoptmetrics.report._html import fmt_pct
from adoptmetrics.report._retention import section
from adoptmetrics.retention import retention_curve


@pytest.fixture(scope="module")
def data() -> ReportData:
    d = simulate_saas(400, seed=4)
    return ReportData.from_frames(d.events, d.accounts, mrr=d.mrr, as_of=d.as_of)


def test_retention_section_has_heatmap_curves_and_revenue(data: ReportData) -> None:
    s = section(data)
    assert isinstance(s, Section)
    assert s.id == "retention"
    assert len(s.figures) == 2
    assert [m.label for m in s.metrics][:2] == [
        "Logo retention, month 3",
        "Logo retention, month 12",
    ]
    text = "".join(s.body)
    assert "Monthly retention, pooled over complete cohorts" in text
    assert "Revenue retention" in text
    assert "hatched" in s.how_to_read


def test_retention_section_in_the_report(data: ReportData) -> None:
    page = build_report(data, sections=["retention"])
    assert 'id="retention"' in page
    assert "error" not in page.split('id="retention"', 1)[1][:400].lower()


def test_retention_section_skips_orphan_events_with_a_caveat(data: ReportData) -> None:
    base = data.events[["account_id", "event", "timestamp"]].astype(
        {"account_id": object, "event": object}
    )
    extra = pd.DataFrame({"account_id": ["ghost"], "event": ["login"], "timestamp": [data.as_of]})
    events = pd.concat([base, extra], ignore_index=True)
    d2 = ReportData.from_frames(events, data.accounts, as_of=data.as_of)
    s = section(d2)
    assert s is not None
    assert any("accounts table" in c for c in s.caveats)


def test_report_and_api_agree_on_accounts_without_activity(data: ReportData) -> None:
    # Accounts that never used the product: the report counts them as not retained,
    # exactly as the API with accounts= does.
    quiet = data.accounts.iloc[:40]
    active = ~data.events["account_id"].isin(quiet["account_id"])
    d2 = ReportData.from_frames(data.events[active], data.accounts, as_of=data.as_of)
    s = section(d2)
    assert s is not None
    curve = retention_curve(
        data.events[active], period="month", accounts=data.accounts, as_of=data.as_of
    )
    rate = dict(zip(curve["period"].tolist(), curve["retention_rate"].tolist(), strict=True))
    m3 = next(m for m in s.metrics if m.label == "Logo retention, month 3")
    assert m3.value == fmt_pct(rate[3])
    started = int((data.accounts["started_at"] <= data.as_of).sum())
    assert curve["n_at_risk"].tolist()[0] == started  # every started account is in a cohort
