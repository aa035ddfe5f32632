"""A workspace: the folder a bureau works in.

Layout::

    HOME/settings.toml       settings (see yishu.settings.SETTINGS)
    HOME/control.sqlite      control-plane database, unless database_url names another
    HOME/data/               data directory: yishu.duckdb and release files
    HOME/catalogue/          catalogue as code (YAML)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from yishu import __version__, controlplane
from yishu.settings import load_settings, render_toml

SETTINGS_FILE = "settings.toml"
CONTROL_FILE = "control.sqlite"
DEFAULT_HOME = "yishu-home"


class WorkspaceError(RuntimeError):
    """A workspace that is missing or cannot be used."""


def resolve_home(home: str | os.PathLike | None) -> Path:
    """``--home`` if given, else ``$YISHU_HOME``, else ``./yishu-home``."""
    if home:
        return Path(home).expanduser().resolve()
    env = os.environ.get("YISHU_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return (Path.cwd() / DEFAULT_HOME).resolve()


@dataclass
class InitResult:
    workspace: Workspace
    created: bool
    created_paths: list[Path] = field(default_factory=list)


@dataclass
class Workspace:
    home: Path
    settings: dict[str, Any]

    @property
    def settings_path(self) -> Path:
        return self.home / SETTINGS_FILE

    @property
    def data_dir(self) -> Path:
        return (self.home / self.settings["data_dir"]).resolve()

    @property
    def catalogue_dir(self) -> Path:
        return (self.home / self.settings["catalogue_dir"]).resolve()

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "yishu.duckdb"

    @property
    def database_url(self) -> str:
        url = self.settings["database_url"]
        return url or f"sqlite:///{self.home / CONTROL_FILE}"

    def engine(self) -> sa.Engine:
        return controlplane.connect(self.database_url)

    @classmethod
    def open(cls, home: str | os.PathLike | None = None) -> Workspace:
        path = resolve_home(home)
        if not (path / SETTINGS_FILE).is_file():
            raise WorkspaceError(
                f"{path} is not a yishu workspace (no {SETTINGS_FILE}); run 'yishu init {path}'"
            )
        return cls(path, load_settings(path / SETTINGS_FILE))

    @classmethod
    def init(cls, home: str | os.PathLike | None = None, **overrides: Any) -> InitResult:
        """Create a workspace; on an existing one change nothing and report ``created=False``."""
        path = resolve_home(home)
        if (path / SETTINGS_FILE).is_file():
            return InitResult(cls.open(path), created=False)
        if path.exists() and not path.is_dir():
            raise WorkspaceError(f"{path} exists and is not a directory")
        created: list[Path] = []
        if not path.exists():
            created.append(path)
        path.mkdir(parents=True, exist_ok=True)
        settings_path = path / SETTINGS_FILE
        values = {k: v for k, v in overrides.items() if v is not None}
        settings_path.write_text(render_toml(values), encoding="utf-8")
        created.append(settings_path)
        ws = cls(path, load_settings(settings_path))
        for folder in (ws.data_dir, ws.catalogue_dir):
            if not folder.exists():
                folder.mkdir(parents=True)
                created.append(folder)
        engine = ws.engine()
        try:
            controlplane.upgrade(engine)
            with engine.begin() as conn:
                meta = sa.table("workspace_meta", sa.column("key"), sa.column("value"))
                existing = {r[0] for r in conn.execute(sa.select(meta.c.key))}
                rows = {"created_at": datetime.now(UTC).isoformat(), "created_by_version": __version__}
                for key, value in rows.items():
                    if key not in existing:
                        conn.execute(sa.insert(meta).values(key=key, value=value))
        finally:
            engine.dispose()
        if not ws.settings["database_url"]:
            created.append(path / CONTROL_FILE)
        return InitResult(ws, created=True, created_paths=created)
