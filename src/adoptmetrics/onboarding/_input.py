"""Input checks and loading shared by :mod:`adoptmetrics.onboarding`.

Argument checks (errors name the argument and give a ``Hint:``), the
windowed sequences of the analysed accounts, and the outcome series.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import SchemaError
from adoptmetrics.activity import EventLog
from adoptmetrics.models import Milestone
from adoptmetrics.onboarding import _paths
from adoptmetrics.onboarding._population import NothingToAnalyse, Population
from adoptmetrics.onboarding._windows import population_windows, subset

StartArg = pd.Series | pd.Timestamp | str | None


# --------------------------------------------------------------------------- checks


def _check_window(window_days: object) -> float:
    if isinstance(window_days, bool) or not isinstance(window_days, (int, float)):
        raise TypeError(f"window_days={window_days!r} must be a number of days, e.g. 14.")
    if not (window_days > 0 and math.isfinite(window_days)):
        raise ValueError(
            f"window_days={window_days!r} gives an empty window.\n"
            "Hint: pass a positive number of days, e.g. window_days=14."
        )
    return float(window_days)


def _check_max_length(max_length: object) -> int:
    if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)):
        raise TypeError(f"max_length={max_length!r} must be a whole number from 1 to 5.")
    if not 1 <= int(max_length) <= 5:
        raise ValueError(
            f"max_length={max_length!r} is out of range.\n"
            "Hint: use 1 to 5 (3 is usually enough; longer patterns are rarely supported)."
        )
    return int(max_length)


def _check_outcome(outcome: object) -> pd.Series:
    if not isinstance(outcome, pd.Series):
        raise TypeError(
            f"outcome must be a boolean pandas Series indexed by account id, got "
            f"{type(outcome).__name__}.\n"
            "Hint: accounts.set_index('account_id')['onboarding_success']."
        )
    if outcome.dtype != bool:
        if str(outcome.dtype) == "boolean" and not outcome.isna().any():
            outcome = outcome.astype(bool)
        else:
            raise TypeError(
                f"outcome has dtype {outcome.dtype}, not bool.\n"
                "Hint: convert it explicitly, e.g. outcome.astype(bool) or (outcome == 'yes')."
            )
    if outcome.index.has_duplicates:
        dup = outcome.index[outcome.index.duplicated()]
        raise SchemaError(
            "outcome",
            "index",
            "has duplicate account ids",
            "pass one outcome per account.",
            rows=list(dup[:5]),
        )
    return outcome


def _steps(items: object, argument: str) -> list[Milestone]:
    if isinstance(items, (str, Milestone)) or not isinstance(items, Sequence):
        raise TypeError(
            f"{argument} must be a list of Milestone (or event names).\n"
            f"Hint: {argument}=[am.Milestone('Invited', 'invite_teammate')]."
        )
    out = [Milestone(x, x) if isinstance(x, str) else x for x in items]
    if not out:
        raise ValueError(f"{argument} is empty.\nHint: pass at least one Milestone.")
    for x in out:
        if not isinstance(x, Milestone):
            raise TypeError(f"{argument} holds {x!r}.\nHint: pass Milestone objects or names.")
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        raise ValueError(f"{argument} has duplicate names {names}.\nHint: give each a unique name.")
    return out


# --------------------------------------------------------------------------- shared loading


def _load(
    log: EventLog,
    pop: Population,
    *,
    window: float,
    accounts: pd.Index,
    cols: dict[str, str],
) -> tuple[_paths.Sequences, npt.NDArray[np.int64]]:
    """Windowed sequences and active days of ``accounts`` (in that order), up to ``pop.as_of``.

    Accounts without a start in ``pop`` have empty windows.
    """
    w = population_windows(log, pop.starts, window=window, end=pop.as_of, cols=cols)
    return subset(w, accounts)


def _event_code(seq: _paths.Sequences, event: str, argument: str) -> int:
    if event in seq.names:
        return seq.names.index(event)
    close = difflib.get_close_matches(event, seq.names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else "check the spelling of the event name."
    warnings.warn(
        f"{argument}: event {event!r} never occurs in the events table, so no account "
        f"reaches it.\nHint: {hint}",
        UserWarning,
        stacklevel=3,
    )
    return -1


def _kth(
    seq: _paths.Sequences, code: int, after: npt.NDArray[np.int64], k: int
) -> npt.NDArray[np.int64]:
    if code < 0:
        return seq.acc_end.copy()
    return _paths.kth_after(seq, code, after, k)


def _outcome_frame(
    log: EventLog,
    outcome: pd.Series,
    *,
    window: float,
    pop: Population,
    cols: dict[str, str],
    function: str,
) -> tuple[_paths.Sequences, pd.Series, npt.NDArray[np.int64]]:
    """Sequences of the outcome's accounts whose window closed, the outcome, active days.

    Accounts whose window ``[start, start + window)`` has not closed at
    ``pop.as_of`` are left out (with a warning). Accounts without a start
    count as having done nothing when starts come from first events (they
    have no event at all) and are left out (with a warning) when starts were
    given. Events after ``as_of`` are ignored.
    """
    ids = pd.Index(outcome.index)
    st = pop.starts.reindex(ids)
    matched = int(st.notna().sum())
    if matched == 0:
        known = list(pop.starts.index[:3])
        raise SchemaError(
            "outcome",
            "index",
            f"matches none of the {len(pop.starts)} account ids with a start "
            f"(from {pop.source}; outcome ids look like {list(ids[:3])}, those like {known})",
            "index outcome by the same account ids as the events table, e.g. "
            "accounts.set_index('account_id')['onboarding_success'].",
        )
    # a fresh, writable mask (pandas 3 copy-on-write hands out read-only views)
    open_ = (st + pd.Timedelta(days=window) > pop.as_of).to_numpy(copy=True)
    n_open = int(open_.sum())
    if pop.source != "first event":
        # a start given for other accounts but not these: their window is unknown
        unknown = st.isna().to_numpy()
        if unknown.any():
            warnings.warn(
                f"{function}: {int(unknown.sum())} of {len(ids)} accounts have no start in "
                f"{pop.source}= and were left out (e.g. {list(ids[unknown][:3])}).\n"
                "Hint: give every account of the outcome a start date.",
                UserWarning,
                stacklevel=3,
            )
            open_ |= unknown
            n_open = int(open_.sum()) - int(unknown.sum())
    if n_open:
        warnings.warn(
            f"{function}: {n_open} of {len(ids)} accounts were left out because their "
            f"{window:g}-day window had not closed by as_of={pop.as_of} (their outcome "
            "is not final).\nHint: pass an earlier start or a later as_of to include them.",
            UserWarning,
            stacklevel=3,
        )
    if open_.all():
        raise NothingToAnalyse(
            f"no account's window has closed by as_of={pop.as_of}.\n"
            "Hint: pass a later as_of or a shorter window_days."
        )
    out = outcome[~open_]
    seq, active = _load(log, pop, window=window, accounts=pd.Index(out.index), cols=cols)
    if seq.n_rows == 0:
        raise NothingToAnalyse(
            "no events fall inside the accounts' windows, so there is nothing to mine.\n"
            "Hint: check start= and window_days= (the window is [start, start + window_days))."
        )
    return seq, out, active
