"""The built-in catalogue of the synthetic city's sources, installed into a workspace."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from yishu.standards import divisions

PACKAGE = "yishu.catalogue"


def _files():
    root = resources.files(PACKAGE).joinpath("builtin")
    yield from _walk(root, "")


def _walk(node, prefix):
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        name = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _walk(child, name + "/")
        elif child.name.endswith(".yaml"):
            yield name, child.read_text(encoding="utf-8")


def install_builtin(folder: str | Path, city: str) -> list[Path]:
    """Write the built-in catalogue, rendered for prefecture ``city``, into ``folder``.

    Existing files are left as they are (the workspace's catalogue is the bureau's to edit);
    returns the files written."""
    folder = Path(folder)
    name = divisions.name_for_code(city)
    written = []
    for rel, text in _files():
        target = folder / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text.replace("{city_code}", city).replace("{city}", name), encoding="utf-8")
        written.append(target)
    return written
