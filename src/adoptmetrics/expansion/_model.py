"""Internals of :mod:`adoptmetrics.expansion`: data preparation and the hazard model.

Kept apart so the public module stays short. Nothing here scans raw events
itself: firings come from :func:`adoptmetrics.activity.trigger_firings`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import cast

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from adoptmetrics._schema._validate import (
    SchemaError,
    check_known_ids,
    coerce_as_of,
    validate_accounts,
    validate_events,
    validate_expansions,
)
from adoptmetrics._stats._intervals import z_value
from adoptmetrics._stats._logistic import fit_logistic
from adoptmetrics._stats._ranking import tie_rank
from adoptmetrics.activity._encode import EventsLike, _encode, _encode_valid, _Encoded
from adoptmetrics.activity._sort import _stable_by
from adoptmetrics.activity._triggers import _firings, _grouped_searchsorted
from adoptmetrics.expansion._grid import any_in_period, last_at_or_before, period_rows
from adoptmetrics.models import Trigger

__all__ = ["ExpansionModel"]

_DAY = 86_400 * 10**9
_NEVER = np.iinfo(np.int64).min
#: Rows per block of the feature arithmetic (its temporaries stay in cache).
_DECAY_BLOCK = 1 << 16
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
# A trigger is a reason when it raises the odds of expanding by at least 10 %.
_REASON = math.log(1.1)

# --------------------------------------------------------------------------- options


def _positive(value: object, argument: str, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{argument}={value!r} must be a number of days.\nHint: {example}.")
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(
            f"{argument}={value!r} must be a positive number of days.\nHint: {example}."
        )
    return float(value)


def _check_triggers(triggers: object) -> tuple[Trigger, ...]:
    if isinstance(triggers, Trigger):
        triggers = [triggers]
    if isinstance(triggers, (str, bytes)) or not isinstance(triggers, Sequence):
        raise TypeError(
            f"triggers must be a list of Trigger records, got {type(triggers).__name__}.\n"
            "Hint: triggers=[am.Trigger('seat limit', event='seat_limit_reached')]."
        )
    out = tuple(triggers)
    if not out:
        raise ValueError("triggers is empty.\nHint: pass at least one am.Trigger(...).")
    for t in out:
        if not isinstance(t, Trigger):
            raise TypeError(
                f"triggers holds a {type(t).__name__}, not a Trigger.\n"
                "Hint: build each with am.Trigger(name, event=...) or am.Trigger(name, metric=...)."
            )
    names = [t.name for t in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"trigger names must be unique; repeated: {dup}.\nHint: rename them.")
    return out


@attrs.frozen(slots=True)
class _Cols:
    account: str = "account_id"
    event: str = "event"
    time: str = "timestamp"
    user: str = "user_id"
    start: str = "started_at"
    churn: str = "churned_at"
    seats: str = "seats"
    exp_account: str = "account_id"
    exp_time: str = "timestamp"
    acc_account: str = "account_id"


def _cols(
    account_col: str,
    event_col: str,
    time_col: str,
    user_col: str,
    start_col: str,
    churn_col: str,
    seats_col: str,
    expansion_account_col: str | None,
    expansion_time_col: str,
    accounts_account_col: str | None = None,
) -> _Cols:
    """Column options of the three tables (their account columns default to ``account_col``)."""
    for name, value in (
        ("account_col", account_col),
        ("event_col", event_col),
        ("time_col", time_col),
        ("user_col", user_col),
        ("start_col", start_col),
        ("churn_col", churn_col),
        ("seats_col", seats_col),
        ("expansion_time_col", expansion_time_col),
    ):
        if not isinstance(value, str):
            raise TypeError(f"{name}={value!r} must be a column name.\nHint: {name}='...'.")
    for name, other in (
        ("expansion_account_col", expansion_account_col),
        ("accounts_account_col", accounts_account_col),
    ):
        if other is not None and not isinstance(other, str):
            raise TypeError(
                f"{name}={other!r} must be a column name or None.\n"
                "Hint: leave it None when the table uses the same account column as events."
            )
    return _Cols(
        account_col,
        event_col,
        time_col,
        user_col,
        start_col,
        churn_col,
        seats_col,
        expansion_account_col or account_col,
        expansion_time_col,
        accounts_account_col or account_col,
    )


# --------------------------------------------------------------------------- data preparation


@attrs.frozen(slots=True)
class _Data:
    """Compact, validated inputs: per-account at-risk spans, expansions, firings."""

    universe: pd.Index
    start: IntArray
    end: IntArray
    churned: BoolArray
    as_of: int
    x_acc: IntArray
    x_ns: IntArray
    firings: tuple[tuple[IntArray, IntArray], ...]


def _codes(ids: pd.Series, universe: pd.Index) -> IntArray:
    return np.asarray(universe.get_indexer(pd.Index(ids.astype(object))), dtype=np.int64)


def _sorted_pairs(acc: IntArray, ns: IntArray) -> tuple[IntArray, IntArray]:
    order = np.lexsort((ns, acc))
    return acc[order], ns[order]


def _encoded(
    events: EventsLike, cols: _Cols, needs_users: bool
) -> tuple[_Encoded, IntArray | None]:
    """The events as integer arrays (an EventLog's are reused) and, if needed, user codes."""
    if needs_users:
        ev = validate_events(
            events,
            account_col=cols.account,
            event_col=cols.event,
            time_col=cols.time,
            user_col=cols.user,
        )
        users = ev["user_id"].cat.codes.to_numpy().astype(np.int64)
        return _encode_valid(ev, with_events=True), users
    enc = _encode(
        events,
        entity_col=cols.account,
        time_col=cols.time,
        event_col=cols.event,
        activity_events=None,
    )
    return enc, None


def _prepare(
    events: object,
    expansions: object,
    triggers: tuple[Trigger, ...],
    accounts: object,
    as_of: object,
    cols: _Cols,
    *,
    as_of_argument: str = "as_of",
    warn: bool = True,
    snapshot: object = None,
) -> _Data:
    """Validate and encode the inputs; ``snapshot`` (accounts as of ``as_of``) supplies seats.

    The events are read as integer arrays once; every trigger's firings come
    from them (see :func:`adoptmetrics.activity._triggers._firings`), so the
    event-sized work is a sort shared by all triggers (memoised by an EventLog).
    """
    needs_users = any(t.metric == "active_user_share" for t in triggers)
    if needs_users and accounts is None:
        raise ValueError(
            "an 'active_user_share' trigger needs each account's seats.\n"
            "Hint: pass accounts= with a 'seats' column."
        )
    enc, users = _encoded(events, cols, needs_users)
    if enc.cache is None:  # a fresh encoding of a frame: share the event order among triggers
        enc.cache = {}
    ex = None
    if expansions is not None:
        ex = validate_expansions(expansions, account_col=cols.exp_account, time_col=cols.exp_time)
    latest = None if enc.latest is None else pd.Timestamp(enc.latest)
    if ex is not None and len(ex):
        latest = ex["timestamp"].max() if latest is None else max(latest, ex["timestamp"].max())
    ref = coerce_as_of(as_of, latest, argument=as_of_argument)
    if ex is not None:
        ex = ex[(ex["timestamp"] <= ref).to_numpy()]
    entities = pd.Index(enc.entities.astype(object))
    seats: pd.Series | None = None
    if accounts is not None:
        acc = validate_accounts(
            accounts, account_col=cols.acc_account, start_col=cols.start, churn_col=cols.churn
        )
        if ex is not None:
            check_known_ids(
                ex["account_id"],
                acc["account_id"].astype(object),
                table="expansions",
                column=cols.exp_account,
                known_table="accounts",
            )
        acc = acc[(acc["started_at"] <= ref).to_numpy()]
        universe = pd.Index(acc["account_id"].astype(object).to_numpy())
        start = acc["started_at"].to_numpy().view(np.int64).copy()
        churn = acc["churned_at"].to_numpy().view(np.int64)
        churned = (churn != _NEVER) & (churn <= ref.value)
        end = np.where(churned, churn, ref.value).astype(np.int64)
        if needs_users:
            seats = _seats(acc if snapshot is None else snapshot, cols, snapshot is not None)
        to_universe = np.asarray(universe.get_indexer(entities), dtype=np.int64)
    else:
        # At-risk time runs from the first to the last time an account is seen.
        ent, ns = enc.entity, enc.ns
        if enc.latest is not None and enc.latest > ref.value:
            seen = ns <= ref.value
            ent, ns = ent[seen], ns[seen]
        lo = np.full(len(entities), np.iinfo(np.int64).max, dtype=np.int64)
        hi = np.full(len(entities), _NEVER, dtype=np.int64)
        np.minimum.at(lo, ent, ns)
        np.maximum.at(hi, ent, ns)
        has_events = hi != _NEVER
        if ex is not None:
            check_known_ids(
                ex["account_id"],
                entities[has_events],
                table="expansions",
                column=cols.exp_account,
                known_table="events",
            )
            x_ent = _codes(ex["account_id"], entities)
            x_t = ex["timestamp"].to_numpy().view(np.int64)
            np.minimum.at(lo, x_ent, x_t)
            np.maximum.at(hi, x_ent, x_t)
        universe = pd.Index(entities[has_events].to_numpy(dtype=object))
        start, end = lo[has_events], hi[has_events]
        churned = np.zeros(len(universe), dtype=bool)
        to_universe = np.cumsum(has_events) - 1
        to_universe[~has_events] = -1
    x_acc = np.zeros(0, dtype=np.int64)
    x_ns = np.zeros(0, dtype=np.int64)
    if ex is not None:
        x_acc = _codes(ex["account_id"], universe)
        x_ns = ex["timestamp"].to_numpy().view(np.int64)
        inside = x_acc >= 0
        inside[inside] = (x_ns[inside] >= start[x_acc[inside]]) & (
            x_ns[inside] <= end[x_acc[inside]]
        )
        if warn and (~inside).any():
            warnings.warn(
                f"{int((~inside).sum())} expansions fall outside their account's active time "
                "(before started_at or after churned_at) and are ignored.",
                UserWarning,
                stacklevel=3,
            )
        x_acc, x_ns = _sorted_pairs(x_acc[inside], x_ns[inside])
    # Firings come sorted by (entity, time); they stay sorted in universe codes
    # when the universe lists the accounts in the entities' order.
    # At-risk span per entity code (empty for entities outside the universe).
    ent_start = np.r_[start, np.iinfo(np.int64).max][to_universe]
    ent_end = np.r_[end, _NEVER][to_universe]
    mapped = to_universe[to_universe >= 0]
    monotone = bool(np.all(mapped[1:] > mapped[:-1]))
    vocabulary = set(enc.events.astype(str)) if enc.events is not None else set()
    firings = []
    for trig in triggers:  # one vectorised pass per trigger over its own events
        f_ent, f_ns = _firings(
            enc,
            event=trig.event,
            min_count=trig.min_count,
            window_days=trig.window_days,
            metric=trig.metric,
            threshold=trig.threshold,
            end=ref.value,
            user=users,
            seats=seats,
        )
        ok = (f_ns >= ent_start[f_ent]) & (f_ns <= ent_end[f_ent])
        f_acc, f_ns = to_universe[f_ent[ok]], f_ns[ok]
        if not monotone:
            order = _stable_by(f_acc, np.arange(len(f_acc), dtype=np.int64))
            f_acc, f_ns = f_acc[order], f_ns[order]
        if warn and trig.event is not None and trig.event not in vocabulary:
            warnings.warn(
                f"trigger {trig.name!r}: event {trig.event!r} never occurs in events.\n"
                f"Hint: check the spelling; known events include {sorted(vocabulary)[:8]}.",
                UserWarning,
                stacklevel=3,
            )
        elif warn and len(f_ns) == 0:
            warnings.warn(
                f"trigger {trig.name!r} never fires in the active time of any account.\n"
                "Hint: lower min_count or threshold, or widen window_days.",
                UserWarning,
                stacklevel=3,
            )
        firings.append((f_acc, f_ns))
    return _Data(universe, start, end, churned, ref.value, x_acc, x_ns, tuple(firings))


def _seats(table: object, cols: _Cols, is_snapshot: bool) -> pd.Series:
    """Account id → seats, from the accounts table or an as-of snapshot of it."""
    name = "accounts_at_cutoff" if is_snapshot else "accounts"
    if is_snapshot:
        if not isinstance(table, pd.DataFrame):
            raise TypeError(
                f"accounts_at_cutoff must be a DataFrame, got {type(table).__name__}.\n"
                "Hint: one row per account with the seats it had at the cutoff."
            )
        if cols.acc_account not in table.columns:
            raise SchemaError(
                name,
                cols.acc_account,
                "is missing",
                "pass the account id column (or set accounts_account_col=).",
            )
    table = cast(pd.DataFrame, table)  # checked above, or validated accounts
    if cols.seats not in table.columns:
        raise ValueError(
            f"an 'active_user_share' trigger needs seats, but {name} has no "
            f"{cols.seats!r} column.\nHint: add the licensed seats or pass seats_col=."
        )
    ids = table[cols.acc_account if is_snapshot else "account_id"].astype(object).to_numpy()
    return pd.Series(table[cols.seats].to_numpy(), index=pd.Index(ids))


def _last_at_or_before(
    f_acc: IntArray, f_ns: IntArray, q_acc: IntArray, q_ns: IntArray, *, strict: bool
) -> IntArray:
    """Time of the latest firing at (or strictly before) each query; ``_NEVER`` if none."""
    if len(f_ns) == 0 or len(q_ns) == 0:
        return np.full(len(q_ns), _NEVER, dtype=np.int64)
    pos = _grouped_searchsorted(f_acc, f_ns, q_acc, q_ns, side="left" if strict else "right") - 1
    ok = pos >= 0
    ok[ok] = f_acc[pos[ok]] == q_acc[ok]
    return np.where(ok, f_ns[np.where(ok, pos, 0)], _NEVER)


# --------------------------------------------------------------------------- model


@attrs.frozen(slots=True)
class ExpansionModel:
    """A discrete-time hazard model of expansion on recency-decayed trigger features.

    Account-period rows: the history is cut into periods of ``period_days``
    ending at ``fitted_through``; a row is an account at risk for a whole
    period ``(g, g + period_days]``, its outcome whether it expanded in it.
    The feature of trigger *k* at ``g`` is ``2^(−d/half_life_days)``, with
    ``d`` the days since its latest firing at or before ``g`` (0 if it never
    fired). ``P(expand in period) = sigmoid(intercept + Σ coef_k · x_k)``.

    Attributes
    ----------
    triggers : tuple of Trigger
        The triggers, in feature order.
    intercept : float
        Log odds of expanding in a period with no recent trigger.
    coef : ndarray
        Per-trigger log odds ratio of a fresh firing (``x = 1``).
    se : ndarray
        Wald standard errors of ``coef`` (NaN for hand-set weights).
    horizon_days, half_life_days, period_days : float
        Settings.
    weights : str
        ``"learned"`` or ``"hand"`` (``coef`` taken from ``Trigger.weight``).
    fitted_through : pandas.Timestamp
        The latest data the model saw.
    n_rows, n_expansions : int
        Account-period rows and rows with an expansion.
    """

    triggers: tuple[Trigger, ...]
    intercept: float
    coef: FloatArray
    se: FloatArray
    horizon_days: float
    half_life_days: float
    period_days: float
    weights: str
    fitted_through: pd.Timestamp
    n_rows: int
    n_expansions: int

    @property
    def summary(self) -> pd.DataFrame:
        """One row per trigger: ``trigger``, ``coef``, ``odds_ratio``, ``ci_lower``,
        ``ci_upper`` (95 % Wald interval of the odds ratio), ``p_value``."""
        z = z_value(0.95)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = 2 * stats.norm.sf(np.abs(self.coef / self.se))
        return pd.DataFrame(
            {
                "trigger": [t.name for t in self.triggers],
                "coef": self.coef,
                "odds_ratio": np.exp(self.coef),
                "ci_lower": np.exp(self.coef - z * self.se),
                "ci_upper": np.exp(self.coef + z * self.se),
                "p_value": p,
            }
        )

    def _features(self, data: _Data, acc: IntArray, ns: IntArray) -> FloatArray:
        last = (_last_at_or_before(f, t, acc, ns, strict=False) for f, t in data.firings)
        return self._decayed(last, ns)

    def _decayed(self, last: Iterable[IntArray], ns: IntArray) -> FloatArray:
        """Features from each trigger's latest firing at or before ``ns`` (``_NEVER``: none).

        ``last`` may be a generator: each trigger's column is written into one
        column-major matrix as it comes, so at most one trigger's lookup is held
        at a time.
        """
        x = np.empty((len(ns), len(self.triggers)), order="F")  # contiguous columns
        scale = -1.0 / (self.half_life_days * _DAY)  # age in ns -> exponent of 2
        for j, seen_at in enumerate(last):
            col = x[:, j]
            # In cache-sized blocks, in place: the age of an unseen trigger wraps
            # around (meaningless, may overflow exp2) and is then set to 0.
            with np.errstate(over="ignore"):
                for i in range(0, len(ns), _DECAY_BLOCK):
                    s, c = seen_at[i : i + _DECAY_BLOCK], col[i : i + _DECAY_BLOCK]
                    np.multiply(np.subtract(ns[i : i + _DECAY_BLOCK], s), scale, out=c)
                    np.exp2(c, out=c)
                    c[s == _NEVER] = 0.0
        return x

    def _probability(self, x: FloatArray) -> FloatArray:
        """P(at least one expansion within horizon_days), projecting feature decay."""
        h, step = self.horizon_days, self.period_days
        n_steps = math.ceil(h / step - 1e-9)
        log_surv = np.zeros(len(x))
        for j in range(n_steps):  # a handful of periods, vectorised over accounts
            decay = 2.0 ** (-j * step / self.half_life_days)
            eta = self.intercept + (x * decay) @ self.coef
            hazard = 1 / (1 + np.exp(-np.clip(eta, -35, 35)))
            length = min(step, h - j * step) / step
            log_surv += length * np.log1p(-np.minimum(hazard, 1 - 1e-12))
        return np.asarray(1 - np.exp(log_surv), dtype=float)


def _fit(
    data: _Data,
    triggers: tuple[Trigger, ...],
    *,
    horizon: float,
    half_life: float,
    period: float,
    weights: str,
) -> ExpansionModel:
    step = round(period * _DAY)
    grid = period_rows(data.as_of, data.start, data.end, step)
    y = any_in_period(grid, data.x_acc, data.x_ns)
    n_pos = int(y.sum())
    if n_pos == 0:
        raise ValueError(
            "no expansion falls in a whole period of at-risk time before "
            f"{pd.Timestamp(data.as_of)}, so there is nothing to learn from.\n"
            "Hint: pass a later as_of/cutoff, or expansions= that cover the history."
        )
    if n_pos < 20:
        warnings.warn(
            f"only {n_pos} account-periods with an expansion to learn from; "
            "the weights (and scores) are very uncertain.",
            UserWarning,
            stacklevel=3,
        )
    draft = ExpansionModel(
        triggers, 0.0, np.zeros(len(triggers)), np.full(len(triggers), np.nan),
        horizon, half_life, period, weights, pd.Timestamp(data.as_of), len(y), n_pos,
    )  # fmt: skip
    x = draft._decayed(
        (last_at_or_before(grid, f_acc, f_ns) for f_acc, f_ns in data.firings), grid.g
    )
    del grid  # event-sized rows no longer needed: free them before the fit's own arrays
    if weights == "hand":
        w = np.array([t.weight for t in triggers], dtype=float)
        fit = fit_logistic(np.zeros((len(y), 0)), y, offset=x @ w)
        return attrs.evolve(draft, intercept=float(fit.coef[0]), coef=w)
    fit = fit_logistic(x, y, l2=1e-3)
    return attrs.evolve(draft, intercept=float(fit.coef[0]), coef=fit.coef[1:], se=fit.se[1:])


def _check_weights(weights: str, triggers: tuple[Trigger, ...]) -> None:
    if weights not in ("learned", "hand"):
        raise ValueError(f"weights={weights!r} is unknown.\nHint: use 'learned' or 'hand'.")
    missing = [t.name for t in triggers if t.weight is None]
    if weights == "hand" and missing:
        raise ValueError(
            f"weights='hand' needs Trigger.weight on every trigger; missing for {missing}.\n"
            "Hint: Trigger(name, event=..., weight=1.2) (a log odds ratio), or weights='learned'."
        )


def _scores(model: ExpansionModel, data: _Data) -> pd.DataFrame:
    active = ~data.churned & (data.start <= data.as_of)
    acc = np.flatnonzero(active).astype(np.int64)
    x = model._features(data, acc, np.full(len(acc), data.as_of, dtype=np.int64))
    score = model._probability(x)
    # Ties share a rank (never broken by id); the display order among them is by id.
    ids = data.universe[acc].astype(str)
    order = np.lexsort((np.asarray(ids), -score))
    contrib = x * model.coef
    if model.weights == "learned":
        # A weight whose 95 % interval includes 0 is noise: it gives no reason.
        contrib = np.where(model.coef - 1.959964 * model.se > 0, contrib, 0.0)
    names = np.array([t.name for t in model.triggers], dtype=object)
    ranked = np.argsort(-contrib, axis=1, kind="stable")
    keep = np.take_along_axis(contrib, ranked, axis=1) >= _REASON
    reasons = [tuple(names[r[k]]) for r, k in zip(ranked, keep, strict=True)]
    rank = tie_rank(score)
    out = pd.DataFrame(
        {
            "account_id": data.universe[acc],
            "score": score,
            "rank": rank,
            "reasons": pd.Series(reasons, dtype=object),
        }
    )
    return out.iloc[order].reset_index(drop=True)
