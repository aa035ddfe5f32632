"""``fork_map``: a pure-Python function over many values, in forked processes.

Address matching, pinyin and address keys are pure Python (no library does Chinese address matching
or these keys in SQL), so threads would not run them in parallel. Forked processes inherit the
function and the values (a matching register of a million addresses is never pickled) and send back
only their results. Below ``PARALLEL_FROM`` values, or where the platform cannot fork, it runs in
this process; the result is the same either way, in the order of the values.

``ForkPool`` forks once for many batches of values (address matching goes through a city's texts in
chunks): forking a process that holds the engine's gigabytes costs a fifth of a second each time,
and while the processes work on one batch this process can store the results of the one before.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from multiprocessing.pool import AsyncResult
from typing import Any

PARALLEL_FROM = 20_000  # values below which starting processes costs more than it saves

# the function and values a forked process inherits (set only while ``fork_map`` runs)
_FORKED: tuple[Callable[[Any], Any], Sequence] | None = None


def fork_map(function: Callable[[Any], Any], values: Sequence, processes: int = 1) -> list:
    """``[function(v) for v in values]``, by ``processes`` forked processes when there are many values.
    Results must pickle (tuples and strings are cheapest to send back)."""
    if processes <= 1 or len(values) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return [function(v) for v in values]
    global _FORKED
    _FORKED = (function, values)
    try:
        size = -(
            -len(values) // (processes * 4)
        )  # four parts a process: a slow part does not hold up the rest
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_part, [(i, min(i + size, len(values))) for i in range(0, len(values), size)])
    finally:
        _FORKED = None
    return [result for part in parts for result in part]


def _part(span: tuple[int, int]) -> list:
    function, values = _FORKED
    return [function(v) for v in values[span[0] : span[1]]]


def _batch(values: Sequence) -> list:
    function, _values = _FORKED
    return [function(v) for v in values]


class Batch:
    """The results of one ``ForkPool.submit``: ``get()`` waits for them, in the order of the values."""

    def __init__(self, parts: list[AsyncResult] | None = None, done: list | None = None):
        self._parts, self._done = parts, done

    def get(self) -> list:
        if self._done is None:
            self._done = [result for part in self._parts for result in part.get()]
            self._parts = None
        return self._done


class ForkPool:
    """``processes`` processes forked once that inherit ``function``; ``submit(values)`` sends them a
    batch (the values are pickled, the function never) and returns at once. A context manager: the
    processes end with it. With one process, or where the platform cannot fork, batches run here
    when submitted; the results are the same."""

    def __init__(self, function: Callable[[Any], Any], processes: int = 1):
        self.function, self.processes = function, processes
        self._pool = None

    def __enter__(self) -> ForkPool:
        global _FORKED
        if self.processes > 1 and "fork" in multiprocessing.get_all_start_methods():
            if _FORKED is not None:
                raise RuntimeError("one ForkPool or fork_map at a time")
            _FORKED = (self.function, ())
            try:
                self._pool = multiprocessing.get_context("fork").Pool(self.processes)
            finally:
                _FORKED = None
        return self

    def submit(self, values: Sequence) -> Batch:
        if self._pool is None or len(values) < PARALLEL_FROM:
            return Batch(done=[self.function(v) for v in values])
        size = -(-len(values) // (self.processes * 4))  # four parts a process, as in fork_map
        return Batch([self._pool.apply_async(_batch, (values[i : i + size],))
                      for i in range(0, len(values), size)])  # fmt: skip

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate() if exc[0] else self._pool.close()
            self._pool.join()
            self._pool = None
