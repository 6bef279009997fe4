"""The churn section: survival curves, what shortens lifetimes, who is about to leave."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from adoptmetrics.churn import (
    churn_curve,
    churn_risk,
    compare_churn,
    fit_churn_model,
    median_lifetime,
)
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._html import fmt_int, fmt_pct, html_table
from adoptmetrics.report._section import Figure, Metric, Section, render_figure

__all__ = ["section"]

#: Horizon of the risk scores (days).
HORIZON_DAYS = 90
#: Categorical attributes with at most this many values are used as churn drivers.
MAX_LEVELS = 12
#: Columns never used as drivers.
_NOT_DRIVERS = {"account_id", "started_at", "churned_at", "mrr", "observed_until"}

HOW_TO_READ = (
    "The survival curve is the share of accounts that have not churned yet, by days since "
    "their start (Kaplan–Meier). Accounts still active are counted for as long as they have "
    "been observed, so the curve is not the naive churn rate; the shaded band is a 95 % "
    "interval and the numbers under the axis are the accounts still at risk, so the right end "
    "of the curve rests on few accounts. The forest plot shows hazard ratios from a Cox model "
    "fitted on all attributes together: 0.5 means accounts with that value churn at half the "
    "rate of the reference value at any tenure, other attributes held equal. They are "
    "associations, not causes. The risk table gives each active account's probability of "
    "churning in the next 90 days given how long it has already stayed; 'extrapolated' marks "
    "accounts older than anything the model has seen, whose risk comes from a fitted tail."
)


def _drivers(accounts: pd.DataFrame) -> tuple[list[str], str | None]:
    """Attribute columns to model, and the one to draw curves by."""
    drivers: list[str] = []
    for col in accounts.columns:
        if col in _NOT_DRIVERS:
            continue
        s = accounts[col]
        n = s.nunique(dropna=False)
        if s.isna().any() or n < 2:
            continue
        if pd.api.types.is_bool_dtype(s.dtype) or (
            not pd.api.types.is_numeric_dtype(s.dtype) and n <= MAX_LEVELS
        ):
            drivers.append(str(col))
    preferred: tuple[str, ...] = ("plan", "tier", "segment")
    by: str | None = next((c for c in preferred if c in drivers), None)
    if by is None:
        by = next((c for c in drivers if accounts[c].nunique() <= 5), None)
    return drivers, by


def section(data: ReportData) -> Section | None:
    """Build the churn card; ``None`` when no account has churned."""
    accounts = data.accounts
    if len(accounts) == 0 or accounts["churned_at"].notna().sum() == 0:
        return None
    drivers, by = _drivers(accounts)
    overall = churn_curve(accounts, as_of=data.as_of)
    curve = churn_curve(accounts, by=by, as_of=data.as_of) if by else overall
    medians = median_lifetime(accounts, by=by, as_of=data.as_of) if by else None

    from matplotlib.figure import Figure as MplFigure

    from adoptmetrics.plotting._churn import plot_churn_curve, plot_hazard_ratios

    ax = MplFigure(figsize=(8.0, 4.8), layout="constrained").subplots()
    plot_churn_curve(curve, ax=ax)
    figures: list[Figure] = [
        render_figure(
            ax,
            alt="Kaplan–Meier survival curves"
            + (f" by {by}" if by else "")
            + " with 95 % bands and accounts at risk under the axis.",
            caption="Share of accounts not yet churned, by days since start"
            + (f", by {by}." if by else "."),
        )
    ]
    body: list[str] = []
    caveats: list[str] = []
    at_365 = overall[overall["time"] <= 365]
    s365 = float(at_365["survival"].iloc[-1]) if len(at_365) else 1.0
    lo365 = float(at_365["ci_lower"].iloc[-1]) if len(at_365) else 1.0
    hi365 = float(at_365["ci_upper"].iloc[-1]) if len(at_365) else 1.0
    metrics = [
        Metric(
            "Accounts still active after 12 months",
            fmt_pct(s365),
            f"95 % CI {fmt_pct(lo365)}–{fmt_pct(hi365)} (Kaplan–Meier)",
        )
    ]
    med = median_lifetime(accounts, as_of=data.as_of).iloc[0]
    if np.isnan(med["median_days"]):
        metrics.append(
            Metric(
                "Median lifetime",
                "not reached",
                f"fewer than half of accounts churned in {int(overall['time'].max())} days",
            )
        )
    else:
        metrics.append(
            Metric(
                "Median lifetime",
                f"{med['median_days'] / 30.44:.1f} months",
                f"95 % CI {med['ci_lower'] / 30.44:.1f}–{med['ci_upper'] / 30.44:.1f} months",
            )
        )
    if int(overall["time"].max()) < 365:
        caveats.append("Follow-up is shorter than a year; the 12-month figure is the last value.")
    if medians is not None and by is not None:
        body.append(
            html_table(
                medians,
                caption=f"Median lifetime by {by} (days; – : fewer than half have churned)",
                max_rows=None,
            )
        )
        tests = compare_churn(accounts, by=by, as_of=data.as_of)
        overall_p = float(tests["p_value"].iloc[0])
        body.append(
            f'<p class="muted">Log-rank test (do the survival curves differ more than '
            f"chance would make them?) across {html.escape(str(by))} values: "
            f"χ² = {tests['statistic'].iloc[0]:.1f} on "
            f"{int(tests['degrees_of_freedom'].iloc[0])} df, p = {overall_p:.2g}.</p>"
        )
    highlights: list[str] = []
    if drivers:
        model = fit_churn_model(accounts, covariates=drivers, as_of=data.as_of, penalizer=0.01)
        ax2 = MplFigure(figsize=(7.5, 0.4 * len(model.summary) + 1.6), layout="constrained")
        plot_hazard_ratios(model, ax=ax2.subplots())
        figures.append(
            render_figure(
                ax2,
                alt="Hazard ratios of account attributes with 95 % intervals on a log scale.",
                caption="Churn drivers (Cox model, all attributes together; lightly penalised).",
            )
        )
        summary = model.summary[["covariate", "hazard_ratio", "ci_lower", "ci_upper", "p_value"]]
        body.append(html_table(summary, caption="Hazard ratios", max_rows=None))
        refs = ", ".join(f"{k} = {v}" for k, v in model.references.items())
        body.append(
            f'<p class="muted">A hazard ratio compares accounts with that value to accounts '
            f"with the reference level, all else equal (2 = churn twice as fast). Reference "
            f"levels: {html.escape(refs) or 'none'}. "
            f"Concordance (C-index) {model.concordance:.2f}: how often the model ranks the "
            "account that churns first as the riskier one (0.5 is a coin flip, 1 perfect).</p>"
        )
        ph = model.check_assumptions()
        bad = ph.loc[ph["p_value"] < 0.01, "covariate"].tolist()
        if bad:
            caveats.append(
                "The hazard ratio of "
                + ", ".join(bad[:5])
                + " changes with tenure (proportional-hazards test p < 0.01); read it as an "
                "average over the follow-up."
            )
        horizon = data.options.churn_horizon_days
        risk = churn_risk(model, accounts, horizon_days=horizon, as_of=data.as_of)
        shown = risk[
            ["rank", "account_id", "tenure_days", "churn_probability", "extrapolated", "reasons"]
        ]
        # reasons are tuples of short strings; the report joins them for display.
        shown = shown.assign(reasons=shown["reasons"].map("; ".join))
        body.append(
            html_table(
                shown,
                caption=f"Active accounts most likely to churn in the next {horizon} days "
                "(reasons: attribute values that raise the churn rate against the reference "
                f"levels: {refs or 'none'})",
                formats={"churn_probability": lambda v: fmt_pct(v, 1)},
                max_rows=15,
            )
        )
        highlights.append(
            html_table(
                shown[["account_id", "churn_probability", "reasons"]].head(5),
                caption=f"Most at risk in the next {horizon} days (reasons against: "
                f"{refs or 'no reference'})",
                formats={"churn_probability": lambda v: fmt_pct(v, 1)},
                max_rows=None,
            )
        )
        expected = float(risk["churn_probability"].sum())
        metrics.append(
            Metric(
                f"Expected churns in the next {horizon} days",
                fmt_int(expected),
                f"of {fmt_int(len(risk))} active accounts; C-index {model.concordance:.2f}",
            )
        )
        n_high = int(np.sum(risk["churn_probability"] >= 0.25))
        if n_high:
            metrics.append(Metric("Accounts with ≥ 25 % churn risk", fmt_int(n_high)))
    return Section(
        id="churn",
        title="Churn",
        body=body,
        figures=figures,
        how_to_read=HOW_TO_READ,
        metrics=metrics,
        caveats=caveats,
        highlights=highlights,
    )
