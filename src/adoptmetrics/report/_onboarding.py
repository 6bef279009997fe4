"""The onboarding section: milestone funnel, time to value, and the actions that drive success."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from adoptmetrics._stats._intervals import wilson_interval
from adoptmetrics.onboarding import (
    golden_path,
    milestone_status,
    onboarding_funnel,
    success_paths,
    time_to_value,
)
from adoptmetrics.onboarding._windows import _KEY as WINDOWS_MEMO
from adoptmetrics.plotting._onboarding import _pattern_label as _pattern
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._html import fmt_int, fmt_pct, html_table
from adoptmetrics.report._section import (
    Figure,
    Metric,
    Section,
    SectionUnavailable,
    render_figure,
)

__all__ = ["section"]

# Milestones, window and outcome come from the config ([onboarding] milestones,
# window_days, outcome; ReportOptions): the section knows no event names.
#: Longest action sequence tested as a driver.
MAX_LENGTH = 3
_FUNNEL_PCT = ("conversion_from_previous", "ci_lower", "ci_upper", "conversion_from_first")

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def _how_to_read(window_days: int) -> str:
    return HOW_TO_READ.replace("{window}", str(window_days))


HOW_TO_READ = (
    "Each account is followed for its first {window} days after its start. The headline tile "
    "counts accounts that reached every milestone in any order; the funnel "
    "counts accounts that completed the milestones in the listed order (other actions in "
    "between allowed), so it can end lower than the tile. Both count only accounts whose "
    "window has closed, so recent accounts are not "
    "counted as failures; the percentages are conversions from the previous step with 95 % "
    "Wilson intervals. The time-to-value curve is the share of accounts onboarded (every "
    "milestone reached) by each day since start (Kaplan–Meier; accounts still inside their "
    "window are censored). The driver chart tests every action and ordered sequence of "
    "actions (gaps allowed) against the success outcome. Odds ratios are adjusted for how "
    "active the account was in the window, so an action that busy accounts simply do more "
    "of is not reported as a driver. Only the highlighted, 'selected' patterns were chosen "
    "by forward selection with a family-wise threshold: longer sequences that merely contain "
    "a driver and the reversed order of a driving pair add nothing once the driver is known, "
    "so they are shown in grey. An odds ratio of 2 means the odds of success are twice as high "
    "for accounts that did it; the q-value is the p-value corrected for testing many patterns "
    "at once (Benjamini–Hochberg): below 0.05, few of the listed patterns are flukes. "
    "The selected patterns' intervals and p-values come from the "
    "same accounts that selected them, so they are optimistic (not corrected for the "
    "selection); read them as a ranking. Ranking patterns by how common they are would list "
    "the most frequent actions instead. These are associations, not proven causes: test a "
    "flow change before rebuilding onboarding around it."
)


def _as_bool(values: pd.Series) -> pd.Series | None:
    """True/False values (booleans, or text such as "true"/"no"/"1"); ``None`` if not."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(bool)
    known = values.dropna()
    if pd.api.types.is_numeric_dtype(values.dtype) and known.isin([0, 1]).all():
        return values.astype(float).map({1.0: True, 0.0: False})
    text = values.astype(str).str.strip().str.lower().where(values.notna())
    if not text.dropna().isin(_TRUE | _FALSE).all():
        return None
    return text.map(lambda v: None if pd.isna(v) else v in _TRUE)


def _present_events(names: pd.Series) -> set[str]:
    """Event names that occur (from the categorical's codes: no string per row)."""
    if isinstance(names.dtype, pd.CategoricalDtype):
        n = len(names.cat.categories)
        seen = np.zeros(n + 1, dtype=bool)
        seen[names.cat.codes.to_numpy()] = True  # a missing value (-1) marks the spare slot
        return {str(c) for c in names.cat.categories[seen[:n]]}
    return set(names.dropna().astype(str).unique())


def _outcome(
    accounts: pd.DataFrame, as_of: pd.Timestamp, column: str | None, window_days: int
) -> tuple[pd.Series | None, str]:
    """The success outcome of accounts whose window closed; or ``None`` and why not."""
    if column is None:
        return None, "The config names no onboarding outcome ([onboarding] outcome)"
    if column not in accounts.columns:
        return None, f"The accounts table has no '{column}' column ([onboarding] outcome)"
    values = _as_bool(accounts[column])
    if values is None:
        return None, f"The '{column}' column is not true/false ([onboarding] outcome)"
    known = values.notna()
    closed = accounts["started_at"] <= as_of - pd.Timedelta(days=window_days)
    keep = known & closed
    outcome = pd.Series(
        values[keep].astype(bool).to_numpy(),
        index=pd.Index(accounts.loc[keep, "account_id"].astype(str), name="account_id"),
        name=column,
    )
    if outcome.nunique() < 2:
        return None, f"'{column}' has a single value among accounts whose window closed"
    return outcome, ""


