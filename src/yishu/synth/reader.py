"""Read a synthetic city's delivery back, by its manifest entry (format, encoding, title rows)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl


def read_delivery(city_dir: Path, source: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield the rows of one source as dicts keyed by its own column names, parts in order."""
    for part in source["files"]:
        path = Path(city_dir) / part["file"]
        if source["format"] == "csv":
            with open(path, encoding=source["encoding"], newline="") as f:
                yield from csv.DictReader(f)
        elif source["format"] == "jsonl":
            with open(path, encoding="utf-8") as f:
                for line in f:
                    yield json.loads(line)
        else:
            book = openpyxl.load_workbook(path, read_only=True)
            try:
                rows = book.active.iter_rows(values_only=True)
                for _ in range(source["title_rows"]):
                    next(rows)
                header = next(rows)
                for values in rows:
                    yield dict(zip(header, values, strict=True))
            finally:
                book.close()
