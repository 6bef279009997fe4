"""The event scans behind account health: :class:`HealthLog` and :func:`distinct_users`.

The health measures are taken at many dates (a snapshot now, one a month
ago, twelve monthly snapshots for the stages, 24 for a model fit). Each
needs, per account, counts over a time window: events, distinct days,
distinct (account, user) pairs, distinct features. A :class:`HealthLog`
holds the events once as integer arrays. A log in time order (the usual
case) cuts a window as a slice; an unsorted one by a mask, or, when many
windows are wanted, as a slice of the log put in day order once (plus an
exact mask on the two boundary days). Every count is then a ``bincount`` or
a boolean grid over small integer keys: no hashing or sorting of event-sized
keys per window, and user ids are hashed only for the rows read. The public
activity functions count per entity at one level (accounts *or* users);
account health also needs users per account, which is why this private
module exists in the activity layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._schema._validate import SchemaError, validate_events
from adoptmetrics.activity._encode import _NS_PER_DAY
from adoptmetrics.activity._engagement_cells import factorize_strings
from adoptmetrics.activity._sort import _stable_by

__all__ = ["HealthLog", "Window", "distinct_users"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_NEVER = np.iinfo(np.int64).min
# Dense (account × small key) grids are used while they stay this small.
_DENSE_LIMIT = 50_000_000


def _codes_of(values: np.ndarray | pd.Series) -> IntArray:
    """Integer codes (−1 for a null) of an id column: one hash, no sort."""
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.CategoricalDtype):
            return np.asarray(values.cat.codes.to_numpy(), dtype=np.int64)
        if values.dtype != object:  # Arrow-backed strings: Arrow's own hash, no objects
            codes, _ = pd.factorize(values, sort=False)
            return np.asarray(codes, dtype=np.int64)
        values = values.to_numpy()
    if values.dtype == object:  # (dtype=object: no inference of a string dtype per row)
        codes, _ = factorize_strings(pd.Series(values, dtype=object, copy=False))
    else:
        codes, _ = pd.factorize(values, sort=False)
    return np.asarray(codes, dtype=np.int64)


def _take(values: np.ndarray | pd.Series, pos: IntArray | None) -> np.ndarray | pd.Series:
    """Rows ``pos`` (all when ``None``) of an array or, by position, of a Series."""
    if pos is None:
        return values
    return values.iloc[pos] if isinstance(values, pd.Series) else values[pos]


def _distinct_pairs(a: IntArray, b: IntArray, n_b: int, n_a: int) -> tuple[IntArray, IntArray]:
    """The distinct (a, b) pairs of two code arrays (b in [0, n_b))."""
    if n_a * n_b <= _DENSE_LIMIT:
        mark = np.zeros(n_a * n_b, dtype=bool)
        mark[a * n_b + b] = True
        seen = np.flatnonzero(mark)
    else:
        seen = np.unique(a * n_b + b)
    return seen // n_b, seen % n_b


def _count_distinct(a: IntArray, b: IntArray, n_b: int, n_a: int) -> IntArray:
    """Per ``a`` in [0, n_a): the number of distinct ``b`` in [0, n_b) paired with it."""
    if n_a * n_b <= _DENSE_LIMIT:  # a boolean grid: one scatter, one row sum
        mark = np.zeros((n_a, n_b), dtype=bool)
        mark[a, b] = True
        counts: IntArray = mark.sum(axis=1, dtype=np.int64)
        return counts
    seen = np.unique(a * n_b + b)
    return np.bincount(seen // n_b, minlength=n_a).astype(np.int64)


def _owners(acc: IntArray, user: IntArray) -> IntArray | None:
    """The account of each user code when every user has one account (else ``None``)."""
    n_user = int(user.max()) + 1 if len(user) else 0
    owner = np.full(n_user, -1, dtype=np.int64)
    owner[user] = acc
    return owner if bool((owner[user] == acc).all()) else None


def _users_per_account(acc: IntArray, user: IntArray, n_acc: int) -> IntArray:
    """Distinct users per account code (``user`` ≥ 0)."""
    if len(user) == 0:
        return np.zeros(n_acc, dtype=np.int64)
    # Checked per window (weeks of rows): cheaper than one pass over a long log
    # (measured) for the few windows a report or a snapshot reads.
    owner = _owners(acc, user)
    if owner is not None:  # the usual case: each user in one account
        mark = np.zeros(len(owner), dtype=bool)
        mark[user] = True
        return np.bincount(owner[mark], minlength=n_acc).astype(np.int64)
    n_user = int(user.max()) + 1
    pairs = np.unique(acc * n_user + user)
    return np.bincount(pairs // n_user, minlength=n_acc).astype(np.int64)


class Window:
    """The events of one time window as integer arrays (rows in no particular order)."""

    __slots__ = ("_log", "acc", "day", "event", "ns", "rows")

    def __init__(self, log: HealthLog, rows: IntArray | slice) -> None:
        self._log = log
        self.rows = rows
        self.acc = log.acc[rows]
        self.ns = log.ns[rows]
        self.day = self.ns // _NS_PER_DAY
        self.event = log.event[rows] if log.event is not None else None

    def __len__(self) -> int:
        return len(self.acc)

    def n_events(self) -> IntArray:
        """Events per account code."""
        return np.bincount(self.acc, minlength=self._log.n_accounts).astype(np.int64)

    def active_days(self) -> IntArray:
        """Distinct calendar days with an event, per account code."""
        n = self._log.n_accounts
        if not len(self):
            return np.zeros(n, dtype=np.int64)
        d0 = int(self.day.min())
        return _count_distinct(self.acc, self.day - d0, int(self.day.max()) - d0 + 1, n)

    def active_users(self) -> IntArray:
        """Distinct users with an event, per account code (a null user is an error)."""
        user = self._log.user_codes(self.rows)
        if (user < 0).any():
            self._log.null_users(self.rows, user)
        return _users_per_account(self.acc, user, self._log.n_accounts)

    def features_used(self, features: Sequence[Sequence[object]]) -> IntArray:
        """Per account code: how many of ``features`` (each a list of event names) were used."""
        log = self._log
        n = log.n_accounts
        if not len(self) or self.event is None or not len(features):
            return np.zeros(n, dtype=np.int64)
        member, single = log.feature_members(features)
        if single is not None:  # each event in at most one feature: one pass
            f = single[self.event]
            keep = f >= 0
            return _count_distinct(self.acc[keep], f[keep], len(features), n)
        out = np.zeros(n, dtype=np.int64)
        acc, ev = _distinct_pairs(self.acc, self.event, len(log.events), n)
        for j in range(member.shape[1]):  # a loop over features, not rows
            out += np.bincount(acc[member[ev, j]], minlength=n) > 0
        return out


class HealthLog:
    """Events as integer arrays in day order, for the health measures at many dates.

    Parameters
    ----------
    accounts : Index
        The account ids; ``acc`` holds positions into it.
    acc, ns : ndarray of int64
        Account code and timestamp (nanoseconds) of each event, in any order.
    events : Index, optional
        The event names; ``event`` holds positions into it.
    event : ndarray of int64, optional
        Event code of each event.
    users : Series or ndarray, optional
        The user id of each event (any dtype, nulls allowed: an error only when
        a counted window holds one), or ``None`` without users.
    user_col : str
        The name of the user column, for error messages.
    """

    def __init__(
        self,
        accounts: pd.Index,
        acc: IntArray,
        ns: IntArray,
        events: pd.Index | None,
        event: IntArray | None,
        users: pd.Series | np.ndarray | None,
        *,
        user_col: str = "user_id",
    ) -> None:
        self.accounts = accounts
        self.events = events if events is not None else pd.Index([], dtype=object)
        self.n_accounts = len(accounts)
        self.user_col = user_col
        self.ns = np.asarray(ns, dtype=np.int64)
        self.acc = np.asarray(acc, dtype=np.int64)
        self.event = None if event is None else np.asarray(event, dtype=np.int64)
        # A log in time order (the usual case) cuts windows as slices. Otherwise
        # a window is a mask over the log, until many windows are wanted
        # (:meth:`index_by_day`): then the rows go in day order once.
        self.time_sorted = len(ns) < 2 or bool((self.ns[1:] >= self.ns[:-1]).all())
        self.order: IntArray | None = None
        self.day = np.zeros(0, dtype=np.int64)
        self.has_users = users is not None
        self._raw_users: np.ndarray | pd.Series | None = None
        self._users: IntArray | None = None  # -2: not encoded yet
        if users is not None:
            if isinstance(users, pd.Series) and isinstance(users.dtype, pd.CategoricalDtype):
                self._users = _codes_of(users)
            elif isinstance(users, pd.Series) and users.dtype != object:
                self._raw_users = users  # e.g. Arrow strings: hashed as they are
            else:
                self._raw_users = users.to_numpy() if isinstance(users, pd.Series) else users
        self.cache: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self.ns)

    def index_by_day(self) -> None:
        """Put an unsorted log in day order (a counting sort), for callers of many windows."""
        if self.time_sorted or self.order is not None:
            return
        day = self.ns // _NS_PER_DAY
        order = _stable_by(day - int(day.min()))  # a counting sort by day
        self.order = order
        self.day = day[order]
        self.ns = self.ns[order]
        self.acc = self.acc[order]
        if self.event is not None:
            self.event = self.event[order]
        if self._users is not None:
            self._users = self._users[order]

    def account_keys(self) -> tuple[npt.NDArray[np.object_], IntArray]:
        """The account ids as an object array, and the rank of each in string order."""
        if "keys" not in self.cache:
            keys = np.asarray(self.accounts, dtype=object)
            rank = np.empty(len(keys), dtype=np.int64)
            rank[np.argsort(keys.astype(str), kind="stable")] = np.arange(len(keys))
            self.cache["keys"] = (keys, rank)
        out: tuple[npt.NDArray[np.object_], IntArray] = self.cache["keys"]
        return out

    # ---------------------------------------------------------------- windows

    def _span(self, lo: int, hi: int) -> tuple[int, int]:
        """Rows [i, j) holding every event with ``lo < ns <= hi`` (maybe a few more)."""
        if self.time_sorted:
            return (
                int(np.searchsorted(self.ns, lo, side="right")),
                int(np.searchsorted(self.ns, hi, side="right")),
            )
        if self.order is None:
            return 0, len(self.ns)
        return (
            int(np.searchsorted(self.day, lo // _NS_PER_DAY, side="left")),
            int(np.searchsorted(self.day, hi // _NS_PER_DAY, side="right")),
        )

    def rows(self, lo: int, hi: int) -> IntArray | slice:
        """The rows with ``lo < ns <= hi`` (a slice when the log is in time order)."""
        i, j = self._span(lo, hi)
        if self.time_sorted:
            return slice(i, j)
        part = self.ns[i:j]
        return np.flatnonzero((part > lo) & (part <= hi)) + i

    def window(self, lo: int, hi: int) -> Window:
        """The events with ``lo < ns <= hi`` (nanoseconds)."""
        return Window(self, self.rows(lo, hi))

    def feature_members(
        self, features: Sequence[Sequence[object]]
    ) -> tuple[BoolArray, IntArray | None]:
        """Event code × feature membership, and each event's one feature (or ``None``)."""
        key = ("features", tuple(tuple(f) for f in features))
        if key not in self.cache:
            names = [e for f in features for e in f]
            which = np.repeat(np.arange(len(features)), [len(f) for f in features])
            at = self.events.get_indexer(pd.Index(names, dtype=object))
            member = np.zeros((len(self.events), len(features)), dtype=bool)
            member[at[at >= 0], which[at >= 0]] = True
            single = None
            if bool((member.sum(axis=1) <= 1).all()):
                single = np.where(member.any(axis=1), member.argmax(axis=1), -1).astype(np.int64)
            self.cache[key] = (member, single)
        out: tuple[BoolArray, IntArray | None] = self.cache[key]
        return out

    # ------------------------------------------------------------------ users

    def encode_users(self, lo: int, hi: int) -> None:
        """Encode the user ids of every row with ``lo < ns <= hi``.

        Only raw (string) user columns need it, and only the rows of the
        windows asked for are hashed: one snapshot reads a few months of a
        long log. Callers that will read many windows ask for their whole
        span first, so the ids are hashed once.
        """
        if self._raw_users is not None:
            self._encode(self.rows(lo, hi))

    def _encode(self, rows: IntArray | slice) -> None:
        """Make sure ``rows`` have user codes, in one code space with the rows before."""
        if self._raw_users is None:
            return
        if self._users is None:
            self._users = np.full(len(self.ns), -2, dtype=np.int64)
        if not (self._users[rows] == -2).any():
            return
        todo = np.zeros(len(self.ns), dtype=bool)
        todo[rows] = True
        todo |= self._users != -2
        if todo.all():  # every row: no gather of the raw ids
            self._users = _codes_of(_take(self._raw_users, self.order))
            return
        at = np.flatnonzero(todo)
        pos = at if self.order is None else self.order[at]
        self._users[at] = _codes_of(_take(self._raw_users, pos))

    def user_codes(self, rows: IntArray | slice) -> IntArray:
        """User codes of ``rows`` (−1 for a null user)."""
        self._encode(rows)
        if self._users is None:
            return np.zeros(0, dtype=np.int64)
        return self._users[rows]

    def null_users(self, rows: IntArray | slice, user: IntArray) -> None:
        """Raise the boundary's error for events without a user id."""
        bad = np.flatnonzero(user < 0)
        idx = np.arange(len(self.ns))[rows][bad]
        original = idx if self.order is None else self.order[idx]
        raise SchemaError(
            "events",
            self.user_col,
            f"has {len(bad)} missing user ids in the measured windows",
            "drop or fill the rows without a user, or pass user_col=None.",
            rows=[int(r) for r in np.sort(original)[:5]],
        )

    # --------------------------------------------------------------- up to t

    def first_seen(self) -> FloatArray:
        """First event (ns, float; NaN when none) per account code."""
        if "first_seen" not in self.cache:
            first = np.full(self.n_accounts, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(first, self.acc, self.ns)
            out = first.astype(float)
            out[first == np.iinfo(np.int64).max] = np.nan
            self.cache["first_seen"] = out
        result: FloatArray = self.cache["first_seen"]
        return result

    def events_seen(self, t: int) -> pd.Index:
        """Event names with an event at or before ``t``."""
        if self.event is None:
            return pd.Index([], dtype=object)
        if "event_first" not in self.cache:
            first = np.full(len(self.events), np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(first, self.event, self.ns)
            self.cache["event_first"] = first
        first_ev: IntArray = self.cache["event_first"]
        return self.events[np.flatnonzero(first_ev <= t)]

    def last_seen(self, times: Sequence[int]) -> list[FloatArray]:
        """Per date in ``times``: the last event at or before it (ns, float; NaN when none).

        Kept per date: a shared log asked again for a date pays nothing.
        """
        known: dict[int, FloatArray] = self.cache.setdefault("last_seen", {})
        running = np.full(self.n_accounts, _NEVER, dtype=np.int64)
        done = 0
        out: dict[int, FloatArray] = {t: known[t] for t in times if t in known}
        for t in sorted(set(times) - set(out)):  # one pass over the log for every date
            if not self.time_sorted and self.order is None:  # a mask per date
                last = np.full(self.n_accounts, _NEVER, dtype=np.int64)
                keep = self.ns <= t
                np.maximum.at(last, self.acc[keep], self.ns[keep])
            else:
                # Rows before ``t``'s day (in time order: before t) are final;
                # the rows of its own day are cut by an exact mask.
                if self.time_sorted:
                    p = q = int(np.searchsorted(self.ns, t, side="right"))
                else:
                    p = int(np.searchsorted(self.day, t // _NS_PER_DAY, side="left"))
                    q = int(np.searchsorted(self.day, t // _NS_PER_DAY, side="right"))
                if p > done:
                    np.maximum.at(running, self.acc[done:p], self.ns[done:p])
                    done = p
                last = running.copy()
                if q > p:
                    ns = self.ns[p:q]
                    keep = ns <= t
                    np.maximum.at(last, self.acc[p:q][keep], ns[keep])
            res = last.astype(float)
            res[last == _NEVER] = np.nan
            out[t] = known[t] = res
        return [out[t] for t in times]

    def event_counts_since(
        self, names: Sequence[object], start: IntArray, t: int
    ) -> npt.NDArray[np.int64]:
        """Per account code × name: events of that name with ``start[acc] <= ns <= t``."""
        key = ("since", tuple(names))
        if key not in self.cache:
            wanted = (
                self.events.get_indexer(pd.Index(list(names), dtype=object))
                if self.event is not None
                else np.full(len(names), -1)
            )
            which = np.full(len(self.events) + 1, -1, dtype=np.int64)
            for k, w in enumerate(wanted):
                if w >= 0:
                    which[w] = k
            rows = (
                np.flatnonzero(which[self.event] >= 0)
                if self.event is not None
                else np.zeros(0, dtype=np.int64)
            )
            assert self.event is not None or not len(rows)
            ev = self.event[rows] if self.event is not None else rows
            self.cache[key] = (self.acc[rows], self.ns[rows], which[ev])
        acc, ns, which = self.cache[key]
        inside = (ns <= t) & (ns >= start[acc])
        k = len(names)
        counts = np.bincount(acc[inside] * k + which[inside], minlength=self.n_accounts * k)
        return counts.reshape(self.n_accounts, k).astype(np.int64)


def distinct_users(
    events: pd.DataFrame,
    /,
    *,
    account_col: str = "account_id",
    user_col: str = "user_id",
    time_col: str = "timestamp",
) -> pd.Series:
    """Number of distinct users with at least one event, per account.

    Parameters
    ----------
    events : DataFrame
        The event log (already cut to the window of interest).
    account_col, user_col, time_col : str
        Column names of the account id, the user id and the timestamp.

    Returns
    -------
    Series
        ``int64`` counts indexed by the accounts seen in ``events`` (index
        named after ``account_col``).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "a", "b"],
    ...     "user_id": ["u1", "u1", "u2", "u3"],
    ...     "timestamp": pd.to_datetime(["2024-01-01"] * 4)})
    >>> distinct_users(ev).tolist()
    [2, 1]
    """
    df = validate_events(
        events, account_col=account_col, event_col=None, time_col=time_col, user_col=user_col
    )
    acc = df["account_id"].cat
    a = acc.codes.to_numpy().astype(np.int64)
    u = _codes_of(df["user_id"])
    n_acc = len(acc.categories)
    counts = _users_per_account(a, u, n_acc)
    seen = np.zeros(n_acc, dtype=bool)
    seen[a] = True
    out = pd.Series(counts[seen], index=acc.categories[seen], name="active_users")
    out.index.name = account_col
    return out
