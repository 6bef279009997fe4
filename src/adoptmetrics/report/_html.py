"""HTML rendering of the report: one self-contained page (inline CSS, data-URI images).

No JavaScript and no external resources; a Content-Security-Policy in the page
forbids loading anything from the network, so it can be mailed or archived
as it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from adoptmetrics.report._section import Section

__all__ = [
    "Outcome",
    "error_text",
    "fmt_int",
    "fmt_p",
    "fmt_pct",
    "header_label",
    "html_table",
    "render_page",
]

Formatter = Callable[[Any], str]
_NUM = ' class="num"'


def fmt_int(value: float) -> str:
    """An integer with thousands separators (``"12,345"``); ``"–"`` when missing.

    Parameters
    ----------
    value : float
        The number (rounded to the nearest integer).

    Returns
    -------
    str
        The formatted number.

    Examples
    --------
    >>> fmt_int(12345.0)
    '12,345'
    """
    return "–" if pd.isna(value) else f"{round(float(value)):,}"


def fmt_pct(value: float, digits: int = 0) -> str:
    """A proportion as a percentage (``0.823`` → ``"82 %"``); ``"–"`` when missing.

    Parameters
    ----------
    value : float
        The proportion (0–1).
    digits : int, default 0
        Decimals shown.

    Returns
    -------
    str
        The formatted percentage.

    Examples
    --------
    >>> fmt_pct(0.823), fmt_pct(0.823, 1)
    ('82 %', '82.3 %')
    """
    return "–" if pd.isna(value) else f"{100 * float(value):.{digits}f} %"


def fmt_p(value: float) -> str:
    """Format a p- or q-value: three decimals, ``< 0.001`` below that (never ``2.7e-18``).

    Examples
    --------
    >>> fmt_p(0.0123), fmt_p(2.7e-18)
    ('0.012', '< 0.001')
    """
    if pd.isna(value):
        return "–"
    return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


#: Column headers in words; other snake_case names get spaces and a capital.
_HEADERS = {
    "account_id": "Account",
    "user_id": "User",
    "n": "n",
    "n_accounts": "Accounts",
    "n_at_risk": "At risk",
    "n_retained": "Retained",
    "n_churned": "Churned",
    "n_active": "Active",
    "n_fired": "Fired",
    "n_expanded": "Expanded",
    "n_success": "Successful",
    "n_failure": "Not successful",
    "n_exposed": "Reached",
    "n_matched": "Matched",
    "ci_lower": "95 % CI low",
    "ci_upper": "95 % CI high",
    "p_value": "p-value",
    "q_value": "q-value (FDR)",
    "odds_ratio": "Odds ratio",
    "hazard_ratio": "Hazard ratio",
    "rate_ratio": "Rate ratio",
    "support_success": "Share of successful",
    "support_failure": "Share of others",
    "baseline_rate": "Baseline rate",
    "median_lead_days": "Median lead (days)",
    "churn_probability": "Churn probability",
    "conversion_from_previous": "Conversion from previous step",
    "conversion_from_first": "Conversion from first step",
    "group_share": "Share in group",
    "rest_share": "Share in the rest",
    "mean_usage": "Mean usage (active days)",
    "recommended_action": "Recommended action",
}


def header_label(name: object) -> str:
    """A column header for readers: ``q_value`` → ``q-value (FDR)``, ``days_to_adopt`` →
    ``Days to adopt``.

    Examples
    --------
    >>> header_label("ci_lower"), header_label("days_to_adopt"), header_label("plan")
    ('95 % CI low', 'Days to adopt', 'Plan')
    """
    text = str(name)
    if text in _HEADERS:
        return _HEADERS[text]
    words = text.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _default_format(value: Any) -> str:
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not np.isfinite(v):
            return "∞" if v > 0 else "−∞"
        if v == round(v) and abs(v) < 1e15:
            return f"{round(v):,}"
        return f"{v:,.3g}" if abs(v) < 1 else f"{v:,.2f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    if isinstance(value, pd.Interval):
        return fmt_bin(value)
    text = str(value)
    match = _BIN.match(text)
    if match:
        return fmt_bin(pd.Interval(float(match["lo"]), float(match["hi"]), closed="right"))
    return text


# A bin label such as "(1328, 3.711e+04]" (pandas' cut), with or without a name.
_BIN = re.compile(r"^\((?P<lo>-?[\d.]+(?:e[+-]?\d+)?), (?P<hi>-?[\d.]+(?:e[+-]?\d+)?)\]$")


def _number(x: float) -> str:
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:,.3g}" if x != round(x) else f"{round(x):,}"


def fmt_bin(interval: pd.Interval) -> str:
    """A bin in words: ``(1328, 3.711e+04]`` → ``1,328 – 37,110``.

    Examples
    --------
    >>> fmt_bin(pd.Interval(1328.0, 37110.0))
    '1,328 – 37,110'
    """
    return f"{_number(float(interval.left))} – {_number(float(interval.right))}"


def html_table(
    frame: pd.DataFrame,
    /,
    *,
    formats: Mapping[str, Formatter] | None = None,
    max_rows: int | None = 30,
    index: bool = False,
    caption: str = "",
) -> str:
    """Render a DataFrame as an escaped HTML table in the report's style.

    Parameters
    ----------
    frame : DataFrame
        The table to show.
    formats : mapping of column name → callable, optional
        Formatter per column (e.g. :func:`fmt_pct`); other cells are formatted
        by type (thousands separators, dates without midnight times, ``–``
        for missing values).
    max_rows : int or None, default 30
        Show at most this many rows, with a note on how many were left out.
    index : bool, default False
        Show the index as the first column(s).
    caption : str, optional
        Plain-text caption above the table.

    Returns
    -------
    str
        An HTML ``<table>`` fragment; every cell and header is escaped.

    Examples
    --------
    >>> import pandas as pd
    >>> print(html_table(pd.DataFrame({"plan": ["<b>"], "n": [1200]})))
    <table><thead>...<tbody><tr><td>&lt;b&gt;</td><td class="num">1,200</td></tr></tbody></table>
    """
    df = frame.reset_index() if index else frame
    formats = {**{c: fmt_p for c in ("p_value", "q_value") if c in df.columns}, **(formats or {})}
    shown = df if max_rows is None or len(df) <= max_rows else df.head(max_rows)
    numeric = {
        c: pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
        for c in df.columns
    }
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    head = "".join(
        f"<th{_NUM if numeric[c] else ''}>{html.escape(header_label(c))}</th>" for c in df.columns
    )
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
    columns = [(c, formats.get(str(c), _default_format), shown[c].tolist()) for c in df.columns]
    for i in range(len(shown)):
        cells = "".join(
            f"<td{_NUM if numeric[c] else ''}>{html.escape(fmt(values[i]))}</td>"
            for c, fmt, values in columns
        )
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    if len(shown) < len(df):
        parts.append(f'<p class="muted">Showing {len(shown):,} of {len(df):,} rows.</p>')
    return "".join(parts)


def error_text(exc: BaseException) -> str:
    """An exception as an error box shows it: ``"TypeName: message"``."""
    return f"{type(exc).__name__}: {exc}"


@attrs.frozen(slots=True)
class Outcome:
    """What became of one registered section: a Section, or an error message."""

    name: str
    title: str
    section: Section | None = None
    error: str | None = None
    caveats: tuple[str, ...] = ()
    unavailable: tuple[str, str] | None = None  # (why not, what to configure)


_CSS = """
:root{--fg:#1f2328;--muted:#59636e;--bg:#f6f8fa;--card:#fff;--line:#d1d9e0;--accent:#0072B2;
--warn-bg:#fff8e6;--warn:#9a6700;--err-bg:#ffebe9;--err:#cf222e;--read-bg:#eef6fc}
*{box-sizing:border-box}
body{margin:0;
font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg)}
header{background:#0b3d5c;color:#fff;padding:28px 0 22px}
.wrap{max-width:1080px;margin:0 auto;padding:0 24px}
header h1{margin:0 0 4px;font-size:26px;font-weight:650}
header .sub{opacity:.85;margin:0 0 16px}
.coverage{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0;padding:0;list-style:none}
.coverage li{display:flex;flex-direction:column}
.coverage .k{font-size:12px;text-transform:uppercase;letter-spacing:.04em;opacity:.75}
.coverage .v{font-size:17px;font-weight:600}
nav.toc{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:12px 18px;margin:20px 0}
nav.toc ol{margin:4px 0 0;padding-left:22px;columns:2}
nav.toc a{color:var(--accent);text-decoration:none}
nav.toc a:hover{text-decoration:underline}
nav.toc .failed a{color:var(--err)}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 24px;
margin:0 0 20px;
break-inside:avoid-page}
.card h2{margin:0 0 12px;font-size:20px}
.card.error{border-color:var(--err);background:var(--err-bg)}
.card.error pre{white-space:pre-wrap;margin:8px 0 0;font-size:13px}
.card.unavailable{border-style:dashed;background:var(--bg)}
.banner{background:var(--err-bg);border:2px solid var(--err);border-radius:10px;
padding:12px 18px;margin:20px 0}
.banner ul{margin:4px 0 0;padding-left:20px}
.card{overflow-x:auto}
td.num{white-space:nowrap}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px}
.tile{border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:var(--bg)}
.tile .label{font-size:12.5px;color:var(--muted)}
.tile .value{font-size:22px;font-weight:650;line-height:1.3;overflow-wrap:anywhere}
.tile .label,.tile .detail{overflow-wrap:anywhere}
.tile .detail{font-size:12.5px;color:var(--muted)}
.tile a{color:inherit;text-decoration:none}
table{border-collapse:collapse;margin:8px 0 14px;font-size:14px;min-width:40%}
caption{text-align:left;font-weight:600;padding:0 0 4px}
th,td{padding:5px 12px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fafbfc}
figure{margin:14px 0}
figure img{max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px;
background:#fff}
figcaption{font-size:13px;color:var(--muted);margin-top:4px}
.read{background:var(--read-bg);border-left:4px solid var(--accent);padding:10px 14px;
border-radius:4px;margin-top:12px}
.read strong{display:block;margin-bottom:2px}
.caveats{background:var(--warn-bg);border-left:4px solid var(--warn);padding:8px 14px;
border-radius:4px;margin:12px 0}
.caveats ul{margin:4px 0 0;padding-left:20px}
.muted{color:var(--muted);font-size:13px}
.highlight h3{font-size:15px;margin:16px 0 4px}
.highlight h3 a{color:var(--fg);text-decoration:none}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:0 28px}
.cols>*{min-width:0;overflow-x:auto}
.cols td{overflow-wrap:anywhere}
footer{color:var(--muted);font-size:13px;padding:8px 0 32px}
@media print{body{background:#fff}header{background:#fff;color:#000;
border-bottom:2px solid #000}
nav.toc{display:none}.card{border-color:#999}}
"""


def _tiles(outcomes: Sequence[Outcome]) -> str:
    tiles = []
    for o in outcomes:
        if o.section is None:
            continue
        for m in o.section.metrics:
            detail = f'<div class="detail">{html.escape(m.detail)}</div>' if m.detail else ""
            tiles.append(
                f'<div class="tile"><a href="#{html.escape(o.section.id)}">'
                f'<div class="label">{html.escape(m.label)}</div>'
                f'<div class="value">{html.escape(m.value)}</div>{detail}</a></div>'
            )
    highlights = [
        f'<div class="highlight"><h3><a href="#{html.escape(o.section.id)}">'
        f"{html.escape(o.section.title)}</a></h3>{fragment}</div>"
        for o in outcomes
        if o.section is not None
        for fragment in o.section.highlights
    ]
    if not tiles and not highlights:
        return '<p class="muted">No headline numbers were produced.</p>'
    out = f'<div class="tiles">{"".join(tiles)}</div>' if tiles else ""
    if highlights:
        out += f'<div class="cols">{"".join(highlights)}</div>'
    return out


def _card(o: Outcome) -> str:
    if o.unavailable is not None:
        why, fix = o.unavailable
        return (
            f'<section class="card unavailable" id="{html.escape(_anchor(o))}">'
            f"<h2>{html.escape(o.title)}</h2>"
            f"<p><strong>Not shown:</strong> {html.escape(why)}.</p>"
            f"<p><strong>To show it:</strong> {html.escape(fix)}.</p></section>"
        )
    if o.section is None:
        return (
            f'<section class="card error" id="{html.escape(_anchor(o))}">'
            f"<h2>{html.escape(o.title)}</h2>"
            "<p>This section could not be built; the rest of the report is unaffected.</p>"
            f"<pre>{html.escape(o.error or 'unknown error')}</pre></section>"
        )
    s = o.section
    parts = [f'<section class="card" id="{html.escape(s.id)}"><h2>{html.escape(s.title)}</h2>']
    caveats = list(dict.fromkeys((*s.caveats, *o.caveats)))
    if caveats:
        items = "".join(f"<li>{html.escape(c)}</li>" for c in caveats)
        parts.append(f'<div class="caveats"><strong>Caveats</strong><ul>{items}</ul></div>')
    parts.extend(s.body)
    for f in s.figures:
        cap = f"<figcaption>{html.escape(f.caption)}</figcaption>" if f.caption else ""
        parts.append(
            f'<figure><img src="{f.data_uri}" alt="{html.escape(f.alt, quote=True)}">{cap}</figure>'
        )
    if s.how_to_read:
        parts.append(
            f'<div class="read"><strong>How to read this</strong>{html.escape(s.how_to_read)}</div>'
        )
    parts.append("</section>")
    return "".join(parts)


def _anchor(o: Outcome) -> str:
    return o.section.id if o.section is not None else o.name


def render_page(
    *,
    title: str,
    subtitle: str,
    coverage: Sequence[tuple[str, str]],
    outcomes: Sequence[Outcome],
    footer: str,
    notes: Sequence[str] = (),
) -> str:
    """The whole HTML page; ``notes`` are data problems shown in a banner at the top."""
    cov = "".join(
        f'<li><span class="k">{html.escape(k)}</span><span class="v">{html.escape(v)}</span></li>'
        for k, v in coverage
    )
    toc_items = ['<li><a href="#summary">Executive summary</a></li>']
    for o in outcomes:
        failed = o.section is None and o.unavailable is None
        cls = ' class="failed"' if failed else ""
        label = o.title + (" (failed)" if failed else "")
        if o.unavailable is not None:
            label += " (not shown)"
        toc_items.append(
            f'<li{cls}><a href="#{html.escape(_anchor(o))}">{html.escape(label)}</a></li>'
        )
    body = "".join(_card(o) for o in outcomes)
    banner = ""
    if notes:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        banner = (
            '<div class="banner" role="alert"><strong>Check your data first: the tables do '
            f"not match, and every number below is affected.</strong><ul>{items}</ul></div>\n"
        )
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n<body>"
        f'<header><div class="wrap"><h1>{html.escape(title)}</h1>'
        f'<p class="sub">{html.escape(subtitle)}</p>'
        f'<ul class="coverage">{cov}</ul></div></header>\n'
        f'<main class="wrap">{banner}<nav class="toc" aria-label="Contents">'
        "<strong>Contents</strong>"
        f"<ol>{''.join(toc_items)}</ol></nav>\n"
        f'<section class="card" id="summary"><h2>Executive summary</h2>'
        f"{_tiles(outcomes)}</section>\n"
        f"{body}</main>\n"
        f'<footer><div class="wrap">{html.escape(footer)}</div></footer></body></html>\n'
    )
