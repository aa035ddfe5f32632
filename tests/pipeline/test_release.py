"""Releases: atomic switch, past releases readable, a kill -9 mid-build leaves the previous one."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest
from typer.testing import CliRunner

from yishu.cli import app
from yishu.pipeline.release import ReleaseBuilder, current_release, diff, get_release, list_releases
from yishu.workspace import Workspace

runner = CliRunner()


def _build(ws, n: int, offset: int = 0):
    con = duckdb.connect()
    b = ReleaseBuilder(ws)
    b.add_table("person", con, f"SELECT 'P' || (i + {offset}) AS entity_id, i % 7 AS v FROM range({n}) t(i)")
    b.add_table("address", con, "SELECT 'A' || i AS address_code FROM range(10) t(i)")
    return b.commit({"note": f"n={n}"})


def test_releases_are_numbered_switched_and_diffed(tmp_path):
    ws = Workspace.init(tmp_path / "ws").workspace
    assert current_release(ws) is None
    first = _build(ws, 100)
    second = _build(ws, 120, offset=10)
    assert (first.id, second.id) == (1, 2) and current_release(ws).id == 2
    assert [r.id for r in list_releases(ws)] == [1, 2]
    with get_release(ws, 1).connect() as con:
        assert con.execute("SELECT count(*) FROM person").fetchall()[0][0] == 100
    d = diff(ws, 1, 2)
    assert d["person"]["rows"] == [100, 120]
    assert (d["person"]["added"], d["person"]["removed"]) == (30, 10)
    assert d["person"]["changed"] == 90  # same ids, values shifted by the offset
    with pytest.raises(KeyError):
        get_release(ws, 9)
    with pytest.raises(ValueError):
        ReleaseBuilder(ws).add_table("Bad Name", duckdb.connect(), "SELECT 1")


SLOW_BUILD = textwrap.dedent(
    """
    import sys, duckdb
    from yishu.workspace import Workspace
    from yishu.pipeline.release import ReleaseBuilder
    ws = Workspace.open(sys.argv[1])
    con = duckdb.connect()
    b = ReleaseBuilder(ws)
    print("building", flush=True)
    for k in range(1000):
        b.add_table(f"t{k}", con, "SELECT i, md5(CAST(i AS VARCHAR)) AS h FROM range(200000) t(i)")
    b.commit()
    """
)


def test_kill_9_mid_build_keeps_the_previous_release(tmp_path):
    ws = Workspace.init(tmp_path / "ws").workspace
    _build(ws, 50)
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_BUILD, str(ws.home)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "building"
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert list((ws.data_dir / "releases").glob(".building-*"))  # it was killed mid-build
    current = current_release(ws)
    assert current.id == 1
    with current.connect() as con:
        assert con.execute("SELECT count(*) FROM person").fetchall()[0][0] == 50
    again = _build(ws, 60)
    assert again.id == 2 and current_release(ws).id == 2
    assert not list((ws.data_dir / "releases").glob(".building-*"))


def test_cli_release_commands(tmp_path):
    ws = Workspace.init(tmp_path / "ws").workspace
    result = runner.invoke(app, ["release", "show", "--home", str(ws.home)])
    assert result.exit_code == 1 and "no release" in result.output
    _build(ws, 5)
    _build(ws, 6)
    listed = json.loads(runner.invoke(app, ["release", "list", "--home", str(ws.home), "--json"]).output)
    assert [(r["id"], r["current"]) for r in listed] == [(1, False), (2, True)]
    shown = json.loads(runner.invoke(app, ["release", "show", "1", "--home", str(ws.home), "--json"]).output)
    assert shown["tables"]["person"] == 5
    result = runner.invoke(app, ["release", "diff", "1", "2", "--home", str(ws.home)])
    assert result.exit_code == 0 and "person: 5 -> 6" in result.output


def test_diff_compares_rows_by_key_only_where_the_key_is_unique(tmp_path):
    ws = Workspace.init(tmp_path / "ws").workspace
    for extra in (0, 1):
        con = duckdb.connect()
        b = ReleaseBuilder(ws)
        b.add_table(
            "person", con, f"SELECT 'P' || i AS entity_id, i + {extra} * (i = 3)::INT AS v FROM range(5) t(i)"
        )
        b.add_table("provenance", con, "SELECT 'P' || (i % 2) AS entity_id, i AS v FROM range(6) t(i)")
        b.commit()
    d = diff(ws, 1, 2)
    assert d["person"] == {"rows": [5, 5], "added": 0, "removed": 0, "changed": 1}
    assert d["provenance"] == {"rows": [6, 6]}  # entity_id repeats: no per-key comparison
