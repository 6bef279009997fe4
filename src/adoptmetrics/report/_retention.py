"""The retention section: cohort heatmap, curves by segment, revenue retention."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from adoptmetrics.activity._log import EventLog
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._html import fmt_int, fmt_pct, html_table
from adoptmetrics.report._section import Figure, Metric, Section, render_figure
from adoptmetrics.retention import cohort_retention, retention_curve, revenue_retention

__all__ = ["section"]

#: Months shown in the curve table and used for the headline numbers.
TABLE_MONTHS = (1, 3, 6, 12)
#: Segment columns of the accounts table tried, in order, for the curves.
SEGMENT_COLUMNS = ("plan", "tier", "segment")
#: At most this many segments are drawn.
MAX_SEGMENTS = 6

HOW_TO_READ = (
    "Each row of the heatmap is the group of accounts that started in one month (a cohort); "
    "each column counts months since the start; a cell is the share of the cohort with any "
    "activity in that month. Read down a column to compare cohorts at the same age. A "
    "hatched grey cell is a month that was not over at the as-of date: its number is the "
    "activity so far, not a drop. A cell showing 0 % is a real zero. The curves combine all "
    "cohorts per segment (pooled: retained accounts ÷ accounts, over the cohorts that have "
    "completed that week), with 95 % Wilson bands; the right end of each curve rests on the "
    "oldest cohorts only, so it is both noisier and about older customers. Revenue retention "
    "compares each cohort's MRR with its starting MRR: gross counts only contraction and "
    "churn (at most 100 %), net adds expansion."
)


def _segments(accounts: pd.DataFrame) -> pd.Series | None:
    for col in SEGMENT_COLUMNS:
        if col in accounts.columns:
            s = accounts.set_index("account_id")[col]
            if s.notna().all() and 2 <= s.nunique() <= MAX_SEGMENTS:
                return s.astype(str).rename(col)
    return None


def _pooled_at(curve: pd.DataFrame, k: int) -> pd.Series | None:
    row = curve[curve["period"] == k]
    return None if row.empty else row.iloc[0]


def _known_events(data: ReportData) -> tuple[EventLog | pd.DataFrame, int]:
    """The shared log, or (when some events' accounts are unknown) the events of
    known accounts, and how many events were left out."""
    ids = data.events["account_id"]
    # A hash lookup: Index.isin on Arrow strings converts the values one by one.
    accounts = pd.Index(data.accounts["account_id"].astype(object))
    known_ids = accounts.get_indexer(pd.Index(ids.cat.categories.astype(object))) >= 0
    if known_ids.all():
        return data.log, 0
    codes = ids.cat.codes.to_numpy()
    known = known_ids[codes]
    n_unknown = int(len(known) - np.count_nonzero(known))
    if n_unknown == 0:  # only unused categories are unknown
        return data.log, 0
    return data.events.loc[known], n_unknown


def section(data: ReportData) -> Section | None:
    """Monthly cohort heatmap, weekly curves by segment, revenue retention."""
    accounts = data.accounts
    if len(accounts) == 0 or len(data.events) == 0:
        return None
    events, n_unknown = _known_events(data)
    caveats: list[str] = []
    if n_unknown:
        caveats.append(
            f"{n_unknown:,} events of account ids missing from the accounts table "
            "are left out of retention (their start is unknown)."
        )
    if n_unknown == len(data.events):
        return None

    # Cohorts from the accounts' start dates (as the API with accounts=): accounts
    # that never used the product count as not retained.
    cells = cohort_retention(events, period="month", accounts=accounts, as_of=data.as_of)
    monthly = retention_curve(events, period="month", accounts=accounts, as_of=data.as_of)
    segments = _segments(accounts)
    weekly = retention_curve(
        events, period="week", accounts=accounts, by=segments, as_of=data.as_of
    )

    from matplotlib.figure import Figure as MplFigure

    from adoptmetrics.plotting._retention import plot_retention_curve, plot_retention_heatmap

    figures: list[Figure] = []
    ax = MplFigure(figsize=(8.5, 4.8), layout="constrained").subplots()
    plot_retention_heatmap(cells, ax=ax)
    figures.append(
        render_figure(
            ax,
            alt="Heatmap of monthly retention per start-month cohort; unfinished months hatched.",
            caption="Monthly logo retention by start cohort (hatched: month not over yet).",
        )
    )
    ax = MplFigure(figsize=(7.5, 4.2), layout="constrained").subplots()
    plot_retention_curve(weekly[weekly["period"] <= 52], ax=ax)
    by_text = f" by {segments.name}" if segments is not None else ""
    ax.set_title(f"Weekly retention{by_text} (pooled, 95 % bands)")
    figures.append(
        render_figure(
            ax,
            alt=f"Weekly retention curves{by_text} with interval bands, first 52 weeks.",
            caption=f"Share of accounts active k weeks after their start{by_text}.",
        )
    )

    table = monthly[monthly["period"].isin(TABLE_MONTHS)][
        ["period", "n_cohorts", "n_at_risk", "n_retained", "retention_rate", "ci_lower", "ci_upper"]
    ].rename(columns={"period": "month", "n_cohorts": "cohorts", "n_at_risk": "accounts"})
    body = [
        "<p>Logo retention: the share of accounts with any activity k months after the month "
        "they started, over the cohorts that have completed month k "
        f"(as of {html.escape(f'{data.as_of:%Y-%m-%d}')}).</p>",
        html_table(
            table,
            caption="Monthly retention, pooled over complete cohorts",
            formats={"retention_rate": fmt_pct, "ci_lower": fmt_pct, "ci_upper": fmt_pct},
            max_rows=None,
        ),
    ]
    metrics: list[Metric] = []
    for k in (3, 12):
        row = _pooled_at(monthly, k)
        if row is not None:
            metrics.append(
                Metric(
                    f"Logo retention, month {k}",
                    fmt_pct(float(row["retention_rate"])),
                    f"95 % CI {fmt_pct(float(row['ci_lower']))}–"
                    f"{fmt_pct(float(row['ci_upper']))}, {fmt_int(float(row['n_at_risk']))} "
                    "accounts",
                )
            )
    if not metrics:
        caveats.append("No cohort has completed month 3 yet: retention is not measurable.")

    if data.mrr is not None and len(data.mrr):
        rev = revenue_retention(data.mrr, as_of=data.as_of)
        rows = []
        for k in TABLE_MONTHS:
            r = rev[rev["period"] == k]
            start_mrr = float(r["starting_mrr"].sum())
            if len(r) and start_mrr > 0:
                grr = float((r["gross_revenue_retention"] * r["starting_mrr"]).sum()) / start_mrr
                rows.append(
                    {
                        "month": k,
                        "cohorts": len(r),
                        "starting MRR": start_mrr,
                        "gross revenue retention": grr,
                        "net revenue retention": float(r["mrr"].sum()) / start_mrr,
                    }
                )
        if rows:
            rev_table = pd.DataFrame(rows)
            body.append(
                html_table(
                    rev_table,
                    caption="Revenue retention, pooled over cohorts that reached the month",
                    formats={
                        "gross revenue retention": fmt_pct,
                        "net revenue retention": fmt_pct,
                    },
                    max_rows=None,
                )
            )
            last = rev_table.iloc[-1]
            metrics.append(
                Metric(
                    f"Net revenue retention, month {int(last['month'])}",
                    fmt_pct(float(last["net revenue retention"])),
                    f"gross {fmt_pct(float(last['gross revenue retention']))}",
                )
            )
    incomplete = int((~cells["complete"].to_numpy()).sum()) if len(cells) else 0
    body.append(
        f'<p class="muted">{fmt_int(len(np.unique(cells["cohort"])))} monthly cohorts; '
        f"{fmt_int(incomplete)} cells not yet complete at the as-of date are shown hatched "
        "and left out of the curves.</p>"
    )
    return Section(
        id="retention",
        title="Retention",
        body=body,
        figures=figures,
        how_to_read=HOW_TO_READ,
        metrics=metrics,
        caveats=caveats,
    )
