"""Render the report's PNGs in a helper Python process, alongside the computation.

Drawing a figure is pure-Python matplotlib work that holds the interpreter
lock, so a thread cannot overlap it with the sections' computation; a second
process can. :class:`FigureProcess` starts one (``sys.executable``, matplotlib
only: the adoptmetrics package is not imported there) and sends it each
figure as a pickle, taken when ``render_figure`` is called, so later changes
to the figure are not seen, as with rendering on the spot. Each job also
carries the caller's ``rcParams``, which matplotlib reads while drawing.

Whatever goes wrong in the helper (it cannot start, dies, hangs, or a figure
cannot be pickled) the figure is rendered in this process instead, the same
way :func:`png` does it, so the page is the same either way. Warnings raised
while drawing are recorded per figure and returned with it.

This module imports only the standard library at the top: the helper runs
this very file as ``__main__``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["FigureProcess", "Rendered", "png", "recorded"]

_HEADER = struct.Struct("<Q")  # payload length, before each message
#: Keys of ``rcParams`` that configure the session, not the drawing.
_SESSION_KEYS = ("backend", "backend_fallback", "interactive", "webagg.", "tk.", "macosx.")
#: Seconds to wait for a figure the helper has not returned before drawing it here.
_PATIENCE = 120.0

_BOOT = (
    "import json, runpy, sys; sys.path[:] = json.loads(sys.argv[2]); "
    "runpy.run_path(sys.argv[1], run_name='__main__')"
)

WarningRecord = tuple[type[Warning], Warning | str, str, int]


def savefig_options(dpi: int) -> dict[str, Any]:
    """The ``savefig`` arguments of every report PNG."""
    # zlib level 3: 10 % faster than the default 6 for 10 % more bytes.
    return {
        "format": "png",
        "dpi": dpi,
        "metadata": {"Software": None},
        "pil_kwargs": {"compress_level": 3},
    }


def png(figure: Any, dpi: int) -> bytes:
    """The figure as PNG bytes, drawn in this process."""
    buffer = io.BytesIO()
    figure.savefig(buffer, **savefig_options(dpi))
    return buffer.getvalue()


def recorded(caught: list[warnings.WarningMessage]) -> list[WarningRecord]:
    """Caught warnings as plain (category, message, filename, line) records."""
    return [(w.category, w.message, str(w.filename), int(w.lineno)) for w in caught]


class Rendered:
    """One figure's outcome: its PNG, or the error drawing it raised, and its warnings."""

    __slots__ = ("error", "png", "warnings")

    def __init__(
        self, png: bytes | None, error: BaseException | None, warns: list[WarningRecord]
    ) -> None:
        self.png = png
        self.error = error
        self.warnings = warns


def _draw_here(job: Callable[[], tuple[Any, int, Any]]) -> Rendered:
    """Draw one figure in this process, recording its warnings.

    ``job`` gives (figure, dpi, the ``rcParams`` to draw with or ``None``); it
    may raise (a payload that cannot be read), like drawing itself.
    """
    import matplotlib

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            figure, dpi, rc = job()
            with matplotlib.rc_context(rc):
                data: bytes | None = png(figure, dpi)
            error: BaseException | None = None
        except Exception as exc:
            data, error = None, exc
    return Rendered(data, error, recorded(caught))


def _rc_snapshot() -> dict[str, Any]:
    import matplotlib

    return {k: v for k, v in matplotlib.rcParams.items() if not k.startswith(_SESSION_KEYS)}


