"""The "Impact" card: did each program (campaign, outreach) change activity?"""

from __future__ import annotations

import warnings

import numpy as np

from adoptmetrics.impact import campaign_impact
from adoptmetrics.plotting._impact import plot_balance, plot_impact, plot_impact_curves
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._html import html_table
from adoptmetrics.report._section import Figure, Metric, Section, render_figure

HORIZON_DAYS = 28
PRE_DAYS = 28


def _fmt_effect(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{x * 100:+.1f} pts"


def section(data: ReportData) -> Section | None:
    """Build the impact card; ``None`` without an exposures table."""
    exposures = getattr(data, "exposures", None)
    if exposures is None or len(exposures) == 0 or len(data.events) == 0:
        return None
    caveats: list[str] = []
    # [impact] outcome and horizon_days (ReportOptions); the defaults are "active" and 28.
    HORIZON_DAYS = data.options.impact_horizon_days
    outcome = data.options.impact_outcome
    label = "Active after" if outcome == "active" else f"{outcome} after"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = campaign_impact(
            data.log,
            exposures,
            outcome=outcome,
            horizon_days=HORIZON_DAYS,
            pre_days=PRE_DAYS,
            accounts=data.accounts,
            as_of=data.as_of,
        )
    caveats.extend(str(w.message).split("\n")[0] for w in caught)
    s = res.summary
    shown = s[
        [
            "campaign",
            "n_exposed",
            "n_matched",
            "outcome_exposed",
            "outcome_control",
            "effect",
            "ci_lower",
            "ci_upper",
            "p_value",
            "naive_effect",
        ]
    ].rename(
        columns={
            "campaign": "Program",
            "n_exposed": "Reached",
            "n_matched": "Matched",
            "outcome_exposed": f"{label} (reached)",
            "outcome_control": f"{label} (matched controls)",
            "effect": "Effect",
            "ci_lower": "95 % CI from",
            "ci_upper": "95 % CI to",
            "p_value": "p-value",
            "naive_effect": "Naive difference",
        }
    )
    pct = dict.fromkeys(("Effect", "95 % CI from", "95 % CI to", "Naive difference"), _fmt_effect)
    if outcome == "active_days":  # a difference of days, not of shares
        pct = dict.fromkeys(
            ("Effect", "95 % CI from", "95 % CI to", "Naive difference"),
            lambda x: "–" if not np.isfinite(x) else f"{x:+.1f} days",
        )
    else:
        pct |= {
            c: (lambda x: f"{x:.0%}") for c in (f"{label} (reached)", f"{label} (matched controls)")
        }
    body = [
        f"<p>For each program, the accounts it reached are compared with similar accounts "
        f"it did not reach <em>at the same time</em>: active in the {PRE_DAYS} days before, "
        "with the same activity level, trend and tenure. The outcome is "
        + ("being active" if outcome == "active" else repr(outcome))
        + f" in the {HORIZON_DAYS} days after. The naive difference (reached vs everyone else) is "
        "shown beside it: programs aimed at slipping accounts look harmful in it.</p>",
        html_table(shown, formats=pct, max_rows=20),
    ]
    figures: list[Figure] = [
        render_figure(
            plot_impact(res),
            alt="Matched effect of each program with its 95 % interval, beside the naive "
            "difference.",
            caption="Effect on the share active in the next 28 days (percentage points).",
        )
    ]
    first = str(s["campaign"].iloc[0])
    figures.append(
        render_figure(
            plot_balance(res, campaign=first),
            alt=f"Standardised differences before and after matching for {first}.",
            caption="Balance: after matching every variable should sit inside ±0.1.",
        )
    )
    figures.append(
        render_figure(
            plot_impact_curves(res, campaign=first),
            alt=f"Share active per day around exposure, reached vs matched controls, {first}.",
            caption="Activity around the exposure day.",
        )
    )
    metrics: list[Metric] = []
    ok = s[np.isfinite(s["effect"].to_numpy(dtype=float))]
    if len(ok):
        best = ok.sort_values("effect", ascending=False, kind="stable").iloc[0]
        metrics.append(
            Metric(
                f"Program effect: {best['campaign']}",
                _fmt_effect(float(best["effect"])),
                f"95 % CI {_fmt_effect(float(best['ci_lower']))} to "
                f"{_fmt_effect(float(best['ci_upper']))}; naive "
                f"{_fmt_effect(float(best['naive_effect']))}",
            )
        )
    bad_balance = res.balance[res.balance["smd_after"].abs() >= 0.1]
    if len(bad_balance):
        caveats.append(
            "Balance not reached for "
            + ", ".join(
                f"{c}: {v}"
                for c, v in zip(bad_balance["campaign"], bad_balance["variable"], strict=True)
            )
            + " (|SMD| ≥ 0.1): read those effects with care."
        )
    placebo = res.placebo
    off = placebo[(placebo["ci_lower"] > 0) | (placebo["ci_upper"] < 0)]
    if len(off):
        caveats.append(
            "The placebo (the same comparison one pre-period earlier) is not zero for "
            + ", ".join(map(str, off["campaign"]))
            + ": the matching missed a difference that predates the program."
        )
    return Section(
        id="impact",
        title="Impact of programs",
        body=body,
        figures=figures,
        how_to_read=(
            "The effect is in percentage points of accounts active in the 28 days after being "
            "reached, against matched accounts not reached at that time. Trust it when the "
            "balance plot shows every variable within ±0.1 and the placebo interval holds 0; "
            "matching only removes differences the data shows (activity, trend, tenure), not "
            "why a CSM picked an account."
        ),
        metrics=metrics,
        caveats=caveats,
    )
