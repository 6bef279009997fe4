"""The NPS & segments section: score with its interval, trend, quadrants, attribute skew."""

from __future__ import annotations

import html
import warnings

import pandas as pd

from adoptmetrics.nps import compare_nps, nps_quadrants, nps_score, nps_trend, quadrant_summary
from adoptmetrics.plotting._nps import plot_attribute_skew, plot_nps_quadrants, plot_nps_trend
from adoptmetrics.report._data import ReportData
from adoptmetrics.report._html import fmt_pct, html_table
from adoptmetrics.report._section import Figure, Metric, Section, render_figure
from adoptmetrics.segments import attribute_skew

__all__ = ["section"]

#: Days of responses that make up the "current" score, and the usage window.
RECENT_DAYS = 90
#: Text attributes with more distinct values than this are ids, not segments.
MAX_LEVELS = 20

HOW_TO_READ = (
    "NPS is the share of promoters (9–10) minus the share of detractors (0–6), from −100 to "
    "100; each account counts once, with its latest answer. The interval is a 95 % adjusted "
    "Wald interval (Rocks 2016: three pseudo-answers are added, so small or one-sided "
    "samples still get an honest, non-zero width): two scores whose intervals overlap widely "
    "are not shown to differ, and the change between the last two 90-day windows is tested "
    "with a two-sample z test. The "
    "quadrants cross the latest answer with usage (active days in the 90 days before it, "
    "split at the median): champions are high-usage promoters, untapped are low-usage "
    "promoters, frustrated are high-usage detractors and at risk are low-usage detractors. "
    "The skew table compares each segment's share among detractors with its share among the "
    "other respondents (lift; q-values corrected for the number of values tested). Skew "
    "describes who answers what; it does not say that the attribute causes the score."
)


