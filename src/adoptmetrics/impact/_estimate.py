"""Campaign and release impact: matched exposed-vs-control effects with a placebo."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from adoptmetrics._schema._validate import coerce_as_of
from adoptmetrics._stats._intervals import check_confidence, z_value
from adoptmetrics.activity._encode import EventsLike, _encode, _Encoded
from adoptmetrics.impact._inputs import (
    BUILT_IN_OUTCOMES,
    NS_PER_DAY,
    accounts_frame,
    attribute_matrix,
    check_outcome,
    day_of,
    exposures_frame,
    positive_days,
)
from adoptmetrics.impact._matching import PRE_END, Design, Matches, OutcomeFn, match, smd
from adoptmetrics.impact._panel import Panel, build_panel, event_days

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
MIN_EXPOSED = 20
SELF_SELECTION = (
    "Adoption is self-selected: accounts chose to use the feature, so even after matching on "
    "past activity and tenure the effect can include whatever made them adopt (need, "
    "motivation, a champion). Read it as an upper bound on what the feature itself did "
    "unless the placebo and the balance table say otherwise."
)


@attrs.frozen(slots=True)
class ImpactResult:
    """Matched estimates of a program's effect, with their diagnostics.

    Attributes
    ----------
    summary : DataFrame
        One row per campaign: ``campaign``, ``n_exposed`` (exposures whose
        outcome window closed by ``as_of``), ``n_matched`` (of those, matched
        to controls), ``n_controls`` (distinct control accounts used),
        ``outcome_exposed``, ``outcome_control`` (mean outcome of the exposed
        and of their matched controls), ``effect`` (exposed − matched controls,
        in the outcome's units), ``ci_lower``, ``ci_upper``, ``p_value``,
        ``naive_effect`` (exposed − every eligible unexposed account, without
        matching).
    balance : DataFrame
        Per campaign and matching variable: ``campaign``, ``variable``,
        ``mean_exposed``, ``mean_control``, ``smd_before``, ``smd_after``
        (standardised mean differences against every eligible control and
        against the matched controls; |SMD| < 0.1 is the usual goal).
    placebo : DataFrame
        Per campaign: ``campaign``, ``effect``, ``ci_lower``, ``ci_upper``,
        ``p_value`` — the same matched sets compared one pre-period earlier;
        an interval far from 0 says the matching missed a pre-existing
        difference.
    curves : DataFrame
        Per campaign, group and day relative to exposure (``-pre_days`` to
        ``horizon_days``): ``campaign``, ``group`` (``exposed`` or
        ``control``), ``day``, ``share_active``.
    pairs : DataFrame
        The matched sets: ``campaign``, ``account_id``, ``exposed_at`` (day),
        ``control_id`` (one row per control).
    outcome : str
        The outcome analysed.
    horizon_days, pre_days : int
        The windows used.
    caveat : str or None
        A warning that applies to every estimate (e.g. self-selection).
    """

    summary: pd.DataFrame
    balance: pd.DataFrame
    placebo: pd.DataFrame
    curves: pd.DataFrame
    pairs: pd.DataFrame
    outcome: str
    horizon_days: int
    pre_days: int
    caveat: str | None = None


def bias_correction(
    y_c: FloatArray, f_c: FloatArray, f_e: FloatArray, f_c_mean: FloatArray
) -> FloatArray:
    """What the residual covariate differences of each matched set are worth.

    Abadie & Imbens (2011): regress the controls' outcomes on the matching
    variables (least squares over the matched controls, with their
    multiplicity) and subtract ``β · (x_exposed − x_controls)`` from each
    paired difference, so that imperfect matches do not bias the effect.
    """
    n, k = y_c.shape
    flat = f_c.reshape(n * k, -1)
    # Only variables that vary among the controls say anything about the outcome.
    varies = flat.std(axis=0) > 1e-12
    if n <= int(varies.sum()) + 1 or not varies.any():
        return np.zeros(n)
    x = np.column_stack([np.ones(n * k), flat[:, varies]])
    beta, *_ = np.linalg.lstsq(x, y_c.reshape(-1), rcond=None)
    return np.asarray((f_e - f_c_mean)[:, varies] @ beta[1:], dtype=float)


def paired_effect(
    y_e: FloatArray,  # (n, k): the exposed account's outcome over each pair's window
    y_c: FloatArray,
    controls: IntArray,
    confidence: float,
    adjustment: FloatArray | None = None,
) -> tuple[float, float, float, float]:
    """Mean paired difference, its interval and p-value.

    The variance clusters on the shared control (two-way: exposed × control),
    so a control matched to many exposed accounts is not counted as
    independent information each time. ``adjustment`` (see
    :func:`bias_correction`) is subtracted from each paired difference.
    """
    n, k = controls.shape
    if n < 2:
        return (float(np.mean(y_e - y_c)) if n else np.nan, np.nan, np.nan, np.nan)
    d = (y_e - y_c).mean(axis=1)
    if adjustment is not None:
        d = d - adjustment
    tau = float(d.mean())
    e = d - tau
    per_pair = np.repeat(e / k, k)
    _, cluster = np.unique(controls.ravel(), return_inverse=True)
    by_control = np.bincount(cluster, weights=per_pair)
    v = float((e**2).sum() + (by_control**2).sum() - (per_pair**2).sum())
    g = len(by_control)
    v *= g / (g - 1) if g > 1 else 1.0
    v = max(v, 0.0)
    se = np.sqrt(v) / n
    if se == 0:
        return tau, tau, tau, 1.0 if tau == 0 else 0.0
    z = z_value(confidence)
    p = float(2 * stats.norm.sf(abs(tau) / se))
    return tau, tau - z * se, tau + z * se, p


def _outcomes(
    kind: str,
    panel: Panel,
    churn_day: FloatArray,
    event_grid: npt.NDArray[np.int32] | None,
    pre: int,
    horizon: int,
) -> tuple[OutcomeFn, OutcomeFn]:
    """The outcome after exposure and the same outcome one pre-period earlier.

    The outcome window is the days ``[day + 1, end)``: ``end`` is
    ``day + 1 + horizon`` unless the pair's window was cut short by a later
    exposure (see :func:`adoptmetrics.impact._matching.match`).
    """
    lo_p = -2 * pre + PRE_END
    hi_p = -pre + PRE_END

    def window(rows: IntArray, day: int, end: IntArray, grid: npt.NDArray[np.int32]) -> IntArray:
        return panel.count(grid, rows, np.full(len(rows), day + 1), end)

    def placebo_active(rows: IntArray, day: int, end: IntArray) -> FloatArray:
        return (panel.count(panel.active, rows, day + lo_p, day + hi_p) > 0).astype(float)

    if kind == "active":
        return (
            lambda r, d, e: (window(r, d, e, panel.active) > 0).astype(float),
            placebo_active,
        )
    if kind == "active_days":

        def did(rows: IntArray, day: int, end: IntArray) -> FloatArray:
            post = window(rows, day, end, panel.active)
            before = panel.count(panel.active, rows, day + PRE_END - pre, day + PRE_END)
            return (post - before).astype(float)

        def did_placebo(rows: IntArray, day: int, end: IntArray) -> FloatArray:
            before = panel.count(panel.active, rows, day + PRE_END - pre, day + PRE_END)
            earlier = panel.count(panel.active, rows, day + lo_p, day + hi_p)
            return (before - earlier).astype(float)

        return did, did_placebo
    if kind == "retained":
        return (
            lambda r, d, e: (churn_day[r] >= e).astype(float),
            placebo_active,
        )
    assert event_grid is not None  # an event outcome always builds its grid
    grid = event_grid

    def event_placebo(rows: IntArray, day: int, end: IntArray) -> FloatArray:
        return (panel.count(grid, rows, day + lo_p, day + hi_p) > 0).astype(float)

    return (
        lambda r, d, e: (window(r, d, e, grid) > 0).astype(float),
        event_placebo,
    )


def _curves(campaign: str, panel: Panel, m: Matches, pre: int, horizon: int) -> pd.DataFrame:
    rel = np.arange(-pre, horizon + 1)
    frames = []
    for group, rows, weight in (
        ("exposed", m.exposed[:, None], 1.0),
        ("control", m.controls, 1.0 / m.controls.shape[1]),
    ):
        share = np.empty(len(rel))
        for j, r in enumerate(rel.tolist()):
            day = m.day[:, None] + r
            hit = panel.count(panel.active, rows, day, day + 1) > 0
            share[j] = hit.sum() * weight / max(len(m.exposed), 1)
        frames.append(
            pd.DataFrame({"campaign": campaign, "group": group, "day": rel, "share_active": share})
        )
    return pd.concat(frames, ignore_index=True)


def campaign_impact(
    events: EventsLike,
    exposures: pd.DataFrame,
    /,
    *,
    outcome: str = "active",
    horizon_days: int = 28,
    pre_days: int = 28,
    accounts: pd.DataFrame | None = None,
    match_on: Sequence[str] | None = None,
    as_of: object = None,
    seed: int = 0,
    n_controls: int = 1,
    exclude_other_campaigns: bool = True,
    confidence: float = 0.95,
    account_col: str = "account_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    exposure_account_col: str | None = None,
    campaign_col: str = "campaign",
    exposure_time_col: str = "exposed_at",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> ImpactResult:
    """Did the campaign work? Exposed accounts against risk-set matched controls.

    For each campaign and each exposure on day ``t``, controls come from the
    accounts eligible at ``t`` — started, not churned, active in the
    ``pre_days`` before ``t`` and not exposed to that campaign by
    ``t + horizon_days`` — matched (nearest neighbour, with replacement) on
    pre-period active days, events (log), trend (active days in the second
    half of the pre-period minus the first), tenure (log) and the
    ``match_on`` attributes. Windows are whole days: the pre-period is the
    ``pre_days`` days before the exposure day and the outcome window the
    ``horizon_days`` days after it (the exposure day itself is in neither:
    activity on it may come before or after the exposure). An account exposed
    to the campaign later is a control only with outcomes measured before its
    own exposure: a pair's outcome window ends at the first later exposure
    (to any campaign) of either member. Exposures whose outcome window has not
    closed at ``as_of`` are left out (and counted in a warning).

    Parameters
    ----------
    events : DataFrame or EventLog
        The event log; an :class:`adoptmetrics.EventLog` is validated and
        encoded once for every call that shares it.
    exposures : DataFrame
        One row per exposed account and campaign: account id, campaign, time.
    outcome : str
        ``"active"`` (any activity in the outcome window), ``"retained"`` (not
        churned by ``t + horizon_days``; needs ``accounts``), ``"active_days"``
        (difference in differences: active days after minus active days in
        the pre-period), or an event name (that event in the window).
    horizon_days, pre_days : int
        Outcome window and pre-period lengths, in days.
    accounts : DataFrame, optional
        Start and churn dates (tenure, eligibility, ``"retained"``) and the
        ``match_on`` attributes. Without it, tenure starts at first activity.
    match_on : list of str, optional
        Account attributes to match on as well (numeric as is, others one
        indicator per value).
    as_of : timestamp, optional
        End of observation; default the latest event.
    seed : int
        Seeds the tiny jitter that breaks exact ties between candidate
        controls at random (never by id).
    n_controls : int
        Controls per exposed account.
    exclude_other_campaigns : bool
        Account for the other campaigns of the table: an account reached by
        another campaign in the pre-period is not a control, and a later
        exposure to another campaign ends a pair's outcome window (so another
        program's effect does not leak into the comparison).
    confidence : float
        Level of the intervals.
    account_col, time_col, event_col : str
        Columns of ``events``.
    exposure_account_col, campaign_col, exposure_time_col : str
        Columns of ``exposures`` (the account column defaults to
        ``account_col``).
    start_col, churn_col : str
        Columns of ``accounts`` (its account column is ``account_col``).

    Returns
    -------
    ImpactResult
        ``.summary`` (per campaign), ``.balance``, ``.placebo``, ``.curves``
        and ``.pairs``; see :class:`ImpactResult`. The summary's columns:

        - ``campaign``: the campaign.
        - ``n_exposed``: exposures with a closed outcome window.
        - ``n_matched``: of those, matched to controls.
        - ``n_controls``: distinct control accounts used.
        - ``outcome_exposed``: mean outcome of the matched exposed.
        - ``outcome_control``: mean outcome of their matched controls.
        - ``effect``: the difference (exposed − controls).
        - ``ci_lower``, ``ci_upper``: its interval (paired differences,
          clustered on shared controls).
        - ``p_value``: two-sided test of no effect.
        - ``naive_effect``: exposed − every eligible unexposed account.

    Examples
    --------
    >>> import adoptmetrics as am
    >>> data = am.load_demo()
    >>> res = am.campaign_impact(data.events, data.exposures, accounts=data.accounts)
    >>> res.summary.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['campaign', 'n_exposed', 'n_matched', 'n_controls', 'outcome_exposed',
     'outcome_control', 'effect', 'ci_lower', 'ci_upper', 'p_value', 'naive_effect']
    """
    horizon = positive_days(horizon_days, "horizon_days")
    pre = positive_days(pre_days, "pre_days")
    if (
        isinstance(n_controls, bool)
        or not isinstance(n_controls, (int, np.integer))
        or n_controls < 1
    ):
        raise ValueError(f"n_controls must be a positive integer, got {n_controls!r}.")
    check_confidence(confidence)
    match_on = list(match_on or [])
    # Validated and encoded once (an EventLog's encoding is reused as it is).
    enc = _encode(
        events,
        entity_col=account_col,
        time_col=time_col,
        event_col=event_col,
        activity_events=None,
    )
    if enc.n_rows == 0 or enc.latest is None:
        raise ValueError("events has no rows.\nHint: pass the product event log.")
    latest = pd.Timestamp(enc.latest)
    end = coerce_as_of(as_of, latest)
    exp = exposures_frame(
        exposures,
        account_col=exposure_account_col or account_col,
        campaign_col=campaign_col,
        time_col=exposure_time_col,
    )
    acc = (
        accounts_frame(
            accounts,
            account_col=account_col,
            start_col=start_col,
            churn_col=churn_col,
            match_on=match_on,
        )
        if accounts is not None
        else None
    )
    # Which events occur matters only for an event outcome (a pass over every event).
    builtin = isinstance(outcome, str) and outcome in BUILT_IN_OUTCOMES
    event_names = pd.Index([]) if builtin else _present_events(enc)
    kind = check_outcome(outcome, event_names, has_accounts=acc is not None)
    ids = pd.Index(enc.entities.astype(str))
    if acc is not None:
        ids = ids.union(acc.index)
    # Exposures the data cannot judge are dropped, loudly.
    # get_indexer, not isin: isin on pandas' Arrow strings walks the ids in Python
    unknown = np.asarray(ids.get_indexer(exp["account_id"].to_numpy()) < 0)
    if unknown.any():
        examples = exp.loc[unknown, "account_id"].head(3).tolist()
        warnings.warn(
            f"exposures: {int(unknown.sum())} rows name accounts absent from the events"
            f"{' and accounts' if acc is not None else ''} (e.g. {examples}); they are ignored."
            "\nHint: check that both tables use the same account ids.",
            UserWarning,
            stacklevel=2,
        )
        exp = exp[~unknown]
    first_event_day = int(day_of(np.array([enc.first], dtype="datetime64[ns]"))[0])
    end_day = int(day_of(pd.Series([end]))[0])
    exp_day = day_of(exp["exposed_at"])
    outside = (exp_day < first_event_day) | (exp_day > end_day)
    if outside.any():
        warnings.warn(
            f"exposures: {int(outside.sum())} exposures fall before the first event or after "
            f"as_of ({end.date()}); they are ignored.",
            UserWarning,
            stacklevel=2,
        )
    open_window = ~outside & (exp_day + horizon > end_day)
    if open_window.any():
        warnings.warn(
            f"exposures: {int(open_window.sum())} exposures have an outcome window that has not "
            f"closed at as_of ({end.date()}); they are left out, never counted as failures.",
            UserWarning,
            stacklevel=2,
        )
    blocked = exp.assign(day=exp_day)[~outside]
    exp = exp.assign(day=exp_day)[~outside & ~open_window]
    campaigns = sorted(blocked["campaign"].unique().tolist())
    if not campaigns:
        raise ValueError(
            "no exposure falls inside the data.\nHint: check exposed_at against the events' dates."
        )
    first = int(min(blocked["day"].min(), end_day) - 2 * pre)
    last = int(max(blocked["day"].max(), first_event_day) + horizon + 2)
    panel = build_panel(enc, ids, first=first, last=last, as_of=end)
    if acc is not None:
        frame = acc.reindex(ids)
        start_day = day_of(frame["started_at"].fillna(pd.Timestamp.max.floor("D")))
        start_day = np.where(frame["started_at"].isna().to_numpy(), panel.first_day, start_day)
        churned = frame["churned_at"]
        churn_day = np.where(
            churned.isna().to_numpy() | (churned > end).to_numpy(),
            np.inf,
            day_of(churned.fillna(end)).astype(float),
        )
    else:
        start_day = panel.first_day
        churn_day = np.full(len(ids), np.inf)
    attrs_matrix, attr_names = attribute_matrix(acc, ids, match_on)
    design = Design(
        panel=panel,
        start_day=start_day.astype(np.int64),
        churn_day=churn_day.astype(float),
        attributes=attrs_matrix,
        attribute_names=attr_names,
        pre_days=pre,
        horizon_days=horizon,
    )
    grid = None
    if kind not in ("active", "retained", "active_days"):
        grid = event_days(enc, ids, kind, first=first, last=last, as_of=end)
    after, before = _outcomes(kind, panel, design.churn_day, grid, pre, horizon)
    rows_s, bal_s, plac_s, curve_s, pair_s = [], [], [], [], []
    for campaign in campaigns:
        block = blocked[blocked["campaign"] == campaign]
        same = (
            ids.get_indexer(block["account_id"]).astype(np.int64),
            block["day"].to_numpy(np.int64),
        )
        mine = exp[exp["campaign"] == campaign]
        rows = ids.get_indexer(mine["account_id"]).astype(np.int64)
        others = blocked[blocked["campaign"] != campaign] if exclude_other_campaigns else None
        other = (
            (
                ids.get_indexer(others["account_id"]).astype(np.int64),
                others["day"].to_numpy(np.int64),
            )
            if others is not None
            else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        )
        m = match(
            design,
            rows,
            mine["day"].to_numpy(np.int64),
            same,
            other,
            after,
            n_controls=int(n_controls),
            seed=seed,
        )
        n = len(m.exposed)
        if m.n_no_pre_activity or m.n_no_controls:
            warnings.warn(
                f"campaign {campaign!r}: {m.n_no_pre_activity} exposed accounts had no activity "
                f"in the {pre} days before exposure and {m.n_no_controls} had no eligible "
                "control; they are not in the estimate.",
                UserWarning,
                stacklevel=2,
            )
        # A pair's outcome window ends at the first later exposure of either member.
        ends = np.minimum(
            np.minimum(m.cap_exposed[:, None], m.cap_controls), m.day[:, None] + 1 + horizon
        ).astype(np.int64)
        exposed_k = np.repeat(m.exposed[:, None], n_controls, axis=1)
        y_e = _per_day(after, exposed_k, m.day, ends)
        y_c = _per_day(after, m.controls, m.day, ends)
        if n < MIN_EXPOSED:
            warnings.warn(
                f"campaign {campaign!r}: only {n} matched exposed accounts (fewer than "
                f"{MIN_EXPOSED}); no effect is estimated.\nHint: pool campaigns or widen the "
                "period.",
                UserWarning,
                stacklevel=2,
            )
            eff = lo = hi = p = np.nan
            p_eff = p_lo = p_hi = p_p = np.nan
        else:
            fc_all = m.features_each_control
            adj = bias_correction(y_c, fc_all, m.features_exposed, m.features_controls)
            eff, lo, hi, p = paired_effect(y_e, y_c, m.controls, confidence, adj)
            pe = _per_day(before, exposed_k, m.day, ends)
            pc = _per_day(before, m.controls, m.day, ends)
            p_adj = bias_correction(pc, fc_all, m.features_exposed, m.features_controls)
            p_eff, p_lo, p_hi, p_p = paired_effect(pe, pc, m.controls, confidence, p_adj)
        rows_s.append(
            {
                "campaign": campaign,
                "n_exposed": len(mine),
                "n_matched": n,
                "n_controls": len(np.unique(m.controls)) if n else 0,
                "outcome_exposed": float(y_e.mean()) if n else np.nan,
                "outcome_control": float(y_c.mean()) if n else np.nan,
                "effect": eff,
                "ci_lower": lo,
                "ci_upper": hi,
                "p_value": p,
                "naive_effect": float(np.mean(y_e.mean(axis=1) - m.naive_control)) if n else np.nan,
            }
        )
        plac_s.append(
            {
                "campaign": campaign,
                "effect": p_eff,
                "ci_lower": p_lo,
                "ci_upper": p_hi,
                "p_value": p_p,
            }
        )
        if n:
            fe, fc = m.features_exposed, m.features_controls
            var_e = fe.var(axis=0)
            before_smd = smd(fe.mean(axis=0), var_e, m.pool_mean, m.pool_var)
            after_smd = smd(fe.mean(axis=0), var_e, fc.mean(axis=0), m.pool_var)
            bal_s.append(
                pd.DataFrame(
                    {
                        "campaign": campaign,
                        "variable": list(design.names),
                        "mean_exposed": fe.mean(axis=0),
                        "mean_control": fc.mean(axis=0),
                        "smd_before": before_smd,
                        "smd_after": after_smd,
                    }
                )
            )
            curve_s.append(_curves(campaign, panel, m, pre, horizon))
            k = m.controls.shape[1]
            pair_s.append(
                pd.DataFrame(
                    {
                        "campaign": campaign,
                        "account_id": np.repeat(ids[m.exposed].to_numpy(), k),
                        "exposed_at": np.repeat((m.day * NS_PER_DAY).astype("datetime64[ns]"), k),
                        "control_id": ids[m.controls.ravel()].to_numpy(),
                    }
                )
            )
    balance_cols = [
        "campaign",
        "variable",
        "mean_exposed",
        "mean_control",
        "smd_before",
        "smd_after",
    ]
    return ImpactResult(
        summary=pd.DataFrame(rows_s),
        balance=pd.concat(bal_s, ignore_index=True)
        if bal_s
        else pd.DataFrame(columns=balance_cols),
        placebo=pd.DataFrame(plac_s),
        curves=(
            pd.concat(curve_s, ignore_index=True)
            if curve_s
            else pd.DataFrame(columns=["campaign", "group", "day", "share_active"])
        ),
        pairs=(
            pd.concat(pair_s, ignore_index=True)
            if pair_s
            else pd.DataFrame(columns=["campaign", "account_id", "exposed_at", "control_id"])
        ),
        outcome=kind,
        horizon_days=horizon,
        pre_days=pre,
    )


def _present_events(enc: _Encoded) -> pd.Index:
    """Event names that occur (categories without rows do not count)."""
    if enc.events is None or enc.event is None:
        return pd.Index([])
    seen = np.bincount(enc.event[enc.event >= 0], minlength=len(enc.events)) > 0
    return pd.Index([str(c) for c in enc.events[seen]])


def _per_day(fn: OutcomeFn, rows: IntArray, days: IntArray, ends: IntArray) -> FloatArray:
    """``fn`` for an (n, k) array of account rows, one exposure day per row of it."""
    out = np.empty(rows.shape)
    for day in np.unique(days).tolist():
        sel = days == day
        out[sel] = fn(rows[sel].ravel(), day, ends[sel].ravel()).reshape(-1, rows.shape[1])
    return out
