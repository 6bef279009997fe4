"""The engagement, health and impact effects planted by simulate_saas.

Each check recomputes the quantity from the tables with plain pandas (and the
adjusted odds ratios with statsmodels' Logit, an independent fit), not with
the analytics modules: they only assert that each planted effect is present,
points the right way and, where the truth is a number, is recovered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from adoptmetrics.datasets import SaaSData, load_demo, simulate_saas

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def big() -> SaaSData:
    """A 6,000-account simulation (~1 s)."""
    return simulate_saas(6000, seed=11)


@pytest.fixture(scope="module")
def demo() -> SaaSData:
    return load_demo()


def _events(data: SaaSData) -> pd.DataFrame:
    ev = data.events
    return ev.assign(account_id=ev["account_id"].astype(str), event=ev["event"].astype(str))


def _check_exposures(data: SaaSData) -> None:
    """exposures: one row per account and campaign, alive and observed for the horizon."""
    xp = data.exposures
    assert list(xp.columns) == ["account_id", "campaign", "exposed_at"]
    assert str(xp["exposed_at"].dtype) == "datetime64[ns]"
    assert all(isinstance(a, str) for a in xp["account_id"].head(50))
    assert not xp.duplicated(["account_id", "campaign"]).any()
    assert set(xp["campaign"]) <= set(data.truth["impact"])
    acc = data.accounts.set_index("account_id")
    assert xp["account_id"].isin(acc.index).all()
    start = xp["account_id"].map(acc["started_at"])
    churn = xp["account_id"].map(acc["churned_at"]).fillna(data.as_of)
    assert (xp["exposed_at"] >= start + 56 * DAY).all()
    assert (xp["exposed_at"] < churn).all()
    assert (xp["exposed_at"] + 28 * DAY <= data.as_of).all()


@pytest.mark.parametrize("which", ["big", "demo"])
def test_exposures_and_newsletter_are_valid(which: str, request: pytest.FixtureRequest) -> None:
    data: SaaSData = request.getfixturevalue(which)
    _check_exposures(data)
    for name in data.truth["impact"]:
        assert (data.exposures["campaign"] == name).sum() >= 50, name
    opens = data.accounts["newsletter_opens"]
    assert opens.dtype == np.int64
    assert (opens >= 0).all()


def test_small_and_short_simulations_still_valid() -> None:
    for n, months in ((1, 4), (40, 4), (60, 7)):
        data = simulate_saas(n, months=months, seed=2)
        _check_exposures(data)
        for spec in data.truth["impact"].values():
            assert 0.0 <= spec["effect"] <= 1.0


# --------------------------------------------------------------------------- engagement


def _early(data: SaaSData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per account with a closed retention window: early active days, used, retained."""
    ev = _events(data)
    start = ev.groupby("account_id")["timestamp"].min()
    rel = ev["timestamp"] - ev["account_id"].map(start)
    early = ev[(rel < 7 * DAY).to_numpy()]
    days = (
        early.assign(day=early["timestamp"].dt.normalize())
        .drop_duplicates(["account_id", "day"])
        .groupby("account_id")
        .size()
    )
    window = ((rel >= 28 * DAY) & (rel < 56 * DAY)).to_numpy()
    retained = set(ev.loc[window, "account_id"])
    closed = start.index[(start + 56 * DAY <= data.as_of).to_numpy()]
    out = pd.DataFrame({"days": days.reindex(closed)})
    out["retained"] = out.index.isin(retained)
    truth = data.truth["engagement"]
    for key in ("retention_feature", "decoy_feature"):
        out[key] = out.index.isin(early.loc[early["event"] == truth[key], "account_id"])
    return out, early


