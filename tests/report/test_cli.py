"""The ``adoptmetrics`` command line: demo run, user files, bad input."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_report import assert_self_contained

from adoptmetrics import __version__, datasets
from adoptmetrics.cli import SECTION_NAMES, main, read_table
from adoptmetrics.report import SECTION_MODULES

# Custom column names everywhere, as exported by a CRM / product analytics tool.
COLS = [
    "--account-col", "org", "--time-col", "ts", "--event-col", "action",
    "--user-col", "member", "--start-col", "signup", "--churn-col", "lost",
    "--score-col", "rating", "--month-col", "period", "--mrr-col", "revenue",
    "--nps-time-col", "ts", "--expansions-time-col", "ts",
]  # fmt: skip


def user_tables() -> dict[str, pd.DataFrame]:
    d = datasets.simulate_saas(60, seed=5)
    return {
        "events": d.events.rename(
            columns={"account_id": "org", "timestamp": "ts", "event": "action",
                     "user_id": "member"}
        ),
        "accounts": d.accounts.rename(
            columns={"account_id": "org", "started_at": "signup", "churned_at": "lost"}
        ),
        "nps": d.nps.rename(
            columns={"account_id": "org", "timestamp": "ts", "score": "rating",
                     "user_id": "member"}
        ),
        "mrr": d.mrr.rename(columns={"account_id": "org", "month": "period", "mrr": "revenue"}),
        "expansions": d.expansions.rename(columns={"account_id": "org", "timestamp": "ts"}),
    }  # fmt: skip


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return user_tables()


def write(tables: dict[str, pd.DataFrame], folder: Path, ext: str) -> list[str]:
    args: list[str] = []
    for name, frame in tables.items():
        path = folder / f"{name}.{ext}"
        if ext == "parquet":
            frame.to_parquet(path)
        else:
            frame.to_csv(path, index=False)
        args += [f"--{name}", str(path)]
    return args


def assert_one_line_error(err: str, *, quiet: bool = True) -> None:
    """One error line; without --quiet, only progress lines before it."""
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("adoptmetrics: error: ")]
    assert len(errors) == 1, err
    assert lines[-1] == errors[0], err
    if quiet:
        assert len(lines) == 1, err
    assert all(line.startswith("adoptmetrics: ") for line in lines), err
    assert "Traceback" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"adoptmetrics {__version__}"


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "report" in capsys.readouterr().err


def test_csv_with_custom_column_names(
    tables: dict[str, pd.DataFrame], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    args = write(tables, tmp_path, "csv")
    code = main(["report", *args, *COLS, "--sections", "overview", "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert 'id="overview"' in page
    assert "<td>Accounts</td><td>60</td>" in page  # simulate_saas(60) in user_tables
    assert "overview: done" in err
    assert f"wrote {out}" in err
    assert "Traceback" not in err


def test_parquet_with_custom_column_names_and_quiet(
    tables: dict[str, pd.DataFrame], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    args = write(tables, tmp_path, "parquet")
    code = main(
        ["report", *args, *COLS, "-o", str(out), "-q", "--as-of", "2025-01-01", "--sections",
         "overview"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    assert captured.out == ""
    page = out.read_text(encoding="utf-8")
    assert "as of 2025-01-01" in page


def test_csv_and_parquet_give_the_same_report(
    tables: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    pages = []
    for ext in ("csv", "parquet"):
        folder = tmp_path / ext
        folder.mkdir()
        out = folder / "r.html"
        assert main(["report", *write(tables, folder, ext), *COLS, "-q", "-o", str(out)]) == 0
        pages.append(out.read_text(encoding="utf-8"))
    assert pages[0] == pages[1]


def test_csv_keeps_na_as_text(tmp_path: Path) -> None:
    # "NA" is North America here, not a missing value; empty cells are missing.
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,region,churned_at\n007,NA,\n8,EMEA,2024-01-01\n")
    frame = read_table(str(path), table="accounts", id_columns=["account_id"])
    assert frame["region"].tolist() == ["NA", "EMEA"]
    assert frame["account_id"].tolist() == ["007", "8"]
    assert frame["churned_at"].isna().tolist() == [True, False]


def test_sections_option(
    tables: dict[str, pd.DataFrame], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert SECTION_NAMES == SECTION_MODULES
    args = ["report", *write(tables, tmp_path, "csv"), *COLS, "-q", "-o", str(tmp_path / "r.html")]
    assert main([*args, "--sections", "overview,churnn"]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err)
    assert "churnn" in err


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        ("missing", "events file not found"),
        ("garbage_parquet", "cannot read events file"),
        ("extension", "save it as CSV"),
        ("schema", "--account-col"),
        ("bad_timestamp", "not timestamps"),
        ("directory", "is a directory"),
        ("no_accounts", "--accounts"),
        ("bad_as_of", "--as-of"),
        ("output_folder", "does not exist"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(
    problem: str,
    expected: str,
    tables: dict[str, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ev = tmp_path / "events.csv"
    acc = tmp_path / "accounts.csv"
    tables["events"].to_csv(ev, index=False)
    tables["accounts"].to_csv(acc, index=False)
    out = str(tmp_path / "r.html")
    args = ["report", "--events", str(ev), "--accounts", str(acc), *COLS[:10], "-q", "-o", out]
    if problem == "missing":
        args[2] = str(tmp_path / "nope.csv")
    elif problem == "garbage_parquet":
        bad = tmp_path / "events.parquet"
        bad.write_bytes(b"this is not parquet")
        args[2] = str(bad)
    elif problem == "extension":
        args[2] = str(tmp_path / "events.xlsx")
        Path(args[2]).write_text("x")
    elif problem == "schema":
        args = [*args[: args.index("--account-col")], "-q", "-o", out]  # canonical names absent
    elif problem == "bad_timestamp":
        broken = tables["events"].copy()
        broken["ts"] = broken["ts"].astype(str)
        broken.loc[3, "ts"] = "yesterday-ish"
        broken.to_csv(ev, index=False)
    elif problem == "directory":
        args[2] = str(tmp_path)
    elif problem == "no_accounts":
        args = ["report", "--events", str(ev), "-q", "-o", out]
    elif problem == "bad_as_of":
        args += ["--as-of", "not a date"]
    elif problem == "output_folder":
        args[-1] = str(tmp_path / "missing" / "r.html")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err)
    assert expected in err


def test_parquet_without_pyarrow_says_so(
    tables: dict[str, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = write(tables, tmp_path, "parquet")
    real = importlib.util.find_spec

    def no_pyarrow(name: str, package: str | None = None) -> object:
        return None if name == "pyarrow" else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", no_pyarrow)
    assert main(["report", *args, *COLS, "-q", "-o", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert_one_line_error(err)
    assert "pyarrow" in err
    assert "pip install pyarrow" in err


def test_demo_cannot_be_mixed_with_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--demo", "--events", "e.csv", "-qo", str(tmp_path / "r.html")]) == 2
    assert_one_line_error(capsys.readouterr().err)


def test_demo_run_small(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The --demo plumbing on a small simulation (the bundled demo is tested below).
    monkeypatch.setattr(datasets, "load_demo", lambda: datasets.simulate_saas(80, seed=3))
    out = tmp_path / "report.html"
    assert main(["report", "--demo", "--output", str(out), "--sections", "overview"]) == 0
    page = out.read_text(encoding="utf-8")
    assert 'id="overview"' in page
    assert "data:image/png;base64," in page
    assert "<td>Accounts</td><td>80</td>" in page
    assert "[1/1] overview" in capsys.readouterr().err


def test_demo_run_bundled(tmp_path: Path) -> None:
    if not hasattr(datasets, "load_demo"):
        pytest.skip("adoptmetrics.datasets.load_demo is not available yet")
    out = tmp_path / "report.html"
    # As a user runs it: the console script's module, in a fresh process.
    proc = subprocess.run(
        [sys.executable, "-m", "adoptmetrics.cli", "report", "--demo", "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert 'id="overview"' in page
    assert 'class="card error"' not in page, proc.stderr
    assert_self_contained(page)


def test_bad_file_in_a_fresh_process_has_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "adoptmetrics.cli", "report", "--events",
         str(tmp_path / "missing.csv"), "--accounts", str(tmp_path / "a.csv")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert_one_line_error(proc.stderr, quiet=False)
