"""Compact storage of a simulated dataset as integer arrays (numpy only).

``demo.npz`` holds the integer arrays of :func:`adoptmetrics.datasets._simulate_raw`
(seconds since the start, codes, cents) in small dtypes; events are stored per
account (counts) with time deltas, which compresses about tenfold.
``demo.json`` holds the options, the numpy version and the planted effects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

ARRAYS = "demo.npz"
META = "demo.json"
_SMALL: dict[str, type[np.unsignedinteger[Any]]] = {
    "acc_plan": np.uint8,
    "acc_industry": np.uint8,
    "acc_region": np.uint8,
    "acc_seats": np.uint16,
    "acc_success": np.uint8,
    "nps_acc": np.uint32,
    "nps_user": np.uint16,
    "nps_score": np.uint8,
    "mrr_acc": np.uint32,
    "mrr_month": np.uint16,
    "exp_acc": np.uint32,
    "ev_user": np.uint16,
    "ev_event": np.uint8,
    "ev_dt": np.uint32,
    "ev_count": np.uint32,
    "acc_newsletter": np.uint16,
    "xp_acc": np.uint32,
    "xp_campaign": np.uint8,
}


def encode(raw: Mapping[str, IntArray]) -> dict[str, npt.NDArray[Any]]:
    """Integer arrays → compact arrays (events per account, delta times)."""
    n = raw["acc_started"].size
    acc, t = raw["ev_acc"], raw["ev_t"]
    order = np.lexsort((raw["ev_user"], raw["ev_event"], t, acc))
    acc, t = acc[order], t[order]
    prev = np.concatenate([[0], t[:-1]])
    first = np.concatenate([[True], acc[1:] != acc[:-1]]) if acc.size else np.zeros(0, bool)
    dt = np.where(first, t - raw["acc_started"][acc], t - prev)
    out: dict[str, npt.NDArray[Any]] = {k: v for k, v in raw.items() if not k.startswith("ev_")}
    out["ev_count"] = np.bincount(acc, minlength=n)
    out["ev_user"] = raw["ev_user"][order]
    out["ev_event"] = raw["ev_event"][order]
    out["ev_dt"] = dt
    for key, dtype in _SMALL.items():
        info = np.iinfo(dtype)
        values = out[key]
        if values.size and (values.min() < info.min or values.max() > info.max):
            raise ValueError(f"{key} does not fit {np.dtype(dtype).name}")
        out[key] = values.astype(dtype)
    return out


def decode(arrays: Mapping[str, npt.NDArray[Any]]) -> dict[str, IntArray]:
    """Compact arrays → the integer arrays, events in canonical (time) order."""
    raw = {k: np.asarray(v, dtype=np.int64) for k, v in arrays.items()}
    count = raw.pop("ev_count")
    dt = raw.pop("ev_dt")
    acc = np.repeat(np.arange(count.size), count)
    cs = np.cumsum(dt)
    starts = np.cumsum(count) - count
    offset = np.zeros(count.size, dtype=np.int64)
    nonempty = count > 0
    offset[nonempty] = cs[starts[nonempty]] - dt[starts[nonempty]]
    t = raw["acc_started"][acc] + cs - offset[acc]
    user, event = raw["ev_user"], raw["ev_event"]
    order = np.lexsort((user, event, acc, t))
    raw["ev_acc"], raw["ev_user"], raw["ev_event"], raw["ev_t"] = (
        acc[order],
        user[order],
        event[order],
        t[order],
    )
    return raw


def write(raw: Mapping[str, IntArray], meta: Mapping[str, Any], directory: Path) -> None:
    """Write ``demo.npz`` and ``demo.json`` into ``directory``."""
    np.savez_compressed(directory / ARRAYS, **encode(raw))  # type: ignore[arg-type]
    text = json.dumps(meta, indent=2, default=str, sort_keys=False)
    (directory / META).write_text(text + "\n", encoding="utf-8")


def read() -> tuple[dict[str, IntArray], dict[str, Any]]:
    """Read the bundled arrays and metadata from the installed package."""
    here = resources.files(__package__ or "adoptmetrics.datasets")
    with here.joinpath(ARRAYS).open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta: dict[str, Any] = json.loads(here.joinpath(META).read_text(encoding="utf-8"))
    return decode(arrays), meta
