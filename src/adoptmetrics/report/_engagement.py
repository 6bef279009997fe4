"""The engagement section: DAU/MAU, lifecycle with the quick ratio, feature adoption, drivers."""

from __future__ import annotations

import html
import warnings

import numpy as np
import pandas as pd

from adoptmetrics.engagement import feature_adoption, feature_retention, lifecycle, stickiness
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._html import fmt_int, fmt_pct, html_table
from adoptmetrics.report._section import Figure, Metric, Section, render_figure

__all__ = ["section"]

#: Features analysed when the config names none: the most frequent event names.
DEFAULT_FEATURES = 8
#: Weeks of lifecycle shown.
LIFECYCLE_WEEKS = 26
#: Months back for the adoption and stickiness trend.
TREND_MONTHS = 3

HOW_TO_READ = (
    "Stickiness is the mean number of users active on a day divided by the users active in "
    "the month (DAU/MAU): 0.2 means a typical monthly user comes back on about one day in "
    "five. Days without any activity count as zero, and the month that is not over yet is "
    "shown hollow and left out of the headline. The lifecycle bars split each week's active "
    "accounts into new (first week ever), returning (also active the week before) and "
    "resurrecting (back after at least one silent week); dormant accounts, active the week "
    "before but not this week, are drawn below zero. The quick ratio (new + resurrecting) ÷ "
    "dormant above 1 means the active base grows. Feature adoption is the share of the "
    "month's active accounts that used the feature, with 95 % Wilson intervals. The driver "
    "chart compares retention in days 28–55 after the start between accounts that did and "
    "did not use a feature in their first 7 days, adjusted for how active they were overall "
    "in that week; a filled point has a false-discovery-controlled q-value below 5 %. It is an "
    "association among accounts that chose to use the feature, not proof that pushing the "
    "feature raises retention."
)


def _features(data: ReportData) -> list[str]:
    """The config's ``[engagement] features``, else the most frequent event names."""
    configured = getattr(data, "engagement_features", None)
    if configured:
        return [str(f) for f in configured]
    counts = data.events["event"].value_counts(sort=True)
    return [str(e) for e in counts.index[:DEFAULT_FEATURES]]


def _level(data: ReportData) -> str:
    return "user" if "user_id" in data.events.columns else "account"


def _last_complete(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["complete"].to_numpy(dtype=bool)]


