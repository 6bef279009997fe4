"""Onboarding: milestones, time to value, funnels and the paths that drive success.

Every function reads the events through :mod:`adoptmetrics.activity` (the
windowed, ordered per-account sequences) and matches ordered patterns with
vectorised array code (``_paths``); the activity-adjusted odds ratios and
the forward selection are :mod:`adoptmetrics._stats._adjusted_odds`.

Windows
-------
An account's window is ``[start, start + window_days)``. Starts come from
``accounts=`` (its ``start_col``; accounts with no events are then included
too), from ``start=`` (a Series account id → start time), or else from each
account's first event. Only windows closed at ``as_of`` give final outcomes.
"""

from __future__ import annotations

from adoptmetrics.onboarding._milestones import (
    milestone_status,
    onboarding_funnel,
    time_to_value,
)
from adoptmetrics.onboarding._success import golden_path, success_paths

__all__ = [
    "golden_path",
    "milestone_status",
    "onboarding_funnel",
    "success_paths",
    "time_to_value",
]
