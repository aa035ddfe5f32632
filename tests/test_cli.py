"""The command line: init, settings, synth and demo, through the real Typer app."""

from __future__ import annotations

import json

import sqlalchemy as sa
from typer.testing import CliRunner

from yishu.cli import app

runner = CliRunner()


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "settings", "synth", "demo"):
        assert command in result.output


def test_init_twice_says_nothing_changed(tmp_path):
    first = runner.invoke(app, ["init", str(tmp_path / "ws")])
    assert first.exit_code == 0 and "Created workspace" in first.output
    second = runner.invoke(app, ["init", "--home", str(tmp_path / "ws")])
    assert second.exit_code == 0 and "nothing changed" in second.output


def test_settings_json_reads_the_workspace(tmp_path, monkeypatch):
    runner.invoke(app, ["init", str(tmp_path / "ws"), "--city", "370600"])
    monkeypatch.setenv("YISHU_HOME", str(tmp_path / "ws"))
    result = runner.invoke(app, ["settings", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["city"] == "370600"


def test_settings_outside_a_workspace_is_a_clean_error(tmp_path):
    result = runner.invoke(app, ["settings", "--home", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "yishu init" in result.output and "Traceback" not in result.output


def test_synth_rejects_a_code_that_is_not_a_prefecture(tmp_path):
    result = runner.invoke(
        app, ["synth", "--city", "420202", "--persons", "10", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 1
    assert "not a prefecture" in result.output


def test_demo_runs_end_to_end_and_records_the_run(tmp_path):
    home = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--home", str(home), "--persons", "1500", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "公安户籍人口" in result.output and "网格员采集" in result.output
    assert "demo_grid" in result.output and "grid_worker" in result.output  # one demo user per role
    manifest = json.loads((home / "data" / "synth" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["persons"] == 1500
    engine = sa.create_engine(f"sqlite:///{home / 'control.sqlite'}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT command, status FROM run")).all()
    engine.dispose()
    assert rows == [("demo", "ok")]
