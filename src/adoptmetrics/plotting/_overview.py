"""Overview plots: activity over time."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from adoptmetrics.activity import activity_cells, period_start
from adoptmetrics.activity._encode import EventsLike
from adoptmetrics.plotting._common import INCOMPLETE_COLOR, color, get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["activity_overview", "plot_activity_overview"]


def activity_overview(
    events: EventsLike,
    /,
    *,
    period: str = "week",
    as_of: object = None,
    account_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> pd.DataFrame:
    """Active accounts and events per period — the numbers behind :func:`plot_activity_overview`.

    Parameters
    ----------
    events : DataFrame
        The event log.
    period : {"day", "week", "month"}, default "week"
        Period length; weeks start on Monday.
    as_of : timestamp, optional
        Ignore later events; default the latest event.
    account_col, time_col, event_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per period from the first to the last active one:

        - ``period``: start of the period.
        - ``active_accounts``: accounts with at least one event in it.
        - ``n_events``: events in it.
        - ``complete``: False for a period that runs past ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a"], "event": "login",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-15"])})
    >>> activity_overview(ev)
          period  active_accounts  n_events  complete
    0 2024-01-01                2         2      True
    1 2024-01-08                0         0      True
    2 2024-01-15                1         1     False
    """
    cells = activity_cells(
        events,
        period=period,
        account_col=account_col,
        time_col=time_col,
        event_col=event_col,
        as_of=as_of,
    )
    if len(cells.index) == 0:
        return pd.DataFrame(
            {
                "period": pd.Series(dtype="datetime64[ns]"),
                "active_accounts": pd.Series(dtype=np.int64),
                "n_events": pd.Series(dtype=np.int64),
                "complete": pd.Series(dtype=bool),
            }
        )
    p0 = int(cells.index.min())
    offset = cells.index - p0
    n = int(offset.max()) + 1
    starts = period_start(np.arange(p0, p0 + n, dtype=np.int64), period)
    ends = period_start(np.arange(p0 + 1, p0 + n + 1, dtype=np.int64), period).view(np.int64)
    return pd.DataFrame(
        {
            "period": starts,
            "active_accounts": np.bincount(offset, minlength=n).astype(np.int64),
            "n_events": np.bincount(offset, weights=cells.n_events, minlength=n).astype(np.int64),
            # A period is complete when as_of reaches its last instant.
            "complete": ends - 1 <= cells.as_of.value,
        }
    )


def plot_activity_overview(
    events: EventsLike,
    /,
    *,
    period: str = "week",
    as_of: object = None,
    ax: Axes | None = None,
    account_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str = "event",
) -> Axes:
    """Active accounts (line) and events (bars) per period.

    The last period is drawn in grey when ``as_of`` falls inside it: it is
    not finished, so its counts are lower than they will be.

    Parameters
    ----------
    events : DataFrame
        The event log.
    period : {"day", "week", "month"}, default "week"
        Period length; weeks start on Monday.
    as_of : timestamp, optional
        Ignore later events; default the latest event.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted. Events go on a twin axis.
    account_col, time_col, event_col : str
        Column names.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes holding the active-accounts line (left scale).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "b", "a"], "event": "login",
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-15"])})
    >>> ax = plot_activity_overview(ev)
    >>> ax.get_ylabel()
    'Active accounts'
    """
    table = activity_overview(
        events,
        period=period,
        as_of=as_of,
        account_col=account_col,
        time_col=time_col,
        event_col=event_col,
    )
    ax = get_ax(ax, figsize=(8.0, 3.6))
    ax.set_ylabel("Active accounts")
    if table.empty:
        ax.text(0.5, 0.5, "no events", ha="center", va="center", transform=ax.transAxes)
        return ax
    x = table["period"].to_numpy()
    width = np.diff(x).min() * 0.8 if len(x) > 1 else np.timedelta64(5, "D")
    complete = table["complete"].to_numpy()
    bars = ax.twinx()
    bars.bar(
        x,
        table["n_events"],
        width=width,
        align="edge",
        color=np.where(complete, "#bcd7ea", INCOMPLETE_COLOR),
        label="Events",
    )
    bars.set_ylabel("Events", color="#4a7fa5")
    bars.tick_params(axis="y", colors="#4a7fa5")
    bars.set_ylim(0, float(table["n_events"].max()) * 1.15 or 1.0)
    centre = x + width / 2
    active = table["active_accounts"].to_numpy()
    ax.plot(centre[complete], active[complete], color=color(0), lw=2, label="Active accounts")
    if not complete.all():
        last = np.flatnonzero(complete)
        tail = slice(int(last[-1]) if len(last) else 0, None)
        ax.plot(centre[tail], active[tail], color=color(0), lw=2, ls=":", label="Unfinished period")
    ax.set_ylim(0, max(float(active.max()) * 1.15, 1.0))
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_title(f"Active accounts and events per {period}", loc="left")
    handles, labels = ax.get_legend_handles_labels()
    bh, bl = bars.get_legend_handles_labels()
    ax.legend(handles + bh, labels + bl, loc="upper left", frameon=False, fontsize=9)
    ax.spines["top"].set_visible(False)
    bars.spines["top"].set_visible(False)
    return ax
