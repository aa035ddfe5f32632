"""YAML with line numbers, so that every catalogue error can name its file, line and field.

PyYAML's composer keeps a mark (line, column) on every node; ``load`` turns the node tree into
plain Python values and a map from each value's path (a tuple of keys and list indexes) to its line.
Duplicate keys, which PyYAML would silently let the last one win, are errors here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Problem:
    """One error in a catalogue file: where it is and what is wrong."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class CatalogueError(ValueError):
    """The catalogue has errors; ``problems`` lists every one (file, line, field, message)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = (
            f"{len(problems)} error(s) in the catalogue" if len(problems) != 1 else "1 error in the catalogue"
        )
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in problems))


@dataclass
class Document:
    """A loaded YAML file: its data and the line of every path in it."""

    path: Path
    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, *path: Any) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p and p not in self.lines:
            p = p[:-1]
        return self.lines.get(p, 1)

    def problem(self, path: tuple, message: str) -> Problem:
        name = ".".join(str(k) for k in path) if path else "(file)"
        return Problem(str(self.path), self.line(*path), name, message)


def _convert(
    node: yaml.Node, path: tuple, lines: dict[tuple, int], problems: list[Problem], file: str
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            if key in out:
                problems.append(
                    Problem(
                        file, key_node.start_mark.line + 1, ".".join(map(str, (*path, key))), "duplicate key"
                    )
                )
            out[key] = _convert(value_node, (*path, key), lines, problems, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), lines, problems, file) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """A scalar with YAML's safe types (dates, numbers, booleans) resolved."""
    return yaml.SafeLoader("").construct_object(node, deep=True)


def load(path: Path) -> tuple[Document, list[Problem]]:
    """Read one YAML file; syntax errors and duplicate keys come back as problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return Document(path, None), [Problem(str(path), 1, "(file)", f"not UTF-8 text: {exc}")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return Document(path, None), [Problem(str(path), line, "(syntax)", str(exc.problem or exc))]
    problems: list[Problem] = []
    lines: dict[tuple, int] = {}
    data = None if node is None else _convert(node, (), lines, problems, str(path))
    return Document(path, data, lines), problems
