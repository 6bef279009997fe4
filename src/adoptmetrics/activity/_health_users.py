"""Distinct active users per account, for the health measures.

The public activity functions count per entity at one level (accounts *or*
users); account health also needs the number of distinct users of each
account, which is a count of (account, user) pairs. This private module does
that one event scan, vectorised over integer codes, so the health analytics
never touch raw events themselves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adoptmetrics._schema._validate import validate_events
from adoptmetrics.activity._encode import _categorical

__all__ = ["distinct_users"]


def distinct_users(
    events: pd.DataFrame,
    /,
    *,
    account_col: str = "account_id",
    user_col: str = "user_id",
    time_col: str = "timestamp",
) -> pd.Series:
    """Number of distinct users with at least one event, per account.

    Parameters
    ----------
    events : DataFrame
        The event log (already cut to the window of interest).
    account_col, user_col, time_col : str
        Column names of the account id, the user id and the timestamp.

    Returns
    -------
    Series
        ``int64`` counts indexed by the accounts seen in ``events`` (index
        named after ``account_col``).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"account_id": ["a", "a", "a", "b"],
    ...     "user_id": ["u1", "u1", "u2", "u3"],
    ...     "timestamp": pd.to_datetime(["2024-01-01"] * 4)})
    >>> distinct_users(ev).tolist()
    [2, 1]
    """
    if isinstance(events, pd.DataFrame) and user_col in events.columns:
        col = events[user_col]
        if not isinstance(col.dtype, pd.CategoricalDtype):
            # A hash in order of appearance: no sort of the (many) user ids is needed.
            codes, uniques = pd.factorize(col, sort=False)
            events = events.assign(
                **{user_col: _categorical(codes.astype(np.int64), pd.Index(uniques))}
            )
    df = validate_events(
        events, account_col=account_col, event_col=None, time_col=time_col, user_col=user_col
    )
    acc = df["account_id"].cat
    usr = df["user_id"].cat
    a = acc.codes.to_numpy().astype(np.int64)
    u = usr.codes.to_numpy().astype(np.int64)
    n_acc = len(acc.categories)
    n_usr = max(len(usr.categories), 1)
    counts = np.zeros(n_acc, dtype=np.int64)
    seen = np.zeros(n_acc, dtype=bool)
    if len(a):
        pairs = np.unique(a * n_usr + u)
        counts = np.bincount(pairs // n_usr, minlength=n_acc).astype(np.int64)
        seen[a] = True
    out = pd.Series(counts[seen], index=acc.categories[seen], name="active_users")
    out.index.name = account_col
    return out
