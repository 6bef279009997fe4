"""The activity layer: the only code that scans raw event logs.

Everything here is vectorised numpy over integer codes (entity ids are
categorical, timestamps are int64 nanoseconds); there is no Python loop over
rows or entities. The functions return compact tables — one row per entity,
or per active (entity, period) cell — that the analytics modules read.

Periods
-------
``"day"`` is a calendar day (UTC), ``"week"`` an ISO week starting on Monday,
``"month"`` a calendar month. A period is identified by its start timestamp.
"""

from __future__ import annotations

from adoptmetrics.activity._cells import (
    ActivityCells,
    activity_cells,
    event_counts,
    event_sequences,
    first_last_seen,
    period_activity,
    window_activity,
)
from adoptmetrics.activity._encode import (
    period_index,
    period_start,
)
from adoptmetrics.activity._log import EventLog
from adoptmetrics.activity._triggers import (
    trigger_firings,
)

__all__ = [
    "ActivityCells",
    "EventLog",
    "activity_cells",
    "event_counts",
    "event_sequences",
    "first_last_seen",
    "period_activity",
    "period_index",
    "period_start",
    "trigger_firings",
    "window_activity",
]