def _adjusted_or(df: pd.DataFrame, column: str) -> tuple[float, float, float]:
    """exp(coef) of ``column`` in retained ~ 1 + log1p(days) + column (statsmodels Logit)."""
    x = np.column_stack(
        [np.ones(len(df)), np.log1p(df["days"].to_numpy(float)), df[column].to_numpy(float)]
    )
    fit = sm.Logit(df["retained"].to_numpy(float), x).fit(disp=0)
    lo, hi = fit.conf_int()[2]
    return float(np.exp(fit.params[2])), float(np.exp(lo)), float(np.exp(hi))


def test_retention_feature_and_decoy(big: SaaSData) -> None:
    df, _ = _early(big)
    rate = df.groupby("retention_feature")["retained"].mean()
    assert rate[True] > rate[False] + 0.05  # raw retention difference
    # the decoy is common among busy accounts and looks good before adjustment
    busy = df["days"] >= 4
    assert df.loc[busy, "decoy_feature"].mean() > 2 * df.loc[~busy, "decoy_feature"].mean()
    decoy_rate = df.groupby("decoy_feature")["retained"].mean()
    assert decoy_rate[True] > decoy_rate[False] + 0.02
    planted = big.truth["engagement"]["retention_feature_odds_ratio"]
    _, lo, hi = _adjusted_or(df, "retention_feature")
    assert lo < planted < hi
    assert lo > 1.0
    _, lo, hi = _adjusted_or(df, "decoy_feature")
    assert lo < 1.0 < hi


def test_demo_retention_feature_and_decoy(demo: SaaSData) -> None:
    df, _ = _early(demo)
    planted = demo.truth["engagement"]["retention_feature_odds_ratio"]
    _, lo, hi = _adjusted_or(df, "retention_feature")
    assert lo < planted < hi
    assert lo > 1.0
    _, lo, hi = _adjusted_or(df, "decoy_feature")
    assert lo < 1.0 < hi


def test_early_features_do_not_add_active_days(big: SaaSData) -> None:
    # each early use sits on a day the account was already active without it
    _, early = _early(big)
    truth = big.truth["engagement"]
    new = early["event"].isin([truth["retention_feature"], truth["decoy_feature"]])
    day = early["timestamp"].dt.normalize()
    keys = early["account_id"] + day.dt.strftime("|%Y-%m-%d")
    assert keys[new.to_numpy()].isin(keys[~new.to_numpy()]).all()


def test_launched_feature_adoption_curve(big: SaaSData) -> None:
    truth = big.truth["engagement"]
    launch = truth["launched_at"]
    ev = _events(big)
    uses = ev[ev["event"] == truth["launched_feature"]]
    assert len(uses) > 0
    assert (uses["timestamp"] >= launch).all()  # nothing before the launch
    # eligible: active in the 28 days before launch and alive 90 days after it
    acc = big.accounts.set_index("account_id")
    before = ev[(ev["timestamp"] >= launch - 28 * DAY) & (ev["timestamp"] < launch)]
    alive = acc.index[acc["churned_at"].isna() | (acc["churned_at"] > launch + 90 * DAY)]
    eligible = pd.Index(before["account_id"].unique()).intersection(alive)
    first = uses.groupby("account_id")["timestamp"].min().reindex(eligible)
    days = (first - launch).dt.days
    at = {d: float((days < d).mean()) for d in (7, 30, 90)}
    # planted: 60 % ever adopt, exponential with a 30-day mean: 0.6·(1 − e^(−d/30))
    for d, share in at.items():
        assert abs(share - 0.6 * (1 - np.exp(-d / 30))) < 0.05, (d, share)


# --------------------------------------------------------------------------- health