def _milestone_part(
    data: ReportData, start: pd.Series, steps: list[str], window_days: int
) -> tuple[list[Figure], list[str], list[Metric]]:
    """Funnel, time to value and the headline share onboarded."""
    from matplotlib.figure import Figure as MplFigure

    from adoptmetrics.plotting._onboarding import plot_onboarding_funnel, plot_time_to_value

    events, as_of = data.log, data.as_of
    status = milestone_status(events, steps, window_days=window_days, start=start, as_of=as_of)
    per_account = status.drop_duplicates("account_id")
    closed = per_account[per_account["status"] != "onboarding"]
    n_closed = len(closed)
    n_done = int(closed["onboarded"].sum())
    metrics: list[Metric] = []
    body: list[str] = []
    if n_closed:
        lo, hi = wilson_interval(n_done, n_closed)
        metrics.append(
            Metric(
                "Accounts onboarded (all milestones, any order)",
                fmt_pct(n_done / n_closed),
                f"95 % CI {fmt_pct(float(lo))}–{fmt_pct(float(hi))}; "
                f"{fmt_int(n_done)} of {fmt_int(n_closed)} accounts whose window closed "
                f"reached all {len(steps)} milestones within {window_days} days",
            )
        )
    n_open = int((per_account["status"] == "onboarding").sum())
    funnel = onboarding_funnel(events, steps, window_days=window_days, start=start, as_of=as_of)
    in_order = int(funnel["n_accounts"].iloc[-1]) if len(funnel) else 0
    body.append(
        "<p>Milestones (from the config): "
        + html.escape(", ".join(steps))
        + f". Window: the first {window_days} days after each account's start. "
        + f"{fmt_int(n_done)} of {fmt_int(n_closed)} accounts whose window closed reached all "
        + f"of them in any order (the headline); {fmt_int(in_order)} reached them in this "
        + "order (the last step of the funnel below). "
        + f"{fmt_int(n_open)} accounts are still onboarding.</p>"
    )
    ax = MplFigure(figsize=(8.0, 0.55 * max(len(steps), 3) + 1.2), layout="constrained").subplots()
    plot_onboarding_funnel(funnel, ax=ax)
    figures = [
        render_figure(
            ax,
            alt="Horizontal bars: accounts reaching each onboarding milestone in order, with "
            "conversion from the previous step and its 95 % Wilson interval.",
            caption=f"Onboarding funnel: milestones in order within {window_days} days.",
        )
    ]
    shown = funnel[["step", "name", "n_accounts", "conversion_from_previous", "ci_lower"]]
    shown = shown.assign(
        ci_upper=funnel["ci_upper"], conversion_from_first=funnel["conversion_from_first"]
    )
    body.append(
        html_table(
            shown,
            caption="Funnel (conversion from the previous step, 95 % Wilson interval)",
            formats=dict.fromkeys(_FUNNEL_PCT, fmt_pct),
            max_rows=None,
        )
    )
    curve = time_to_value(events, steps, window_days=window_days, start=start, as_of=as_of)
    ax2 = MplFigure(figsize=(8.0, 4.4), layout="constrained").subplots()
    plot_time_to_value(curve, ax=ax2)
    figures.append(
        render_figure(
            ax2,
            alt="Kaplan–Meier curve of the share of accounts onboarded by days since start, "
            "with a 95 % band.",
            caption="Time to value: share of accounts with every milestone reached, by day.",
        )
    )
    return figures, body, metrics


