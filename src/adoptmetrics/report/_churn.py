"""The churn section: survival curves, what shortens lifetimes, who is about to leave."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from adoptmetrics.churn import (
    ChurnModel,
    churn_curve,
    churn_risk,
    compare_churn,
    fit_churn_model,
    median_lifetime,
    usage_covariates,
)
from adoptmetrics.churn._usage import USAGE_COLUMNS
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._html import fmt_int, fmt_pct, html_table
from adoptmetrics.report._section import Figure, Metric, Section, render_figure

__all__ = ["section"]

#: Horizon of the risk scores (days).
HORIZON_DAYS = 90
#: Categorical attributes with at most this many values are used as churn drivers.
MAX_LEVELS = 12
#: Rows of the risk table.
MAX_SHOWN = 15
#: Usage window of the behavioural covariates (days).
USAGE_WINDOW_DAYS = 28
#: Fewest churns after the cutoff for the usage model; below it the attribute model is used.
MIN_USAGE_CHURNS = 20
#: Columns never used as drivers.
_NOT_DRIVERS = {"account_id", "started_at", "churned_at", "mrr", "observed_until"}

HOW_TO_READ = (
    "The survival curve is the share of accounts that have not churned yet, by days since "
    "their start (Kaplan–Meier). Accounts still active are counted for as long as they have "
    "been observed, so the curve is not the naive churn rate; the shaded band is a 95 % "
    "interval and the numbers under the axis are the accounts still at risk, so the right end "
    "of the curve rests on few accounts. The forest plot shows hazard ratios from a Cox model "
    "fitted on all attributes together: 0.5 means accounts with that value churn at half the "
    "rate of the reference value at any tenure, other attributes held equal; for a usage "
    "measure it is the ratio per unit (per active day, per idle day). When the events allow it, "
    "the model is fitted on the accounts active a horizon ago, with their usage as of that day "
    "and the churns since (nothing later is read), and scored with today's usage. They are "
    "associations, not causes. The risk table gives each active account's probability of "
    "churning in the next 90 days given how long it has already stayed, and the reasons that "
    "raise it against a stated reference; 'extrapolated' marks accounts older than anything "
    "the model has seen, whose risk comes from a fitted tail."
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


def _with_usage(accounts: pd.DataFrame, usage: pd.DataFrame) -> pd.DataFrame:
    """The accounts with their usage columns (accounts without events: none in the windows)."""
    ids = pd.Index(accounts["account_id"].astype(str))
    pos = pd.Index(usage["account_id"].astype(str)).get_indexer(ids)
    found = pos >= 0
    fill = {"active_days": 0, "active_days_change": 0, "days_since_active": 2 * USAGE_WINDOW_DAYS}
    extra = {
        c: np.where(found, usage[c].to_numpy()[np.maximum(pos, 0)], fill[c]) for c in USAGE_COLUMNS
    }
    return accounts.assign(**extra)


def _usage_model(
    data: ReportData, drivers: list[str], horizon: int
) -> tuple[ChurnModel, pd.DataFrame, pd.Timestamp | None] | None:
    """A landmark Cox model on attributes and usage, and the accounts to score with it.

    Fitted on the accounts active at ``cutoff = as_of − horizon`` with their
    usage as of the cutoff (events after it are not read), following churn
    from the cutoff to ``as_of`` (delayed entry at the cutoff tenure); scored
    with the usage as of ``as_of`` (the returned accounts carry it). ``None``
    when too few churns follow the cutoff.
    """
    accounts = data.accounts
    as_of = pd.Timestamp(data.as_of)
    cutoff = as_of - pd.Timedelta(days=horizon)
    existed = (accounts["started_at"] <= cutoff).to_numpy()
    churned = accounts["churned_at"]
    after = ((churned > cutoff) & (churned <= as_of)).to_numpy()
    if int((existed & after).sum()) < MIN_USAGE_CHURNS:
        return None
    then = usage_covariates(data.log, as_of=cutoff, window_days=USAGE_WINDOW_DAYS)
    now = usage_covariates(data.log, as_of=as_of, window_days=USAGE_WINDOW_DAYS)
    model = fit_churn_model(
        _with_usage(accounts[existed], then),
        covariates=[*drivers, *USAGE_COLUMNS],
        as_of=as_of,
        observed_from=cutoff,
        penalizer=0.01,
    )
    return model, _with_usage(accounts, now), cutoff


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
    horizon = data.options.churn_horizon_days
    try:
        fitted = _usage_model(data, drivers, horizon)
    except ValueError as exc:  # e.g. a fit that fails on this data: the attributes alone
        caveats.append(f"Usage could not enter the churn model ({str(exc).splitlines()[0]}).")
        fitted = None
    if fitted is None and drivers:
        model = fit_churn_model(accounts, covariates=drivers, as_of=data.as_of, penalizer=0.01)
        fitted = (model, accounts, None)
    if fitted is not None:
        model, scored, cutoff = fitted
        risk = churn_risk(model, scored, horizon_days=horizon, as_of=data.as_of, n_reasons=0)
        # Reasons only for the accounts shown (a second scoring of those few rows).
        top = risk.head(MAX_SHOWN)
        named = churn_risk(
            model,
            scored[scored["account_id"].isin(top["account_id"])],
            horizon_days=horizon,
            as_of=data.as_of,
        ).set_index("account_id")["reasons"]
        top = top.assign(reasons=named.reindex(top["account_id"]).to_numpy())
        ax2 = MplFigure(figsize=(7.5, 0.4 * len(model.summary) + 1.6), layout="constrained")
        plot_hazard_ratios(model, ax=ax2.subplots())
        figures.append(
            render_figure(
                ax2,
                alt="Hazard ratios of account attributes with 95 % intervals on a log scale.",
                caption="Churn drivers (Cox model, all attributes"
                + (" and usage" if cutoff is not None else "")
                + " together; lightly penalised).",
            )
        )
        summary = model.summary[["covariate", "hazard_ratio", "ci_lower", "ci_upper", "p_value"]]
        body.append(html_table(summary, caption="Hazard ratios", max_rows=None))
        refs = ", ".join(f"{k} = {v}" for k, v in model.references.items())
        if cutoff is not None:
            typical = ", ".join(
                f"{c} {model.reference_values[c]:g}"
                for c in USAGE_COLUMNS
                if c in model.reference_values
            )
            body.append(
                f'<p class="muted">Usage measures (as of each date, from the events in the '
                f"{USAGE_WINDOW_DAYS} days before it and the {USAGE_WINDOW_DAYS} before those): "
                f"<b>active_days</b>, days with any event in the last {USAGE_WINDOW_DAYS}; "
                f"<b>active_days_change</b>, that minus the {USAGE_WINDOW_DAYS} days before; "
                f"<b>days_since_active</b>, days since the last event (at most "
                f"{2 * USAGE_WINDOW_DAYS}). The model was fitted on the "
                f"{fmt_int(model.n_accounts)} accounts active on {cutoff.date()} with their "
                f"usage on that day and the {fmt_int(model.n_churned)} churns in the "
                f"{horizon} days after it; hazard ratios of usage are per day. The median "
                f"account then (the reference of a usage reason): {html.escape(typical)}.</p>"
            )
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
        shown = top[
            ["rank", "account_id", "tenure_days", "churn_probability", "extrapolated", "reasons"]
        ]
        reason_gloss = (
            "what raises the churn rate, as ×hazard ratio against a reference: "
            + (f"the reference level of an attribute ({refs})" if refs else "")
            + (" or " if refs and cutoff is not None else "")
            + ("the median account's usage for a usage measure" if cutoff is not None else "")
        )
        # reasons are tuples of short strings; the report joins them for display.
        shown = shown.assign(reasons=shown["reasons"].map("; ".join))
        body.append(
            html_table(
                shown,
                caption=f"Active accounts most likely to churn in the next {horizon} days "
                f"(reasons: {reason_gloss})",
                formats={"churn_probability": lambda v: fmt_pct(v, 1)},
                max_rows=MAX_SHOWN,
            )
        )
        highlights.append(
            html_table(
                shown[["account_id", "churn_probability", "reasons"]].head(5),
                caption=f"Most at risk in the next {horizon} days (reasons: {reason_gloss})",
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
