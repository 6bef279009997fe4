"""The Engagement report section on the demo data and on data it cannot fully use."""

from __future__ import annotations

import pandas as pd

import adoptmetrics as am
from adoptmetrics.report import SECTION_MODULES, ReportData, build_report
from adoptmetrics.report._engagement import section


def test_section_on_demo_data() -> None:
    d = am.load_demo()
    s = section(ReportData.from_frames(d.events, d.accounts))
    assert s is not None
    assert s.id == "engagement"
    labels = [m.label for m in s.metrics]
    assert any(label.startswith("DAU/MAU") for label in labels)
    assert any(label.startswith("Quick ratio") for label in labels)
    assert len(s.figures) == 4
    assert "most frequent events" in s.body[0]
    assert "engagement" in SECTION_MODULES


def test_section_says_why_when_windows_are_open() -> None:
    ev = pd.DataFrame({
        "account_id": ["a", "b", "a"],
        "event": ["login", "login", "export"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-09"]),
    })  # fmt: skip
    acc = pd.DataFrame({"account_id": ["a", "b"], "started_at": ["2024-01-01", "2024-01-02"]})
    s = section(ReportData.from_frames(ev, acc))
    assert s is not None
    assert any("not computed" in c for c in s.caveats)
    assert any("No calendar month is complete" in c for c in s.caveats)
    page = build_report(ReportData.from_frames(ev, acc), sections=["engagement"])
    assert 'id="engagement"' in page