def _driver_part(
    data: ReportData, start: pd.Series, outcome: pd.Series, window_days: int
) -> tuple[list[Figure], list[str], list[Metric], list[str]]:
    """Selected success paths (activity-adjusted) and the golden path."""
    from matplotlib.figure import Figure as MplFigure

    from adoptmetrics.plotting._onboarding import plot_success_paths

    paths = success_paths(
        data.log,
        outcome,
        window_days=window_days,
        start=start,
        as_of=data.as_of,
        max_length=MAX_LENGTH,
    )
    figures: list[Figure] = []
    body: list[str] = []
    metrics: list[Metric] = []
    caveats: list[str] = []
    chosen = paths[paths["selected"]]
    if len(paths):
        ax = MplFigure(figsize=(8.0, 0.4 * min(len(paths), 12) + 1.5), layout="constrained")
        plot_success_paths(paths, ax=ax.subplots(), top=12)
        figures.append(
            render_figure(
                ax,
                alt="Activity-adjusted odds ratios of onboarding success with 95 % intervals on "
                "a log scale; selected patterns highlighted.",
                caption=f"Onboarding drivers (actions and ordered sequences in the first "
                f"{window_days} days; adjusted for activity; highlighted: selected).",
            )
        )
    n_ok = int(outcome.sum())
    body.append(
        f"<p>Outcome: '{html.escape(str(outcome.name))}' of {fmt_int(len(outcome))} "
        "accounts whose window "
        f"closed ({fmt_int(n_ok)} successful). {fmt_int(len(paths))} actions and sequences of "
        f"up to {MAX_LENGTH} actions were tested; {len(chosen)} selected.</p>"
    )
    if len(chosen) and paths.attrs.get("selection_split") is None:
        caveats.append(
            "The selected drivers' intervals and p-values are not corrected for the selection "
            "(they come from the accounts that selected them) and are optimistic; "
            "success_paths(selection_split=0.5) estimates them on held-out accounts."
        )
    if len(chosen):
        table = chosen.assign(pattern=chosen["pattern"].map(_pattern))[
            [
                "pattern",
                "n_success",
                "n_failure",
                "support_success",
                "support_failure",
                "odds_ratio",
                "ci_lower",
                "ci_upper",
                "q_value",
            ]
        ]
        body.append(
            html_table(
                table,
                caption="Selected drivers (adjusted odds ratio with 95 % interval; "
                "q: Benjamini–Hochberg)",
                formats={"support_success": fmt_pct, "support_failure": fmt_pct},
                max_rows=None,
            )
        )
        best = chosen.iloc[0]
        metrics.append(
            Metric(
                "Top onboarding driver",
                _pattern(best["pattern"]),
                f"adjusted odds ratio {best['odds_ratio']:.2f} (95 % CI "
                f"{best['ci_lower']:.2f}–{best['ci_upper']:.2f}); done by "
                f"{fmt_pct(float(best['support_success']))} of successful vs "
                f"{fmt_pct(float(best['support_failure']))} of other accounts",
            )
        )
    else:
        caveats.append(
            "No action or sequence passed the selection threshold: nothing in the first "
            f"{window_days} days separates successful accounts once activity is accounted for."
        )
    golden = golden_path(
        data.log,
        outcome,
        window_days=window_days,
        start=start,
        as_of=data.as_of,
        max_length=MAX_LENGTH,
    )
    if len(golden):
        last = golden.iloc[-1]
        body.append(
            "<p>Most common path among successful accounts (descriptive, not a test): "
            + html.escape(_pattern(last["pattern"]))
            + f", followed by {fmt_pct(float(last['support_success']))} of successful and "
            + f"{fmt_pct(float(last['support_failure']))} of other accounts.</p>"
        )
    return figures, body, metrics, caveats


def section(data: ReportData) -> Section:
    """Build the onboarding card; its windows memo is dropped from the shared log afterwards."""
    try:
        return _section(data)
    finally:
        # No later section reads the onboarding windows: free them (about 100 MB
        # at 8M events) before the next section's own arrays.
        data.log._am_forget(WINDOWS_MEMO)


def _section(data: ReportData) -> Section:
    """Build the onboarding card from ``data.options`` (milestones, window, outcome)."""
    opts = data.options
    window_days = opts.window_days
    accounts = data.accounts
    if len(accounts) == 0 or len(data.events) == 0:
        raise SectionUnavailable("there are no accounts or no events", "give both tables")
    present = _present_events(data.events["event"])
    steps = [e for e in opts.milestones if e in present]
    missing = [e for e in opts.milestones if e not in present]
    outcome, why_not = _outcome(accounts, data.as_of, opts.outcome, window_days)
    if not opts.milestones and outcome is None:
        raise SectionUnavailable(
            "the config names no onboarding milestones and no success outcome",
            "set [onboarding] milestones = [...] (event names, in order; `adoptmetrics init` "
            "lists the most frequent ones) and, if the accounts have a true/false column, "
            "[onboarding] outcome",
        )
    if not steps and outcome is None:
        raise SectionUnavailable(
            "none of the milestones (" + ", ".join(opts.milestones) + ") occur in the events",
            "check the names in [onboarding] milestones against the event column",
        )
    start = pd.Series(
        accounts["started_at"].to_numpy(),
        index=pd.Index(accounts["account_id"].astype(str), name="account_id"),
    )
    figures: list[Figure] = []
    body: list[str] = []
    metrics: list[Metric] = []
    caveats: list[str] = []
    if missing:
        caveats.append(
            "These milestones do not occur in the events and are left out: "
            + ", ".join(missing)
            + " (check [onboarding] milestones)."
        )
    if steps:
        try:
            f, b, m = _milestone_part(data, start, steps, window_days)
            figures += f
            body += b
            metrics += m
        except (ValueError, ArithmeticError) as exc:
            caveats.append(f"No milestone funnel: {str(exc).splitlines()[0]}")
    else:
        caveats.append(
            "No milestones are configured: the funnel and time to value are not shown. "
            "Set [onboarding] milestones = [...] to see them."
        )
    if outcome is not None:
        try:
            f, b, m, c = _driver_part(data, start, outcome, window_days)
            figures += f
            body += b
            metrics += m
            caveats += c
        except (ValueError, ArithmeticError) as exc:
            caveats.append(f"No success paths: {str(exc).splitlines()[0]}")
    else:
        caveats.append(
            f"{why_not}: the drivers of onboarding success are not shown. Name a true/false "
            "column of the accounts in [onboarding] outcome to see them."
        )
    return Section(
        id="onboarding",
        title="Onboarding",
        body=body,
        figures=figures,
        how_to_read=_how_to_read(window_days),
        metrics=metrics,
        caveats=caveats,
    )
