"""A realistic own-data export driven through ``adoptmetrics init`` and ``report --config``.

The fixture set (``tests/report/fixtures``, written by ``make_fixtures.py``) has
other column names, Berlin-time ISO strings with ``+01:00``/``+02:00``,
``dd/mm/yyyy`` account dates read with ``[time] dayfirst = true``, an NPS
table with its own time column and comments, a boolean ``onboarded_ok``
column and three accounts whose ids are upper-cased in the accounts table.
The hand-checked numbers are computed here from the CSV text with the
standard library (``csv``, ``datetime``), independently of pandas.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from adoptmetrics.cli import main
from adoptmetrics.report import SECTION_MODULES, ReportData, load_config

FIXTURES = Path(__file__).parent / "fixtures"
CONFIG = FIXTURES / "adoptmetrics.toml"
MISMATCHED = {"org-0007", "org-0042", "org-0099"}


def _rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.timezone.utc).replace(tzinfo=None)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, str]:
    """One report of the fixture through --config: exit code, stderr, page."""
    out = tmp_path_factory.mktemp("own") / "report.html"
    capture = tmp_path_factory.mktemp("err") / "stderr.txt"
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["report", "--config", str(CONFIG), "-o", str(out)])
    capture.write_text(err.getvalue())
    return code, err.getvalue(), out.read_text(encoding="utf-8") if out.exists() else ""


def test_the_report_builds_and_shows_every_section(run: tuple[int, str, str]) -> None:
    code, err, page = run
    assert code == 0, err
    assert "Traceback" not in err
    for name in SECTION_MODULES:
        assert f'id="{name}"' in page, name
    assert "(failed)" not in page, re.findall(r"<pre>(.*?)</pre>", page)
    assert "Not shown:" not in page, re.findall(r"Not shown:</strong>(.*?)</p>", page)


def test_mismatched_ids_are_loud_on_stderr_and_in_a_banner(run: tuple[int, str, str]) -> None:
    _, err, page = run
    warning = [line for line in err.splitlines() if line.startswith("adoptmetrics: WARNING:")]
    assert any("events: 3 of 150 account ids are not in the accounts table" in w for w in warning)
    assert any("upper/lower case" in w for w in warning)
    assert 'class="banner"' in page
    assert page.index('class="banner"') < page.index('id="summary"')
    assert "&#x27;org-0007&#x27;" in page or "'org-0007'" in page


def test_hand_checked_coverage(run: tuple[int, str, str]) -> None:
    _, _, page = run
    accounts = _rows("accounts.csv")
    active = sum(1 for r in accounts if not r["cancel_date"])
    assert f"{len(accounts):,} ({active:,} active)" in page
    events = _rows("events.csv")  # events of unknown accounts still count as activity
    assert f'<span class="v">{len(events):,}</span>' in page
    # Berlin offsets converted to UTC instants: the span of the events in UTC days.
    times = [_utc(r["ts"]) for r in events]
    assert f"{min(times):%Y-%m-%d} – {max(times):%Y-%m-%d}" in page
    nps = [r for r in _rows("nps.csv") if r["org_id"] not in MISMATCHED]
    assert f'NPS responses</span><span class="v">{len(nps):,}</span>' in page


def test_hand_checked_recent_activity(run: tuple[int, str, str]) -> None:
    # Overview: active accounts (no cancel date) with an event in the 28 days before as_of.
    _, _, page = run
    events = _rows("events.csv")
    last: dict[str, dt.datetime] = {}
    for r in events:
        t = _utc(r["ts"])
        if r["org_id"] not in last or t > last[r["org_id"]]:
            last[r["org_id"]] = t
    as_of = max(last.values())
    active = {r["org_id"] for r in _rows("accounts.csv") if not r["cancel_date"]}
    recent = sum(1 for a in active if a in last and last[a] > as_of - dt.timedelta(days=28))
    assert f"{recent} of {len(active)} active accounts" in page


def test_dst_offsets_and_day_first_dates_are_read_exactly() -> None:
    events = pd.read_csv(FIXTURES / "events.csv", dtype=str)
    accounts = pd.read_csv(FIXTURES / "accounts.csv", dtype={"org_id": str})
    matched = events[~events["org_id"].isin(MISMATCHED)]
    summer = matched[matched["ts"].str.endswith("+02:00")].iloc[0]
    winter = matched[matched["ts"].str.endswith("+01:00")].iloc[0]
    with pytest.warns(UserWarning, match="account ids are not in the accounts table"):
        data = ReportData.from_frames(
            events,
            accounts,
            account_col="org_id",
            user_col="user_email",
            time_col="ts",
            event_col="action",
            start_col="signup_date",
            churn_col="cancel_date",
            dayfirst=True,
        )
    stamps = set(data.events["timestamp"])
    assert pd.Timestamp(_utc(summer["ts"])) in stamps
    assert pd.Timestamp(_utc(winter["ts"])) in stamps
    # ORG-0099 signed up on 02/01/2024: 2 January under dayfirst.
    row = data.accounts[data.accounts["account_id"].astype(str) == "ORG-0099"]
    assert row["started_at"].iloc[0] == pd.Timestamp("2024-01-02")


def test_init_writes_the_fixture_config_but_the_one_edit(tmp_path: Path) -> None:
    for f in FIXTURES.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    out = tmp_path / "adoptmetrics.toml"
    args = ["init", "-o", str(out)]
    for table, file in (
        ("events", "events.csv"),
        ("accounts", "accounts.csv"),
        ("nps", "nps.csv"),
        ("mrr", "mrr.csv"),
        ("expansions", "expansions.csv"),
        ("exposures", "outreach.csv"),
    ):
        args += [f"--{table}", str(tmp_path / file)]
    assert main(args) == 0
    written = load_config(out)
    expected = load_config(CONFIG)
    assert written.columns == expected.columns
    assert {k: v.name for k, v in written.tables.items()} == {
        k: v.name for k, v in expected.tables.items()
    }
    assert written.dayfirst is True
    assert written.options.outcome == "onboarded_ok"
    text = out.read_text()
    for name in (*expected.options.milestones, *(t.event for t in expected.options.triggers)):
        assert f'"{name}"' in text, name  # listed as a commented candidate
    # init never overwrites a config without --force.
    assert main(["init", "-o", str(out), "--events", str(tmp_path / "events.csv"),
                 "--accounts", str(tmp_path / "accounts.csv")]) == 2  # fmt: skip
    # The one edit: choose the milestones. The report then runs on the written file.
    edited = text.replace(
        "window_days = 14",
        'milestones = ["Created Workspace", "Invited Teammate", "Built Dashboard"]\n'
        "window_days = 14",
        1,
    )
    out.write_text(edited)
    html_out = tmp_path / "r.html"
    code = main(["report", "--config", str(out), "--sections", "overview,onboarding", "-q",
                 "-o", str(html_out)])  # fmt: skip
    assert code == 0
    page = html_out.read_text(encoding="utf-8")
    assert 'id="onboarding"' in page
    assert "Not shown:" not in page
    assert "reached all" in page


def test_command_line_overrides_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    code = main(
        ["report", "--config", str(CONFIG), "--as-of", "2025-03-31", "--sections", "overview",
         "-q", "-o", str(out)]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "as of 2025-03-31" in out.read_text(encoding="utf-8")


def test_hand_checked_onboarding_tile(run: tuple[int, str, str]) -> None:
    # Accounts (all windows closed long before as_of) with every configured milestone
    # in [start, start + 14 days), any order; start = the dd/mm/yyyy signup date, midnight.
    _, _, page = run
    config = load_config(CONFIG)
    milestones = set(config.options.milestones)
    window = dt.timedelta(days=config.options.window_days)
    start = {
        r["org_id"]: dt.datetime.strptime(r["signup_date"], "%d/%m/%Y")
        for r in _rows("accounts.csv")
    }
    seen: dict[str, set[str]] = {}
    for r in _rows("events.csv"):
        if r["action"] in milestones and r["org_id"] in start:
            t = _utc(r["ts"])
            if start[r["org_id"]] <= t < start[r["org_id"]] + window:
                seen.setdefault(r["org_id"], set()).add(r["action"])
    done = sum(1 for names in seen.values() if names == milestones)
    assert f"{done} of {len(start)} accounts whose window closed reached all" in page


def test_sections_read_the_config_and_gloss_their_jargon(run: tuple[int, str, str]) -> None:
    _, _, page = run
    assert "Strongest expansion trigger: seat limit" in page  # a configured trigger's name
    assert "in any order" in page  # the onboarding tile's basis, beside the funnel's
    assert "0.5 is a coin flip" in page  # C-index glossed
    assert "do the survival curves differ more than chance" in page  # log-rank glossed


def test_verbatims_are_each_accounts_latest_answer(run: tuple[int, str, str]) -> None:
    # Each comment shown is the comment of the account's latest answer, with its score.
    _, _, page = run
    import html as html_lib

    shown = re.findall(r"<li>“(.*?)” — (org-\d+), score (\d+), (\d{4}-\d\d-\d\d)</li>", page)
    assert shown
    latest: dict[str, dict[str, str]] = {}
    for r in _rows("nps.csv"):
        if r["org_id"] not in latest or r["submitted_at"] >= latest[r["org_id"]]["submitted_at"]:
            latest[r["org_id"]] = r
    for comment, org, score, day in shown:
        row = latest[org]
        assert html_lib.unescape(comment) == row["comment"]
        assert score == row["rating"]
        assert row["submitted_at"].startswith(day)
    assert "Frustrated power users (high-usage detractors)" in page


# --------------------------------------------------------------------------- one shared EventLog


def _world_data() -> ReportData:
    import adoptmetrics as am

    w = am.simulate_saas(150, months=6, seed=4)
    events = w.events.astype(dict.fromkeys(("account_id", "user_id", "event"), str))
    accounts = w.accounts.astype({"account_id": str})
    return ReportData.from_frames(events, accounts, as_of=w.as_of)


def test_the_report_validates_the_events_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """from_frames validates the events once; overview and retention reuse data.log."""
    from adoptmetrics._schema import _validate
    from adoptmetrics.report import build_report

    calls: list[int] = []
    real = _validate._event_ids

    def counting(series: pd.Series, *args: object, **kwargs: object) -> pd.Series:
        calls.append(len(series))
        return real(series, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_validate, "_event_ids", counting)
    data = _world_data()
    n = len(data.events)
    # account ids and user ids of the events: one encoding each (and the accounts' ids)
    assert [c for c in calls if c == n] == [n, n]
    before = len(calls)
    build_report(data, sections=["overview", "retention"])
    assert [c for c in calls[before:] if c == n] == []


def test_data_log_shares_the_validated_events_and_pickles() -> None:
    import pickle

    import adoptmetrics as am
    from adoptmetrics.retention import cohort_retention

    data = _world_data()
    assert isinstance(data.log, am.EventLog)
    assert data.log.to_pandas()["account_id"] is not None
    assert len(data.log) == len(data.events)
    pd.testing.assert_frame_equal(data.log.to_pandas(), data.events)
    expected = cohort_retention(data.events, accounts=data.accounts, as_of=data.as_of)
    pd.testing.assert_frame_equal(
        cohort_retention(data.log, accounts=data.accounts, as_of=data.as_of), expected
    )
    back = pickle.loads(pickle.dumps(data))
    assert back.log._valid is back.events  # the events are pickled once
    pd.testing.assert_frame_equal(
        cohort_retention(back.log, accounts=back.accounts, as_of=back.as_of), expected
    )


def test_a_directly_built_report_data_gets_a_log() -> None:
    data = _world_data()
    direct = ReportData(data.events, data.accounts, as_of=data.as_of)
    assert len(direct.log) == len(data.events)
    # raw (unvalidated) events are validated for the log
    raw = data.events.astype({"account_id": str, "event": str, "user_id": str})
    assert len(ReportData(raw, data.accounts, as_of=data.as_of).log) == len(raw)
