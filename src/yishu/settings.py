"""The one declarative table of workspace settings.

The CLI (``yishu settings``), the server and ``docs/settings.md`` all read ``SETTINGS``;
a test checks the docs against it. A workspace keeps its values in ``settings.toml``;
an environment variable ``YISHU_<NAME>`` (upper case) overrides the file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str

    @property
    def env_var(self) -> str:
        return "YISHU_" + self.name.upper()

    def parse(self, raw: Any, origin: str) -> Any:
        """Turn a raw value (from TOML or the environment) into this setting's type."""
        if self.type is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise SettingsError(f"{origin}: setting '{self.name}' must be true or false, got {raw!r}")
        if self.type is int:
            if isinstance(raw, bool):
                raise SettingsError(f"{origin}: setting '{self.name}' must be an integer, got {raw!r}")
            try:
                return int(raw)
            except (TypeError, ValueError):
                raise SettingsError(
                    f"{origin}: setting '{self.name}' must be an integer, got {raw!r}"
                ) from None
        if self.type is float:
            if isinstance(raw, bool):
                raise SettingsError(f"{origin}: setting '{self.name}' must be a number, got {raw!r}")
            try:
                return float(raw)
            except (TypeError, ValueError):
                raise SettingsError(
                    f"{origin}: setting '{self.name}' must be a number, got {raw!r}"
                ) from None
        if not isinstance(raw, str):
            raise SettingsError(f"{origin}: setting '{self.name}' must be text, got {raw!r}")
        return raw


class SettingsError(ValueError):
    """A settings file or environment value that cannot be used."""


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        str,
        "",
        "Control-plane database as an SQLAlchemy URL. Empty means the workspace's SQLite file "
        "control.sqlite; production uses postgresql+psycopg://user@host/db.",
    ),
    Setting(
        "data_dir",
        str,
        "data",
        "Data directory (DuckDB database and release files), relative to the workspace.",
    ),
    Setting(
        "catalogue_dir",
        str,
        "catalogue",
        "Catalogue folder (YAML, catalogue as code), relative to the workspace.",
    ),
    Setting(
        "city",
        str,
        "420200",
        "Prefecture division code of the city this workspace serves (黄石市 by default).",
    ),
    Setting("language", str, "zh", "Console language: zh (Simplified Chinese) or en."),
    Setting("host", str, "127.0.0.1", "Address the server listens on."),
    Setting("port", int, 8470, "Port the server listens on."),
    Setting("engine_threads", int, 2, "Threads the embedded data engine (DuckDB) may use."),
    Setting("engine_memory_limit", str, "8GB", "Memory the embedded data engine (DuckDB) may use."),
    Setting(
        "task_conflict_threshold",
        float,
        0.6,
        "A conflict becomes a verification task when this share of the sources with a value (or more) "
        "disagrees with the authoritative value.",
    ),
    Setting(
        "task_link_probability",
        float,
        0.9,
        "A record linked by probability below this becomes a verification task (is it the same one?).",
    ),
    Setting(
        "audit_hash",
        str,
        "sm3",
        "Hash of the audit chain for new records: sm3 (GB/T 32905) or sha256. Each record keeps its "
        "algorithm, so a chain that changed algorithm still verifies.",
    ),
    Setting("session_hours", int, 8, "Hours a console session (cookie) lasts."),
    Setting("token_max_days", int, 90, "Longest lifetime of an API token, in days."),
    Setting("login_max_failures", int, 5, "Failed logins in a row that lock an account."),
    Setting("login_lockout_minutes", int, 15, "Minutes a locked account stays locked."),
    Setting(
        "rate_limit_per_minute",
        int,
        1200,
        "Requests a user (or, before login, a client address) may make per minute; 0 turns the limit off.",
    ),
    Setting("cookie_secure", bool, False, "Mark the session cookie Secure (set true behind HTTPS)."),
    Setting("export_max_rows", int, 1000000, "Most rows one export may stream."),
)

BY_NAME = {s.name: s for s in SETTINGS}


def default_settings() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def render_toml(values: dict[str, Any]) -> str:
    """The settings file as written by ``yishu init``: every setting with its help as a comment."""
    lines = ["# yishu workspace settings. Every setting can be overridden by YISHU_<NAME>.", ""]
    for s in SETTINGS:
        lines.append(f"# {s.help}")
        value = values.get(s.name, s.default)
        if s.type is bool:
            lines.append(f"{s.name} = {'true' if value else 'false'}")
        elif s.type is int:
            lines.append(f"{s.name} = {int(value)}")
        elif s.type is float:
            lines.append(f"{s.name} = {float(value)}")
        else:
            escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'{s.name} = "{escaped}"')
        lines.append("")
    return "\n".join(lines)


def load_settings(path: Path, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read a settings file, apply ``YISHU_*`` overrides, and check every name and type."""
    environ = os.environ if environ is None else environ
    values = default_settings()
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from None
        for name, value in raw.items():
            if name not in BY_NAME:
                known = ", ".join(BY_NAME)
                raise SettingsError(f"{path}: unknown setting '{name}' (known: {known})")
            values[name] = BY_NAME[name].parse(value, str(path))
    for s in SETTINGS:
        if s.env_var in environ:
            values[s.name] = s.parse(environ[s.env_var], f"environment variable {s.env_var}")
    if values["audit_hash"] not in {"sm3", "sha256"}:
        raise SettingsError(
            f"{path}: setting 'audit_hash' must be sm3 or sha256, got {values['audit_hash']!r}"
        )
    if values["language"] not in {"zh", "en"}:
        raise SettingsError(f"{path}: setting 'language' must be zh or en, got {values['language']!r}")
    return values


def settings_markdown() -> str:
    """The settings table for docs/settings.md."""
    rows = ["| name | type | default | environment | help |", "|---|---|---|---|---|"]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default != "" else "(empty)"
        rows.append(f"| `{s.name}` | {s.type.__name__} | {default} | `{s.env_var}` | {s.help} |")
    return "\n".join(rows) + "\n"
