"""Event-sized work of :mod:`adoptmetrics.onboarding`, done once per log and population.

Every onboarding function reads the same windows: the events of each
account inside ``[start, start + window_days)`` up to ``as_of``. A frame is
wrapped in an :class:`~adoptmetrics.activity.EventLog` once per call (one
validation, one encoding), and the windows of the whole population are
memoised on the log's encoding, so the report's five onboarding calls on one
shared log, and the segments of ``by=``, scan the events once. An account's
window depends only on its own start, so a subset of accounts is cut from
the population's windows without another scan.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics.activity import EventLog, event_sequences, first_last_seen
from adoptmetrics.activity._encode import _NS_PER_DAY, _encode, _Encoded
from adoptmetrics.onboarding import _paths

IntArray = npt.NDArray[np.int64]

_KEY = "adoptmetrics.onboarding.windows"
# Cuts of one population kept for reuse, and windows kept per log.
_CUTS = 4
_WINDOWS = 4


def as_log(events: object, cols: dict[str, str]) -> EventLog:
    """``events`` as an EventLog: validated and encoded once for the whole call."""
    if isinstance(events, EventLog):
        return events
    return EventLog(
        events,
        account_col=cols["account_col"],
        user_col=None,
        time_col=cols["time_col"],
        event_col=cols["event_col"],
    )


def _encoding(log: EventLog, cols: dict[str, str]) -> _Encoded:
    """The log's (account, event) encoding, built once by the log."""
    return _encode(
        log,
        entity_col=cols["account_col"],
        time_col=cols["time_col"],
        event_col=cols["event_col"],
        activity_events=None,
    )


def _memo(log: EventLog, cols: dict[str, str]) -> dict[Any, Any]:
    """The memo of the log's (account, event) encoding (a fresh dict if it has none)."""
    enc = _encoding(log, cols)
    if enc.cache is None:
        enc.cache = {}
    return enc.cache


def latest_event(log: EventLog, cols: dict[str, str]) -> pd.Timestamp | None:
    """The latest event of the log (``None`` when it is empty)."""
    enc = _encoding(log, cols)
    return None if enc.latest is None else pd.Timestamp(enc.latest)


def first_events(log: EventLog, cols: dict[str, str]) -> pd.Series:
    """Each account's first event (accounts with events only), memoised on the log."""
    memo = _memo(log, cols)
    key = (_KEY, "first")
    if key not in memo:
        seen = first_last_seen(
            log,
            account_col=cols["account_col"],
            time_col=cols["time_col"],
            event_col=cols["event_col"],
        )
        ids = seen[cols["account_col"]]
        memo[key] = pd.Series(
            seen["first_seen"].to_numpy(),
            index=pd.Index(ids.cat.categories, name=cols["account_col"]),
            name="first_event",
        )
    first: pd.Series = memo[key]
    return first


@attrs.frozen(slots=True)
class Windows:
    """The windows of every account of ``starts`` (positions in ``starts`` order).

    ``active`` counts the distinct calendar days with an event in each window.
    """

    starts: pd.Series
    seq: _paths.Sequences
    active: IntArray
    # Recent cuts (accounts, sequences, active days): success_paths and golden_path
    # cut the same accounts, and then share the sequences and their tables.
    cuts: list[tuple[pd.Index, _paths.Sequences, IntArray]] = attrs.field(
        factory=list, eq=False, repr=False
    )


def population_windows(
    log: EventLog, starts: pd.Series, *, window: float, end: pd.Timestamp, cols: dict[str, str]
) -> Windows:
    """Windows of every account of ``starts``, computed once per (log, starts, window, end)."""
    memo = _memo(log, cols)
    key = (_KEY, float(window), end.value)
    hit: Windows | None = memo.get(key)
    if hit is not None and hit.starts.index.equals(starts.index) and hit.starts.equals(starts):
        return hit
    seqs = event_sequences(log, start=starts, window_days=window, end=end, **cols)
    seq = _paths.build_sequences(seqs, cols["account_col"], pd.Index(starts.index))
    # Rows are sorted by account then time: a new (account, day) starts a new active day.
    day = seq.ns // _NS_PER_DAY
    new = np.ones(seq.n_rows, dtype=bool)
    if seq.n_rows:
        new[1:] = (seq.acc[1:] != seq.acc[:-1]) | (day[1:] != day[:-1])
    active = np.bincount(seq.acc[new], minlength=seq.n).astype(np.int64)
    out = Windows(starts, seq, active)
    # One entry per window and end (a new population replaces the old one), and only
    # the latest few windows: a loop over many window lengths does not grow the log.
    memo.pop(key, None)
    memo[key] = out
    ours = [k for k in memo if isinstance(k, tuple) and len(k) == 3 and k[0] == _KEY]
    for old in ours[:-_WINDOWS]:
        del memo[old]
    return out


def subset(w: Windows, accounts: pd.Index) -> tuple[_paths.Sequences, IntArray]:
    """The sequences and active days of ``accounts`` (in that order) cut from ``w``.

    Accounts absent from ``w.starts`` have empty windows and no active day.
    """
    for ids, seq_, active_ in w.cuts:
        if ids.equals(accounts) and ids.dtype == accounts.dtype:
            return seq_, active_
    part, active = _cut(w, accounts)
    for arr in (part.acc, part.ev, part.ns, part.nxt, part.acc_start, part.acc_end, active):
        arr.flags.writeable = False  # shared by the calls that cut these accounts
    w.cuts.insert(0, (accounts, part, active))
    del w.cuts[_CUTS:]
    return part, active


def _cut(w: Windows, accounts: pd.Index) -> tuple[_paths.Sequences, IntArray]:
    pos = np.asarray(w.starts.index.get_indexer(accounts), dtype=np.int64)
    seq = w.seq
    known = pos >= 0
    safe = np.where(known, pos, 0)
    lo = np.where(known, seq.acc_start[safe] if seq.n else 0, 0)
    lens = np.where(known, (seq.acc_end[safe] - seq.acc_start[safe]) if seq.n else 0, 0)
    total = int(lens.sum())
    acc = np.repeat(np.arange(len(accounts), dtype=np.int64), lens)
    offsets = np.cumsum(lens) - lens
    rows = np.arange(total, dtype=np.int64) + np.repeat(lo - offsets, lens)
    part = _paths.assemble(len(accounts), seq.names, acc, seq.ev[rows], seq.ns[rows])
    active = np.where(known, w.active[safe] if seq.n else 0, 0).astype(np.int64)
    return part, active
