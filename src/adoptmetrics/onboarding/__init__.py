"""Onboarding: milestones, time to value, funnels and the paths that drive success.

Every function reads the events through :mod:`adoptmetrics.activity` (the
windowed, ordered per-account sequences) and matches ordered patterns with the
vectorised machinery of :mod:`adoptmetrics._paths`.

Windows
-------
An account's window is ``[start, start + window_days)``. ``start=None`` uses
each account's first event; pass ``accounts.set_index("account_id")["started_at"]``
to measure from the contract start instead (then accounts with no events are
included too).
"""

from __future__ import annotations

from adoptmetrics.onboarding._milestones import (
    golden_path,
    milestone_status,
    onboarding_funnel,
    success_paths,
    time_to_value,
)

__all__ = [
    "golden_path",
    "milestone_status",
    "onboarding_funnel",
    "success_paths",
    "time_to_value",
]