def test_churn_is_preceded_by_signals(big: SaaSData) -> None:
    acc = big.accounts.set_index("account_id")
    churned = acc[acc["churned_at"].notna() & (acc["churned_at"] - acc["started_at"] > 150 * DAY)]
    ev = _events(big)
    ev = ev[ev["account_id"].isin(churned.index)]
    left = (ev["account_id"].map(churned["churned_at"]) - ev["timestamp"]).dt.days
    day = ev["timestamp"].dt.normalize()

    def per_account(lo: int, hi: int, col: pd.Series) -> pd.Series:
        sel = ((left >= lo) & (left < hi)).to_numpy()
        return col[sel].groupby(ev.loc[sel, "account_id"]).nunique().reindex(churned.index)

    recent_days = per_account(0, 30, day).fillna(0)
    earlier_days = per_account(90, 120, day).fillna(0)
    assert recent_days.mean() < 0.6 * earlier_days.mean()  # declining active days
    recent_users = per_account(0, 30, ev["user_id"]).fillna(0)
    earlier_users = per_account(90, 120, ev["user_id"]).fillna(0)
    assert recent_users.mean() < 0.7 * earlier_users.mean()  # shrinking active users
    # NPS in the 60 days before churn is lower than the churners' earlier answers
    nps = big.nps[big.nps["account_id"].isin(churned.index)]
    to_churn = (nps["account_id"].map(churned["churned_at"]) - nps["timestamp"]).dt.days
    assert nps.loc[to_churn < 60, "score"].mean() < nps.loc[to_churn >= 120, "score"].mean() - 0.5


def test_newsletter_opens_is_a_decoy(big: SaaSData) -> None:
    acc = big.accounts
    assert big.truth["health"]["decoy_column"] == "newsletter_opens"
    churned = acc["churned_at"].notna()
    by = acc.groupby(churned)["newsletter_opens"].mean()
    assert abs(by[True] - by[False]) < 0.25  # Poisson(6): no relation to churn
    n_events = _events(big).groupby("account_id").size().reindex(acc["account_id"]).fillna(0)
    assert abs(np.corrcoef(acc["newsletter_opens"], n_events.to_numpy())[0, 1]) < 0.06


# --------------------------------------------------------------------------- impact


def _naive(data: SaaSData, campaign: str) -> tuple[float, float]:
    """Active in (t, t + 28 d]: exposed (each at its own t) and unexposed eligible at t."""
    ev = _events(data)
    xp = data.exposures[data.exposures["campaign"] == campaign]
    m = xp.merge(ev[["account_id", "timestamp"]], on="account_id")
    lag = m["timestamp"] - m["exposed_at"]
    hit = set(m.loc[(lag > pd.Timedelta(0)) & (lag <= 28 * DAY), "account_id"])
    exposed = xp["account_id"].isin(hit).mean()
    # controls: alive at the median exposure time, active in the 28 days before, never exposed
    t = pd.Timestamp(xp["exposed_at"].median())
    acc = data.accounts.set_index("account_id")
    alive = acc.index[acc["churned_at"].isna() | (acc["churned_at"] > t)]
    pre = set(ev.loc[(ev["timestamp"] >= t - 28 * DAY) & (ev["timestamp"] < t), "account_id"])
    post = set(ev.loc[(ev["timestamp"] > t) & (ev["timestamp"] <= t + 28 * DAY), "account_id"])
    ctrl = pd.Index(alive).intersection(pd.Index(list(pre))).difference(xp["account_id"])
    return float(exposed), float(ctrl.isin(list(post)).mean())


@pytest.mark.parametrize("which", ["big", "demo"])
def test_helpful_campaign_looks_harmful_naively(which: str, request: pytest.FixtureRequest) -> None:
    data: SaaSData = request.getfixturevalue(which)
    truth = data.truth["impact"]["success_outreach"]
    assert truth["effect"] > 0.1
    exposed, control = _naive(data, "success_outreach")
    assert exposed - control < -0.02  # the wrong sign
    # observed = Y(0) + rescued on the exposed, so the exact effect cannot exceed it
    assert truth["effect"] <= exposed


def test_null_campaign_reaches_quiet_accounts(big: SaaSData) -> None:
    assert big.truth["impact"]["product_webinar"]["effect"] == 0.0
    exposed, control = _naive(big, "product_webinar")
    assert exposed < control - 0.05  # quiet accounts: the naive comparison blames it
    assert 0.3 < exposed < 0.9  # the outcome varies among the exposed (an informative null)
