"""The ``adoptmetrics`` command line.

``adoptmetrics init --events E --accounts A ...`` looks at your files and
writes a starter ``adoptmetrics.toml``; ``adoptmetrics report --config
adoptmetrics.toml`` writes the report from it (command-line options override
the file). ``adoptmetrics report --demo`` writes the report for the bundled
demo data. Bad input gives one line on stderr, naming the file, the column,
the option or config key to change and line numbers (header = line 1), and
exit code 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["main"]

EXIT_BAD_INPUT = 2
# Kept in step with adoptmetrics.report.SECTION_MODULES (checked by the tests);
# repeated here so that --help does not import the report machinery.
SECTION_NAMES = (
    "overview",
    "retention",
    "churn",
    "nps",
    "onboarding",
    "expansion",
    "engagement",
    "health",
    "impact",
)
TABLE_NAMES = ("events", "accounts", "nps", "mrr", "expansions", "exposures")

_CSV = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz", ".txt")
_TSV = (".tsv", ".tsv.gz", ".tab")
_PARQUET = (".parquet", ".pq", ".parq")
_EXCEL = (".xlsx", ".xls", ".xlsm", ".ods")

# Cells read as missing from CSV: pandas' defaults except "NA", which is a
# value in real data (North America, Namibia), not a gap.
_MISSING = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NULL", "NaN", "None", "n/a", "nan", "null", "NaT",
]  # fmt: skip

# Per table: (config key, ReportData.from_frames argument, command-line flag, default).
COLUMN_OPTIONS: dict[str, tuple[tuple[str, str, str, str | None], ...]] = {
    "events": (
        ("account", "account_col", "account-col", "account_id"),
        ("user", "user_col", "user-col", "user_id"),
        ("time", "time_col", "time-col", "timestamp"),
        ("event", "event_col", "event-col", "event"),
    ),
    "accounts": (
        ("account", "accounts_account_col", "accounts-account-col", None),
        ("start", "start_col", "start-col", "started_at"),
        ("churn", "churn_col", "churn-col", "churned_at"),
    ),
    "nps": (
        ("account", "nps_account_col", "nps-account-col", None),
        ("user", "nps_user_col", "nps-user-col", None),
        ("time", "nps_time_col", "nps-time-col", "timestamp"),
        ("score", "score_col", "score-col", "score"),
        ("comment", "comment_col", "comment-col", "comment"),
    ),
    "mrr": (
        ("account", "mrr_account_col", "mrr-account-col", None),
        ("month", "month_col", "month-col", "month"),
        ("mrr", "mrr_col", "mrr-col", "mrr"),
    ),
    "expansions": (
        ("account", "expansions_account_col", "expansions-account-col", None),
        ("time", "expansions_time_col", "expansions-time-col", "timestamp"),
        ("amount", "amount_col", "amount-col", "amount"),
    ),
    "exposures": (
        ("account", "exposures_account_col", "exposures-account-col", None),
        ("campaign", "campaign_col", "campaign-col", "campaign"),
        ("time", "exposure_time_col", "exposure-time-col", "exposed_at"),
    ),
}
# The validators' argument names, as they appear in their hints, per table.
_HINT_ARGS = {"account_col": "account", "user_col": "user", "time_col": "time",
              "event_col": "event", "start_col": "start", "churn_col": "churn",
              "score_col": "score", "month_col": "month", "mrr_col": "mrr",
              "amount_col": "amount", "campaign_col": "campaign",
              "exposure_account_col": "account", "exposure_time_col": "time"}  # fmt: skip


class InputError(Exception):
    """A problem with the user's files or options: reported in one line, exit code 2."""


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _guess_sep(header_line: str) -> str | None:
    counts = {sep: header_line.count(sep) for sep in (";", "\t", "|", ",")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else None


def read_table(
    path: str | Path,
    *,
    table: str,
    id_columns: Sequence[str | None] = (),
    sep: str | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV or Parquet file, chosen by its extension.

    Id columns are read as strings, so ``"007"`` keeps its zeros and ids
    match across tables. In CSV files empty cells, ``NaN``, ``null``,
    ``None``, ``N/A`` and the like are missing; ``NA`` is kept as text (a
    region or country code, not a gap). ``sep`` overrides the separator
    (default: tab for ``.tsv``, comma otherwise); a CSV that parses into one
    column because of another separator is refused with the fix.
    """
    p = Path(path)
    name = p.name.lower()
    ids = [c for c in id_columns if c]
    if name.endswith(_EXCEL):
        raise InputError(
            f"{table} file {path} is a spreadsheet; save it as CSV (File > Save As > CSV UTF-8) "
            "or Parquet and give that file instead"
        )
    if not p.exists():
        raise InputError(f"{table} file not found: {path}")
    if p.is_dir():
        raise InputError(f"{table} path is a directory, not a file: {path}")
    if p.stat().st_size == 0:
        raise InputError(f"{table} file {path} is empty (not even a header line)")
    try:
        if name.endswith(_PARQUET):
            if importlib.util.find_spec("pyarrow") is None:
                raise InputError(
                    f"reading the Parquet file {path} needs pyarrow, which is not installed "
                    "(pip install pyarrow), or convert the file to CSV"
                )
            frame = pd.read_parquet(p)
            for col in ids:
                if col in frame.columns and not (
                    frame[col].dtype == object or isinstance(frame[col].dtype, pd.CategoricalDtype)
                ):
                    # ids as strings, as when read from CSV, so tables of both kinds match
                    frame[col] = frame[col].astype("string").astype(object)
            return frame
        if name.endswith(_CSV) or name.endswith(_TSV):
            default = "\t" if name.endswith(_TSV) else ","
            use = sep or default
            header = pd.read_csv(p, sep=use, nrows=0)
            if len(header.columns) == 1:
                guessed = _guess_sep(str(header.columns[0]))
                if guessed is not None and guessed != use:
                    shown = "\\t" if guessed == "\t" else guessed
                    raise InputError(
                        f"{table} file {path} reads as one column {str(header.columns[0])!r}: "
                        f"its separator looks like {shown!r}; pass --sep '{shown}' "
                        f'(config: [csv] sep = "{shown}")'
                    )
            raw = pd.read_csv(p, sep=use, header=None, nrows=1, dtype=str).iloc[0].tolist()
            repeated = sorted({str(c) for c in raw if raw.count(c) > 1})
            if repeated:
                # pandas would rename the repeat to "name.1" and read on silently
                raise InputError(
                    f"{path} ({table} table): column {repeated[0]!r} appears "
                    f"{raw.count(repeated[0])} times in the header (line 1). Hint: give every "
                    "column a distinct name, or drop the duplicate, before exporting"
                )
            dtypes: dict[Any, Any] = {c: str for c in ids if c in header.columns}
            return pd.read_csv(
                p,
                sep=use,
                dtype=dtypes,
                low_memory=False,
                keep_default_na=False,
                na_values=_MISSING,
            )
    except InputError:
        raise
    except Exception as exc:  # any reader failure means the file is unreadable
        raise InputError(
            f"cannot read {table} file {path}: {type(exc).__name__}: {_one_line(str(exc))}"
        ) from None
    raise InputError(
        f"{table} file {path} has an unsupported extension; use .csv, .tsv or .parquet "
        "(optionally .csv.gz)"
    )


def _parser() -> argparse.ArgumentParser:
    from adoptmetrics import __version__

    parser = argparse.ArgumentParser(
        prog="adoptmetrics",
        description="Adoption metrics for SaaS customer success.",
    )
    parser.add_argument("--version", action="version", version=f"adoptmetrics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    rep = sub.add_parser(
        "report",
        help="write a self-contained HTML report",
        description=(
            "Write one self-contained HTML report (figures embedded, no network needed to "
            "view it). Use --config adoptmetrics.toml (write one with `adoptmetrics init`), "
            "--demo for the bundled demo data, or --events and --accounts (and optionally "
            "--nps, --mrr, --expansions, --exposures) for your CSV or Parquet files. "
            "Command-line options override the config file."
        ),
    )
    rep.add_argument("--config", metavar="FILE", help="adoptmetrics.toml with tables and options")
    src = rep.add_argument_group("data")
    src.add_argument("--demo", action="store_true", help="use the bundled demo data")
    for name, what in (
        ("events", "events table (CSV, TSV or Parquet)"),
        ("accounts", "accounts table"),
        ("nps", "NPS responses (optional)"),
        ("mrr", "monthly revenue per account (optional)"),
        ("expansions", "expansion events (optional)"),
        ("exposures", "who a program reached and when (optional)"),
    ):
        src.add_argument(f"--{name}", metavar="FILE", help=what)
    _reading_options(src)
    src.add_argument(
        "--as-of",
        metavar="DATE",
        help="end of the observation window (default: the latest timestamp in the data; "
        "rows after it are ignored and counted)",
    )
    for table, options in COLUMN_OPTIONS.items():
        group = rep.add_argument_group(
            f"{table} columns", f"column names of the {table} table (config: [columns.{table}])"
        )
        for key, _, flag, default in options:
            shown = default or "--account-col"
            group.add_argument(f"--{flag}", metavar="NAME", help=f"{key} [{shown}]")
    rep.add_argument("-o", "--output", default=None, metavar="FILE", help="HTML file [report.html]")
    rep.add_argument(
        "--sections",
        metavar="NAMES",
        help=f"comma-separated sections to include, in order [all: {','.join(SECTION_NAMES)}]",
    )
    rep.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    ini = sub.add_parser(
        "init",
        help="write a starter adoptmetrics.toml by looking at your files",
        description=(
            "Look at your files, guess the id, time and event columns, list the most frequent "
            "event names as milestone and trigger candidates, and write a starter config. "
            "Edit it, then run `adoptmetrics report --config FILE`."
        ),
    )
    for name in TABLE_NAMES:
        ini.add_argument(f"--{name}", metavar="FILE", required=name in ("events", "accounts"))
    _reading_options(ini)
    ini.add_argument(
        "-o", "--output", default="adoptmetrics.toml", metavar="FILE",
        help="config file to write [adoptmetrics.toml]",
    )  # fmt: skip
    ini.add_argument("--force", action="store_true", help="overwrite an existing file")
    return parser


def _reading_options(group: Any) -> None:
    group.add_argument("--sep", metavar="CHAR", help="CSV separator [, or tab for .tsv]")
    order = group.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst",
        dest="dayfirst",
        action="store_const",
        const=True,
        help="read ambiguous dates such as 02/01/2024 as dd/mm/yyyy (2 January)",
    )
    order.add_argument(
        "--monthfirst",
        dest="dayfirst",
        action="store_const",
        const=False,
        help="read them as mm/dd/yyyy (1 February)",
    )
    group.add_argument(
        "--time-format", metavar="FORMAT", help="explicit time format, e.g. '%%d/%%m/%%Y %%H:%%M'"
    )


def _fail(message: str) -> int:
    print(f"adoptmetrics: error: {_one_line(message)}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _load_demo() -> Any:
    from adoptmetrics import datasets

    loader = getattr(datasets, "load_demo", None)
    if loader is None:
        raise InputError("the bundled demo data is not available in this version")
    return loader()


def _option(table: str, key: str) -> tuple[str, str]:
    """How the user names a column option of ``table``: the flag and the config key."""
    for k, _, flag, _ in COLUMN_OPTIONS.get(table, ()):
        if k == key:
            return f"--{flag}", f"[columns.{table}] {key}"
    return f"--{key}-col", f"[columns.{table}] {key}"


def _explain(exc: Exception, files: dict[str, str]) -> str:
    """A boundary error in the command line's words: file, column, lines, options."""
    from adoptmetrics._schema._validate import SchemaError

    if not isinstance(exc, SchemaError):
        return _cli_words(str(exc), "events")
    table = exc.table
    where = f"{files[table]} ({table} table)" if table in files else f"{table} table"
    column = f" column {exc.column!r}" if exc.column is not None else ""
    lines = ""
    if exc.rows and all(isinstance(r, (int, np.integer)) for r in exc.rows):
        if str(files.get(table, "")).lower().endswith(_PARQUET):
            shown = ", ".join(str(int(r) + 1) for r in exc.rows)
            lines = f" (first offending rows, counting from 1: {shown})"
        else:
            # Rows are 0-based positions of the file's data; the header is line 1.
            shown = ", ".join(str(int(r) + 2) for r in exc.rows)
            lines = f" (first offending lines: {shown})"
    return f"{where}:{column} {exc.problem}{lines}. Hint: {_cli_words(exc.hint, table)}"


def _cli_words(text: str, table: str) -> str:
    """Python argument names in a hint → the flag and config key for ``table``."""

    def arg(match: re.Match[str]) -> str:
        key = _HINT_ARGS.get(match.group(1))
        if key is None:
            return match.group(0)
        flag, config = _option(table, key)
        value = match.group(2) or "NAME"
        if value == "'<your column>'":
            value = "NAME"
        return f"{flag} {value} (config: {config} = {value})"

    text = re.sub(r"\b([a-z_]+_col)=('<your column>'|'[^']*')?", arg, text)
    text = text.replace("dayfirst=True", "--dayfirst").replace("dayfirst=False", "--monthfirst")
    text = re.sub(r"time_format=('[^']*')", r"--time-format \1", text)
    return text.replace("time_format=", "--time-format ").replace("as_of=", "--as-of ")


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """Tables, columns and options from the config file, overridden by the command line."""
    from adoptmetrics.report._config import ConfigError, ReportOptions, load_config

    cfg = None
    if getattr(args, "config", None):
        try:
            cfg = load_config(args.config)
        except ConfigError as exc:
            raise InputError(str(exc)) from None
    files: dict[str, str] = {}
    if cfg is not None:
        files.update({name: str(path) for name, path in cfg.tables.items()})
    for name in TABLE_NAMES:
        given = getattr(args, name, None)
        if given is not None:
            files[name] = given
    columns: dict[str, str] = {}
    for table, options in COLUMN_OPTIONS.items():
        configured = cfg.columns.get(table, {}) if cfg is not None else {}
        for key, argument, flag, default in options:
            value = getattr(args, flag.replace("-", "_"), None)
            if value is None:
                value = configured.get(key, default)
            if value is not None:
                columns[argument] = value
    return {
        "files": files,
        "columns": columns,
        "as_of": args.as_of if args.as_of is not None else (cfg.as_of if cfg else None),
        "dayfirst": args.dayfirst if args.dayfirst is not None else (cfg.dayfirst if cfg else None),
        "time_format": args.time_format or (cfg.time_format if cfg else None),
        "sep": args.sep or (cfg.sep if cfg else None),
        "options": cfg.options if cfg is not None else ReportOptions(),
        "title": cfg.title if cfg is not None else None,
        "via_config": cfg is not None,
    }


def _report_data(args: argparse.Namespace, say_warning: Any, say: Any) -> Any:
    from adoptmetrics._schema._validate import SchemaError
    from adoptmetrics.report import ReportData

    if args.demo:
        given = [f"--{n}" for n in (*TABLE_NAMES, "config") if getattr(args, n) is not None]
        if given:
            raise InputError(f"--demo cannot be combined with {', '.join(given)}")
        demo = _load_demo()
        tables = {
            "nps": demo.nps,
            "mrr": demo.mrr,
            "expansions": demo.expansions,
            "exposures": getattr(demo, "exposures", None),
        }
        as_of = args.as_of if args.as_of is not None else demo.as_of
        from adoptmetrics.report._demo import DEMO_OPTIONS

        try:
            return ReportData.from_frames(
                demo.events, demo.accounts, as_of=as_of, options=DEMO_OPTIONS, **tables
            )
        except (SchemaError, ValueError, TypeError) as exc:
            raise InputError(str(exc)) from None
    s = _settings(args)
    files = s["files"]
    if "events" not in files or "accounts" not in files:
        raise InputError(
            "give --config adoptmetrics.toml (write one with `adoptmetrics init`), or "
            "--events FILE and --accounts FILE (CSV or Parquet), or --demo for the demo data"
        )
    cols = s["columns"]
    account = cols.get("account_col", "account_id")
    id_columns = {
        "events": [account, cols.get("user_col")],
        "accounts": [cols.get("accounts_account_col", account)],
        "nps": [cols.get("nps_account_col", account), cols.get("nps_user_col")],
        "mrr": [cols.get("mrr_account_col", account)],
        "expansions": [cols.get("expansions_account_col", account)],
        "exposures": [cols.get("exposures_account_col", account)],
    }
    frames = {
        name: read_table(path, table=name, id_columns=id_columns[name], sep=s["sep"])
        for name, path in files.items()
    }
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = ReportData.from_frames(
                frames["events"],
                frames["accounts"],
                nps=frames.get("nps"),
                mrr=frames.get("mrr"),
                expansions=frames.get("expansions"),
                exposures=frames.get("exposures"),
                as_of=s["as_of"],
                dayfirst=s["dayfirst"],
                time_format=s["time_format"],
                options=s["options"],
                **cols,
            )
    except SchemaError as exc:
        raise InputError(_explain(exc, files)) from None
    except (ValueError, TypeError) as exc:
        raise InputError(_cli_words(str(exc), "events")) from None
    for w in caught:
        if issubclass(w.category, UserWarning):
            text = str(w.message)
            # Tables that do not match are loud; rows cut at a chosen --as-of are progress.
            (say_warning if text in data.notes else say)(text)
    args.title = s["title"]
    return data


def _report(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # no display needed; figures are embedded as PNG
    from adoptmetrics.report import write_report

    def say(line: str) -> None:
        if not args.quiet:
            print(f"adoptmetrics: {line}", file=sys.stderr, flush=True)

    def loud(line: str) -> None:
        # Data problems are printed even with --quiet: they change every number.
        print(f"adoptmetrics: WARNING: {_one_line(line)}", file=sys.stderr, flush=True)

    say("reading the demo data…" if args.demo else "reading and validating the tables…")
    data = _report_data(args, loud, say)
    say(
        f"{len(data.accounts):,} accounts, {len(data.events):,} events, as of {data.as_of:%Y-%m-%d}"
    )
    output = Path(args.output or "report.html")
    if output.parent != Path() and not output.parent.is_dir():
        raise InputError(f"cannot write {output}: folder {output.parent} does not exist")
    sections = None
    if args.sections is not None:
        sections = [name.strip() for name in args.sections.split(",") if name.strip()]
        unknown = [name for name in sections if name not in SECTION_NAMES]
        if unknown or not sections:
            raise InputError(
                f"unknown --sections {', '.join(unknown) or '(none given)'}; "
                f"choose from {','.join(SECTION_NAMES)}"
            )
    extra = {"title": args.title} if getattr(args, "title", None) else {}
    try:
        write_report(data, output, sections=sections, progress=say, **extra)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    size = output.stat().st_size
    say(f"wrote {output} ({size / 1e6:.1f} MB)")
    return 0


def _init(args: argparse.Namespace) -> int:
    from adoptmetrics.report._starter import starter_config

    out = Path(args.output)
    if out.exists() and not args.force:
        raise InputError(f"{out} exists; pass --force to overwrite it")
    files = {name: getattr(args, name) for name in TABLE_NAMES if getattr(args, name)}
    frames = {name: read_table(path, table=name, sep=args.sep) for name, path in files.items()}
    text = starter_config(
        frames,
        {name: Path(path) for name, path in files.items()},
        base=out.resolve().parent,
        dayfirst=args.dayfirst,
        time_format=args.time_format,
        sep=args.sep,
    )
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(
        f"adoptmetrics: wrote {out}; check the guessed columns, choose milestones and "
        f"triggers, then run: adoptmetrics report --config {out}",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input or usage).

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code.

    Examples
    --------
    >>> main(["--version"])
    Traceback (most recent call last):
    SystemExit: 0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return _init(args) if args.command == "init" else _report(args)
    except InputError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("adoptmetrics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