def _attributes(accounts: pd.DataFrame) -> list[str]:
    """Attribute columns worth testing: numbers, booleans and low-cardinality text."""
    out = []
    for col in accounts.columns:
        if col in ("account_id", "started_at", "churned_at"):
            continue
        s = accounts[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            continue
        numeric = pd.api.types.is_numeric_dtype(s.dtype)
        if numeric or 1 < s.nunique(dropna=True) <= MAX_LEVELS:
            out.append(str(col))
    return out


#: Verbatim comments shown per quadrant.
VERBATIMS = 3
_QUADRANT_TITLES = {
    "champion": "Champions (high-usage promoters)",
    "frustrated": "Frustrated power users (high-usage detractors)",
    "at_risk": "At risk (low-usage detractors)",
    "untapped": "Untapped (low-usage promoters)",
}


def _verbatims(responses: pd.DataFrame, quadrants: pd.DataFrame) -> list[str]:
    """A few recent comments per quadrant, when the NPS table has a comment column."""
    if "comment" not in responses.columns:
        return []
    # The quadrant is that of each account's latest answer: show its comment, if any.
    latest = responses.sort_values("timestamp", kind="stable").drop_duplicates(
        "account_id", keep="last"
    )
    text = latest["comment"].where(latest["comment"].notna(), "").astype(str).str.strip()
    latest = latest.loc[text.ne("") & text.str.lower().ne("nan")].assign(comment=text)
    if len(latest) == 0:
        return []
    quadrant = quadrants.assign(account_id=quadrants["account_id"].astype(str)).set_index(
        "account_id"
    )["quadrant"]
    latest = latest.assign(quadrant=latest["account_id"].astype(str).map(quadrant)).sort_values(
        "timestamp", ascending=False, kind="stable"
    )
    parts = ["<p>What they say: the latest comment of a few accounts per quadrant.</p>"]
    for key, title in _QUADRANT_TITLES.items():
        rows = latest[latest["quadrant"] == key].head(VERBATIMS)
        if len(rows) == 0:
            continue
        items = "".join(
            f"<li>“{html.escape(str(c))}” — {html.escape(str(a))}, "
            f"score {int(n)}, {pd.Timestamp(t):%Y-%m-%d}</li>"
            for c, a, n, t in zip(
                rows["comment"], rows["account_id"], rows["score"], rows["timestamp"], strict=True
            )
        )
        parts.append(f"<p><strong>{html.escape(title)}</strong></p><ul>{items}</ul>")
    return parts if len(parts) > 1 else []


def section(data: ReportData) -> Section | None:
    """Build the NPS card; ``None`` without NPS responses."""
    responses = data.nps
    if responses is None or len(responses) == 0:
        return None
    user_col = "user_id" if "user_id" in responses.columns else None
    metrics: list[Metric] = []
    figures: list[Figure] = []
    body: list[str] = []
    caveats: list[str] = []

    recent_start = data.as_of - pd.Timedelta(days=RECENT_DAYS)
    recent = responses[responses["timestamp"] > recent_start]
    current = recent if len(recent) else responses
    window = f"last {RECENT_DAYS} days" if len(recent) else "all responses"
    score = nps_score(current, per="account", user_col=user_col).iloc[0]
    metrics.append(
        Metric(
            f"NPS ({window})",
            f"{score['nps']:+.0f}",
            f"95 % CI {score['ci_lower']:+.0f} to {score['ci_upper']:+.0f}, "
            f"{int(score['n']):,} accounts",
        )
    )
    previous = responses[
        (responses["timestamp"] > recent_start - pd.Timedelta(days=RECENT_DAYS))
        & (responses["timestamp"] <= recent_start)
    ]
    if len(recent) and len(previous):
        cmp = compare_nps(recent, previous, per="account", user_col=user_col).iloc[0]
        verdict = "a real change" if cmp["p_value"] < 0.05 else "within noise"
        body.append(
            f"<p>NPS in the last {RECENT_DAYS} days is {cmp['nps_a']:+.0f} against "
            f"{cmp['nps_b']:+.0f} in the {RECENT_DAYS} days before: a difference of "
            f"{cmp['difference']:+.1f} points (95 % CI {cmp['ci_lower']:+.1f} to "
            f"{cmp['ci_upper']:+.1f}, p = {cmp['p_value']:.3f}), {verdict}.</p>"
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small early quarters: shown in the table instead
        trend = nps_trend(responses, period="quarter", per="account", user_col=user_col)
    small = trend[trend["n"] < 30]
    if len(small):
        caveats.append(
            f"{len(small)} {'quarter has' if len(small) == 1 else 'quarters have'} fewer "
            "than 30 responding accounts; "
            "their intervals are wide."
        )
    figures.append(
        render_figure(
            plot_nps_trend(trend, title="NPS per quarter (one vote per account)"),
            alt="NPS per quarter with a 95 % confidence band.",
            caption="NPS per quarter; the band is the 95 % interval.",
        )
    )

    quadrants = nps_quadrants(
        responses, data.log, per="account", user_col=user_col, window_days=RECENT_DAYS
    )
    summary = quadrant_summary(quadrants)
    shares = summary.set_index("quadrant")["share"].to_dict()
    metrics.append(
        Metric(
            "At-risk respondents",
            fmt_pct(float(shares["at_risk"])),
            "low-usage detractors (latest answer)",
        )
    )
    figures.append(
        render_figure(
            plot_nps_quadrants(quadrants),
            alt="Scatter of usage against NPS answer, coloured by quadrant, with thresholds.",
            caption="Usage × sentiment quadrants (usage: active days in the 90 days before "
            "the answer; dashed line: the median).",
        )
    )
    table = summary[["quadrant", "n", "share", "mean_score", "mean_usage", "recommended_action"]]
    body.append(
        "<p>Usage × sentiment quadrants and what to do with each (usage: active days in the "
        f"{RECENT_DAYS} days before the answer).</p>"
    )
    body.append(html_table(table, formats={"share": fmt_pct}))
    body.extend(_verbatims(responses, quadrants))

    attrs = _attributes(data.accounts)
    category = quadrants.set_index("account_id")["category"]
    detractor = category == "detractor"
    if attrs and detractor.any() and not detractor.all():
        skew = attribute_skew(data.accounts, detractor, attributes=attrs)
        figures.append(
            render_figure(
                plot_attribute_skew(skew, title="Who is over-represented among detractors?"),
                alt="Lift of each attribute value among detractors, on a log scale.",
                caption="Attribute values among detractors vs the other respondents "
                "(colour: q < 0.05).",
            )
        )
        strong = skew[skew["q_value"] < 0.05].sort_values("lift", ascending=False)
        shown = strong[["attribute", "value", "n_group", "group_share", "rest_share", "lift"]]
        body.append(
            "<p>Attribute values over- or under-represented among detractors (q &lt; 0.05).</p>"
        )
        body.append(
            html_table(shown, max_rows=10, formats={"group_share": fmt_pct, "rest_share": fmt_pct})
            if len(shown)
            else "<p>No attribute value differs clearly between detractors and the rest.</p>"
        )
    at_risk = quadrants[quadrants["quadrant"] == "at_risk"].sort_values(["score", "usage"])
    highlights = []
    if len(at_risk):
        top = at_risk[["account_id", "score", "usage"]].head(5)
        highlights.append(
            "<p>Low-usage detractors to call first ("
            f"{html.escape(f'{len(at_risk):,}')} in all):</p>" + html_table(top, max_rows=5)
        )
    return Section(
        id="nps",
        title="NPS & segments",
        body=body,
        figures=figures,
        how_to_read=HOW_TO_READ,
        metrics=metrics,
        caveats=caveats,
        highlights=highlights,
    )
