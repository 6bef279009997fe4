"""The expansion section: which events precede expansion, and who looks ready now."""

from __future__ import annotations

import html
import warnings

import numpy as np
import pandas as pd

from adoptmetrics.activity._triggers import _KEY as TRIGGER_ROWS_MEMO
from adoptmetrics.expansion import (
    backtest_expansion,
    expansion_scores,
    expansions_from_mrr,
    trigger_lift,
)
from adoptmetrics.models import Trigger
from adoptmetrics.plotting._expansion import plot_cumulative_gains, plot_trigger_lift
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._html import fmt_pct, html_table
from adoptmetrics.report._section import Figure, Metric, Section, render_figure

__all__ = ["section"]

#: Days after a firing in which an expansion counts as following it.
HORIZON_DAYS = 90
#: Event types tested as candidate triggers (the most frequent ones).
MAX_CANDIDATES = 25

HOW_TO_READ = (
    "Every event type is tested as a candidate trigger. Lift compares the expansion rate per "
    "account-day in the 90 days after an account performs the event with its rate at all other "
    "active times; 1 means no difference, and the bars are 95 % intervals (clustered by "
    "account, since one account's expansions are not independent). Lift is not "
    "causation: events that busy accounts do a lot of can look good because busy accounts "
    "expand more. Precision is the share of alerts (first firing after a quiet spell) followed "
    "by an expansion within 90 days, counting only alerts at least 90 days old (or ended by "
    "churn); compare it with the baseline. Accounts with the same score share a rank, and the "
    "backtest metrics average over such ties. The gains curve backtests "
    "scores learnt only from data before a cutoff: the further above the diagonal, the more "
    "expansions a sales team finds by calling accounts in score order."
)


def _frequent_events(events: pd.DataFrame) -> list[str]:
    """The ``MAX_CANDIDATES`` most frequent event names (ties by name), counted on codes."""
    ev = events["event"]
    if not isinstance(ev.dtype, pd.CategoricalDtype):  # validated events are categorical
        ev = ev.astype(str).astype("category")
    n = len(ev.cat.categories)
    # Codes shifted by one so a missing name (-1) lands in bin 0, which is dropped.
    counts = np.bincount(ev.cat.codes.to_numpy().astype(np.int64) + 1, minlength=n + 1)[1:]
    names = np.asarray(ev.cat.categories.astype(str), dtype=object)
    order = np.lexsort((names, -counts))
    return [str(n) for n in names[order][counts[order] > 0][:MAX_CANDIDATES]]


def section(data: ReportData) -> Section | None:
    """Build the expansion card; its trigger rows are dropped from the shared log afterwards."""
    try:
        return _section(data)
    finally:
        # No later section reads the events sorted by (event, account, time):
        # free them (about 100 MB at 8M events) before the next section's arrays.
        data.log._am_forget(TRIGGER_ROWS_MEMO)


def _section(data: ReportData) -> Section | None:
    """Build the expansion card; ``None`` without expansions or MRR."""
    expansions = data.expansions
    if expansions is None and data.mrr is not None:
        expansions = expansions_from_mrr(data.mrr)
    if expansions is None or len(expansions) == 0 or len(data.events) == 0:
        return None
    HORIZON_DAYS = data.options.expansion_horizon_days  # [expansion] horizon_days
    if data.options.triggers:
        candidates = list(data.options.triggers)
    else:
        candidates = [Trigger(n, event=n) for n in sorted(_frequent_events(data.events))]
    lift = trigger_lift(
        data.log,
        candidates,
        expansions=expansions,
        horizon_days=HORIZON_DAYS,
        accounts=data.accounts,
        as_of=data.as_of,
    )
    figures: list[Figure] = [
        render_figure(
            plot_trigger_lift(lift.head(12)),
            alt="Lift of each candidate trigger with 95 % intervals on a log scale.",
            caption="Candidate triggers by lift (top 12).",
        )
    ]
    shown = lift[
        [
            "trigger",
            "n_fired",
            "precision",
            "baseline_rate",
            "lift",
            "ci_lower",
            "ci_upper",
            "q_value",
            "median_lead_days",
        ]
    ]
    body = [
        "<p>Candidate triggers, by lift (expansions per account-day within "
        f"{HORIZON_DAYS} days after the event ÷ at other times).</p>",
        html_table(
            shown,
            max_rows=12,
            formats={"precision": fmt_pct, "baseline_rate": fmt_pct},
        ),
    ]
    metrics: list[Metric] = []
    caveats: list[str] = []
    highlights: list[str] = []
    strong = lift[(lift["q_value"] < 0.05) & (lift["ci_lower"] > 1)]
    if len(strong):
        best = strong.iloc[0]
        metrics.append(
            Metric(
                f"Strongest expansion trigger: {best['trigger']}",
                f"×{best['lift']:.1f}",
                f"95 % CI {best['ci_lower']:.1f}–{best['ci_upper']:.1f}",
            )
        )
        by_name = {t.name: t for t in candidates}
        triggers = [
            by_name.get(str(n), Trigger(str(n), event=str(n))) for n in strong["trigger"].head(8)
        ]
        cutoff = data.as_of - pd.Timedelta(days=HORIZON_DAYS)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bt = backtest_expansion(
                    data.log,
                    triggers,
                    expansions=expansions,
                    cutoff=cutoff,
                    horizon_days=HORIZON_DAYS,
                    accounts=data.accounts,
                )
            figures.append(
                render_figure(
                    plot_cumulative_gains(bt),
                    alt="Cumulative gains of expansion scores in a backtest.",
                    caption=f"Backtest: learnt before {cutoff:%Y-%m-%d}, "
                    f"evaluated over the next {HORIZON_DAYS} days.",
                )
            )
            metrics.append(
                Metric(
                    "Expansion score backtest (AUC)",
                    f"{bt.auc:.2f}",
                    f"top-decile lift {bt.lift_top_decile:.1f}",
                )
            )
            scores = expansion_scores(
                data.log,
                triggers,
                expansions=expansions,
                accounts=data.accounts,
                as_of=data.as_of,
                horizon_days=HORIZON_DAYS,
            )
            top = scores.head(10).assign(reasons=lambda d: d["reasons"].map(", ".join))
            body.append(
                f"<p>Accounts most likely to expand in the next {HORIZON_DAYS} days, "
                "with the triggers behind each score.</p>"
            )
            body.append(html_table(top, formats={"score": fmt_pct}))
            highlights.append(
                html_table(
                    top[["account_id", "score", "reasons"]].head(5),
                    caption=f"Most likely to expand in the next {HORIZON_DAYS} days",
                    formats={"score": fmt_pct},
                    max_rows=None,
                )
            )
        except ValueError as exc:
            caveats.append(f"No backtest: {html.escape(str(exc).splitlines()[0])}")
    else:
        caveats.append("No event type is followed by significantly more expansions.")
    return Section(
        id="expansion",
        title="Expansion",
        body=body,
        figures=figures,
        how_to_read=HOW_TO_READ,
        metrics=metrics,
        caveats=caveats,
        highlights=highlights,
    )
