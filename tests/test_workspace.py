"""Workspace creation, settings and the control plane, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from yishu import controlplane
from yishu.settings import SETTINGS, SettingsError, load_settings, render_toml, settings_markdown
from yishu.workspace import Workspace, WorkspaceError, resolve_home


def test_init_creates_the_layout_and_migrates(tmp_path):
    result = Workspace.init(tmp_path / "ws")
    ws = result.workspace
    assert result.created
    assert ws.settings_path.is_file() and ws.data_dir.is_dir() and ws.catalogue_dir.is_dir()
    assert (ws.home / "control.sqlite").is_file()
    engine = ws.engine()
    assert controlplane.current_revision(engine) == controlplane.head_revision()
    assert {"workspace_meta", "run"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_init_on_an_existing_workspace_changes_nothing(tmp_path):
    home = tmp_path / "ws"
    Workspace.init(home, city="370600")
    before = {p: p.stat().st_mtime_ns for p in home.rglob("*")}
    settings = (home / "settings.toml").read_text(encoding="utf-8")
    again = Workspace.init(home, city="420200")
    assert not again.created
    assert again.workspace.settings["city"] == "370600"
    assert (home / "settings.toml").read_text(encoding="utf-8") == settings
    assert {p: p.stat().st_mtime_ns for p in home.rglob("*")} == before


def test_home_resolution_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("YISHU_HOME", raising=False)
    assert resolve_home(None) == tmp_path / "yishu-home"
    monkeypatch.setenv("YISHU_HOME", str(tmp_path / "env"))
    assert resolve_home(None) == tmp_path / "env"
    assert resolve_home(tmp_path / "flag") == tmp_path / "flag"


def test_open_a_missing_workspace_says_how_to_create_it(tmp_path):
    with pytest.raises(WorkspaceError, match="yishu init"):
        Workspace.open(tmp_path / "nothing")


def test_settings_file_round_trips_and_environment_overrides(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(render_toml({"port": 9000, "city": "370600"}), encoding="utf-8")
    values = load_settings(path, environ={})
    assert values["port"] == 9000 and values["city"] == "370600" and values["language"] == "zh"
    assert load_settings(path, environ={"YISHU_PORT": "9100"})["port"] == 9100


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 'red'\n", "unknown setting 'colour'"),
        ("port = 'eighty'\n", "'port' must be an integer"),
        ("language = 'fr'\n", "'language' must be zh or en"),
        ("port = \n", "not valid TOML"),
    ],
)
def test_bad_settings_name_the_file_and_the_setting(tmp_path, text, message):
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message) as err:
        load_settings(path, environ={})
    assert str(path) in str(err.value)


def test_docs_list_every_setting():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "settings.md").read_text(encoding="utf-8")
    assert settings_markdown() in docs, "docs/settings.md is out of date: run python -m yishu.docs"
    for s in SETTINGS:
        assert f"`{s.name}`" in docs


@pytest.mark.postgres
def test_control_plane_migrates_on_the_real_postgresql(tmp_path, pg_schema):
    _schema, url = pg_schema
    result = Workspace.init(tmp_path / "pg", database_url=url)
    engine = result.workspace.engine()
    assert engine.dialect.name == "postgresql"
    assert controlplane.current_revision(engine) == controlplane.head_revision()
    with engine.connect() as conn:
        keys = {r[0] for r in conn.execute(sa.text("SELECT key FROM workspace_meta"))}
    assert {"created_at", "created_by_version"} <= keys
    assert not (tmp_path / "pg" / "control.sqlite").exists()
    engine.dispose()


def test_docs_list_every_defect():
    from yishu.docs import defects_markdown

    docs = (Path(__file__).resolve().parent.parent / "docs" / "synthetic-city.md").read_text(encoding="utf-8")
    assert defects_markdown() in docs, "docs/synthetic-city.md is out of date: run python -m yishu.docs"
