"""The health section: bands and their backtested churn, new reds, stages, the MRR bridge."""

from __future__ import annotations

import html

import pandas as pd

from adoptmetrics.health import (
    account_metrics,
    backtest_health,
    health_scores,
    lifecycle_stages,
    stage_transitions,
)
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._html import fmt_int, fmt_pct, html_table
from adoptmetrics.report._section import Figure, Metric, Section, render_figure

__all__ = ["section"]

#: Churn horizon of the backtest (days after the cutoff).
HORIZON_DAYS = 90
#: "This month": accounts red now that were not red this many days ago.
MOVED_DAYS = 30
#: At most this many newly red accounts are listed.
MAX_MOVED = 10

HOW_TO_READ = (
    "Each account gets a health score from 0 to 100: the weighted mean of seven components "
    "(active days, usage trend, user growth, seat utilisation, NPS, breadth of feature use, "
    "days since last activity), each 0 at a 'bad' value and 100 at a 'good' one; a missing "
    "measure drops out instead of counting as 0. Red is below 50, green 75 or more. The band "
    "chart checks the scorecard out of time: accounts were scored with data up to a cutoff "
    f"{HORIZON_DAYS} days before the as-of date and the points are the share that churned "
    "afterwards, with 95 % Wilson intervals; if red does not churn more than green, do not "
    "act on the bands. The weights are judgement, not fitted: am.health.fit_health_model learns "
    "them from your own churn. Stages place every account in the post-sale funnel "
    "(onboarding, adopting, established, expanding) or beside it (at risk, churned) by "
    "documented rules; the flow shows where accounts moved over the last quarter. The MRR "
    "bridge splits each month's change in revenue into new, expansion, reactivation, "
    "contraction and churn; the quick ratio is gains ÷ losses (above 1: growing)."
)


def _moved_to_red(data: ReportData, metrics: pd.DataFrame, now: pd.DataFrame) -> pd.DataFrame:
    """Accounts red at as_of (``now``) that were not red ``MOVED_DAYS`` earlier, with reasons.

    ``now`` are the scores of ``metrics`` without reasons; the reasons are
    written for the accounts that moved only.
    """
    before = health_scores(
        account_metrics(
            data.log,
            accounts=data.accounts,
            nps=data.nps,
            as_of=data.as_of - pd.Timedelta(days=MOVED_DAYS),
        ),
        n_reasons=0,
    )
    was = before.set_index("account_id")["band"].astype(object)
    prior = now["account_id"].map(was)
    rows = (now["band"] == "red").to_numpy() & (prior != "red").to_numpy()
    moved = health_scores(metrics.loc[rows])
    moved["band a month ago"] = prior[rows].fillna("new").to_numpy()
    moved["reasons"] = moved["reasons"].map("; ".join)
    return moved.sort_values(["score", "account_id"], kind="stable")


