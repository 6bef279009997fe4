"""Opt-in progress messages for long operations.

Library functions are silent by default; with ``progress=True`` they report
their steps on stderr (the CLI turns it on). No dependency, no threads.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

import attrs

__all__ = ["Progress"]


@attrs.define(slots=True)
class Progress:
    """Reports ``[label] step i/n: message (elapsed)`` lines when enabled.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> p = Progress("paths", total=2, enabled=True, stream=out)
    >>> p.step("counting pairs")
    >>> p.step("selecting")
    >>> print(out.getvalue().splitlines()[0][:26])
    [paths] 1/2 counting pairs
    """

    label: str
    total: int | None = None
    enabled: bool = False
    stream: TextIO | None = None
    _done: int = 0
    _start: float = attrs.field(factory=time.perf_counter)

    def step(self, message: str) -> None:
        """Report the next step (does nothing unless enabled)."""
        self._done += 1
        if not self.enabled:
            return
        out = self.stream if self.stream is not None else sys.stderr
        count = f"{self._done}/{self.total}" if self.total else f"{self._done}"
        elapsed = time.perf_counter() - self._start
        out.write(f"[{self.label}] {count} {message} ({elapsed:.1f}s)\n")
        out.flush()
