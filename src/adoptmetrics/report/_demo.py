"""The report options of the bundled demo data (its event names and outcome column).

The report itself knows no event names: these are what a config file would
say for the demo, used by ``adoptmetrics report --demo``.
"""

from __future__ import annotations

from adoptmetrics.report._config import ReportOptions

__all__ = ["DEMO_OPTIONS"]

DEMO_OPTIONS = ReportOptions(
    milestones=("create_project", "invite_teammate", "create_dashboard"),
    window_days=14,
    outcome="onboarding_success",
    expansion_horizon_days=90,
)
