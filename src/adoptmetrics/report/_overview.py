"""The overview section: what data the report is based on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptmetrics.activity import event_counts, first_last_seen
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._html import fmt_int, fmt_pct, html_table
from adoptmetrics.report._section import Metric, Section, render_figure

__all__ = ["section"]

#: Accounts with an event in this many days before ``as_of`` count as recently active.
RECENT_DAYS = 28
#: Event types listed individually in the event mix.
TOP_EVENTS = 12

HOW_TO_READ = (
    "Coverage says what every other section is based on: how many accounts and events, over "
    "which dates, cut at the as-of date (nothing later is used anywhere in the report). "
    "In the figure the line counts accounts with at least one event in each week and the bars "
    "count events; a grey bar and dotted line mark a week that was not over at the as-of date, "
    "so its lower numbers are not a drop. Events per account are usually very skewed: compare "
    "the median with the mean and the 90th percentile before reading averages elsewhere. The "
    "event mix shows which events dominate the log; if one event (a login or page view) is "
    "most of it, activity-based measures mostly measure that event."
)


def _distribution(per_account: np.ndarray) -> pd.DataFrame:
    if len(per_account) == 0:
        return pd.DataFrame({"statistic": [], "events per account": []})
    q = np.quantile(per_account, [0.0, 0.25, 0.5, 0.75, 0.9, 1.0])
    return pd.DataFrame(
        {
            "statistic": [
                "minimum",
                "25th percentile",
                "median",
                "75th percentile",
                "90th percentile",
                "maximum",
                "mean",
            ],
            "events per account": [*q.tolist(), float(per_account.mean())],
        }
    )


def _event_mix(data: ReportData, n_accounts: int) -> pd.DataFrame:
    counts = event_counts(data.log, end=data.as_of)
    totals = counts.sum(axis=0).to_numpy()
    users = (counts > 0).sum(axis=0).to_numpy()
    mix = pd.DataFrame(
        {
            "event": counts.columns.astype(str),
            "events": totals.astype(np.int64),
            "share of events": totals / max(totals.sum(), 1),
            "accounts": users.astype(np.int64),
            "share of accounts": users / max(n_accounts, 1),
        }
    )
    mix = mix.loc[mix["events"] > 0].sort_values(["events", "event"], ascending=[False, True])
    if len(mix) > TOP_EVENTS:
        rest = mix.iloc[TOP_EVENTS:]
        other = pd.DataFrame(
            {
                "event": [f"other ({len(rest)} event types)"],
                "events": [int(rest["events"].sum())],
                "share of events": [float(rest["share of events"].sum())],
                "accounts": [np.nan],
                "share of accounts": [np.nan],
            }
        )
        mix = pd.concat([mix.iloc[:TOP_EVENTS], other], ignore_index=True)
    return mix.reset_index(drop=True)


def section(data: ReportData) -> Section:
    """Data coverage, activity over time, events per account and the event mix."""
    accounts = data.accounts
    account_ids = pd.Index(accounts["account_id"].astype(object))
    seen = first_last_seen(data.log)
    seen_ids = pd.Index(seen["account_id"].astype(object))
    known = seen_ids.isin(account_ids)
    per_account = (
        pd.Series(seen["n_events"].to_numpy()[known], index=seen_ids[known])
        .reindex(account_ids, fill_value=0)
        .to_numpy()
    )
    n_accounts = len(accounts)
    active_mask = accounts["churned_at"].isna().to_numpy()
    n_active = int(active_mask.sum())
    cutoff = data.as_of - pd.Timedelta(days=RECENT_DAYS)
    recent_ids = seen_ids[known & (seen["last_seen"] > cutoff).to_numpy()]
    n_recent = int(account_ids[active_mask].isin(recent_ids).sum())
    events = data.events
    ts = events["timestamp"]

    rows: list[tuple[str, str]] = [
        ("Accounts", fmt_int(n_accounts)),
        (
            "Active at the as-of date",
            f"{fmt_int(n_active)} ({fmt_pct(n_active / max(n_accounts, 1))})",
        ),
        ("Churned", fmt_int(n_accounts - n_active)),
        (
            f"Active accounts with an event in the last {RECENT_DAYS} days",
            f"{fmt_int(n_recent)} ({fmt_pct(n_recent / max(n_active, 1))})",
        ),
        ("Accounts without any event", fmt_int(int((per_account == 0).sum()))),
        ("Events", fmt_int(len(events))),
        ("Event types", fmt_int(int(events["event"].nunique()))),
    ]
    if "user_id" in events.columns:
        rows.append(("Users", fmt_int(int(events["user_id"].nunique()))))
    if len(ts):
        rows.append(("First event", f"{ts.min():%Y-%m-%d}"))
        rows.append(("Last event", f"{ts.max():%Y-%m-%d}"))
    starts = accounts["started_at"]
    if len(starts):
        rows.append(("Account starts", f"{starts.min():%Y-%m-%d} – {starts.max():%Y-%m-%d}"))
    rows.append(("As of", f"{data.as_of:%Y-%m-%d %H:%M}".removesuffix(" 00:00")))
    for name, frame in (
        ("NPS responses", data.nps),
        ("MRR rows", data.mrr),
        ("Expansions", data.expansions),
    ):
        rows.append((name, "not provided" if frame is None else fmt_int(len(frame))))
    coverage = pd.DataFrame(rows, columns=["", "value"])

    caveats: list[str] = []
    orphans = int(seen["n_events"].to_numpy()[~known].sum())
    if orphans:
        caveats.append(
            f"{orphans:,} events belong to {int((~known).sum()):,} account ids that are not in "
            "the accounts table; they are counted in the event totals but belong to no account."
        )

    from matplotlib.figure import Figure as MplFigure

    from adoptmetrics.plotting._overview import plot_activity_overview

    ax = MplFigure(figsize=(8.0, 3.6), layout="constrained").subplots()
    # plotting types events as a DataFrame, but it encodes through the activity layer
    plot_activity_overview(data.log, as_of=data.as_of, ax=ax)
    figure = render_figure(
        ax,
        alt="Weekly active accounts (line) and weekly events (bars) over the observation window.",
        caption="Active accounts (line, left scale) and events (bars, right scale) per week.",
    )

    mix = _event_mix(data, n_accounts)
    body = [
        '<div class="cols"><div>',
        html_table(coverage, caption="Data coverage", max_rows=None),
        "</div><div>",
        html_table(_distribution(per_account), caption="Events per account", max_rows=None),
        f'<p class="muted">Over the {fmt_int(n_accounts)} accounts in the accounts table, '
        "including those without events.</p>",
        "</div></div>",
        html_table(
            mix,
            caption="Event mix",
            formats={"share of events": fmt_pct, "share of accounts": fmt_pct},
            max_rows=None,
        ),
        f'<p class="muted">"accounts": accounts with at least one such event; the '
        f"{TOP_EVENTS} most frequent event types are listed.</p>",
    ]
    metrics = [
        Metric("Accounts", fmt_int(n_accounts), f"{fmt_int(n_active)} active"),
        Metric(
            f"Active in the last {RECENT_DAYS} days",
            fmt_pct(n_recent / max(n_active, 1)),
            f"{fmt_int(n_recent)} of {fmt_int(n_active)} active accounts",
        ),
    ]
    return Section(
        id="overview",
        title="Overview",
        body=body,
        figures=[figure],
        how_to_read=HOW_TO_READ,
        metrics=metrics,
        caveats=caveats,
    )
