"""Long operations stay silent unless asked, and report steps with progress=True."""

from __future__ import annotations

import pytest

import adoptmetrics as am


@pytest.fixture(scope="module")
def data() -> am.SaaSData:
    return am.simulate_saas(300, months=12, seed=3)


def test_fit_churn_model_is_silent_by_default(
    data: am.SaaSData, capsys: pytest.CaptureFixture[str]
) -> None:
    am.fit_churn_model(data.accounts, covariates=["plan"])
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_fit_churn_model_reports_steps(
    data: am.SaaSData, capsys: pytest.CaptureFixture[str]
) -> None:
    am.fit_churn_model(data.accounts, covariates=["plan"], progress=True)
    err = capsys.readouterr().err
    assert "[fit_churn_model] 1/3 survival table" in err
    assert "3/3" in err


def test_fit_expansion_model_progress(
    data: am.SaaSData, capsys: pytest.CaptureFixture[str]
) -> None:
    triggers = [am.Trigger("seat limit", event="seat_limit_reached")]
    am.fit_expansion_model(
        data.events, triggers, expansions=data.expansions, accounts=data.accounts
    )
    assert capsys.readouterr().err == ""
    am.fit_expansion_model(
        data.events, triggers, expansions=data.expansions, accounts=data.accounts, progress=True
    )
    assert "[fit_expansion_model] 2/2 hazard model" in capsys.readouterr().err


def test_success_paths_progress(data: am.SaaSData, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = data.accounts.set_index("account_id")["onboarding_success"]
    am.success_paths(data.events, outcome, max_length=2)
    assert capsys.readouterr().err == ""
    am.success_paths(data.events, outcome, max_length=2, progress=True)
    err = capsys.readouterr().err
    assert "[success_paths] 1/3 windows" in err
    assert "3/3 forward selection" in err
