"""CSV rows parsed by Arrow, exactly as the Python ``csv`` reader in ``read.py`` would give them.

Arrow parses and converts a block at a time in C; Python's ``csv`` module goes through every row in
the interpreter. The two agree on ordinary CSV, and where they might not, this reader stops: the
caller goes on with the Python reader from the first row not given here. It stops at a row of
another width, bytes the encoding cannot decode, a line break Python knows and Arrow does not
(``\\v``, ``\\f``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028, U+2029), a NUL, a field longer than the
``csv`` module's limit, a header row Arrow reads otherwise, or a last row with a line break in a field (a quote left open
to the end of the file, where Arrow drops the last line break and Python keeps it). Blank values become null with
Python's ``str.strip`` idea of blank.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

BLOCK = 1 << 20


def _class(chars) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


_BLANK = "^[" + _class(c for c in map(chr, range(0x110000)) if c.isspace()) + "]*$"
_UNSAFE = "[" + _class("\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029") + "]"
_LONE_CR = re.compile(rb"\r(?!\n)")


class _LoneCarriageReturn(Exception):
    """A CR without LF: Python's GBK reader does not end a line there, Arrow does."""


class _Watched(io.RawIOBase):
    """The file's bytes, stopping at a CR that no LF follows (a CR is never part of a multibyte
    character in UTF-8, GBK or GB18030)."""

    def __init__(self, path: Path):
        self.file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.last = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.file.readinto(buffer)
        data = self.last + bytes(buffer[:n])
        if n == 0:
            data += b"\n"  # a CR at the very end is followed by nothing
        lone = _LONE_CR.search(data) if b"\r" in data else None
        if lone is not None and lone.start() < len(data) - 1:  # the last byte waits for the next read
            raise _LoneCarriageReturn
        self.last = data[-1:]
        return n

    def close(self) -> None:
        self.file.close()
        super().close()


@dataclass
class Rows:
    """Rows parsed together: 1-based row numbers within the file and one text array per column."""

    numbers: np.ndarray
    columns: list[pa.Array]


def arrow_rows(path: Path, encoding: str, delimiter: str, header: list[str]):
    """Yields ``Rows`` from the start of the file's data; returns (read to the end, rows given)."""
    width = len(header)
    given = 0
    source = _Watched(path)
    try:
        reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(
                column_names=[f"c{i}" for i in range(width)],
                encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
                block_size=BLOCK,
                use_threads=False,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=True, ignore_empty_lines=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(width)}, strings_can_be_null=False,
            ),
        )  # fmt: skip
        limit = csv.field_size_limit()
        first, pending, open_end = True, None, False
        for batch in reader:
            columns = batch.columns
            if first:
                if [column[0].as_py() for column in columns] != header:
                    return False, given
                columns, first = [column[1:] for column in columns], False
            if not _safe(columns, limit):
                return False, given
            n = len(columns[0])
            if n:
                if pending is not None:
                    yield pending
                    given += len(pending.numbers)
                numbers = np.arange(given + 1, given + n + 1, dtype=np.int64)
                pending = Rows(numbers, [_nulls(column) for column in columns])
                open_end = any(_line_break(column[-1].as_py()) for column in columns)
        if pending is not None:
            if open_end:  # perhaps a quote left open to the end: Python keeps the last line break
                if len(pending.numbers) > 1:
                    yield Rows(pending.numbers[:-1], [column[:-1] for column in pending.columns])
                    given += len(pending.numbers) - 1
                return False, given
            yield pending
            given += len(pending.numbers)
    except (pa.ArrowException, UnicodeError, _LoneCarriageReturn):
        return False, given
    finally:
        source.close()
    return True, given


def _safe(columns: list[pa.Array], limit: int) -> bool:
    for column in columns:
        if len(column) == 0:
            continue
        if pc.max(pc.utf8_length(column)).as_py() > limit:
            return False
        if pc.any(pc.match_substring_regex(column, _UNSAFE)).as_py():
            return False
    return True


def _line_break(value: str) -> bool:
    return "\n" in value or "\r" in value


def _nulls(column: pa.Array) -> pa.Array:
    blank = pc.match_substring_regex(column, _BLANK)
    return pc.if_else(blank, pa.scalar(None, pa.string()), column)
