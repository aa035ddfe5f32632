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


def test_fork_pool_forks_once_for_every_batch_and_keeps_their_order(monkeypatch):
    table = {i: f"v{i * i}" for i in range(300)}  # inherited by the processes, never pickled
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10)
    batches = [list(range(i, i + 100)) for i in (200, 0, 100)]
    with parallel.ForkPool(lambda v: (v, table[v], os.getpid()), processes=2) as pool:
        submitted = [pool.submit(b) for b in batches]  # all in flight at once
        results = [s.get() for s in submitted]
        assert pool.submit([1, 2]).get() == [(1, "v1", os.getpid()), (2, "v4", os.getpid())]  # small: here
    for batch, result in zip(batches, results, strict=True):
        assert [(v, w) for v, w, _pid in result] == [(v, table[v]) for v in batch]
    pids = {pid for result in results for _v, _w, pid in result}
    assert os.getpid() not in pids and len(pids) <= 2  # the same two processes did every batch
    assert parallel._FORKED is None


def test_fork_pool_of_one_process_runs_here():
    with parallel.ForkPool(lambda _v: os.getpid(), processes=1) as pool:
        assert pool.submit(list(range(30_000))).get() == [os.getpid()] * 30_000