def section(data: ReportData) -> Section | None:
    """DAU/MAU and its trend, weekly lifecycle, feature adoption, early features vs retention."""
    if len(data.events) == 0:
        return None
    events = data.log  # validated and encoded once, shared with the other sections
    from matplotlib.figure import Figure as MplFigure

    from adoptmetrics.plotting._engagement import (
        plot_feature_heatmap,
        plot_feature_retention,
        plot_lifecycle,
        plot_stickiness,
    )

    caveats: list[str] = []
    metrics: list[Metric] = []
    figures: list[Figure] = []
    body: list[str] = []
    level = _level(data)
    who = "users" if level == "user" else "accounts"

    # Stickiness: the latest complete month and its change.
    st = stickiness(events, level=level, as_of=data.as_of)
    done = _last_complete(st)
    if len(done):
        now = done.iloc[-1]
        detail = f"{fmt_pct(float(now['ci_lower']))}–{fmt_pct(float(now['ci_upper']))}"
        if len(done) > TREND_MONTHS:
            before = done.iloc[-1 - TREND_MONTHS]
            change = float(now["stickiness"]) - float(before["stickiness"])
            detail += f"; {change * 100:+.1f} pts vs {before['period']:%b %Y}"
        metrics.append(
            Metric(f"DAU/MAU ({now['period']:%b %Y})", fmt_pct(float(now["stickiness"])), detail)
        )
    else:
        caveats.append("No calendar month is complete yet: DAU/MAU has no headline value.")
    ax = MplFigure(figsize=(7.5, 3.8), layout="constrained").subplots()
    plot_stickiness(st, ax=ax, title=f"DAU/MAU ({who}), 95 % bands")
    figures.append(
        render_figure(
            ax,
            alt=f"DAU/MAU of {who} per month with interval bands; the current month hollow.",
            caption="Stickiness: mean daily actives ÷ monthly actives (silent days count as 0).",
        )
    )

    # Lifecycle over the last 26 weeks.
    lc = lifecycle(events, period="week", as_of=data.as_of).tail(LIFECYCLE_WEEKS)
    recent = _last_complete(lc).tail(4)
    gained = int((recent["new"] + recent["resurrecting"]).sum())
    lost = int(recent["dormant"].sum())
    if lost > 0:
        metrics.append(
            Metric(
                "Quick ratio, last 4 full weeks",
                f"{gained / lost:.2f}",
                f"{fmt_int(gained)} new or back vs {fmt_int(lost)} gone dormant",
            )
        )
    ax = MplFigure(figsize=(8.5, 4.0), layout="constrained").subplots()
    plot_lifecycle(lc, ax=ax, title=f"Weekly lifecycle of accounts, last {LIFECYCLE_WEEKS} weeks")
    figures.append(
        render_figure(
            ax,
            alt="Stacked weekly bars of new, returning and resurrecting accounts, dormant below.",
            caption="Lifecycle: new, returning and resurrecting accounts; dormant below zero.",
        )
    )

    # Feature adoption: latest complete month and its trend.
    features = _features(data)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        fa = feature_adoption(events, features=features, period="month", as_of=data.as_of)
    table = _adoption_table(fa)
    if len(table):
        body.append(
            html_table(
                table,
                caption="Feature adoption among active accounts, latest full month",
                formats={
                    "adoption": fmt_pct,
                    "ci_lower": fmt_pct,
                    "ci_upper": fmt_pct,
                    "change (pts)": lambda v: f"{v:+.1f}",
                },
                max_rows=None,
            )
        )
        ax = MplFigure(figsize=(8.5, 0.35 * len(features) + 2.0), layout="constrained").subplots()
        plot_feature_heatmap(fa, ax=ax)
        figures.append(
            render_figure(
                ax,
                alt="Heatmap of monthly adoption rates per feature.",
                caption="Share of each month's active accounts that used each feature.",
            )
        )

    # Early features and retention.
    try:
        drivers = feature_retention(
            events,
            features=features,
            accounts=data.accounts if len(data.accounts) else None,
            as_of=data.as_of,
        )
    except ValueError as exc:
        caveats.append(f"Early features vs retention not computed: {str(exc).splitlines()[0]}")
        drivers = None
    if drivers is not None and drivers["odds_ratio"].notna().any():
        ax = MplFigure(figsize=(7.5, 4.0), layout="constrained").subplots()
        plot_feature_retention(drivers, ax=ax)
        figures.append(
            render_figure(
                ax,
                alt="Odds ratios of retention for early use of each feature, log scale.",
                caption="Use in the first 7 days vs activity in days 28–55, adjusted for "
                "early activity.",
            )
        )
        top = drivers.dropna(subset=["odds_ratio"]).head(5)
        body.append(
            html_table(
                top[
                    [
                        "feature",
                        "n_used",
                        "retention_used",
                        "retention_not_used",
                        "odds_ratio",
                        "ci_lower",
                        "ci_upper",
                        "q_value",
                    ]
                ],
                caption=f"Early features and retention ({fmt_int(int(top['n_entities'].iloc[0]))} "
                "accounts whose day-56 window has closed)",
                formats={
                    "retention_used": fmt_pct,
                    "retention_not_used": fmt_pct,
                    "odds_ratio": lambda v: f"{v:.2f}",
                    "ci_lower": lambda v: f"{v:.2f}",
                    "ci_upper": lambda v: f"{v:.2f}",
                    "q_value": lambda v: f"{v:.3g}",
                },
                max_rows=None,
            )
        )
        strong = top[(top["q_value"] < 0.05) & (top["odds_ratio"] > 1)]
        if len(strong):
            metrics.append(
                Metric(
                    "Early feature most tied to retention",
                    str(strong.iloc[0]["feature"]),
                    f"adjusted odds ratio {float(strong.iloc[0]['odds_ratio']):.2f}",
                )
            )
    source = "from the config" if getattr(data, "engagement_features", None) else (
        f"the {len(features)} most frequent events; name yours under [engagement] features"
    )  # fmt: skip
    body.insert(
        0,
        f"<p>Activity as of {html.escape(f'{data.as_of:%Y-%m-%d}')}, measured on {who} for "
        f"stickiness and on accounts elsewhere. Features: {html.escape(source)}.</p>",
    )
    return Section(
        id="engagement",
        title="Engagement",
        body=body,
        figures=figures,
        how_to_read=HOW_TO_READ,
        metrics=metrics,
        caveats=caveats,
    )


def _adoption_table(fa: pd.DataFrame) -> pd.DataFrame:
    """Per feature: the latest complete month's rate with CI and its change over 3 months."""
    done = _last_complete(fa)
    if done.empty:
        return pd.DataFrame()
    months = np.sort(done["period"].unique())
    last = done[done["period"] == months[-1]].set_index("feature")
    out = pd.DataFrame(
        {
            "feature": last.index,
            "active": last["n_active"].to_numpy(),
            "adopters": last["n_adopters"].to_numpy(),
            "adoption": last["adoption_rate"].to_numpy(),
            "ci_lower": last["ci_lower"].to_numpy(),
            "ci_upper": last["ci_upper"].to_numpy(),
        }
    )
    if len(months) > TREND_MONTHS:
        before = done[done["period"] == months[-1 - TREND_MONTHS]].set_index("feature")
        change = (last["adoption_rate"] - before["adoption_rate"].reindex(last.index)) * 100
        out["change (pts)"] = change.to_numpy()
    return out.sort_values("adoption", ascending=False, kind="stable").reset_index(drop=True)
