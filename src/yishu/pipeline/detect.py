"""What a delivery file is: format, text encoding, delimiter, Excel header row.

Encodings are tried strictly in the order UTF-8 with BOM, UTF-8, GB18030 (a superset of GBK and
GB2312); a file that decodes as none of them is an error naming the first bad byte. Excel files may
carry title rows and merged group headers above the real header: the header is the first row as
wide as the data, and a blank header cell under a merged group cell takes the group's name."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

TEXT_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
FORMATS = {**TEXT_SUFFIXES, ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet"}


class DeliveryError(ValueError):
    """A delivery that cannot be read at all (as opposed to rows that are quarantined)."""


@dataclass
class Detected:
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None  # 1-based row of the header in an Excel sheet
    title_rows: list[str] = field(default_factory=list)


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DeliveryError(
            f"{path}: unsupported file type {path.suffix or '(none)'} (csv, tsv, txt, jsonl, json, xlsx, parquet)"
        )
    return fmt


def detect_encoding(raw: bytes, path: Path) -> str:
    """The encoding that decodes the most lines (UTF-8 first, then GBK, then GB18030); lines that no
    longer decode later are quarantined by the reader. Mostly undecodable bytes are an error."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for candidate in ("utf-8", "gbk", "gb18030"):
        try:
            raw.decode(candidate)
            return candidate
        except UnicodeDecodeError:
            continue
    lines = raw.splitlines()[:2000] or [raw]

    def decodable(encoding: str) -> int:
        ok = 0
        for line in lines:
            try:
                line.decode(encoding)
                ok += 1
            except UnicodeDecodeError:
                pass
        return ok

    best = max(("utf-8", "gbk", "gb18030"), key=decodable)
    if decodable(best) < 0.5 * len(lines):
        raise DeliveryError(f"{path}: not UTF-8, GBK or GB18030 text (most lines do not decode)")
    return best


def detect_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",\t;|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",\t;|"}
        return max(counts, key=counts.get) if max(counts.values()) else ","


def cell_text(value) -> str | None:
    """An Excel cell as text: integers without .0, dates as ISO; empty as None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def excel_header(top_rows: list[list]) -> tuple[int, list[str], list[str]]:
    """(0-based header index, column names, title texts) from the first rows of a sheet."""
    widths = [sum(cell_text(v) is not None for v in row) for row in top_rows]
    if not widths or max(widths) == 0:
        raise DeliveryError("the first sheet is empty")
    full = max(widths)
    index = next(i for i, w in enumerate(widths) if w >= max(1, full - max(1, full // 10)))
    header = [cell_text(v) for v in top_rows[index]]
    above = top_rows[index - 1] if index > 0 else []
    names, group = [], None
    for j, name in enumerate(header):
        if j < len(above) and cell_text(above[j]) is not None:
            group = cell_text(above[j])
        names.append(name if name is not None else (group or f"column_{j + 1}"))
    titles = [" ".join(t for t in (cell_text(v) for v in row) if t) for row in top_rows[:index]]
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return index, unique, [t for t in titles if t]
