"""Column names and sample values of a delivery file, for mapping suggestions.

Reads CSV (UTF-8 with or without BOM, else GB18030, which covers GBK), JSON lines, Parquet and
Excel (the header is the first full-width row, below any title rows and merged group headers).
The governance pipeline's ingest reads deliveries in full; this reads just enough to profile.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path}: neither UTF-8 nor GB18030/GBK text")


def sample_columns(path: str | Path, rows: int = 500) -> dict[str, list[object]]:
    """Column name -> up to ``rows`` values from the top of the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        text = _decode(path.read_bytes()[: 4 << 20], path)
        lines = text.splitlines()[: rows + 1]
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",\t;|") if lines else csv.excel
        reader = csv.reader(io.StringIO("\n".join(lines)), dialect)
        header = next(reader, None)
        if not header:
            raise ValueError(f"{path}: empty file, no header row")
        out: dict[str, list[object]] = {h.strip(): [] for h in header}
        for line_no, record in enumerate(reader, start=2):
            if len(record) != len(header):
                raise ValueError(
                    f"{path}: line {line_no} has {len(record)} fields, the header has {len(header)}"
                )
            for h, v in zip(header, record, strict=True):
                out[h.strip()].append(v)
        return out
    if suffix in (".jsonl", ".ndjson", ".json"):
        out = {}
        with path.open(encoding="utf-8-sig") as f:
            for line_no, line in enumerate(f, start=1):
                if line_no > rows:
                    break
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}: line {line_no}: not JSON ({exc.msg})") from None
                for k, v in record.items():
                    out.setdefault(k, []).append(v)
        return out
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.ParquetFile(path).read_row_group(0).slice(0, rows)
        return {name: table.column(name).to_pylist() for name in table.column_names}
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            top = [list(r) for r in sheet.iter_rows(max_row=rows + 12, values_only=True)]
        finally:
            book.close()
        widths = [sum(v not in (None, "") for v in r) for r in top[:12]]
        if not widths or max(widths) == 0:
            raise ValueError(f"{path}: the first sheet is empty")
        h = widths.index(max(widths))
        header = [str(v).strip() if v is not None else f"column_{j + 1}" for j, v in enumerate(top[h])]
        out = {name: [] for name in header}
        for r in top[h + 1 :]:
            for name, v in zip(header, r, strict=False):
                out[name].append(v)
        return out
    raise ValueError(f"{path}: unsupported format {suffix!r} (csv, jsonl, parquet, xlsx)")
