"""``adoptmetrics init``: a starter config written by looking at the user's files.

Columns are guessed by name and dtype; the most frequent event names are
listed, commented out, as milestone, trigger and feature candidates. The
result is a file to edit, never a silent choice: every guess says what it
was based on.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

__all__ = ["guess_columns", "starter_config"]

#: Event names listed as candidates.
TOP_EVENTS = 20
_SAMPLE = 5_000

# Name patterns per canonical key, most specific first.
_NAMES: dict[str, tuple[str, ...]] = {
    "account": (
        r"^account_?id$", r"^(org|organi[sz]ation|company|customer|tenant|workspace|team)_?id$",
        r"^account$", r"^(org|organi[sz]ation|company|customer|tenant|workspace)$",
        r"(account|org|company|customer|tenant|workspace)",
    ),
    "user": (r"^user_?id$", r"^(user|member|person|contact)", r"e_?mail", r"user"),
    "time": (
        r"^timestamp$", r"^(ts|time|datetime|event_time|occurred_at|created_at)$",
        r"(_at|_time|_ts|timestamp)$", r"(time|date)",
    ),
    "event": (r"^event(_?name|_?type)?$", r"^(action|activity|name|type)$", r"(event|action)"),
    "start": (
        r"^started_at$", r"(start|signup|sign_up|signed_up|created|joined|since|onboarded_at)",
    ),
    "churn": (r"^churned_at$", r"(churn|cancel|ended|closed|lost|end_date)"),
    "score": (r"^score$", r"(score|rating|nps)"),
    "comment": (r"(comment|feedback|verbatim|text|reason|answer)",),
    "month": (r"^month$", r"(month|period|billing)"),
    "mrr": (r"^mrr$", r"(mrr|amount|revenue|arr|value)"),
    "amount": (r"(amount|value|delta)",),
    "campaign": (r"(campaign|program|programme|outreach|initiative)",),
}  # fmt: skip
_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "events": ("account", "user", "time", "event"),
    "accounts": ("account", "start", "churn"),
    "nps": ("account", "user", "time", "score", "comment"),
    "mrr": ("account", "month", "mrr"),
    "expansions": ("account", "time", "amount"),
    "exposures": ("account", "campaign", "time"),
}


def _text(values: pd.Series) -> bool:
    """Object or string dtype (pandas 3 reads text as ``str``)."""
    return values.dtype == object or pd.api.types.is_string_dtype(values.dtype)


def _is_time(values: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return True
    if not _text(values):
        return False
    sample = values.dropna().astype(str).head(200)
    if len(sample) == 0:
        return False
    datelike = sample.str.match(r"^\s*(\d{4}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4})")
    return bool(datelike.mean() > 0.9)


def _fits(key: str, values: pd.Series) -> bool:
    if key in ("time", "start", "churn", "month"):
        return _is_time(values)
    if key in ("score", "mrr", "amount"):
        return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype
        )
    if key == "comment":
        return _text(values) and bool(values.dropna().astype(str).str.len().mean() > 15)
    return not pd.api.types.is_bool_dtype(values.dtype) and not _is_time(values)


def guess_columns(frame: pd.DataFrame, table: str) -> dict[str, tuple[str, str]]:
    """Guess the columns of one table: key → (column, why).

    Examples
    --------
    >>> df = pd.DataFrame({"org_id": ["a"], "user_email": ["x@y"], "ts": ["2024-01-01"],
    ...                    "action": ["login"]})
    >>> {k: v[0] for k, v in guess_columns(df, "events").items()}
    {'account': 'org_id', 'user': 'user_email', 'time': 'ts', 'event': 'action'}
    """
    head = frame.head(_SAMPLE)
    out: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    for key in _TABLE_KEYS[table]:
        found = None
        for pattern in _NAMES[key]:
            for col in head.columns:
                name = str(col)
                if name in used or not re.search(pattern, name.lower()):
                    continue
                if _fits(key, head[col]):
                    found = (name, "by its name and values")
                    break
            if found:
                break
        if found is None and key in ("time", "start"):
            times = [str(c) for c in head.columns if str(c) not in used and _is_time(head[c])]
            if times:
                found = (times[0], "the first column that holds dates")
        if found is None and key == "event":
            text = [
                str(c)
                for c in head.columns
                if str(c) not in used
                and _text(head[c])
                and not _is_time(head[c])
                and 1 < head[c].nunique() <= max(50, len(head) // 20)
            ]
            if text:
                found = (text[0], "a text column with few distinct values")
        if found is not None:
            out[key] = found
            used.add(found[0])
    return out


def _boolean_columns(frame: pd.DataFrame) -> list[str]:
    out = []
    for col in frame.columns:
        values = frame[col].dropna()
        if len(values) == 0:
            continue
        if pd.api.types.is_bool_dtype(values.dtype) or (
            _text(values) and values.astype(str).str.lower().isin(["true", "false"]).all()
        ):
            out.append(str(col))
    return out


def _day_month_order(frame: pd.DataFrame, columns: list[str]) -> tuple[bool | None, str]:
    """Whether day/month strings in ``columns`` read day first, and the evidence."""
    seen_ambiguous = ""
    for col in columns:
        if col not in frame.columns or not _text(frame[col]):
            continue
        parts = frame[col].dropna().astype(str).str.extract(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d")
        parts = parts.dropna()
        if len(parts) == 0:
            continue
        a = parts[0].astype(int).to_numpy()
        b = parts[1].astype(int).to_numpy()
        if (a > 12).any():
            return True, f"{col!r} has {frame[col].dropna().astype(str)[a > 12].iloc[0]!r}"
        if (b > 12).any():
            return False, f"{col!r} has {frame[col].dropna().astype(str)[b > 12].iloc[0]!r}"
        seen_ambiguous = seen_ambiguous or col
    return None, seen_ambiguous


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def starter_config(
    frames: Mapping[str, pd.DataFrame],
    paths: Mapping[str, Path],
    *,
    base: Path,
    dayfirst: bool | None = None,
    time_format: str | None = None,
    sep: str | None = None,
) -> str:
    """The text of a starter ``adoptmetrics.toml`` for these tables.

    Parameters
    ----------
    frames : mapping of table name → DataFrame
        The tables as read (``events`` and ``accounts`` at least).
    paths : mapping of table name → Path
        Their files; written relative to ``base`` when possible.
    base : Path
        The folder the config will be written to.
    dayfirst, time_format, sep : optional
        Reading options given on the command line, written to the file.

    Returns
    -------
    str
        TOML text with comments saying what each guess was based on.
    """
    lines = [
        "# adoptmetrics report config, written by `adoptmetrics init` from your files.",
        "# Check the guessed columns, uncomment the milestones and triggers you want, then run",
        "#   adoptmetrics report --config <this file>",
        "# Every key is described in docs/report.md.",
        "",
        '# as_of = "2025-06-30"   # end of the observation window (default: latest timestamp)',
        "",
        "[tables]   # paths relative to this file",
    ]
    for name, path in paths.items():
        if name == "exposures":
            continue
        try:
            shown = os.path.relpath(path.resolve(), base)
        except ValueError:  # another drive on Windows
            shown = str(path.resolve())
        lines.append(f"{name} = {_q(Path(shown).as_posix())}")
    guesses: dict[str, dict[str, tuple[str, str]]] = {}
    account = None
    for name, frame in frames.items():
        guess = guess_columns(frame, name)
        if account is not None and account in frame.columns:
            guess["account"] = (account, "the same name as in the events")
        if name == "events" and "account" in guess:
            account = guess["account"][0]
        guesses[name] = guess
        if name == "exposures":
            continue
        lines += ["", f"[columns.{name}]"]
        for key in _TABLE_KEYS[name]:
            if key in guess:
                col, why = guess[key]
                lines.append(f"{key} = {_q(col)}   # guessed {why}")
            else:
                optional = key in ("user", "churn", "comment", "amount")
                lines.append(
                    f'# {key} = "..."   # '
                    + ("optional: " if optional else "NOT FOUND, please set: ")
                    + f"columns are {', '.join(map(str, frame.columns[:12]))}"
                )
    time_cols = [
        guesses[name][key][0]
        for name, keys in (("events", ("time",)), ("accounts", ("start", "churn")))
        for key in keys
        if name in guesses and key in guesses[name]
    ]
    order, evidence = (dayfirst, "given on the command line")
    if dayfirst is None:
        order, evidence = (None, "")
        for name in frames:
            cols = [guesses[name][k][0] for k in ("time", "start", "churn", "month")
                    if k in guesses[name]]  # fmt: skip
            found, why = _day_month_order(frames[name], cols or time_cols)
            if found is not None:
                order, evidence = found, why
                break
            evidence = evidence or (f"{name}: {why}" if why else "")
    lines += ["", "[time]"]
    if order is not None:
        lines.append(f"dayfirst = {'true' if order else 'false'}   # {evidence}")
    elif evidence:
        lines.append(
            "dayfirst = true   # CHECK: dates such as 02/01/2024 in "
            f"{evidence} read both ways; true = dd/mm, false = mm/dd"
        )
    else:
        lines.append("# dayfirst = true   # only needed for dates such as 02/01/2024")
    if time_format:
        lines.append(f"format = {_q(time_format)}")
    if sep:
        lines += ["", "[csv]", f"sep = {_q(sep)}"]
    events = frames["events"]
    event_col = guesses.get("events", {}).get("event", (None, ""))[0]
    top: list[str] = []
    candidates: list[str] = []
    if event_col is not None:
        counts = events[event_col].astype(str).value_counts().head(TOP_EVENTS)
        top = [str(e) for e in counts.index]
        candidates = [f"#   {_q(str(e))},   # {int(n):,} events" for e, n in counts.items()]
    accounts = frames.get("accounts")
    booleans = _boolean_columns(accounts) if accounts is not None else []
    lines += [
        "",
        "[onboarding]",
        "window_days = 14   # days after an account's start in which onboarding happens",
        "# milestones: the events that mean an account is set up, in order. The most",
        f"# frequent event names in {paths['events'].name} (uncomment 2-4 of them):",
        "# milestones = [",
        *candidates,
        "# ]",
    ]
    if len(booleans) == 1:
        lines.append(
            f"outcome = {_q(booleans[0])}   # the accounts' only true/false column: "
            "did onboarding succeed?"
        )
    elif booleans:
        lines.append(
            f"# outcome = {_q(booleans[0])}   # true/false columns of the accounts: "
            + ", ".join(booleans)
        )
    else:
        lines.append('# outcome = "..."   # a true/false column of the accounts, if you have one')
    lines += [
        "",
        "[expansion]",
        "horizon_days = 90   # how far ahead an expansion counts after a trigger fires",
        "# triggers: events that signal an account is ready to buy more, e.g.",
        "# triggers = [",
        *[f"#   {{ name = {_q(e)}, event = {_q(e)} }}," for e in top],
        "# ]",
        "",
        "[engagement]",
        "# features: the events whose adoption to follow (default: the most frequent ones)",
        "# features = [" + ", ".join(_q(e) for e in top[:6]) + "]",
    ]
    if "exposures" in frames:
        g = guesses["exposures"]
        try:
            shown = os.path.relpath(paths["exposures"].resolve(), base)
        except ValueError:
            shown = str(paths["exposures"].resolve())
        lines += ["", "[impact]", f"exposures = {_q(Path(shown).as_posix())}"]
        for key in ("account", "campaign", "time"):
            if key in g:
                lines.append(f"{key} = {_q(g[key][0])}   # guessed {g[key][1]}")
            else:
                lines.append(f'# {key} = "..."   # NOT FOUND, please set')
        lines.append('outcome = "active"   # or "retained", "active_days", or an event name')
    else:
        lines += [
            "",
            "# [impact]   # who a program (campaign, outreach) reached, and when",
            '# exposures = "exposures.csv"',
            '# account = "org_id"',
            '# campaign = "campaign"',
            '# time = "sent_at"',
        ]
    return "\n".join(lines) + "\n"
