"""``fork_map``: a pure-Python function over many values, in forked processes.

Address matching, pinyin and address keys are pure Python (no library does Chinese address matching
or these keys in SQL), so threads would not run them in parallel. Forked processes inherit the
function and the values (a matching register of a million addresses is never pickled) and send back
only their results. Below ``PARALLEL_FROM`` values, or where the platform cannot fork, it runs in
this process; the result is the same either way, in the order of the values.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
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
