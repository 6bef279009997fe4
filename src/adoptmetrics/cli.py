"""The ``adoptmetrics`` command line.

``adoptmetrics report --demo --output report.html`` writes the report for the
bundled demo data; ``adoptmetrics report --events E --accounts A [--nps N]
[--mrr M] [--expansions X] --output F`` does the same for your CSV or Parquet
files. Bad input gives one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
    "health",
    "impact",
)

_CSV = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz", ".txt")
_TSV = (".tsv", ".tsv.gz")
_PARQUET = (".parquet", ".pq", ".parq")


# Cells read as missing from CSV: pandas' defaults except "NA", which is a
# value in real data (North America, Namibia), not a gap.
_MISSING = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NULL", "NaN", "None", "n/a", "nan", "null", "NaT",
]  # fmt: skip


class InputError(Exception):
    """A problem with the user's files or options: reported in one line, exit code 2."""


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def read_table(path: str, *, table: str, id_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV/TSV or Parquet file, chosen by its extension.

    Id columns are read as strings, so ``"007"`` keeps its zeros and ids
    match across tables. In CSV files empty cells, ``NaN``, ``null``,
    ``None``, ``N/A`` and the like are missing; ``NA`` is kept as text (a
    region or country code, not a gap).
    """
    p = Path(path)
    name = p.name.lower()
    if not p.exists():
        raise InputError(f"{table} file not found: {path}")
    if p.is_dir():
        raise InputError(f"{table} path is a directory, not a file: {path}")
    try:
        if name.endswith(_PARQUET):
            if importlib.util.find_spec("pyarrow") is None:
                raise InputError(
                    f"reading the Parquet file {path} needs pyarrow, which is not installed "
                    "(pip install pyarrow), or convert the file to CSV"
                )
            frame = pd.read_parquet(p)
            for col in id_columns:
                if col in frame.columns and not (
                    frame[col].dtype == object or isinstance(frame[col].dtype, pd.CategoricalDtype)
                ):
                    # ids as strings, as when read from CSV, so tables of both kinds match
                    frame[col] = frame[col].astype("string").astype(object)
            return frame
        if name.endswith(_CSV) or name.endswith(_TSV):
            sep = "\t" if name.endswith(_TSV) else ","
            header = pd.read_csv(p, sep=sep, nrows=0)
            dtypes: dict[Any, Any] = {c: str for c in id_columns if c in header.columns}
            return pd.read_csv(
                p,
                sep=sep,
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
            "view it). Use --demo for the bundled demo data, or --events and --accounts "
            "(and optionally --nps, --mrr, --expansions) for your CSV or Parquet files."
        ),
    )
    src = rep.add_argument_group("data")
    src.add_argument("--demo", action="store_true", help="use the bundled demo data")
    src.add_argument("--events", metavar="FILE", help="events table (CSV or Parquet)")
    src.add_argument("--accounts", metavar="FILE", help="accounts table (CSV or Parquet)")
    src.add_argument("--nps", metavar="FILE", help="NPS responses (optional)")
    src.add_argument("--mrr", metavar="FILE", help="monthly revenue per account (optional)")
    src.add_argument("--expansions", metavar="FILE", help="expansion events (optional)")
    src.add_argument(
        "--as-of",
        metavar="DATE",
        help="end of the observation window (default: the latest timestamp in the data)",
    )
    cols = rep.add_argument_group(
        "column names", "map your column names to the canonical ones (defaults in brackets)"
    )
    for flag, default, what in (
        ("account-col", "account_id", "account id, in every table"),
        ("time-col", "timestamp", "event time (also NPS and expansion times when present)"),
        ("event-col", "event", "event name"),
        ("user-col", "user_id", "user id (optional)"),
        ("start-col", "started_at", "account start date"),
        ("churn-col", "churned_at", "account churn date (empty while active)"),
        ("score-col", "score", "NPS score 0-10"),
        ("month-col", "month", "MRR month"),
        ("mrr-col", "mrr", "MRR amount"),
    ):
        cols.add_argument(f"--{flag}", default=default, metavar="NAME", help=f"{what} [{default}]")
    rep.add_argument(
        "-o", "--output", default="report.html", metavar="FILE", help="HTML file [report.html]"
    )
    rep.add_argument(
        "--sections",
        metavar="NAMES",
        help=f"comma-separated sections to include, in order [all: {','.join(SECTION_NAMES)}]",
    )
    rep.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def _fail(message: str) -> int:
    print(f"adoptmetrics: error: {_one_line(message)}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _load_demo() -> Any:
    from adoptmetrics import datasets

    loader = getattr(datasets, "load_demo", None)
    if loader is None:
        raise InputError("the bundled demo data is not available in this version")
    return loader()


def _report_data(args: argparse.Namespace) -> Any:
    from adoptmetrics._schema._validate import SchemaError
    from adoptmetrics.report import ReportData

    if args.demo:
        given = [
            f"--{n}"
            for n in ("events", "accounts", "nps", "mrr", "expansions")
            if getattr(args, n) is not None
        ]
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
        try:
            return ReportData.from_frames(demo.events, demo.accounts, as_of=as_of, **tables)
        except (SchemaError, ValueError, TypeError) as exc:
            raise InputError(str(exc)) from None
    if args.events is None or args.accounts is None:
        raise InputError(
            "give --events FILE and --accounts FILE (CSV or Parquet), or --demo for the demo data"
        )
    ids = [args.account_col, args.user_col]
    events = read_table(args.events, table="events", id_columns=ids)
    accounts = read_table(args.accounts, table="accounts", id_columns=ids)
    optional = {
        name: read_table(path, table=name, id_columns=ids)
        for name in ("nps", "mrr", "expansions")
        if (path := getattr(args, name)) is not None
    }
    try:
        return ReportData.from_frames(
            events,
            accounts,
            as_of=args.as_of,
            account_col=args.account_col,
            time_col=args.time_col,
            event_col=args.event_col,
            user_col=args.user_col,
            start_col=args.start_col,
            churn_col=args.churn_col,
            score_col=args.score_col,
            month_col=args.month_col,
            mrr_col=args.mrr_col,
            nps=optional.get("nps"),
            mrr=optional.get("mrr"),
            expansions=optional.get("expansions"),
        )
    except (SchemaError, ValueError, TypeError) as exc:
        raise InputError(str(exc)) from None


def _report(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # no display needed; figures are embedded as PNG
    from adoptmetrics.report import write_report

    def say(line: str) -> None:
        if not args.quiet:
            print(f"adoptmetrics: {line}", file=sys.stderr, flush=True)

    say("reading the demo data…" if args.demo else "reading and validating the tables…")
    data = _report_data(args)
    say(
        f"{len(data.accounts):,} accounts, {len(data.events):,} events, as of {data.as_of:%Y-%m-%d}"
    )
    output = Path(args.output)
    if output.parent != Path() and not output.parent.is_dir():
        raise InputError(f"cannot write {args.output}: folder {output.parent} does not exist")
    sections = None
    if args.sections is not None:
        sections = [name.strip() for name in args.sections.split(",") if name.strip()]
        unknown = [name for name in sections if name not in SECTION_NAMES]
        if unknown or not sections:
            raise InputError(
                f"unknown --sections {', '.join(unknown) or '(none given)'}; "
                f"choose from {','.join(SECTION_NAMES)}"
            )
    try:
        write_report(data, output, sections=sections, progress=say)
    except OSError as exc:
        raise InputError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    size = output.stat().st_size
    say(f"wrote {output} ({size / 1e6:.1f} MB)")
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
        return _report(args)
    except InputError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("adoptmetrics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
