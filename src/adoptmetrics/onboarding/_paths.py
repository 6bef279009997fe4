"""Array machinery behind :mod:`adoptmetrics.onboarding`: ordered-pattern matching.

Everything works on the windowed, sorted event sequences that
:func:`adoptmetrics.activity.event_sequences` returns, encoded as integer
arrays (one row per event, sorted by account then time). No Python loop runs
over accounts or rows; loops run over event types and candidate prefixes.

Matching an ordered pattern with gaps uses the *earliest completion* of each
prefix: for a pattern ``P`` present in an account, ``e(P)`` is the row where
the greedy (earliest) match of ``P`` ends. Greedy matching is optimal for
subsequences, so

* ``P + X`` is present iff some ``X`` occurs strictly after ``e(P)`` in time,
  i.e. iff the last ``X`` of the account is at or after ``nxt[e(P)]`` (the
  first row whose time is strictly greater);
* ``e(P + X) = S[nxt[e(P)], X]`` where ``S[i, X]`` is the first row ``≥ i``
  holding ``X`` (a suffix minimum, computed once per event type).

Any row index at or past the account's end means "absent": every operation
is monotone, so the sentinels never need special cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Bins of one (prefix, cell, nibble value) histogram, and rows counted at once.
_HIST = 1 << 23
_ROWS = 1 << 21
# Bit ``j`` of each nibble value (little-endian), to turn nibble histograms into event counts.
_NIBBLE_TABLE = np.unpackbits(np.arange(16, dtype=np.uint8)[:, None], axis=1, bitorder="little")[
    :, :4
].astype(float)


@attrs.frozen(slots=True)
class Sequences:
    """Windowed event sequences of the analysed accounts, as integer arrays.

    Attributes
    ----------
    n : int
        Number of analysed accounts (positions ``0..n-1``).
    names : list of str
        Event names; ``ev`` holds positions into it.
    acc, ev, ns : ndarray
        Per row (sorted by account then time): account, event, nanoseconds.
    nxt : ndarray, shape (rows + 1,)
        First row with a strictly later time in the same account (or the
        account's end); ``nxt[rows] = rows``.
    acc_start, acc_end : ndarray, shape (n,)
        Row range ``[start, end)`` of each account.
    memo : dict
        Tables derived from the sequences, built once (see :func:`next_table`).
    """

    n: int
    names: list[str]
    acc: IntArray
    ev: IntArray
    ns: IntArray
    nxt: IntArray
    acc_start: IntArray
    acc_end: IntArray
    memo: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def n_rows(self) -> int:
        """Number of events in the windows."""
        return len(self.acc)

    @property
    def n_events(self) -> int:
        """Number of event types."""
        return len(self.names)


def build_sequences(seqs: pd.DataFrame, entity_col: str, accounts: pd.Index) -> Sequences:
    """Encode the output of ``event_sequences`` for the accounts in ``accounts``.

    Rows of other accounts are dropped; accounts without rows have an empty
    range. The order inside an account (time, then event name) is kept.
    """
    codes = seqs[entity_col].cat.codes.to_numpy().astype(np.int64)
    universe = pd.Index(seqs[entity_col].cat.categories)
    pos: IntArray = np.asarray(
        accounts.get_indexer(universe.astype(accounts.dtype, copy=False)) if len(universe) else [],
        dtype=np.int64,
    )
    acc = pos[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    keep = acc >= 0
    order = np.argsort(acc[keep], kind="stable")
    acc = acc[keep][order]
    ev = seqs["event"].cat.codes.to_numpy().astype(np.int64)[keep][order]
    ns = seqs["timestamp"].to_numpy().view(np.int64)[keep][order]
    names = [str(x) for x in seqs["event"].cat.categories]
    return assemble(len(accounts), names, acc, ev, ns)


def assemble(n: int, names: list[str], acc: IntArray, ev: IntArray, ns: IntArray) -> Sequences:
    """Sequences from rows already sorted by account (then time)."""
    rows = len(acc)
    acc_start = np.searchsorted(acc, np.arange(n), side="left").astype(np.int64)
    acc_end = np.searchsorted(acc, np.arange(n), side="right").astype(np.int64)
    if rows:
        new = np.r_[True, (acc[1:] != acc[:-1]) | (ns[1:] != ns[:-1])]
        starts = np.flatnonzero(new)
        group = np.cumsum(new) - 1
        ends = np.r_[starts[1:], rows][group]
        # Past the account's last time the sentinel is ``rows`` (never another account's row).
        ends = np.where(ends < acc_end[acc], ends, rows)
        nxt = np.r_[ends, rows].astype(np.int64)
    else:
        nxt = np.zeros(1, dtype=np.int64)
    return Sequences(n, names, acc, ev, ns, nxt, acc_start, acc_end)


def first_last_rows(seq: Sequences) -> tuple[IntArray, IntArray]:
    """(n × E) first row of each event per account (``acc_end`` if absent), last row (−1)."""
    e = seq.n_events
    first = np.repeat(seq.acc_end[:, None], e, axis=1).reshape(-1)
    last = np.full(seq.n * e, -1, dtype=np.int64)
    key = seq.acc * e + seq.ev
    order = np.argsort(key, kind="stable")  # rows of one (account, event) stay in time order
    k = key[order]
    if len(k):
        head = np.r_[True, k[1:] != k[:-1]]
        tail = np.r_[k[1:] != k[:-1], True]
        first[k[head]] = order[head]
        last[k[tail]] = order[tail]
    return first.reshape(seq.n, e), last.reshape(seq.n, e)


def next_table(seq: Sequences) -> IntArray:
    """``S[i, X]``: first row ``≥ i`` holding event ``X`` in row ``i``'s account.

    Values at or past the account's end mean "none". Stored event-major, shape
    (E, rows + 1): ``table[X, i]``. Built once per sequences (read-only).
    """
    if "next_table" not in seq.memo:
        table = _next_table(seq)
        table.flags.writeable = False
        seq.memo["next_table"] = table
    cached: IntArray = seq.memo["next_table"]
    return cached


def _next_table(seq: Sequences) -> IntArray:
    rows = seq.n_rows
    dtype = np.int32 if rows < 2**31 - 1 else np.int64
    out = np.empty((seq.n_events, rows + 1), dtype=dtype)
    # Reversed rows, in the table's type: one suffix minimum per event, written in place.
    row_end = (seq.acc_end[seq.acc] if rows else np.zeros(0, dtype=np.int64)).astype(dtype)[::-1]
    idx = np.arange(rows, dtype=dtype)[::-1]
    ev = seq.ev[::-1]
    vals = np.empty(rows, dtype=dtype)
    for x in range(seq.n_events):  # a loop over event types, not rows
        np.copyto(vals, row_end)
        np.copyto(vals, idx, where=ev == x)
        np.minimum.accumulate(vals, out=out[x, :rows][::-1])
        out[x, rows] = rows
    return out


def kth_after(seq: Sequences, event: int, after: IntArray, k: int) -> IntArray:
    """Row of the ``k``-th occurrence of ``event`` at or after row ``after`` per account.

    Returns ``acc_end`` where there are fewer than ``k`` such occurrences.
    """
    rows_x = np.flatnonzero(seq.ev == event)
    pos = np.searchsorted(rows_x, after) + (k - 1)
    ok = pos < len(rows_x)
    found = np.where(ok, rows_x[np.minimum(pos, max(len(rows_x) - 1, 0))] if len(rows_x) else 0, 0)
    ok &= found < seq.acc_end
    return np.where(ok, found, seq.acc_end).astype(np.int64)


def later_bits(
    seq: Sequences, table: IntArray, events: IntArray | None = None
) -> npt.NDArray[np.uint8]:
    """Packed bits, per row ``r``: event ``X`` occurs at or after ``r`` in ``r``'s account.

    Bit ``j`` is event ``events[j]`` (default: every event, bit ``j`` = event
    ``j``). Row ``rows`` (the sentinel) has no bits. Shape (ceil(len(events) / 8),
    rows + 1): one contiguous array per byte.
    """
    rows = seq.n_rows
    end = np.r_[seq.acc_end[seq.acc], rows] if rows else np.zeros(1, dtype=np.int64)
    rows_of = table if events is None else table[events]
    return np.packbits(rows_of < end[None, :], axis=0, bitorder="little")


@attrs.frozen(slots=True)
class _Level:
    """Occurrences of the prefixes that a level extends by one event."""

    prefixes: list[tuple[int, ...]]
    acc: npt.NDArray[np.integer[Any]]  # account of each occurrence, grouped by prefix
    bits: npt.NDArray[np.uint8]  # packed (bytes × occurrences): events strictly after the prefix
    bounds: IntArray  # prefix i occupies [bounds[i], bounds[i + 1])
    keep: BoolArray  # (prefixes × E): prefix + X is a candidate


@attrs.define
class Miner:
    """Frequent ordered patterns (gaps allowed) and their accounts counted by cell.

    :meth:`discover` finds the candidates (patterns held by at least
    ``min_count`` accounts; an account counts once however often it repeats
    the pattern), level by level, extending only frequent prefixes, and fills
    ``counts`` (candidates × cells): how many accounts of each cell (any
    per-account label ``0..n_cells-1``, e.g. activity level × outcome) hold
    each candidate. Any per-account weight that depends only on the cell then
    sums as ``counts @ w_cell``. :meth:`cell_counts` recounts for another
    partition of the accounts.

    For each occurrence of a prefix (earliest completion, one per account),
    the events that occur strictly later are kept as packed bits; counting is
    a histogram of (prefix, cell, nibble value) per half byte, turned into
    per-event counts by a 16 × 4 bit table — no candidates × accounts array.
    """

    seq: Sequences
    max_length: int
    min_count: int
    cell: IntArray | None = None
    n_cells: int = 1
    acc_cell: IntArray = attrs.field(init=False)
    first: IntArray = attrs.field(init=False)
    last: IntArray = attrs.field(init=False)
    table: IntArray = attrs.field(init=False)
    singles: IntArray = attrs.field(init=False)
    patterns: list[tuple[int, ...]] = attrs.field(init=False, factory=list)
    levels: list[_Level] = attrs.field(init=False, factory=list)
    counts: IntArray = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        cell = np.zeros(self.seq.n, dtype=np.int64) if self.cell is None else self.cell
        self.acc_cell = np.asarray(cell, dtype=np.int64)
        first, last = first_last_rows(self.seq)
        # Stored (accounts × E) views of (E × accounts) arrays: a column per event is contiguous.
        self.first, self.last = np.ascontiguousarray(first.T).T, np.ascontiguousarray(last.T).T
        self.table = next_table(self.seq) if self.max_length > 1 else np.zeros((0, 0), np.int64)
        self.singles = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros((0, self.n_cells), dtype=np.int64)

    def _present_singles(self) -> BoolArray:
        return np.asarray(self.first < self.seq.acc_end[:, None])

    def _level_counts(
        self,
        bits: npt.NDArray[np.uint8],
        bounds: IntArray,
        acc: npt.NDArray[np.integer[Any]],
        cell: IntArray,
        n_c: int,
    ) -> IntArray:
        """(prefixes × cells × E) accounts per prefix and cell with each event later.

        ``bits`` (bytes × rows); ``bounds``: prefix ``i`` owns rows
        ``[bounds[i], bounds[i + 1])``; ``acc``: the account of each row;
        ``cell``: the cell of each account. Each byte is counted as two
        nibbles: a (prefix, cell, nibble value) histogram has 16 bins per
        group instead of 256, so it stays small (and in cache) when there
        are many cells. Prefixes are processed in runs so that a histogram
        holds at most ``_HIST`` bins (and its rows stay in cache).
        """
        n_pre, n_bytes = len(bounds) - 1, bits.shape[0]
        n_bits = len(self.singles)  # bit j is event singles[j]
        out = np.zeros((n_pre, n_c, n_bytes * 8), dtype=np.int64)
        for p0, p1 in _runs(bounds, max(1, _HIST // (n_c * 16))):
            lo, hi = int(bounds[p0]), int(bounds[p1])
            if hi == lo:
                continue
            sizes = np.diff(bounds[p0 : p1 + 1])
            group = np.repeat(np.arange(p1 - p0, dtype=np.int64) * n_c, sizes)
            group += cell[acc[lo:hi]]
            group *= 16
            key = np.empty_like(group)
            nibble = np.empty(hi - lo, dtype=np.uint8)
            n_bins = (p1 - p0) * n_c * 16
            for b in range(n_bytes):
                for half in range(2):
                    if 8 * b + 4 * half >= n_bits:  # padding bits: no event
                        break
                    if half:
                        np.right_shift(bits[b, lo:hi], 4, out=nibble)
                    else:
                        np.bitwise_and(bits[b, lo:hi], 15, out=nibble)
                    np.add(group, nibble, out=key)
                    hist = np.bincount(key, minlength=n_bins).reshape(-1, 16).astype(float)
                    part = np.rint(hist @ _NIBBLE_TABLE).astype(np.int64)
                    j = 8 * b + 4 * half
                    out[p0:p1, :, j : j + 4] = part.reshape(p1 - p0, n_c, 4)
        # Only frequent single events can extend a prefix frequently (P + X needs X):
        # the other events' columns stay zero.
        full = np.zeros((n_pre, n_c, self.seq.n_events), dtype=np.int64)
        full[:, :, self.singles] = out[:, :, :n_bits]
        return full

    def discover(self) -> None:
        """Find the candidates: fills ``patterns`` (singles, then pairs, ...) and ``counts``."""
        present = self._present_singles()
        n_c, n_ev = self.n_cells, self.seq.n_events
        single_counts = np.stack(  # (E × cells); a loop over event types
            [np.bincount(self.acc_cell[present[:, x]], minlength=n_c) for x in range(n_ev)]
        ).reshape(n_ev, n_c)
        self.singles = np.flatnonzero(single_counts.sum(axis=1) >= self.min_count)
        self.patterns = [(int(x),) for x in self.singles]
        parts = [single_counts[self.singles]]
        self.levels = []
        if self.max_length > 1 and len(self.singles):
            self._extend(present, parts)
        self.counts = np.concatenate(parts, axis=0).astype(np.int64)

    def _extend(self, present: BoolArray, parts: list[IntArray]) -> None:
        bits_table = later_bits(self.seq, self.table, self.singles)
        bit_of = np.full(self.seq.n_events, -1, dtype=np.int64)  # event -> its bit
        bit_of[self.singles] = np.arange(len(self.singles))
        nxt, n_c = self.seq.nxt, self.n_cells
        prefixes: list[tuple[int, ...]] = [(int(x),) for x in self.singles]
        accs = [np.flatnonzero(present[:, x]) for x in self.singles]
        # Rows and accounts fit int32 (the table's type) unless the data are huge.
        small: type[np.integer[Any]] = (
            np.int32 if max(self.seq.n_rows, self.seq.n) < 2**31 - 1 else np.int64
        )
        occ_acc: npt.NDArray[np.integer[Any]] = np.concatenate(accs).astype(small)
        occ_e = np.concatenate([self.first[a, x] for a, x in zip(accs, self.singles, strict=True)])
        occ_e = occ_e.astype(small)
        sizes = np.array([len(a) for a in accs], dtype=np.int64)
        for level in range(2, self.max_length + 1):
            # Occurrences are grouped by prefix (in the order of ``prefixes``).
            bounds = np.r_[0, np.cumsum(sizes)].astype(np.int64)
            occ_nx = nxt[occ_e].astype(small)
            occ_bits = bits_table[:, occ_nx]
            cube = self._level_counts(occ_bits, bounds, occ_acc, self.acc_cell, n_c)
            cube = cube.transpose(0, 2, 1)  # (prefix × E × cells)
            held = cube.sum(axis=2)
            keep = held >= self.min_count
            self.levels.append(_Level(prefixes, occ_acc, occ_bits, bounds, keep))
            parts.append(cube[keep])
            pre_idx, xs = np.nonzero(keep)
            new = [(*prefixes[p], int(x)) for p, x in zip(pre_idx, xs, strict=True)]
            self.patterns.extend(new)
            if level == self.max_length or not new:
                break
            # Occurrences of the new patterns (earliest completion rows) for the next level,
            # prefix by prefix and event by event: already in the order of ``new``.
            parts_acc, parts_e = [], []
            for p in np.flatnonzero(keep.any(axis=1)):  # a loop over prefixes, not rows
                lo, hi = int(bounds[p]), int(bounds[p + 1])
                ext = np.flatnonzero(keep[p])
                px = np.unpackbits(
                    occ_bits[:, lo:hi], axis=0, count=len(self.singles), bitorder="little"
                )
                j, r = np.nonzero(px[bit_of[ext]])
                parts_acc.append(occ_acc[lo:hi][r])
                parts_e.append(self.table[ext[j], occ_nx[lo:hi][r]])
            occ_acc = np.concatenate(parts_acc)
            occ_e = np.concatenate(parts_e)
            sizes = held[keep].astype(np.int64)
            prefixes = new

    def cell_counts(self, cell: IntArray, n_cells: int) -> IntArray:
        """Accounts containing each candidate, split by another per-account cell.

        Returns (candidates × n_cells) integer counts; ``cell`` may be in any order.
        """
        cell = np.asarray(cell, dtype=np.int64)
        present = self._present_singles()[:, self.singles]
        out = [
            np.stack(
                [
                    np.bincount(cell[present[:, i]], minlength=n_cells)
                    for i in range(present.shape[1])
                ]
            )
            if present.shape[1]
            else np.zeros((0, n_cells), dtype=np.int64)
        ]
        for lvl in self.levels:
            cube = self._level_counts(lvl.bits, lvl.bounds, lvl.acc, cell, n_cells)
            out.append(cube.transpose(0, 2, 1)[lvl.keep])
        return np.concatenate(out, axis=0).astype(np.int64)

    def presence(self, pattern: tuple[int, ...]) -> BoolArray:
        """Per account: does it contain ``pattern`` (ordered, gaps allowed)."""
        return np.asarray(self.presence_many([pattern])[0], dtype=bool)

    def presence_rows(self, idx: Sequence[int]) -> BoolArray:
        """(len(idx) × accounts) presence of the candidates at positions ``idx``."""
        return self.presence_many([self.patterns[i] for i in idx])

    def presence_many(self, patterns: list[tuple[int, ...]]) -> BoolArray:
        """(patterns × accounts) presence; shared prefixes are matched once."""
        out = np.zeros((len(patterns), self.seq.n), dtype=bool)
        cache: dict[tuple[int, ...], IntArray] = {}
        table = self.table if self.table.size else np.zeros((0, 0), np.int64)
        first_t, last_t = self.first.T, self.last.T
        for j, pattern in enumerate(patterns):  # a loop over patterns, not accounts
            if len(pattern) == 1:
                out[j] = first_t[pattern[0]] < self.seq.acc_end
                continue
            if not table.size:
                table = next_table(self.seq)
            e = self._completion(table, pattern[:-1], cache)
            out[j] = last_t[pattern[-1]] >= self.seq.nxt[e]
        return out

    def _completion(
        self, table: IntArray, prefix: tuple[int, ...], cache: dict[tuple[int, ...], IntArray]
    ) -> IntArray:
        if prefix not in cache:
            if len(prefix) == 1:
                e = table[prefix[0], self.seq.acc_start].astype(np.int64)
            else:
                prev = self._completion(table, prefix[:-1], cache)
                e = table[prefix[-1], self.seq.nxt[prev]].astype(np.int64)
            cache[prefix] = e
        return cache[prefix]


def _runs(bounds: IntArray, max_prefixes: int) -> list[tuple[int, int]]:
    """Consecutive prefix ranges ``[p0, p1)``: at most ``max_prefixes`` prefixes and
    about ``_ROWS`` rows each (a single larger prefix forms its own run)."""
    out = []
    n_pre, p0 = len(bounds) - 1, 0
    while p0 < n_pre:  # a loop over runs (a few per million rows)
        by_rows = int(np.searchsorted(bounds, bounds[p0] + _ROWS, side="right")) - 1
        p1 = min(p0 + max_prefixes, max(by_rows, p0 + 1), n_pre)
        out.append((p0, p1))
        p0 = p1
    return out
