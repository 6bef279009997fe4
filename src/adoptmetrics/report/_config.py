"""What the report is configured with: :class:`ReportOptions` and the TOML file.

``adoptmetrics report --config adoptmetrics.toml`` reads one file in the
format of DESIGN's "The report on your own data" (documented in
``docs/report.md``). :func:`load_config` parses and checks it;
:class:`ReportOptions` is the part the sections read (milestones, triggers,
features, horizons), carried by :class:`~adoptmetrics.report.ReportData`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from adoptmetrics.models import Trigger

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["TABLES", "ConfigError", "ReportConfig", "ReportOptions", "load_config"]

#: Tables a config may name, and the canonical column keys of each.
TABLES: dict[str, tuple[str, ...]] = {
    "events": ("account", "user", "time", "event"),
    "accounts": ("account", "start", "churn"),
    "nps": ("account", "user", "time", "score", "comment"),
    "mrr": ("account", "month", "mrr"),
    "expansions": ("account", "time", "amount"),
    "exposures": ("account", "campaign", "time"),
}
_TOP_KEYS = ("as_of", "title", "tables", "columns", "time", "csv")
_SECTION_KEYS = {
    "onboarding": ("milestones", "window_days", "outcome"),
    "expansion": ("horizon_days", "triggers"),
    "engagement": ("features",),
    "impact": ("exposures", "account", "campaign", "time", "outcome", "horizon_days"),
    "churn": ("horizon_days",),
}


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


def _triggers_tuple(value: object) -> tuple[Trigger, ...]:
    return tuple(value)  # type: ignore[arg-type]


def _tuple_of_str(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)  # type: ignore[attr-defined]


def _positive_int(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"{attribute.name} must be a positive whole number of days, got {value!r}.\n"
            f"Hint: e.g. {attribute.name}=14."
        )


@attrs.frozen(slots=True)
class ReportOptions:
    """What the report's sections analyse: every value has a documented default.

    Parameters
    ----------
    milestones : tuple of str
        Onboarding milestone event names, in funnel order (``[onboarding]
        milestones``). Default: none — the onboarding card then says to set them.
    window_days : int, default 14
        Days after an account's start in which onboarding happens
        (``[onboarding] window_days``).
    outcome : str or None
        A boolean column of the accounts table that says whether onboarding
        succeeded (``[onboarding] outcome``). Default: none — the drivers of
        success are not shown and the card says why.
    expansion_horizon_days : int, default 90
        How far ahead an expansion counts after a trigger fires
        (``[expansion] horizon_days``).
    triggers : tuple of Trigger
        Expansion triggers (``[expansion] triggers``). Default: every event
        type is tested as a trigger.
    features : tuple of str
        Features for the engagement section (``[engagement] features``).
        Default: the most frequent event names.
    churn_horizon_days : int, default 90
        Horizon of the churn-risk list (``[churn] horizon_days``).
    impact_outcome : str, default "active"
        Outcome of the program-impact section (``[impact] outcome``).
    impact_horizon_days : int, default 28
        Days after exposure in which the outcome is measured (``[impact] horizon_days``).

    Examples
    --------
    >>> ReportOptions(milestones=["Created Workspace"]).window_days
    14
    """

    milestones: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    window_days: int = attrs.field(default=14, validator=_positive_int)
    outcome: str | None = None
    expansion_horizon_days: int = attrs.field(default=90, validator=_positive_int)
    triggers: tuple[Trigger, ...] = attrs.field(default=(), converter=_triggers_tuple)
    features: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    churn_horizon_days: int = attrs.field(default=90, validator=_positive_int)
    impact_outcome: str = "active"
    impact_horizon_days: int = attrs.field(default=28, validator=_positive_int)


@attrs.frozen(slots=True)
class ReportConfig:
    """A parsed config file.

    Attributes
    ----------
    path : Path
        The file; table paths are relative to its folder.
    tables : dict
        Table name → file path (resolved).
    columns : dict
        Table name → {canonical key (``account``, ``time``, ...) → the user's column}.
    dayfirst : bool or None
        ``[time] dayfirst``.
    time_format : str or None
        ``[time] format``.
    sep : str or None
        ``[csv] sep``: the CSV separator (default: by the file extension).
    as_of : str or None
        Top-level ``as_of``.
    title : str or None
        Top-level ``title`` of the report.
    options : ReportOptions
        The sections' options.
    """

    path: Path
    tables: dict[str, Path]
    columns: dict[str, dict[str, str]]
    dayfirst: bool | None = None
    time_format: str | None = None
    sep: str | None = None
    as_of: str | None = None
    title: str | None = None
    options: ReportOptions = ReportOptions()


def _flat(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _fail(path: Path, key: str, problem: str, hint: str) -> ConfigError:
    return ConfigError(f"{path}: [{key}] {problem}. Hint: {hint}")


def _mapping(raw: Mapping[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise _fail(path, key, "must be a table", f"write it as a [{key}] section.")
    return value


def _unknown(found: Mapping[str, Any], allowed: tuple[str, ...], where: str, path: Path) -> None:
    extra = [k for k in found if k not in allowed]
    if extra:
        raise _fail(
            path,
            where,
            f"has unknown keys {extra}",
            f"the keys of [{where}] are {', '.join(allowed)} (see docs/report.md).",
        )


def _int(value: object, key: str, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(path, key, f"must be a positive whole number, got {value!r}", "e.g. 14.")
    return value


def _strings(value: object, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, key, f"must be a list of strings, got {value!r}", 'e.g. ["A", "B"].')
    return tuple(value)


def _triggers(value: object, path: Path) -> tuple[Trigger, ...]:
    if not isinstance(value, list):
        raise _fail(
            path,
            "expansion",
            "triggers must be a list",
            'write triggers = [{ name = "seat limit", event = "Hit Seat Limit" }].',
        )
    out = []
    for item in value:
        if isinstance(item, str):
            item = {"name": item, "event": item}
        if not isinstance(item, dict) or not isinstance(item.get("event"), str):
            raise _fail(
                path,
                "expansion",
                f"trigger {item!r} has no event name",
                'write each trigger as { name = "seat limit", event = "Hit Seat Limit" }.',
            )
        extra = [k for k in item if k not in ("name", "event", "min_count", "window_days")]
        if extra:
            raise _fail(
                path,
                "expansion",
                f"trigger {item!r} has unknown keys {extra}",
                "a trigger has name, event, and optionally min_count and window_days.",
            )
        try:
            out.append(Trigger(**{"name": item["event"], **item}))
        except (TypeError, ValueError) as exc:
            raise _fail(
                path, "expansion", f"trigger {item!r}: {_flat(exc)}", "see docs/report.md."
            ) from None
    return tuple(out)


def _resolve(base: Path, file: str) -> Path:
    return Path(file) if Path(file).is_absolute() else (base / file).resolve()


def load_config(path: str | Path) -> ReportConfig:
    """Read and check an ``adoptmetrics.toml`` report config.

    Parameters
    ----------
    path : str or Path
        The TOML file. Table paths in it are relative to its folder.

    Returns
    -------
    ReportConfig
        The parsed file.

    Raises
    ------
    ConfigError
        A missing file, invalid TOML, an unknown table, section or key, or a
        value of the wrong kind; the message names the file and the key.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "adoptmetrics.toml"
    >>> _ = p.write_text('[tables]\\nevents = "e.csv"\\n[columns.events]\\ntime = "ts"\\n')
    >>> cfg = load_config(p)
    >>> cfg.tables["events"].name, cfg.columns["events"]
    ('e.csv', {'time': 'ts'})
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    allowed = (*_TOP_KEYS, *_SECTION_KEYS)
    _unknown(raw, allowed, "top level", p)
    base = p.parent
    tables_raw = _mapping(raw, "tables", p)
    _unknown(tables_raw, tuple(k for k in TABLES if k != "exposures"), "tables", p)
    tables: dict[str, Path] = {}
    for name, file in tables_raw.items():
        if not isinstance(file, str):
            raise _fail(p, "tables", f"{name} must be a file path", f'{name} = "{name}.csv".')
        tables[name] = _resolve(base, file)
    columns_raw = _mapping(raw, "columns", p)
    _unknown(columns_raw, tuple(TABLES), "columns", p)
    columns: dict[str, dict[str, str]] = {}
    for table, mapping in columns_raw.items():
        if not isinstance(mapping, dict):
            raise _fail(p, f"columns.{table}", "must be a table", f"write [columns.{table}].")
        _unknown(mapping, TABLES[table], f"columns.{table}", p)
        columns[table] = {str(k): str(v) for k, v in mapping.items()}
    time_raw = _mapping(raw, "time", p)
    _unknown(time_raw, ("dayfirst", "format"), "time", p)
    dayfirst = time_raw.get("dayfirst")
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise _fail(p, "time", "dayfirst must be true or false", "dayfirst = true for dd/mm.")
    csv_raw = _mapping(raw, "csv", p)
    _unknown(csv_raw, ("sep",), "csv", p)
    opts: dict[str, Any] = {}
    onb = _mapping(raw, "onboarding", p)
    _unknown(onb, _SECTION_KEYS["onboarding"], "onboarding", p)
    if "milestones" in onb:
        opts["milestones"] = _strings(onb["milestones"], "onboarding", p)
    if "window_days" in onb:
        opts["window_days"] = _int(onb["window_days"], "onboarding", p)
    if "outcome" in onb:
        opts["outcome"] = str(onb["outcome"])
    exp = _mapping(raw, "expansion", p)
    _unknown(exp, _SECTION_KEYS["expansion"], "expansion", p)
    if "horizon_days" in exp:
        opts["expansion_horizon_days"] = _int(exp["horizon_days"], "expansion", p)
    if "triggers" in exp:
        opts["triggers"] = _triggers(exp["triggers"], p)
    eng = _mapping(raw, "engagement", p)
    _unknown(eng, _SECTION_KEYS["engagement"], "engagement", p)
    if "features" in eng:
        opts["features"] = _strings(eng["features"], "engagement", p)
    churn = _mapping(raw, "churn", p)
    _unknown(churn, _SECTION_KEYS["churn"], "churn", p)
    if "horizon_days" in churn:
        opts["churn_horizon_days"] = _int(churn["horizon_days"], "churn", p)
    imp = _mapping(raw, "impact", p)
    _unknown(imp, _SECTION_KEYS["impact"], "impact", p)
    if "exposures" in imp:
        file = str(imp["exposures"])
        tables["exposures"] = (
            (base / file).resolve() if not Path(file).is_absolute() else Path(file)
        )
    exposure_cols: dict[str, str] = {
        k: str(imp[k]) for k in ("account", "campaign", "time") if k in imp
    }
    if exposure_cols:
        columns["exposures"] = {**columns.get("exposures", {}), **exposure_cols}
    if "outcome" in imp:
        opts["impact_outcome"] = str(imp["outcome"])
    if "horizon_days" in imp:
        opts["impact_horizon_days"] = _int(imp["horizon_days"], "impact", p)
    as_of = raw.get("as_of")
    return ReportConfig(
        path=p,
        tables=tables,
        columns=columns,
        dayfirst=dayfirst,
        time_format=None if time_raw.get("format") is None else str(time_raw["format"]),
        sep=None if csv_raw.get("sep") is None else str(csv_raw["sep"]),
        as_of=None if as_of is None else str(as_of),
        title=None if raw.get("title") is None else str(raw["title"]),
        options=ReportOptions(**opts),
    )