class FigureProcess:
    """A helper process that renders figures while this one goes on computing.

    Use :meth:`submit` for each figure and :meth:`results` once at the end;
    :meth:`close` (also run by ``results``) stops the helper. Raises
    ``OSError`` when the helper cannot be started.
    """

    def __init__(self) -> None:
        self._payloads: dict[int, bytes] = {}
        self._done: dict[int, Rendered] = {}
        self._lock = threading.Condition()
        self._reader_alive = True
        self._next = 0
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, os.path.abspath(__file__), _json_path()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._queue: list[tuple[int, bytes] | None] = []
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._writer.start()
        self._reader.start()

    def submit(self, figure: Any, dpi: int) -> int:
        """Queue a figure (pickled now); returns its job number. Draws here if unpicklable."""
        job = self._next
        self._next += 1
        try:
            payload = pickle.dumps((figure, dpi, _rc_snapshot()), pickle.HIGHEST_PROTOCOL)
        except Exception:  # a figure that cannot travel (a lambda formatter): draw it here
            rendered = _draw_here(lambda: (figure, dpi, None))
            with self._lock:
                self._done[job] = rendered
            return job
        with self._lock:
            self._payloads[job] = payload
            self._queue.append((job, payload))
            self._lock.notify_all()
        return job

    def results(self, *, patience: float = _PATIENCE) -> dict[int, Rendered]:
        """Every job's outcome; jobs the helper did not return are drawn here."""
        with self._lock:
            self._queue.append(None)  # no more jobs: the writer closes the pipe
            self._lock.notify_all()
            deadline = time.monotonic() + patience
            while self._reader_alive and len(self._done) < self._next:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            missing = [j for j in range(self._next) if j not in self._done]
        self.close()
        for job in missing:
            self._done[job] = _draw_here(functools.partial(pickle.loads, self._payloads[job]))
        self._payloads.clear()
        return dict(self._done)

    def close(self) -> None:
        """Stop the helper (killed if it has not finished) and its threads."""
        with self._lock:
            if not self._queue or self._queue[-1] is not None:
                self._queue.append(None)
            self._lock.notify_all()
        if self._proc.poll() is None:
            try:
                self._proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._writer.join()
        self._reader.join()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                stream.close()

    def __enter__(self) -> FigureProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        while True:
            with self._lock:
                while not self._queue:
                    self._lock.wait()
                item = self._queue.pop(0)
            if item is None:
                break
            job, payload = item
            try:
                stdin.write(_HEADER.pack(len(payload) + _HEADER.size) + _HEADER.pack(job) + payload)
                stdin.flush()
            except OSError:  # the helper is gone: the reader notices, results() draws here
                break
        with contextlib.suppress(OSError):
            stdin.close()

    def _read(self) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        try:
            while True:
                message = _read_message(stdout.read)
                if message is None:
                    break
                job, data, error, warns = pickle.loads(message)
                with self._lock:
                    # An error in the helper is re-raised by drawing here, with its traceback.
                    if error is None:
                        self._done[job] = Rendered(data, None, warns)
                    self._lock.notify_all()
        except Exception:  # a garbled reply: treat the helper as gone
            pass
        finally:
            with self._lock:
                self._reader_alive = False
                self._lock.notify_all()


def _json_path() -> str:
    import json

    return json.dumps([p for p in sys.path if isinstance(p, str)])


def _read_message(read: Callable[[int], bytes]) -> bytes | None:
    """One length-prefixed message, or ``None`` at the end of the stream."""
    head = read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    body = read(size)
    return body if len(body) == size else None


def _worker() -> None:
    """The helper's loop: read a job, draw it, answer; until the input ends."""
    stdin = sys.stdin.buffer
    # Replies go to a private copy of stdout; anything printed goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    import matplotlib

    matplotlib.use("Agg")
    while True:
        message = _read_message(stdin.read)
        if message is None:
            break
        (job,) = _HEADER.unpack(message[: _HEADER.size])
        drawn = _draw_here(functools.partial(pickle.loads, message[_HEADER.size :]))
        data = drawn.png
        error = None if drawn.error is None else f"{type(drawn.error).__name__}: {drawn.error}"
        try:
            reply = pickle.dumps((job, data, error, drawn.warnings))
        except Exception:  # a warning that cannot travel: keep its text
            warns = [(UserWarning, str(m), f, n) for _, m, f, n in drawn.warnings]
            reply = pickle.dumps((job, data, error, warns))
        out.write(_HEADER.pack(len(reply)) + reply)
        out.flush()


if __name__ == "__main__":
    _worker()
