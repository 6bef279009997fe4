"""Onboarding success: the actions that drive it (:func:`success_paths`) and the golden path.

Both compare accounts by a success outcome over the events inside each
account's window ``[start, start + window_days)``, among the accounts whose
window has closed at ``as_of``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._progress import Progress
from adoptmetrics._stats._adjusted_odds import activity_levels, adjusted_odds
from adoptmetrics._stats._intervals import check_confidence
from adoptmetrics.activity import EventLog
from adoptmetrics.activity._encode import EventsLike
from adoptmetrics.onboarding import _paths
from adoptmetrics.onboarding._input import (
    StartArg,
    _check_max_length,
    _check_outcome,
    _check_window,
    _outcome_frame,
)
from adoptmetrics.onboarding._population import (
    NothingToAnalyse,
    Population,
    by_series,
    per_segment,
    resolve_population,
)
from adoptmetrics.onboarding._windows import as_log

__all__ = ["golden_path", "success_paths"]

BoolArray = npt.NDArray[np.bool_]


def _outcome_arg(outcome: object, pop: Population, argument: str = "outcome") -> pd.Series:
    """``outcome`` as a Series; a string names a column of ``accounts=``."""
    if isinstance(outcome, str):
        if pop.accounts is None or outcome not in pop.accounts.columns:
            raise TypeError(
                f"outcome={outcome!r} names a column, but "
                + ("no accounts= was given" if pop.accounts is None else "accounts= lacks it")
                + ".\nHint: pass accounts= holding that boolean column, or outcome as a Series."
            )
        acc = pop.accounts
        ids = pd.Index(np.asarray(acc["account_id"].to_numpy(), dtype=object))
        values = pd.Series(acc[outcome].to_numpy(), index=ids, name=outcome)
        return _check_outcome(values[values.notna()])
    return _check_outcome(outcome)


def _split_mask(y: BoolArray, ids: pd.Index, share: float, seed: int) -> BoolArray:
    """Accounts used for selection: ``share`` of the successes and of the failures at random.

    Drawn over the accounts in id order, so the row order of the input does not matter.
    """
    order = np.argsort(np.asarray(ids.astype(str)), kind="stable")
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(y), dtype=bool)
    for value in (False, True):
        members = order[y[order] == value]
        k = round(share * len(members))
        mask[rng.permutation(members)[:k]] = True
    return mask


def _check_split(selection_split: object, seed: object) -> float | None:
    if selection_split is None:
        return None
    if isinstance(selection_split, bool) or not isinstance(selection_split, (int, float)):
        raise TypeError(f"selection_split={selection_split!r} must be a share such as 0.5.")
    if not 0 < selection_split < 1:
        raise ValueError(
            f"selection_split={selection_split!r} must be strictly between 0 and 1.\n"
            "Hint: 0.5 selects on half the accounts and estimates on the other half."
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed={seed!r} must be a whole number.\nHint: seed=0.")
    return float(selection_split)


def _paths_of(
    log: EventLog,
    outcome: pd.Series,
    *,
    pop: Population,
    window: float,
    length: int,
    min_support: float,
    adjusted: bool,
    confidence: float,
    split: float | None,
    seed: int,
    progress: bool,
    cols: dict[str, str],
) -> pd.DataFrame:
    """:func:`success_paths` for one population (no ``by``)."""
    steps = Progress("success_paths", total=3, enabled=progress)
    n_given = len(outcome)
    seq, out, active = _outcome_frame(
        log, outcome, window=window, pop=pop, cols=cols, function="success_paths"
    )
    y = out.to_numpy()
    n, n_succ = len(y), int(y.sum())
    steps.step(f"windows: {n:,} accounts, {n_succ:,} successful")
    if n_succ in (0, n):
        raise NothingToAnalyse(
            f"outcome is {'all True' if n_succ else 'all False'}: nothing to compare.\n"
            "Hint: success_paths needs both successful and unsuccessful accounts."
        )
    _, levels, level_of = activity_levels(active if adjusted else None, n)
    n_lev = len(levels)
    cell = level_of * 2 + y
    miner = _paths.Miner(seq, length, max(1, math.ceil(min_support * n)), cell, 2 * n_lev)
    miner.discover()
    m = len(miner.patterns)
    if m == 0:
        raise NothingToAnalyse(
            f"no pattern is held by min_support={min_support} of the accounts.\n"
            "Hint: lower min_support or widen window_days."
        )
    steps.step(f"counted {m:,} candidate patterns")
    mask = None if split is None else _split_mask(y, pd.Index(out.index), split, seed)
    res = adjusted_odds(
        miner,
        y,
        active if adjusted else None,
        counts=miner.counts,
        confidence=confidence,
        select_on=mask,
    )
    selected = res.selected
    steps.step(f"forward selection: {len(selected)} patterns selected")
    is_sel = np.zeros(m, dtype=bool)
    rank = np.full(m, m, dtype=np.int64)
    if selected:
        is_sel[selected] = True
        rank[selected] = np.arange(len(selected))
    patterns = [tuple(seq.names[i] for i in p) for p in miner.patterns]
    n_success, n_failure = res.n_success, res.n_failure
    with np.errstate(divide="ignore", invalid="ignore"):
        frame = pd.DataFrame(
            {
                "pattern": patterns,
                "length": [len(p) for p in patterns],
                "n_success": n_success.astype(np.int64),
                "n_failure": n_failure.astype(np.int64),
                "support_success": n_success / n_succ,
                "support_failure": n_failure / (n - n_succ),
                "lift": (n_success / (n_success + n_failure)) / (n_succ / n),
                "odds_ratio": res.odds_ratio,
                "ci_lower": res.ci_lower,
                "ci_upper": res.ci_upper,
                "p_value": res.p_value,
                "q_value": res.q_value,
                "selected": is_sel,
            }
        )
    key = np.array([" ".join(p) for p in patterns], dtype=str)
    order = np.lexsort((key, frame["p_value"].fillna(1.0).to_numpy(), rank))
    frame = frame.iloc[order].reset_index(drop=True)
    frame.attrs = {
        "n_accounts": n,
        "n_window_open": n_given - n,
        "selection_split": split,
        "seed": seed if split is not None else None,
    }
    return frame


def success_paths(
    events: EventsLike,
    outcome: pd.Series | str,
    /,
    *,
    window_days: float = 14,
    accounts: pd.DataFrame | None = None,
    start: StartArg = None,
    as_of: object = None,
    by: str | pd.Series | None = None,
    max_length: int = 3,
    min_support: float = 0.01,
    adjust_for: str | None = "activity",
    confidence: float = 0.95,
    selection_split: float | None = None,
    seed: int = 0,
    progress: bool = False,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    start_col: str = "started_at",
    accounts_account_col: str | None = None,
) -> pd.DataFrame:
    """Actions and ordered action sequences that drive onboarding success.

    Every ordered pattern of up to ``max_length`` events (other events in
    between allowed) held by at least ``min_support`` of the accounts is a
    candidate. A pattern is counted at most once per account, only from
    events inside the account's window ``[start, start + window_days)``;
    ``A…B`` needs a ``B`` strictly later in time than an ``A`` (events at
    the same instant are not ordered).

    **Whose outcome counts.** Only accounts whose window has closed at
    ``as_of`` (default: the latest event) are analysed: a window still open
    is truncated and its outcome not final, so such accounts are left out
    with a warning giving their number (``.attrs["n_window_open"]``). Events
    after ``as_of`` are ignored. When starts come from first events, an
    account in ``outcome`` without any event counts as having done nothing.

    **Adjustment.** With ``adjust_for="activity"`` each candidate's odds
    ratio comes from the logistic model ``success ~ log(1 + active_days) +
    pattern``, where ``active_days`` counts the distinct days with any event
    in the window; the reference is accounts without the pattern at the same
    activity level, and the interval is Wald's on the log-odds scale. Busy
    accounts do more of everything and succeed more, so an action that is
    merely common among them gets an odds ratio near 1 instead of looking
    like a driver. (A continuous covariate rather than strata, because
    activity has a smooth dose–response and strata would leave residual
    confounding inside each stratum.) ``adjust_for=None`` gives the marginal
    statistics: Woolf odds ratios and Pearson χ² p-values (Fisher's exact
    test where an expected count is below 5).

    **Selection.** ``selected`` marks the patterns chosen by forward
    selection: starting from the activity-only model, add the candidate with
    the largest Rao score statistic given those already chosen; stop when
    the best p-value is above ``(1 − confidence) / m`` (Bonferroni over the
    ``m`` candidates). A superset of a real driver, or the reversed order of
    a real ordered pair, adds nothing once the driver is in the model, so it
    is not selected. For selected patterns ``odds_ratio``, the interval and
    ``p_value`` come from the joint model (activity + all selected
    patterns); for the others from the pattern's own model. ``q_value`` is
    Benjamini–Hochberg over all candidates. At most 25 patterns are
    selected; if the selected patterns split the accounts into more than 512
    (activity level × pattern combination) groups, the selection stops
    checking candidates outside the 300 strongest of its first step and
    warns (many small effects usually mean the activity adjustment misses
    what drives the outcome).

    **Selection and honest intervals.** By default the selected patterns'
    intervals and p-values come from the same accounts that chose them, so
    they are too narrow and too small (post-selection inference): read them
    as a ranking, not as confirmed effects. With ``selection_split=0.5``
    (any share in (0, 1)) the selection runs on that share of the accounts,
    drawn at random with ``seed`` within successes and failures, and the
    selected patterns' odds ratios, intervals and p-values come from the
    other accounts only — honest, at the price of less power. Counts,
    supports, lift and the other patterns' statistics use all accounts.

    **Computation.** Candidates are counted with array operations over event
    types and prefixes (never a loop over accounts), and every statistic is
    computed from counts per activity level and outcome, so memory grows
    with the number of events, not candidates × accounts.

    Parameters
    ----------
    events : DataFrame or EventLog
        The event log; an :class:`adoptmetrics.EventLog` is validated and
        encoded once for every call that shares it.
    outcome : Series of bool, or str
        Success per account, indexed by account id; its index defines the
        accounts analysed. A string names a boolean column of ``accounts``
        (accounts with a missing value are left out).
    window_days : float
        Window length in days after each account's start.
    accounts : DataFrame, optional
        The accounts table: window starts from its ``start_col``.
    start : Series or timestamp, optional
        Window starts given directly (account id → start time). With
        neither ``accounts`` nor ``start``, each account's first event.
    as_of : timestamp, optional
        End of observation; default the latest event.
    by : str or Series, optional
        Analyse each segment on its own: a column of ``accounts`` or of the
        events (constant per account), or a Series account id → segment.
    max_length : int
        Longest pattern, 1–5.
    min_support : float
        Smallest share of accounts a candidate must be held by (0–1].
    adjust_for : {"activity", None}
        Adjust for activity in the window, or not.
    confidence : float
        Level of the intervals; ``1 − confidence`` is the family-wise level
        of the selection.
    selection_split : float, optional
        Share of the accounts used to select; the selected patterns are
        estimated on the rest. ``None`` (default): no split.
    seed : int
        Seed of the random split.
    progress : bool
        Report the steps (windowing, mining, selection) on stderr; silent by
        default.
    account_col, event_col, time_col : str
        Column names of the events.
    start_col : str
        Start column of ``accounts``.
    accounts_account_col : str, optional
        Id column of ``accounts`` when it differs from ``account_col``.

    Returns
    -------
    DataFrame
        One row per candidate (per segment with ``by``, the segment column
        first); selected patterns first (in selection order), then by
        ``p_value``. ``.attrs`` holds ``n_accounts``, ``n_window_open``,
        ``selection_split`` and ``seed``.

        - ``<by>``: the segment (only with ``by``; named after the column or
          the Series, ``segment`` when it has no name).
        - ``pattern``: tuple of event names.
        - ``length``: number of events in it.
        - ``n_success``, ``n_failure``: accounts holding it, by outcome.
        - ``support_success``, ``support_failure``: those as shares of the
          successful and unsuccessful accounts.
        - ``lift``: success rate among holders ÷ overall success rate.
        - ``odds_ratio``: adjusted (or marginal) odds ratio of success.
        - ``ci_lower``, ``ci_upper``: its confidence interval.
        - ``p_value``: two-sided test of no association.
        - ``q_value``: Benjamini–Hochberg adjusted p-value.
        - ``selected``: chosen by forward selection.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ev = pd.DataFrame({"account_id": np.repeat([f"a{i}" for i in range(40)], 2),
    ...     "event": ["invite", "report"] * 20 + ["report", "invite"] * 20,
    ...     "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.tile([0, 1], 40), "D")})
    >>> won = pd.Series((np.arange(40) < 20) ^ (np.arange(40) % 5 == 0),
    ...                 index=[f"a{i}" for i in range(40)])
    >>> res = success_paths(ev, won, max_length=2, adjust_for=None, as_of="2024-02-01")
    >>> res.loc[res["selected"], ["pattern", "n_success", "n_failure"]]
                pattern  n_success  n_failure
    0  (invite, report)         16          4
    """
    check_confidence(confidence)
    length = _check_max_length(max_length)
    window = _check_window(window_days)
    split = _check_split(selection_split, seed)
    if adjust_for not in ("activity", None):
        raise ValueError(
            f"adjust_for={adjust_for!r} is not supported.\n"
            "Hint: use adjust_for='activity' (default) or adjust_for=None."
        )
    if isinstance(min_support, bool) or not isinstance(min_support, (int, float)):
        raise TypeError(f"min_support={min_support!r} must be a share such as 0.01.")
    if not 0 < min_support <= 1:
        raise ValueError(
            f"min_support={min_support!r} must be in (0, 1].\n"
            "Hint: it is a share of accounts, e.g. 0.01 for 1 %."
        )
    cols = {"account_col": account_col, "event_col": event_col, "time_col": time_col}
    log = as_log(events, cols)
    pop = resolve_population(
        log, accounts=accounts, start=start, start_col=start_col,
        accounts_account_col=accounts_account_col, as_of=as_of, cols=cols,
    )  # fmt: skip
    out = _outcome_arg(outcome, pop)
    options = {
        "pop": pop, "window": window, "length": length, "min_support": min_support,
        "adjusted": adjust_for == "activity", "confidence": confidence, "split": split,
        "seed": int(seed), "progress": progress, "cols": cols,
    }  # fmt: skip
    segments = by_series(by, pd.Index(out.index), pop=pop, events=events, cols=cols)
    if segments is None:
        return _paths_of(log, out, **options)  # type: ignore[arg-type]
    frame = per_segment(
        segments,
        lambda ids: _paths_of(log, out[ids], **options),  # type: ignore[arg-type]
        function="success_paths",
    )
    frame.attrs = {"selection_split": split, "seed": int(seed) if split is not None else None}
    return frame


def golden_path(
    events: EventsLike,
    outcome: pd.Series | str,
    /,
    *,
    window_days: float = 14,
    accounts: pd.DataFrame | None = None,
    start: StartArg = None,
    as_of: object = None,
    by: str | pd.Series | None = None,
    max_length: int = 5,
    min_support: float = 0.05,
    account_col: str = "account_id",
    event_col: str = "event",
    time_col: str = "timestamp",
    start_col: str = "started_at",
    accounts_account_col: str | None = None,
) -> pd.DataFrame:
    """The most common ordered path among successful accounts, step by step.

    Starting from nothing, each step appends the event (not already on the
    path) that the most successful accounts performed after completing the
    path so far — a greedy, descriptive summary for docs and reports, not a
    test (use :func:`success_paths` for drivers). It stops at ``max_length``
    or when fewer than ``min_support`` of the successful accounts follow.
    As in :func:`success_paths`, only accounts whose window has closed at
    ``as_of`` count (the others are left out with a warning).

    Parameters
    ----------
    events : DataFrame or EventLog
        The event log; an :class:`adoptmetrics.EventLog` is validated and
        encoded once for every call that shares it.
    outcome : Series of bool, or str
        Success per account, indexed by account id (or a boolean column of
        ``accounts``).
    window_days : float
        Window length in days.
    accounts : DataFrame, optional
        The accounts table: window starts from its ``start_col``.
    start : Series or timestamp, optional
        Window starts given directly (see :func:`success_paths`).
    as_of : timestamp, optional
        End of observation; default the latest event.
    by : str or Series, optional
        One path per segment (see :func:`success_paths`).
    max_length : int
        Longest path, 1–5.
    min_support : float
        Smallest share of successful accounts on the path.
    account_col, event_col, time_col : str
        Column names of the events.
    start_col : str
        Start column of ``accounts``.
    accounts_account_col : str, optional
        Id column of ``accounts`` when it differs from ``account_col``.

    Returns
    -------
    DataFrame
        One row per step (per segment with ``by``, the segment column first):

        - ``<by>``: the segment (only with ``by``).
        - ``step``: position (1 = first).
        - ``event``: the event added at this step.
        - ``pattern``: the path up to and including this step.
        - ``n_success``, ``n_failure``: accounts that followed the path so far.
        - ``support_success``, ``support_failure``: those as shares.
        - ``lift``: success rate on the path ÷ overall success rate.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ev = pd.DataFrame({"account_id": np.repeat(["a", "b", "c", "d"], 2),
    ...     "event": ["signup", "invite", "signup", "invite", "signup", "export",
    ...               "signup", "export"],
    ...     "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta([0, 1] * 4, "D")})
    >>> won = pd.Series([True, True, True, False], index=["a", "b", "c", "d"])
    >>> golden_path(ev, won, as_of="2024-02-01")[["step", "event", "n_success", "n_failure"]]
       step   event  n_success  n_failure
    0     1  signup          3          1
    1     2  invite          2          0
    """
    length = _check_max_length(max_length)
    window = _check_window(window_days)
    cols = {"account_col": account_col, "event_col": event_col, "time_col": time_col}
    log = as_log(events, cols)
    pop = resolve_population(
        log, accounts=accounts, start=start, start_col=start_col,
        accounts_account_col=accounts_account_col, as_of=as_of, cols=cols,
    )  # fmt: skip
    out = _outcome_arg(outcome, pop)

    def run(part: pd.Series) -> pd.DataFrame:
        return _golden(log, part, pop=pop, window=window, length=length,
                       min_support=min_support, cols=cols)  # fmt: skip

    segments = by_series(by, pd.Index(out.index), pop=pop, events=events, cols=cols)
    if segments is None:
        return run(out)
    return per_segment(segments, lambda ids: run(out[ids]), function="golden_path")


def _golden(
    log: EventLog,
    outcome: pd.Series,
    *,
    pop: Population,
    window: float,
    length: int,
    min_support: float,
    cols: dict[str, str],
) -> pd.DataFrame:
    """:func:`golden_path` for one population."""
    seq, out, _ = _outcome_frame(
        log, outcome, window=window, pop=pop, cols=cols, function="golden_path"
    )
    y = out.to_numpy()
    n, n_succ = len(y), int(y.sum())
    if n_succ == 0:
        raise NothingToAnalyse(
            "outcome has no successful account.\nHint: check the outcome Series."
        )
    table = _paths.next_table(seq)
    after = seq.acc_start.copy()
    on_path = np.ones(n, dtype=bool)
    used: list[int] = []
    rows = []
    for step in range(1, length + 1):
        cand = table[:, after].T.astype(np.int64)  # (n × E) next row of each event
        hits = (cand < seq.acc_end[:, None]) & on_path[:, None]
        score = hits[y].sum(axis=0).astype(float)
        score[used] = -1
        best = int(np.argmax(score))
        if score[best] < max(1.0, min_support * n_succ):
            break
        used.append(best)
        on_path = hits[:, best]
        after = np.where(on_path, seq.nxt[cand[:, best]], seq.acc_end)
        ns_, nf_ = int(on_path[y].sum()), int(on_path[~y].sum())
        rows.append(
            {
                "step": step,
                "event": seq.names[best],
                "pattern": tuple(seq.names[i] for i in used),
                "n_success": ns_,
                "n_failure": nf_,
                "support_success": ns_ / n_succ,
                "support_failure": nf_ / max(n - n_succ, 1),
                "lift": (ns_ / (ns_ + nf_)) / (n_succ / n),
            }
        )
    columns = [
        "step",
        "event",
        "pattern",
        "n_success",
        "n_failure",
        "support_success",
        "support_failure",
        "lift",
    ]
    return pd.DataFrame(rows, columns=columns)
