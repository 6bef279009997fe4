"""The report options of the bundled demo data (its event names and outcome column).

The report itself knows no event names: these are what a config file would
say for the demo, used by ``adoptmetrics report --demo``.
"""

from __future__ import annotations

from adoptmetrics.models import Trigger
from adoptmetrics.report._config import ReportOptions

__all__ = ["DEMO_OPTIONS"]

DEMO_OPTIONS = ReportOptions(
    milestones=("create_project", "invite_teammate", "create_dashboard"),
    window_days=14,
    outcome="onboarding_success",
    expansion_horizon_days=90,
    triggers=(
        Trigger("seat limit reached", event="seat_limit_reached"),
        Trigger("premium feature used", event="premium_feature_used"),
        Trigger("API call", event="api_call"),
        Trigger("invited a teammate", event="invite_teammate"),
        Trigger("exported a PDF", event="export_pdf"),
    ),
)
