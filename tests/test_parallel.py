"""fork_map: the same results, in the same order, from forked processes as from one."""

from __future__ import annotations

import os

from yishu import parallel


def test_fork_map_gives_the_results_of_one_process_in_order(monkeypatch):
    table = {i: f"v{i * i}" for i in range(500)}  # inherited by the processes, never pickled
    values = list(range(499, -1, -1))
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10)
    pids = parallel.fork_map(lambda _v: os.getpid(), values, processes=2)
    assert os.getpid() not in pids  # the work ran in other processes
    assert parallel.fork_map(lambda v: (v, table[v]), values, processes=2) == [(v, table[v]) for v in values]
    assert parallel._FORKED is None  # nothing kept after the run


def test_fork_map_runs_here_when_there_is_little_to_do():
    assert parallel.fork_map(lambda _v: os.getpid(), [1, 2], processes=2) == [os.getpid()] * 2
    assert parallel.fork_map(str, list(range(30_000)), processes=1) == [str(i) for i in range(30_000)]
