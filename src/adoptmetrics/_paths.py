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

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Rows of the (prefix occurrence × event) matrices handled at once.
_CHUNK = 400_000


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
    """

    n: int
    names: list[str]
    acc: IntArray
    ev: IntArray
    ns: IntArray
    nxt: IntArray
    acc_start: IntArray
    acc_end: IntArray

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
    pos = accounts.get_indexer(universe.astype(accounts.dtype, copy=False)) if len(universe) else []
    pos = np.asarray(pos, dtype=np.int64)
    acc = pos[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    keep = acc >= 0
    order = np.argsort(acc[keep], kind="stable")
    acc = acc[keep][order]
    ev = seqs["event"].cat.codes.to_numpy().astype(np.int64)[keep][order]
    ns = seqs["timestamp"].to_numpy().view(np.int64)[keep][order]
    names = [str(x) for x in seqs["event"].cat.categories]
    n = len(accounts)
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

    Values at or past the account's end mean "none". Shape (rows + 1, E).
    """
    rows = seq.n_rows
    dtype = np.int32 if rows < 2**31 - 1 else np.int64
    out = np.empty((seq.n_events, rows + 1), dtype=dtype)
    row_end = seq.acc_end[seq.acc] if rows else np.zeros(0, dtype=np.int64)
    idx = np.arange(rows, dtype=np.int64)
    for x in range(seq.n_events):  # a loop over event types, not rows
        vals = np.where(seq.ev == x, idx, row_end)
        out[x, :rows] = np.minimum.accumulate(vals[::-1])[::-1]
        out[x, rows] = rows
    return np.ascontiguousarray(out.T)


def match_rows(seq: Sequences, table: IntArray, pattern: tuple[int, ...]) -> IntArray:
    """Earliest completion row of ``pattern`` per account (≥ ``acc_end`` when absent)."""
    e = table[seq.acc_start, pattern[0]].astype(np.int64)
    for x in pattern[1:]:
        e = table[seq.nxt[e], x].astype(np.int64)
    return e


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


def later_bits(seq: Sequences, table: IntArray) -> npt.NDArray[np.uint8]:
    """Packed bits, per row ``r``: event ``X`` occurs at or after ``r`` in ``r``'s account.

    Row ``rows`` (the sentinel) has no bits. Shape (rows + 1, ceil(E / 8)).
    """
    rows = seq.n_rows
    end = np.r_[seq.acc_end[seq.acc], rows] if rows else np.zeros(1, dtype=np.int64)
    later = table < end[:, None]
    return np.packbits(later, axis=1, bitorder="little")


@attrs.frozen(slots=True)
class _Level:
    """Occurrences of the prefixes that a level extends by one event."""

    prefixes: list[tuple[int, ...]]
    acc: IntArray  # account of each occurrence, grouped by prefix
    bits: npt.NDArray[np.uint8]  # packed: which events occur strictly after the prefix
    bounds: IntArray  # prefix i occupies [bounds[i], bounds[i + 1])
    keep: BoolArray  # (prefixes × E): prefix + X is a candidate


