"""Read a delivery file row by row: (row number, values) for rows, (line, raw, reason) for what
cannot be a row, and ``Rows`` for many CSV rows that Arrow parsed at once. Nothing is dropped: a
ragged CSV line, undecodable bytes or a line that is not JSON is quarantined with its line and
reason. Row numbers are 1-based data rows across a delivery's parts."""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

from yishu.pipeline.arrow_csv import Rows, arrow_rows
from yishu.pipeline.detect import (
    DeliveryError,
    Detected,
    cell_text,
    detect_delimiter,
    detect_encoding,
    excel_header,
)

Row = tuple[int, list[str | None]]  # (row number, values)
Bad = tuple[int, int, str, str]  # (row number, line or sheet row, raw text, reason)
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes the decoder could not read, kept by surrogateescape


class Reader:
    """Rows of one file; ``columns`` is known after ``open``."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.format = path, fmt
        self.detected = Detected(fmt)
        self.columns: list[str] = []

    def rows(self) -> Iterator[Row | Bad | Rows]:
        return getattr(self, f"_{self.format}")()

    # --- CSV -------------------------------------------------------------------------------------

    def _csv(self):
        with open(self.path, "rb") as f:
            head = f.read(4 << 20)
        encoding = detect_encoding(
            head if len(head) < (4 << 20) else head[: head.rfind(b"\n") + 1], self.path
        )
        self.detected.encoding = encoding
        self.detected.delimiter = detect_delimiter(head[:65536].decode(encoding, errors="replace"))
        decoder = codecs.getreader(encoding)
        with open(self.path, "rb") as raw:
            text = decoder(raw, errors="surrogateescape")
            reader = csv.reader(text, delimiter=self.detected.delimiter)
            header = next(reader, None)
            if not header:
                raise DeliveryError(f"{self.path}: empty file, no header row")
            self.columns = _unique([h.strip() or f"column_{i + 1}" for i, h in enumerate(header)])
            done = 0
            if len(self.columns) > 1:  # Arrow first, then Python from the first row Arrow left
                complete, done = yield from arrow_rows(self.path, encoding, self.detected.delimiter, header)
                if complete:
                    return
            number = 0
            for record in reader:
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # a blank line is not a row
                number += 1
                if number <= done:
                    continue
                raw_text = self.detected.delimiter.join(record)
                if _UNDECODED.search(raw_text):
                    yield (number, reader.line_num,
                           raw_text.encode(encoding, "surrogateescape").decode(encoding, "replace"),
                           f"undecodable bytes for {encoding}")  # fmt: skip
                elif len(record) != len(self.columns):
                    yield (number, reader.line_num, raw_text,
                           f"{len(record)} fields where the header has {len(self.columns)}")  # fmt: skip
                else:
                    yield (number, [v if v.strip() else None for v in record])

    # --- JSON lines ------------------------------------------------------------------------------

    def _jsonl(self):
        with open(self.path, "rb") as f:
            self.detected.encoding = detect_encoding(f.read(4 << 20), self.path)
        keys: dict[str, None] = {}
        with open(self.path, encoding=self.detected.encoding, errors="replace") as f:
            for line in f:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    keys.update(dict.fromkeys(obj))
        self.columns = list(keys)
        number = 0
        with open(self.path, encoding=self.detected.encoding, errors="replace") as f:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                number += 1
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield (number, line_no, line.rstrip("\n"), f"not JSON: {exc.msg} at column {exc.colno}")
                    continue
                if not isinstance(obj, dict):
                    yield (number, line_no, line.rstrip("\n"), "not a JSON object")
                    continue
                yield (number, [_text(obj.get(k)) for k in self.columns])

    # --- Excel -----------------------------------------------------------------------------------

    def _xlsx(self):
        from yishu.pipeline.xlsx import load_workbook, sheet_rows  # openpyxl only when there is Excel

        try:
            book = load_workbook(self.path)
        except Exception as exc:  # openpyxl raises several kinds for a broken workbook
            raise DeliveryError(f"{self.path}: not a readable Excel workbook ({exc})") from None
        try:
            sheet = book.worksheets[0]
            rows = sheet_rows(sheet)
            top = []
            for row in rows:
                top.append(list(row))
                if len(top) >= 15:
                    break
            index, self.columns, self.detected.title_rows = excel_header(top)
            self.detected.header_row = index + 1
            number = 0
            width = len(self.columns)

            def data():
                yield from top[index + 1 :]
                yield from rows

            for sheet_row, values in enumerate(data(), start=index + 2):
                cells = [
                    None if v is None else (v.strip() or None) if type(v) is str else cell_text(v)
                    for v in values
                ]  # cell_text, with its commonest cases inline
                if cells.count(None) == len(cells):
                    continue
                number += 1
                beyond = cells[width:]
                if beyond.count(None) != len(beyond):
                    yield (number, sheet_row, "\t".join(c or "" for c in cells),
                           f"values beyond the {width} header columns")  # fmt: skip
                    continue
                yield (number, (cells + [None] * width)[:width])
        finally:
            book.close()

    # --- Parquet ---------------------------------------------------------------------------------

    def _parquet(self):
        import pyarrow.parquet as pq

        try:
            file = pq.ParquetFile(self.path)
        except Exception as exc:
            raise DeliveryError(f"{self.path}: not a readable Parquet file ({exc})") from None
        self.columns = list(file.schema_arrow.names)
        number = 0
        for batch in file.iter_batches(batch_size=65536):
            for record in batch.to_pylist():
                number += 1
                yield (number, [_text(record[c]) for c in self.columns])


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return cell_text(value)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out
