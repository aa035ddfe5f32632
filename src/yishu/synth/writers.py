"""Streaming writers for department deliveries: CSV (GBK or UTF-8 with BOM), Excel, JSON lines.

Each writer takes rows (lists of text, number or None) chunk by chunk and never holds a whole file.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import xlsxwriter

EXCEL_ROWS_PER_FILE = 1_000_000  # an Excel sheet holds 1,048,576 rows; bigger deliveries come in parts


class DeliveryWriter:
    """Writes one source's delivery; ``files`` lists (relative path, first row, rows) per part."""

    def __init__(
        self,
        out: Path,
        stem: str,
        fmt: str,
        encoding: str,
        columns: list[str],
        title: str | None = None,
        groups: list[tuple[str, int]] | None = None,
    ):
        self.out, self.stem, self.fmt, self.encoding = out, stem, fmt, encoding
        self.columns, self.title, self.groups = columns, title, groups
        self.rows = 0
        self.files: list[dict[str, Any]] = []
        self._fh = None
        self._csv = None
        self._book = None
        self._sheet = None
        self._sheet_row = 0
        self._open_part()

    # -- parts -------------------------------------------------------------------------------
    def part_name(self, part: int) -> str:
        """File name of part ``part`` (1-based) of this delivery."""
        return f"{self.stem}.{self.fmt}" if part == 1 else f"{self.stem}_part{part}.{self.fmt}"

    def _open_part(self) -> None:
        name = self.part_name(len(self.files) + 1)
        self.files.append({"file": name, "first_row": self.rows + 1, "rows": 0})
        path = self.out / name
        if self.fmt == "csv":
            enc = "utf-8-sig" if self.encoding == "utf-8-sig" else self.encoding
            self._fh = open(path, "w", encoding=enc, newline="")  # noqa: SIM115 (closed in _close_part)
            self._csv = csv.writer(self._fh)
            self._csv.writerow(self.columns)
        elif self.fmt == "jsonl":
            self._fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 (closed in _close_part)
        else:
            self._book = xlsxwriter.Workbook(
                str(path), {"constant_memory": True, "strings_to_numbers": False}
            )
            self._sheet = self._book.add_worksheet("Sheet1")
            bold = self._book.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
            row = 0
            width = len(self.columns)
            if self.title:
                self._sheet.merge_range(row, 0, row, width - 1, self.title, bold)
                row += 1
            if self.groups:
                col = 0
                for label, span in self.groups:
                    if span > 1:
                        self._sheet.merge_range(row, col, row, col + span - 1, label, bold)
                    else:
                        self._sheet.write_string(row, col, label, bold)
                    col += span
                row += 1
            for c, name_ in enumerate(self.columns):
                self._sheet.write_string(row, c, name_, bold)
            self._sheet_row = row + 1

    def _close_part(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._book is not None:
            self._book.close()
            self._book = None

    # -- rows --------------------------------------------------------------------------------
    def write(self, rows: list[list[Any]]) -> None:
        for row in rows:
            if self.fmt == "xlsx" and self.files[-1]["rows"] >= EXCEL_ROWS_PER_FILE:
                self._close_part()
                self._open_part()
            self.rows += 1
            self.files[-1]["rows"] += 1
            if self.fmt == "csv":
                self._csv.writerow(["" if v is None else v for v in row])
            elif self.fmt == "jsonl":
                obj = {k: v for k, v in zip(self.columns, row, strict=True) if v is not None}
                self._fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
            else:
                for c, v in enumerate(row):
                    if v is None:
                        continue
                    if isinstance(v, int | float):
                        self._sheet.write_number(self._sheet_row, c, v)
                    else:
                        self._sheet.write_string(self._sheet_row, c, str(v))
                self._sheet_row += 1

    def close(self) -> None:
        self._close_part()