@attrs.define
class Miner:
    """Frequent ordered patterns (gaps allowed) and weighted sums over their accounts.

    :meth:`discover` finds the candidates (patterns held by at least
    ``min_count`` accounts; an account counts once however often it repeats
    the pattern), level by level, extending only frequent prefixes.
    :meth:`sums` then returns, for every candidate, ``Σ W[account]`` over the
    accounts that contain it — the one operation behind the counts and the
    score tests. For each occurrence of a prefix the events that extend it
    are kept as packed bits, so a pass is an unpack and a matrix product.
    """

    seq: Sequences
    max_length: int
    min_count: int
    first: IntArray = attrs.field(init=False)
    last: IntArray = attrs.field(init=False)
    table: IntArray = attrs.field(init=False)
    singles: IntArray = attrs.field(init=False)
    patterns: list[tuple[int, ...]] = attrs.field(init=False, factory=list)
    levels: list[_Level] = attrs.field(init=False, factory=list)

    def __attrs_post_init__(self) -> None:
        self.first, self.last = first_last_rows(self.seq)
        self.table = next_table(self.seq) if self.max_length > 1 else np.zeros((0, 0), np.int64)
        self.singles = np.zeros(0, dtype=np.int64)

    def _present_singles(self) -> BoolArray:
        return np.asarray(self.first < self.seq.acc_end[:, None])

    def _unpack(self, bits: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        return np.unpackbits(bits, axis=1, count=self.seq.n_events, bitorder="little")

    def _group_counts(self, bits: npt.NDArray[np.uint8], starts: IntArray) -> IntArray:
        """Per group of rows (consecutive, non-empty, starting at ``starts``): counts per event."""
        px_t = np.unpackbits(
            np.ascontiguousarray(bits.T), axis=0, count=self.seq.n_events, bitorder="little"
        )
        return np.asarray(np.add.reduceat(px_t, starts, axis=1, dtype=np.int64).T)

    def discover(self) -> None:
        """Find the candidate patterns: fills ``patterns`` (singles, then pairs, ...)."""
        present = self._present_singles()
        self.singles = np.flatnonzero(present.sum(axis=0) >= self.min_count)
        self.patterns = [(int(x),) for x in self.singles]
        self.levels = []
        if self.max_length == 1 or len(self.singles) == 0:
            return
        bits_table = later_bits(self.seq, self.table)
        nxt = self.seq.nxt
        prefixes: list[tuple[int, ...]] = [(int(x),) for x in self.singles]
        accs = [np.flatnonzero(present[:, x]) for x in self.singles]
        occ_acc = np.concatenate(accs)
        occ_e = np.concatenate([self.first[a, x] for a, x in zip(accs, self.singles, strict=True)])
        sizes = np.array([len(a) for a in accs], dtype=np.int64)
        for level in range(2, self.max_length + 1):
            bounds = np.r_[0, np.cumsum(sizes)].astype(np.int64)
            occ_nx = nxt[occ_e]
            occ_bits = bits_table[occ_nx]
            counts = np.zeros((len(prefixes), self.seq.n_events), dtype=np.int64)
            for lo, hi, pids in _chunks(bounds):
                counts[pids] = self._group_counts(occ_bits[lo:hi], bounds[pids] - lo)
            keep = counts >= self.min_count
            self.levels.append(_Level(prefixes, occ_acc, occ_bits, bounds, keep))
            pre_idx, xs = np.nonzero(keep)
            new = [(*prefixes[p], int(x)) for p, x in zip(pre_idx, xs, strict=True)]
            self.patterns.extend(new)
            if level == self.max_length or not new:
                break
            # Occurrences of the new patterns (earliest completion rows) for the next level.
            new_id = np.full(keep.shape, -1, dtype=np.int64)
            new_id[keep] = np.arange(len(new))
            pid_all = np.repeat(np.arange(len(prefixes)), sizes)
            parts_acc, parts_e, parts_id = [], [], []
            for lo, hi, _ in _chunks(bounds):
                px = self._unpack(occ_bits[lo:hi]).astype(bool)
                ids = new_id[pid_all[lo:hi]]
                r, x = np.nonzero(px & (ids >= 0))
                parts_acc.append(occ_acc[lo:hi][r])
                parts_e.append(self.table[occ_nx[lo:hi][r], x].astype(np.int64))
                parts_id.append(ids[r, x])
            nid = np.concatenate(parts_id)
            order = np.argsort(nid)  # the order of occurrences inside a pattern is irrelevant
            occ_acc = np.concatenate(parts_acc)[order]
            occ_e = np.concatenate(parts_e)[order]
            sizes = np.bincount(nid, minlength=len(new)).astype(np.int64)
            prefixes = new

    def cell_counts(self, cell: IntArray, n_cells: int) -> IntArray:
        """Accounts containing each candidate, split by a per-account cell (m × n_cells).

        Any per-account weight that depends only on the cell (the outcome,
        the activity level, the selected patterns) sums as ``counts @ w_cell``,
        so one integer pass serves counts, adjusted fits and score tests.
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
        n_ev = self.seq.n_events
        for lvl in self.levels:
            n_pre = len(lvl.prefixes)
            pid = np.repeat(np.arange(n_pre, dtype=np.int64), np.diff(lvl.bounds))
            key = pid * n_cells + cell[lvl.acc]
            order = np.argsort(key)
            bounds = np.searchsorted(key[order], np.arange(n_pre * n_cells + 1))
            bits = lvl.bits[order]
            counts = np.zeros((n_pre * n_cells, n_ev), dtype=np.int64)
            for lo, hi, gids in _chunks(bounds):
                counts[gids] = self._group_counts(bits[lo:hi], bounds[gids] - lo)
            cube = counts.reshape(n_pre, n_cells, n_ev).transpose(0, 2, 1)
            out.append(cube[lvl.keep])
        return np.concatenate(out, axis=0).astype(np.int64)

    def presence(self, pattern: tuple[int, ...]) -> BoolArray:
        """Per account: does it contain ``pattern`` (ordered, gaps allowed)."""
        if len(pattern) == 1:
            return np.asarray(self.first[:, pattern[0]] < self.seq.acc_end)
        table = self.table if self.table.size else next_table(self.seq)
        e = match_rows(self.seq, table, pattern[:-1])
        return np.asarray(self.last[:, pattern[-1]] >= self.seq.nxt[e])


def _chunks(bounds: IntArray, size: int = _CHUNK) -> list[tuple[int, int, IntArray]]:
    """Group consecutive prefix blocks into runs of about ``_CHUNK`` rows.

    Yields ``(lo, hi, pids)``: the row range and the non-empty prefixes in it.
    """
    out: list[tuple[int, int, IntArray]] = []
    n_pre = len(bounds) - 1
    size = max(size, 1)
    cut = np.searchsorted(bounds, np.arange(0, int(bounds[-1]) + size, size), side="right") - 1
    edges = np.unique(np.r_[0, np.clip(cut, 0, n_pre), n_pre])
    for i, j in zip(edges[:-1], edges[1:], strict=True):
        pids = np.arange(i, j)
        pids = pids[bounds[pids + 1] > bounds[pids]]
        if len(pids):
            out.append((int(bounds[i]), int(bounds[j]), pids))
    return out


# --------------------------------------------------------------------------- statistics on cells


def _sigmoid(eta: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(eta, -35, 35))), dtype=float)


def fit_cells(
    succ: FloatArray, total: FloatArray, design: FloatArray, *, l2: float = 1e-6, max_iter: int = 50
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Many small logistic fits at once on grouped data.

    For each of ``m`` problems, cells ``c`` with ``succ[m, c]`` successes out
    of ``total[m, c]`` and covariates ``design[m, c, :]`` (intercept included
    as a column). Newton–Raphson with the same tiny ridge and step cap as
    :func:`adoptmetrics._logistic.fit_logistic` (the tests pin the two
    together). Returns ``(coef, se, converged)``, shapes (m, k), (m, k), (m,).
    """
    m, _, k = design.shape
    beta = np.zeros((m, k))
    penalty = np.full(k, l2)
    penalty[0] = 0.0
    converged = np.zeros(m, dtype=bool)
    for _ in range(max_iter):
        p = _sigmoid(np.einsum("mck,mk->mc", design, beta))
        grad = np.einsum("mc,mck->mk", succ - total * p, design) - penalty * beta
        info = np.einsum("mc,mck,mcl->mkl", total * p * (1 - p), design, design) + np.diag(penalty)
        step = np.linalg.solve(info + 1e-12 * np.eye(k), grad[:, :, None])[:, :, 0]
        big = np.max(np.abs(step), axis=1, keepdims=True)
        step = np.where(big > 10, step * 10 / np.maximum(big, 1e-300), step)
        step[converged] = 0.0
        beta += step
        converged |= np.max(np.abs(step), axis=1) < 1e-9 * (1 + np.max(np.abs(beta), axis=1))
        if converged.all():
            break
    p = _sigmoid(np.einsum("mck,mk->mc", design, beta))
    info = np.einsum("mc,mck,mcl->mkl", total * p * (1 - p), design, design) + np.diag(penalty)
    cov = np.linalg.pinv(info)
    se = np.sqrt(np.clip(np.einsum("mkk->mk", cov), 0, None))
    return beta, se, converged


def score_from_cells(
    z_counts: FloatArray, all_counts: FloatArray, design: FloatArray, fitted: FloatArray
) -> FloatArray:
    """Rao score statistics for adding each candidate to a model fitted on cells.

    ``all_counts`` (C × 2): failures and successes per cell over all
    accounts; ``z_counts`` (m × C × 2): the same among accounts holding each
    candidate; ``design`` (C × k) and ``fitted`` (C,) the current model per
    cell. The statistic is ``U² / I`` with ``U = zᵀ(y − p̂)`` and the
    efficient information ``I = zᵀWz − zᵀWX (XᵀWX)⁻¹ XᵀWz`` — the formula of
    :func:`adoptmetrics._logistic.score_tests`, summed by cell.
    """
    wv = fitted * (1 - fitted)
    t1 = z_counts.sum(axis=2)
    u = z_counts[:, :, 1].sum(axis=1) - t1 @ fitted
    a = (t1 * wv) @ design
    xwx = design.T @ (design * (all_counts.sum(axis=1) * wv)[:, None])
    solved = np.linalg.lstsq(xwx, a.T, rcond=None)[0]
    info = (t1 @ wv) - np.sum(a * solved.T, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(info > 1e-9, u**2 / info, 0.0), dtype=float)
