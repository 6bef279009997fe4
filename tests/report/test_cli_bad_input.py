"""One command-line test per bad input of an own-data export.

Each gives exit code 2 and a single line on stderr that names the file (or
table), the user's column, the option or config key to change and file line
numbers (header = line 1) — never a traceback. Built on small copies of the
own-data fixture so that each test changes one thing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from adoptmetrics.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
N_EVENTS = 400


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The fixture set with a short events table, and its config."""
    for f in FIXTURES.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    events = pd.read_csv(FIXTURES / "events.csv", dtype=str)
    keep = events["org_id"].isin(events["org_id"].drop_duplicates().head(20))
    events[keep].head(N_EVENTS).to_csv(tmp_path / "events.csv", index=False)
    shutil.copy(FIXTURES / "adoptmetrics.toml", tmp_path / "adoptmetrics.toml")
    return tmp_path


def _run(folder: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code = main(
        ["report", "--config", str(folder / "adoptmetrics.toml"), "--sections", "overview",
         "-q", "-o", str(folder / "r.html"), *extra]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("adoptmetrics: error: ")]
    assert len(errors) == 1, err
    assert lines[-1] == errors[0], err
    assert "Traceback" not in err
    return errors[0]


def _edit_csv(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)


def test_future_timestamps_name_the_file_column_and_lines(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def future(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[[4, 9], "ts"] = "2099-01-01T00:00:00+01:00"
        return df

    _edit_csv(folder / "events.csv", future)
    line = _run(folder, capsys)
    assert "events.csv (events table): column 'ts'" in line
    assert "2 timestamps later than the moment of this call" in line
    assert "lines: 6, 11" in line  # data rows 4 and 9, header = line 1
    assert "--as-of" in line


def test_future_timestamps_with_as_of_are_ignored_and_counted(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def future(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[[4, 9], "ts"] = "2099-01-01T00:00:00+01:00"
        return df

    _edit_csv(folder / "events.csv", future)
    code = main(
        ["report", "--config", str(folder / "adoptmetrics.toml"), "--sections", "overview",
         "-o", str(folder / "r.html"), "--as-of", "2025-06-30"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert "events: 2 rows have 'ts' after as_of 2025-06-30" in err


def test_ambiguous_day_month_dates_without_dayfirst(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = folder / "adoptmetrics.toml"
    config.write_text(config.read_text().replace("dayfirst = true", "# dayfirst"))
    line = _run(folder, capsys)
    assert "accounts.csv (accounts table): column 'signup_date'" in line
    assert "read both as dd/mm and as mm/dd" in line
    assert "--dayfirst" in line
    assert "[time] dayfirst" in line


def test_duplicate_column_names(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # pandas alone would read the repeat as "plan.1" and go on silently.
    path = folder / "accounts.csv"
    text = path.read_text().splitlines()
    text[0] = text[0].replace("industry", "plan")
    path.write_text("\n".join(text) + "\n")
    line = _run(folder, capsys)
    assert "accounts.csv (accounts table): column 'plan' appears 2 times" in line


def test_header_only_table(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "nps.csv").write_text("org_id,user_email,submitted_at,rating,comment\n")
    line = _run(folder, capsys)
    assert "nps.csv (nps table):" in line
    assert "has no rows" in line


def test_semicolon_separated_file_without_sep(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(folder / "accounts.csv", dtype=str)
    frame.to_csv(folder / "accounts.csv", sep=";", index=False)
    line = _run(folder, capsys)
    assert "accounts file" in line
    assert "reads as one column" in line
    assert "--sep ';'" in line
    assert "[csv] sep" in line


def test_semicolon_file_with_sep_is_read(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("events", "accounts", "nps", "mrr", "expansions", "outreach"):
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        frame.to_csv(folder / f"{name}.csv", sep=";", index=False)
    code = main(
        ["report", "--config", str(folder / "adoptmetrics.toml"), "--sections", "overview",
         "-q", "-o", str(folder / "r.html"), "--sep", ";"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err


def test_spreadsheet_file(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "accounts.xlsx").write_bytes(b"PK")
    line = _run(folder, capsys, "--accounts", str(folder / "accounts.xlsx"))
    assert "accounts file" in line
    assert "save it as CSV" in line


def test_missing_column_names_the_flag_and_the_config_key(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = folder / "adoptmetrics.toml"
    config.write_text(config.read_text().replace('time = "submitted_at"', 'time = "sent"'))
    line = _run(folder, capsys)
    assert "nps.csv (nps table): column 'sent' is missing" in line
    assert "--nps-time-col" in line
    assert "[columns.nps] time" in line


def test_one_time_col_never_applies_to_every_table(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --time-col names the events' column only: the NPS table keeps its own.
    code = main(
        ["report", "--config", str(folder / "adoptmetrics.toml"), "--time-col", "ts",
         "--sections", "overview", "-q", "-o", str(folder / "r.html")]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err


def test_unparseable_timestamp_names_the_line(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[2, "submitted_at"] = "last tuesday"
        return df

    _edit_csv(folder / "nps.csv", broken)
    line = _run(folder, capsys)
    assert "nps.csv (nps table): column 'submitted_at'" in line
    assert "'last tuesday'" in line
    assert "lines: 4" in line
    assert "--time-format" in line


def test_aware_mixed_with_naive(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def naive(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[7, "ts"] = "2024-03-01 10:00:00"
        return df

    _edit_csv(folder / "events.csv", naive)
    line = _run(folder, capsys)
    assert "events.csv (events table): column 'ts' mixes time-zone-aware and naive" in line
    assert "lines: 9" in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[tables]\nevents = 1\n", "[tables] events must be a file path"),
        ("[colums.events]\n", "unknown keys ['colums']"),
        ("[columns.events]\ntimestamp = 'ts'\n", "[columns.events] has unknown keys"),
        ("[onboarding]\nwindow_days = 0\n", "[onboarding] must be a positive whole number"),
        ("[tables\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_file_and_key(
    folder: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    (folder / "adoptmetrics.toml").write_text(text)
    line = _run(folder, capsys)
    assert "adoptmetrics.toml" in line
    assert expected in line


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--config", str(tmp_path / "nope.toml"), "-q"]) == 2
    assert "config file not found" in capsys.readouterr().err


def test_empty_file(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "mrr.csv").write_text("")
    line = _run(folder, capsys)
    assert "mrr file" in line
    assert "is empty" in line