def section(data: ReportData) -> Section | None:
    """Build the health card; ``None`` without events or accounts."""
    if len(data.events) == 0 or len(data.accounts) == 0:
        return None
    caveats: list[str] = []
    body: list[str] = []
    figures: list[Figure] = []
    metrics: list[Metric] = []

    from matplotlib.figure import Figure as MplFigure

    from adoptmetrics.plotting._health import plot_health_bands, plot_stage_flow

    # A day of slack: the as-of date often sits just after the last event.
    cutoff = data.as_of.normalize() - pd.Timedelta(days=HORIZON_DAYS + 1)
    try:
        bt = backtest_health(
            data.log, data.accounts, nps=data.nps, cutoff=cutoff, horizon_days=HORIZON_DAYS
        )
    except ValueError as exc:
        bt = None
        caveats.append(f"No backtest of the health bands: {str(exc).splitlines()[0]}")
    if bt is not None:
        ax = MplFigure(figsize=(6.5, 4.0), layout="constrained").subplots()
        plot_health_bands(bt, ax=ax)
        figures.append(
            render_figure(
                ax,
                alt="Accounts per health band at the cutoff and the churn rate that followed, "
                "with 95 % intervals.",
                caption=f"Health bands on {cutoff:%Y-%m-%d} and churn in the next "
                f"{HORIZON_DAYS} days.",
            )
        )
        body.append(
            html_table(
                bt.bands,
                caption=f"Backtest: bands on {cutoff:%Y-%m-%d}, churn in the next "
                f"{HORIZON_DAYS} days (AUC {bt.auc:.2f})",
                formats={"churn_rate": fmt_pct, "ci_lower": fmt_pct, "ci_upper": fmt_pct},
                max_rows=None,
            )
        )
        red, green = bt.bands.iloc[0], bt.bands.iloc[2]
        metrics.append(
            Metric(
                "Churn, red vs green band",
                f"{fmt_pct(float(red['churn_rate']))} vs {fmt_pct(float(green['churn_rate']))}",
                f"next {HORIZON_DAYS} days after {cutoff:%Y-%m-%d}; AUC {bt.auc:.2f}",
            )
        )
        if red["ci_lower"] <= green["ci_upper"]:
            caveats.append(
                "The churn intervals of the red and green bands overlap: on these data the "
                "default scorecard does not clearly separate risky accounts."
            )

    metrics_now = account_metrics(data.log, accounts=data.accounts, nps=data.nps, as_of=data.as_of)
    now = health_scores(metrics_now, n_reasons=0)
    counts = now["band"].value_counts().reindex(["red", "yellow", "green"], fill_value=0)
    body.insert(
        0,
        f"<p>As of {html.escape(f'{data.as_of:%Y-%m-%d}')}: "
        f"{fmt_int(counts['red'])} red, {fmt_int(counts['yellow'])} yellow and "
        f"{fmt_int(counts['green'])} green accounts (active accounts with a score).</p>",
    )
    metrics.insert(
        0,
        Metric(
            "Accounts in the red band",
            fmt_int(float(counts["red"])),
            f"of {fmt_int(float(counts.sum()))} scored",
        ),
    )

    moved = _moved_to_red(data, metrics_now, now)
    body.append(
        html_table(
            moved[["account_id", "score", "band a month ago", "reasons"]].head(MAX_MOVED),
            caption=f"Moved to red in the last {MOVED_DAYS} days "
            f"({fmt_int(len(moved))} accounts; lowest scores first)",
            formats={"score": lambda v: f"{v:.0f}"},
            max_rows=None,
        )
    )

    # The card shows how many accounts are in each stage now, not since when:
    # no monthly history is needed (history_months=0).
    stages = lifecycle_stages(
        data.log, data.accounts, nps=data.nps, as_of=data.as_of, history_months=0
    )
    table = stages["stage"].value_counts().rename_axis("stage").reset_index(name="accounts")
    table["share"] = table["accounts"] / table["accounts"].sum()
    body.append(
        html_table(
            table,
            caption="Lifecycle stages (every account started by the as-of date)",
            formats={"share": fmt_pct},
            max_rows=None,
        )
    )
    start = data.as_of - pd.Timedelta(days=HORIZON_DAYS)
    if start > data.accounts["started_at"].min():
        flow = stage_transitions(data.log, data.accounts, nps=data.nps, start=start, end=data.as_of)
        ax = MplFigure(figsize=(7.5, 5.0), layout="constrained").subplots()
        plot_stage_flow(flow, ax=ax)
        ax.set_title(f"Lifecycle stage flow, {start:%Y-%m-%d} → {data.as_of:%Y-%m-%d}")
        figures.append(
            render_figure(
                ax,
                alt="Sankey-style flow of accounts between lifecycle stages over the last quarter.",
                caption="Where accounts moved between stages in the last quarter.",
            )
        )

    if data.mrr is not None and len(data.mrr):
        _bridge(data, body, figures, metrics)
    return Section(
        id="health",
        title="Health",
        body=body,
        figures=figures,
        how_to_read=HOW_TO_READ,
        metrics=metrics,
        caveats=caveats,
    )


def _bridge(
    data: ReportData, body: list[str], figures: list[Figure], metrics: list[Metric]
) -> None:
    from matplotlib.figure import Figure as MplFigure

    from adoptmetrics.plotting import plot_mrr_bridge
    from adoptmetrics.retention import mrr_bridge

    if data.mrr is None:
        return
    bridge = mrr_bridge(data.mrr)
    recent = bridge.tail(12)
    ax = MplFigure(figsize=(8.5, 4.5), layout="constrained").subplots()
    plot_mrr_bridge(recent, ax=ax)
    figures.append(
        render_figure(
            ax,
            alt="Monthly MRR bridge as a waterfall with the quick ratio, last 12 months.",
            caption="MRR bridge: new, expansion, reactivation, contraction and churn per month.",
        )
    )
    # The amounts only (the counts are in the API's table): 14 columns overflow a card.
    shown = recent[
        [
            "month",
            "starting_mrr",
            "new_mrr",
            "expansion_mrr",
            "reactivation_mrr",
            "contraction_mrr",
            "churned_mrr",
            "ending_mrr",
            "quick_ratio",
        ]
    ].rename(
        columns={
            "starting_mrr": "Start",
            "new_mrr": "New",
            "expansion_mrr": "Expansion",
            "reactivation_mrr": "Reactivation",
            "contraction_mrr": "Contraction",
            "churned_mrr": "Churned",
            "ending_mrr": "End",
        }
    )
    money = {
        c: (lambda v: f"{v:,.0f}")
        for c in ("Start", "New", "Expansion", "Reactivation", "Contraction", "Churned", "End")
    }
    body.append(
        html_table(
            shown.assign(month=shown["month"].dt.strftime("%Y-%m")),
            caption="MRR bridge, last 12 months (contraction and churned as positive amounts)",
            formats={**money, "quick_ratio": lambda v: f"{v:.2f}"},
            max_rows=None,
        )
    )
    last = recent.iloc[-1]
    metrics.append(
        Metric(
            f"Quick ratio, {pd.Timestamp(last['month']):%Y-%m}",
            f"{float(last['quick_ratio']):.2f}",
            "MRR gained ÷ MRR lost",
        )
    )
