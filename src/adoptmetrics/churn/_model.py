"""The churn model (Cox proportional hazards) and per-account scoring.

Private helpers of :mod:`adoptmetrics.churn`; the public names are re-exported
there.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from adoptmetrics._progress import Progress
from adoptmetrics._schema._validate import SchemaError, _require_column, validate_accounts
from adoptmetrics._stats._intervals import check_confidence, z_value
from adoptmetrics._stats._survival import (
    CoxConvergenceError,
    CoxFit,
    fit_cox,
    weibull_shape,
)
from adoptmetrics.churn._data import Frame, check_days, prepare

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_CHUNK = 20_000
#: A reason raises the hazard by at least 5 % (smaller factors are noise to a reader).
_MIN_REASON = float(np.log(1.05))


# --------------------------------------------------------------------------- design


@attrs.frozen(slots=True)
class _Covariate:
    name: str
    kind: str  # "numeric" or "categorical"
    reference: Any
    levels: tuple[Any, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        if self.kind == "numeric":
            return (self.name,)
        return tuple(f"{self.name}={lvl}" for lvl in self.levels)


def _specs(
    data: pd.DataFrame, covariates: Sequence[str], reference: Mapping[str, Any]
) -> list[_Covariate]:
    specs = []
    for col in covariates:
        s = data[col]
        null = s.isna().to_numpy()
        if null.any():
            raise SchemaError(
                "accounts",
                col,
                f"has {int(null.sum())} missing values",
                "fill them (a category such as 'unknown', or a typical number) "
                "or drop those accounts before fitting.",
                rows=list(data.index[np.flatnonzero(null)[:5]]),
            )
        numeric = pd.api.types.is_bool_dtype(s.dtype) or (
            pd.api.types.is_numeric_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype)
        )
        constant = (s.min() == s.max()) if numeric and len(s) else s.nunique() < 2
        if constant:
            warnings.warn(
                f"covariate {col!r} is constant ({s.iloc[0]!r}) in the accounts used for the "
                "fit; it is left out of the model.\n"
                "Hint: drop it from covariates, or check as_of/filters.",
                UserWarning,
                stacklevel=4,
            )
            continue
        if numeric:
            if col in reference:
                raise ValueError(
                    f"reference={{{col!r}: ...}} given, but {col!r} is numeric.\n"
                    "Hint: references apply to categorical columns only."
                )
            specs.append(_Covariate(col, "numeric", None, ()))
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            used = set(s.unique())
            levels = [c for c in s.cat.categories if c in used]
        else:
            levels = sorted(s.unique().tolist(), key=str)
        ref = reference.get(col, levels[0])
        if ref not in levels:
            raise ValueError(
                f"reference level {ref!r} is not a value of {col!r} ({levels[:8]}).\n"
                f"Hint: pass one of those, e.g. reference={{{col!r}: {levels[0]!r}}}."
            )
        specs.append(_Covariate(col, "categorical", ref, tuple(v for v in levels if v != ref)))
    return specs


def _unseen(values: npt.NDArray[Any]) -> list[Any]:
    return sorted(set(values.tolist()), key=str)[:5]


def _design(data: pd.DataFrame, specs: Sequence[_Covariate]) -> FloatArray:
    blocks = []
    for spec in specs:
        s = data[spec.name]
        null = s.isna().to_numpy()
        if null.any():
            raise SchemaError(
                "accounts",
                spec.name,
                f"has {int(null.sum())} missing values",
                "fill them the same way as in the data the model was fitted on.",
                rows=list(data.index[np.flatnonzero(null)[:5]]),
            )
        if spec.kind == "numeric":
            blocks.append(s.to_numpy(dtype=float)[:, None])
            continue
        values = s.astype(object).to_numpy()
        known = np.isin(values, np.asarray([spec.reference, *spec.levels], dtype=object))
        if not known.all():
            raise SchemaError(
                "accounts",
                spec.name,
                f"has values the model never saw ({_unseen(values[~known])})",
                "map them to a known level, or refit the model on data that includes them.",
                rows=list(data.index[np.flatnonzero(~known)[:5]]),
            )
        lv = np.asarray(spec.levels, dtype=object)
        blocks.append((values[:, None] == lv[None, :]).astype(float))
    return np.hstack(blocks) if blocks else np.zeros((len(data), 0))


# --------------------------------------------------------------------------- the model


@attrs.frozen(slots=True)
class ChurnModel:
    """A fitted Cox proportional-hazards churn model (see :func:`fit_churn_model`).

    Attributes
    ----------
    summary : DataFrame
        One row per model term: ``covariate`` (``<column>=<level>`` for a
        categorical level against its reference, the column name for a
        numeric or boolean column), ``hazard_ratio``, ``ci_lower``,
        ``ci_upper``, ``coef`` (log hazard ratio), ``se``, ``p_value``.
    concordance : float
        Harrell's C on the training accounts (0.5 = no discrimination).
    n_accounts, n_churned : int
        Accounts used and churns observed.
    as_of : Timestamp
        The date the model was fitted as of.
    covariates : tuple of str
        The columns in the model (constant ones dropped).
    references : dict
        Reference level of each categorical covariate.
    reference_values : dict
        What a reason is measured against, per covariate: the reference
        level of a categorical one, the median over the training accounts
        of a numeric one (see :func:`churn_risk`'s ``reasons``).
    max_followup_days : int
        Longest duration in the training data; beyond it the baseline
        cumulative hazard is extrapolated with a Weibull tail.
    tail_shape : float
        Weibull shape ρ of that tail: ``H₀(t) = H₀(τ)·(t/τ)^ρ`` for ``t > τ``,
        the slope of log H₀ on log t over the second half of the follow-up.
    confidence : float
        Level of the intervals in ``summary``.
    """

    summary: pd.DataFrame = attrs.field(eq=False)
    concordance: float
    n_accounts: int
    n_churned: int
    as_of: pd.Timestamp
    covariates: tuple[str, ...]
    references: dict[str, Any] = attrs.field(eq=False)
    reference_values: dict[str, Any] = attrs.field(eq=False)
    max_followup_days: int
    tail_shape: float
    confidence: float
    _cox: CoxFit = attrs.field(repr=False, eq=False)
    _specs: tuple[_Covariate, ...] = attrs.field(repr=False, eq=False)

    def check_assumptions(self) -> pd.DataFrame:
        """Proportional-hazards test per term (Schoenfeld residuals, rank of time).

        The Grambsch–Therneau score test of the scaled Schoenfeld residuals
        against the rank of the churn times (lifelines'
        ``proportional_hazard_test(..., time_transform="rank")``), with the
        model's own risk sets (delayed entry included).

        Returns
        -------
        DataFrame
            ``covariate``, ``statistic`` (χ² with 1 df),
            ``degrees_of_freedom``, ``p_value``. A small p-value says the
            term's hazard ratio changes with tenure; stratify or split the
            follow-up for that covariate.
        """
        return self._cox.ph_table.copy()

    def cumulative_hazard(self, t: npt.ArrayLike) -> FloatArray:
        """Baseline cumulative hazard H₀(t) (at the training means), Weibull tail beyond τ."""
        tt = np.asarray(t, dtype=float)
        bt, bh = self._cox.baseline_times, self._cox.baseline_cumhaz
        idx = np.searchsorted(bt, tt, side="right") - 1
        inside = np.where(idx >= 0, bh[np.maximum(idx, 0)], 0.0)
        tau = float(self.max_followup_days)
        h_tau = float(bh[-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            tail = h_tau * (np.maximum(tt, tau) / tau) ** self.tail_shape if tau > 0 else inside
        return np.asarray(np.where(tt > tau, tail, inside))

    def linear_predictor(self, accounts: pd.DataFrame) -> FloatArray:
        """Centred log relative hazard ``(x − x̄)·β`` of each row of a canonical frame."""
        x = _design(accounts, self._specs)
        return np.asarray((x - self._cox.means) @ self._cox.params)

    def predict_survival(
        self,
        accounts: pd.DataFrame,
        times: npt.ArrayLike,
        *,
        account_col: str = "account_id",
        start_col: str = "started_at",
        churn_col: str = "churned_at",
    ) -> pd.DataFrame:
        """Model survival ``S(t | x)`` of each account at tenures ``times`` (days).

        Returns
        -------
        DataFrame
            One row per account and time, sorted: ``account_id``, ``time``,
            ``survival``, ``extrapolated`` (``time`` past the longest
            follow-up: the Weibull tail was used).
        """
        acc = validate_accounts(
            accounts, account_col=account_col, start_col=start_col, churn_col=churn_col
        )
        for col in self.covariates:
            _require_column(acc, "accounts", col, "covariates")
        order = np.argsort(acc["account_id"].astype(str).to_numpy(), kind="stable")
        acc = acc.iloc[order].reset_index(drop=True)
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if t.ndim != 1 or np.any(~np.isfinite(t)) or np.any(t < 0):
            raise ValueError("times must be non-negative days.\nHint: e.g. times=[30, 90, 365].")
        eta = self.linear_predictor(acc)
        surv = np.exp(-np.outer(np.exp(eta), self.cumulative_hazard(t)))
        return pd.DataFrame(
            {
                "account_id": np.repeat(acc["account_id"].to_numpy(), len(t)),
                "time": np.tile(t, len(acc)),
                "survival": surv.ravel(),
                "extrapolated": np.tile(t > self.max_followup_days, len(acc)),
            }
        )


def fit_churn_model(
    accounts: pd.DataFrame,
    /,
    *,
    covariates: Sequence[str],
    as_of: object = None,
    observed_from: object = None,
    reference: Mapping[str, Any] | None = None,
    penalizer: float = 0.0,
    confidence: float = 0.95,
    progress: bool = False,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> ChurnModel:
    """Fit a Cox proportional-hazards model of churn on account attributes.

    Durations are whole days from :func:`survival_table` (censored at
    ``as_of``, left-truncated at ``observed_from``); ties are handled with
    Efron's method, by Newton–Raphson on whole-day risk sets (numpy; it
    reproduces lifelines' ``CoxPHFitter``, which is not needed). Accounts
    whose follow-up ends the day observation begins are never at risk and
    are left out (see :func:`survival_table`). The baseline cumulative hazard
    (Breslow) comes from the same risk sets as the coefficients, so
    predictions stay unbiased under ``observed_from``. Categorical columns
    (strings, categoricals) are one-hot encoded against a reference level —
    the first category of a categorical column, otherwise the first value in
    sorted order, or the one given in ``reference``. Booleans and numbers
    enter as they are (a hazard ratio per unit).

    Parameters
    ----------
    accounts : DataFrame
        Accounts with the covariate columns.
    covariates : list of str
        Columns to model.
    as_of, observed_from : timestamp, optional
        See :func:`survival_table`.
    reference : dict, optional
        Reference level per categorical column, e.g. ``{"plan": "basic"}``.
    penalizer : float
        L2 penalty ``penalizer · n/2 · Σ β²`` on the standardised
        coefficients (lifelines' parametrisation); use e.g. 0.01 when a level has (almost) no
        churns and the fit does not converge.
    confidence : float
        Level of the hazard-ratio intervals (Wald, on the log scale).
    progress : bool
        Report the steps on stderr (silent by default).
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    ChurnModel
        ``summary`` (``covariate``, ``hazard_ratio``, ``ci_lower``,
        ``ci_upper``, ``coef``, ``se``, ``p_value``), ``concordance``,
        ``check_assumptions()``, ``predict_survival(accounts, times)``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> plan = rng.choice(["basic", "pro"], n)
    >>> days = rng.exponential(np.where(plan == "pro", 200, 100)).astype(int)
    >>> acc = pd.DataFrame({"account_id": [f"a{i}" for i in range(n)], "plan": plan,
    ...     "started_at": pd.Timestamp("2023-01-01"),
    ...     "churned_at": pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D")})
    >>> model = fit_churn_model(acc, covariates=["plan"], as_of="2023-12-31")
    >>> model.summary["covariate"].tolist()
    ['plan=pro']
    >>> 0.4 < float(model.summary["hazard_ratio"].iloc[0]) < 0.65
    True
    """
    check_confidence(confidence)
    if isinstance(covariates, str) or not isinstance(covariates, Sequence) or not covariates:
        raise TypeError(
            f"covariates={covariates!r} must be a non-empty list of column names.\n"
            "Hint: e.g. covariates=['plan', 'industry']."
        )
    if isinstance(penalizer, bool) or not isinstance(penalizer, (int, float)) or penalizer < 0:
        raise ValueError(f"penalizer={penalizer!r} must be >= 0.\nHint: e.g. 0.01.")
    ref = dict(reference or {})
    unknown = set(ref) - set(covariates)
    if unknown:
        raise ValueError(
            f"reference names {sorted(unknown)}, which are not in covariates.\n"
            "Hint: reference={'<covariate>': '<level>'} for covariates you model."
        )
    f = prepare(
        accounts,
        as_of=as_of,
        observed_from=observed_from,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
        extra=list(covariates),
    )
    n_churned = int(f.churned.sum())
    if n_churned == 0:
        raise ValueError(
            f"no account churned on or before as_of={f.as_of.date()}; there is nothing to model.\n"
            "Hint: use a later as_of or more accounts."
        )
    specs = _specs(f.data, covariates, ref)
    if not specs:
        raise ValueError(
            "every covariate is constant; there is nothing to fit.\n"
            "Hint: choose columns that vary across accounts."
        )
    _warn_empty_levels(f, specs)
    steps = Progress("fit_churn_model", total=3, enabled=progress)
    steps.step(f"survival table: {len(f.data):,} accounts, {int(f.churned.sum()):,} churned")
    x = _design(f.data, specs)
    names = [c for s in specs for c in s.columns]
    try:
        cox, caught = fit_cox(
            x,
            f.duration,
            f.churned,
            columns=names,
            entry=f.entry,
            penalizer=float(penalizer),
        )
    except CoxConvergenceError as exc:
        raise ValueError(
            f"the Cox fit failed ({exc}).\n"
            "Hint: drop near-duplicate or constant covariates, merge rare levels, "
            "or pass penalizer=0.01."
        ) from None
    if caught:
        warnings.warn(
            f"the Cox fit may not have converged: {caught[0]}\n"
            "Hint: merge rare levels, drop collinear covariates, or pass penalizer=0.01.",
            UserWarning,
            stacklevel=2,
        )
    steps.step(f"Cox fit: {len(names)} covariate columns")
    z = z_value(confidence)
    with np.errstate(over="ignore"):  # a diverging level (warned above) gives inf
        lower, upper = np.exp(cox.params - z * cox.se), np.exp(cox.params + z * cox.se)
    summary = pd.DataFrame(
        {
            "covariate": list(cox.columns),
            "hazard_ratio": np.exp(cox.params),
            "ci_lower": lower,
            "ci_upper": upper,
            "coef": cox.params,
            "se": cox.se,
            "p_value": cox.p_value,
        }
    )
    died = np.bincount(f.duration[f.churned], minlength=int(f.duration.max()) + 1)
    bt = cox.baseline_times.astype(np.int64)
    shape = weibull_shape(
        cox.baseline_times,
        cox.baseline_cumhaz,
        died[np.minimum(bt, len(died) - 1)],
        start=f.duration.max() / 2,
    )
    steps.step("Weibull tail for extrapolated risks")
    return ChurnModel(
        summary=summary,
        concordance=cox.concordance,
        n_accounts=len(f.data),
        n_churned=n_churned,
        as_of=f.as_of,
        covariates=tuple(s.name for s in specs),
        references={s.name: s.reference for s in specs if s.kind == "categorical"},
        reference_values=_reference_values(f.data, specs),
        max_followup_days=int(f.duration.max()),
        tail_shape=shape,
        confidence=float(confidence),
        cox=cox,
        specs=tuple(specs),
    )


def _reference_values(data: pd.DataFrame, specs: Sequence[_Covariate]) -> dict[str, Any]:
    """Reference level of each categorical covariate, training median of each numeric one."""
    out: dict[str, Any] = {}
    for spec in specs:
        if spec.kind == "categorical":
            out[spec.name] = spec.reference
            continue
        values = data[spec.name]
        if pd.api.types.is_bool_dtype(values.dtype):
            out[spec.name] = False
        else:
            out[spec.name] = float(np.median(values.to_numpy(dtype=float)))
    return out


def _warn_empty_levels(f: Frame, specs: Sequence[_Covariate]) -> None:
    for spec in specs:
        if spec.kind != "categorical":
            continue
        values = f.data[spec.name].astype(object).to_numpy()
        churned_levels = set(values[f.churned].tolist())
        empty = [lvl for lvl in (spec.reference, *spec.levels) if lvl not in churned_levels]
        if empty:
            warnings.warn(
                f"covariate {spec.name!r}: level(s) {empty[:5]} have no churns, so their "
                "hazard ratios are not estimable (they drift towards 0).\n"
                "Hint: merge rare levels into a larger one, or pass penalizer=0.01.",
                UserWarning,
                stacklevel=4,
            )


# --------------------------------------------------------------------------- scoring


@attrs.frozen(slots=True)
class ScoreFrame:
    """Accounts active at ``as_of`` with their tenure and linear predictor."""

    data: pd.DataFrame
    duration: IntArray
    eta: FloatArray
    as_of: pd.Timestamp


def scoring_frame(
    model: ChurnModel,
    accounts: pd.DataFrame,
    *,
    as_of: object,
    account_col: str,
    start_col: str,
    churn_col: str,
    extra: Sequence[str] = (),
) -> ScoreFrame:
    """Active accounts at ``as_of`` and their centred linear predictor."""
    if not isinstance(model, ChurnModel):
        raise TypeError(
            f"model must be a ChurnModel, got {type(model).__name__}.\n"
            "Hint: fit one with fit_churn_model(accounts, covariates=[...])."
        )
    f = prepare(
        accounts,
        as_of=as_of,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
        extra=[*model.covariates, *extra],
        active_only=True,
    )
    if f.as_of < model.as_of:
        warnings.warn(
            f"scoring as of {f.as_of.date()} with a model fitted as of {model.as_of.date()}: "
            "the model has seen churn after the scoring date (leakage).\n"
            f"Hint: for a back-test, fit with as_of={str(f.as_of.date())!r}.",
            UserWarning,
            stacklevel=3,
        )
    return ScoreFrame(f.data, f.duration, model.linear_predictor(f.data), f.as_of)


def conditional_sums(
    model: ChurnModel, s: ScoreFrame, offsets: IntArray, weights: FloatArray
) -> FloatArray:
    """``Σ_g w_g S(t + g | x)/S(t | x)`` per account, in chunks (bounded memory).

    Tenures and offsets are whole days, so H₀ is evaluated once on the day
    grid they reach and looked up (no search or tail power per cell).
    """
    out = np.empty(len(s.duration))
    if not len(out):
        return out
    risk = np.exp(s.eta)
    days = s.duration.astype(np.int64)
    grid = model.cumulative_hazard(np.arange(int(days.max()) + int(offsets.max()) + 1))
    for lo in range(0, len(out), _CHUNK):  # chunks of accounts, not single accounts
        hi = lo + _CHUNK
        t = days[lo:hi]
        h = grid[t[:, None] + offsets[None, :]]
        h -= grid[t][:, None]
        h *= -risk[lo:hi, None]
        out[lo:hi] = np.exp(h, out=h) @ weights
    return out


def conditional_survival(
    model: ChurnModel, s: ScoreFrame, grid: IntArray
) -> tuple[FloatArray, BoolArray]:
    """Matrix of ``S(t + g | x)/S(t | x)`` and the flag ``t + max(g) > τ``."""
    risk = np.exp(s.eta)
    t = s.duration.astype(float)
    h = model.cumulative_hazard(t[:, None] + grid[None, :]) - model.cumulative_hazard(t)[:, None]
    return np.exp(-h * risk[:, None]), (t + grid.max()) > model.max_followup_days


def churn_risk(
    model: ChurnModel,
    accounts: pd.DataFrame,
    /,
    *,
    horizon_days: int,
    as_of: object = None,
    remaining_horizon_days: int = 365,
    n_reasons: int = 3,
    account_col: str = "account_id",
    start_col: str = "started_at",
    churn_col: str = "churned_at",
) -> pd.DataFrame:
    """Probability that each active account churns within ``horizon_days``.

    For an account with tenure ``t`` (whole days at ``as_of``) and
    covariates ``x``: ``churn_probability = 1 − S(t + h | x) / S(t | x)`` —
    conditional on having survived to its current tenure. Where ``t + h``
    runs past the longest follow-up ``τ`` the model saw, the baseline
    cumulative hazard continues as a Weibull tail fitted to it
    (``H₀(t) = H₀(τ)(t/τ)^ρ``) instead of staying flat (which would report
    near-zero risk for the oldest accounts); those rows are flagged
    ``extrapolated``.

    Parameters
    ----------
    model : ChurnModel
        From :func:`fit_churn_model`.
    accounts : DataFrame
        Accounts with the model's covariates; those active at ``as_of`` are
        scored (churn after ``as_of`` counts as not yet happened).
    horizon_days : int
        Risk horizon, e.g. 90 for "next quarter".
    as_of : timestamp, optional
        Scoring date; default the latest start or churn in ``accounts``.
    remaining_horizon_days : int
        Horizon R of ``expected_remaining_days`` (default 365).
    n_reasons : int
        How many hazard-raising covariates to list per account.
    account_col, start_col, churn_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per active account, most at risk first:

        - ``account_id``: the account.
        - ``tenure_days``: whole days since it started.
        - ``churn_probability``: probability of churning within the horizon.
        - ``rank``: 1 for the highest risk; tied probabilities share their
          average rank (rows within a tie are listed by id, but no account
          outranks another because of its id).
        - ``expected_remaining_days``: expected days active within the next
          ``remaining_horizon_days`` R (restricted mean residual life),
          ``Σ_{g=0}^{R−1} S(t + g | x) / S(t | x)`` — the same convention as
          :func:`restricted_mean_lifetime`, ``Σ_{g<τ} S(g) = E[min(T, τ)]``
          with ``S(g)`` the share still active after day ``g``.
        - ``hazard_ratio``: its hazard relative to the average training
          account.
        - ``extrapolated``: ``tenure_days + horizon_days`` is beyond the
          model's longest follow-up.
        - ``reasons``: a tuple of up to ``n_reasons`` short strings, the
          covariates that raise its hazard most against their references
          (``model.reference_values``: the reference level of a categorical
          covariate, the median training account of a numeric one), each
          ``"column=value (×factor vs reference)"`` with the hazard ratio
          ``exp(β·(value − reference))`` of at least 1.05; empty when none
          raises it that much. With
          usage covariates (:func:`usage_covariates`) they read e.g.
          ``"active_days=2 (×1.85 vs 12)"``: something a CSM can act on.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> n = 300
    >>> plan = rng.choice(["basic", "pro"], n)
    >>> start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    >>> days = rng.exponential(np.where(plan == "pro", 400, 150)).astype(int)
    >>> acc = pd.DataFrame({"account_id": [f"a{i}" for i in range(n)], "plan": plan,
    ...     "started_at": start, "churned_at": start + pd.to_timedelta(days, unit="D")})
    >>> model = fit_churn_model(acc, covariates=["plan"], as_of="2023-12-31",
    ...                         reference={"plan": "pro"})
    >>> risk = churn_risk(model, acc, horizon_days=90, as_of="2023-12-31")
    >>> risk[["account_id", "churn_probability", "rank", "reasons"]].head(2)
      account_id  churn_probability  rank                       reasons
    0       a131            0.59382   1.5  (plan=basic (×3.05 vs pro),)
    1        a79            0.59382   1.5  (plan=basic (×3.05 vs pro),)
    """
    horizon = check_days(horizon_days, "horizon_days")
    remaining = check_days(remaining_horizon_days, "remaining_horizon_days")
    if isinstance(n_reasons, bool) or not isinstance(n_reasons, (int, np.integer)) or n_reasons < 0:
        raise ValueError(f"n_reasons={n_reasons!r} must be an int >= 0.\nHint: e.g. n_reasons=3.")
    s = scoring_frame(
        model,
        accounts,
        as_of=as_of,
        account_col=account_col,
        start_col=start_col,
        churn_col=churn_col,
    )
    t = s.duration.astype(float)
    risk = np.exp(s.eta)
    h = model.cumulative_hazard(t + horizon) - model.cumulative_hazard(t)
    prob = 1.0 - np.exp(-h * risk)
    # E[min(T − t, R) | T > t] = Σ_{g=0}^{R−1} S(t + g)/S(t): the convention of
    # restricted_mean_lifetime (Σ_{g<τ} S(g) = E[min(T, τ)]) for an account of tenure t.
    expected = conditional_sums(model, s, np.arange(remaining, dtype=np.int64), np.ones(remaining))
    out = pd.DataFrame(
        {
            "account_id": s.data["account_id"].to_numpy(),
            "tenure_days": s.duration,
            "churn_probability": prob,
            "expected_remaining_days": expected,
            "hazard_ratio": risk,
            "extrapolated": (t + horizon) > model.max_followup_days,
            "reasons": _reasons(model, s.data, int(n_reasons)),
        }
    )
    # Tied risks share the average rank: no account is ranked above another by its id.
    out.insert(3, "rank", out["churn_probability"].rank(ascending=False, method="average"))
    out = out.sort_values(["rank", "account_id"])
    return out.reset_index(drop=True)


def _reasons(model: ChurnModel, data: pd.DataFrame, n_reasons: int) -> npt.NDArray[Any]:
    """Per account: the covariates that raise its hazard most against the references.

    A covariate's contribution is ``β·(x − reference)``: the reference level
    of a categorical covariate (its own level contributes nothing), the
    training median of a numeric one (``model.reference_values``). Only
    contributions that raise the hazard by at least 5 % are listed, largest
    first, each as ``"column=value (×factor vs reference)"``.
    """
    specs = model._specs
    n = len(data)
    out = np.empty(n, dtype=object)
    if n_reasons == 0 or not specs or n == 0:
        return np.fromiter(iter([()] * n), dtype=object, count=n)
    x = _design(data, specs)
    params = model._cox.params
    contrib = np.empty((n, len(specs)))
    col = 0
    for j, spec in enumerate(specs):  # covariates, not accounts
        width = len(spec.columns)
        ref = model.reference_values.get(spec.name, 0.0) if spec.kind == "numeric" else 0.0
        part = x[:, col : col + width] @ params[col : col + width]
        contrib[:, j] = part - float(ref) * params[col] if spec.kind == "numeric" else part
        col += width
    k = min(n_reasons, len(specs))
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(contrib, order, axis=1)
    raises = top >= _MIN_REASON  # sorted descending, so the raising ones come first
    rows, slot = np.nonzero(raises)
    which = order[rows, slot]
    text = np.empty(len(rows), dtype=object)
    for j, spec in enumerate(specs):  # covariates, not accounts: one format per column
        sel = np.flatnonzero(which == j)
        if not sel.size:
            continue
        shown = _texts(data[spec.name].to_numpy()[rows[sel]])
        factor = np.char.mod("%.2f", np.exp(top[rows[sel], slot[sel]]))
        head = np.char.add(f"{spec.name}=", shown)
        tail = f" vs {_short(model.reference_values.get(spec.name))})"
        text[sel] = np.char.add(np.char.add(head, " (×"), np.char.add(factor, tail))
    # One tuple per account, built column-wise by zip (no per-account slicing).
    grid = np.full((n, k), None, dtype=object)
    grid[rows, slot] = text
    counts = np.bincount(rows, minlength=n)
    for c in range(k + 1):  # reason counts, not accounts
        idx = np.flatnonzero(counts == c)
        if idx.size:
            cols = [grid[idx, j] for j in range(c)]
            out[idx] = np.fromiter(
                zip(*cols, strict=True) if c else iter([()] * idx.size),
                dtype=object,
                count=idx.size,
            )
    return out


def _texts(values: npt.NDArray[Any]) -> npt.NDArray[np.str_]:
    """Values as reasons show them (see :func:`_short`), as one string array."""
    if values.dtype.kind == "f" and np.all(np.isfinite(values) & (values == np.round(values))):
        values = values.astype(np.int64)
    if values.dtype.kind == "f":
        return np.char.mod("%.3g", values)
    return np.asarray(values.astype(str), dtype=str)


def _short(value: object) -> str:
    """A value as a reason shows it: whole numbers without decimals, others to 3 digits."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return str(int(v)) if v.is_integer() else f"{v:.3g}"
    return str(value)
