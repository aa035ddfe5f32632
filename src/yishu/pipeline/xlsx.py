"""The rows of an Excel sheet as values, as openpyxl's read-only ``iter_rows(values_only=True)`` gives them.

openpyxl still opens the workbook (date styles, epoch, the sheet's dimension); the shared strings
and the cells are parsed here. openpyxl builds several objects per cell and per string, which made
Excel the slowest part of ingest. The rules are openpyxl 3.1's (``WorkSheetParser.parse_row`` and
``parse_cell`` with ``data_only``, ``ReadOnlyWorksheet._cells_by_row``): every child of a row is a
cell, rows missing from the file are empty rows, rows are as wide as the dimension says.

The sheet's rows are parsed a few megabytes at a time: the chunks are cut before a ``<row`` tag
(``<`` cannot occur in text). A chunk of plain rows (cells with ``r``, ``s``, ``t`` in that order, a
value or a simple inline string) is read by one regular expression whose tokens must cover it
whole; any other chunk by the C XML parser. A sheet with comments, CDATA, processing instructions,
a prefixed ``sheetData`` or a declared encoding other than UTF-8, or one the chunks cannot be
parsed from, is streamed element by element instead, as openpyxl does.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError, XMLParser

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._reader import _cast_number
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

ROW_TAG = f"{{{SHEET_MAIN_NS}}}row"
VALUE_TAG = f"{{{SHEET_MAIN_NS}}}v"
INLINE_STRING = f"{{{SHEET_MAIN_NS}}}is"
STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"
CHUNK = 4 << 20
_COORDINATE = re.compile(r"([A-Z]+)([0-9]+)")
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)[^>]*>")
_MAIN_NS = b'xmlns="' + SHEET_MAIN_NS.encode() + b'"'
_WS = "[ \t\n\r]"  # XML's white space
_MORE = rf'(?:{_WS}+(?!(?:r|s|t)=)[\w:]+="[^"&<\t\n\r]*")*{_WS}*'  # other attributes, not r, s or t
_MORE_ROW = rf'(?:{_WS}+(?!r=)[\w:]+="[^"&<\t\n\r]*")*{_WS}*'
_CELL = (  # a plain cell: r, s and t in this order, a cached formula, a value or an inline string
    r'<c(?: r="(([A-Z]+)[0-9]+)")?(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?' + _MORE + r"(?:/>|>"
    r"(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)?(?:<v>([^<]*)</v>|(<is>)<t(?: xml:space=\"preserve\")?>([^<]*)</t></is>)?</c>)"
)
_ITEMS = re.compile(  # each token of a plain run of rows, with the white space before it
    rf'({_WS}*(?:(<row)(?: r="([0-9]+)")?' + _MORE_ROW + r"(/?)>|" + _CELL + r"|(</row>)))"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BAD_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_DECLARED = re.compile(rb"<\?xml[^>]*encoding=[\"']([^\"']+)[\"']")


def load_workbook(path):
    """openpyxl's ``load_workbook(path, read_only=True, data_only=True)``, reading the shared strings
    faster (openpyxl builds an object per string)."""
    reader = _Reader(path, read_only=True, data_only=True)
    reader.read()
    return reader.wb


class _Reader(ExcelReader):
    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as src:
                self.shared_strings = string_table(src)


def string_table(src) -> list[str]:
    """openpyxl's ``read_string_table``: each ``si`` as ``Text.from_tree(si).content``, unescaped."""
    strings = []
    for _event, node in iterparse(src):
        if node.tag == STRING_TAG:
            strings.append(_inline_text(node).replace("x005F_", ""))
            node.clear()
    return strings


def sheet_rows(sheet, chunk: int = CHUNK) -> Iterator[tuple]:
    """Every row of an openpyxl ``ReadOnlyWorksheet`` (opened with ``data_only=True``) as a tuple of values."""
    book = sheet.parent
    max_col, max_row = sheet.max_column, sheet.max_row
    cells = _CellParser(
        sheet._shared_strings, book.epoch, book._date_formats, book._timedelta_formats, max_col
    )
    empty_row = (None,) * max_col if max_col is not None else []
    counter = idx = 1
    rows = _rows(sheet._get_source, cells, chunk)
    try:
        for idx, row in rows:
            if max_row is not None and idx > max_row:
                break
            for _ in range(counter, idx):
                counter += 1
                yield empty_row
            if counter <= idx:
                counter += 1
                yield row if type(row) is tuple else _widen(row, max_col)
    finally:
        rows.close()
    if max_row is not None and max_row < idx:
        for _ in range(counter, max_row + 1):
            yield empty_row


def _widen(row: list[tuple[int, object]], max_col: int | None) -> tuple:
    if not row and not max_col:
        return ()
    width = max_col or row[-1][0]
    values = [None] * width
    for column, value in row:
        if 1 <= column <= width:
            values[column - 1] = value
    return tuple(values)


class _CellParser:
    """openpyxl's ``parse_row`` and ``parse_cell`` (``data_only``), for XML elements and plain text."""

    def __init__(self, shared_strings, epoch, date_formats, timedelta_formats, width: int | None = None):
        self.width = width  # plain rows come out as tuples this wide (else as (column, value) pairs)
        self.shared_strings, self.epoch = shared_strings, epoch
        self.date_formats, self.timedelta_formats = date_formats, timedelta_formats
        self.columns: dict[str, int] = {}

    @staticmethod
    def number(r: str | None, previous: int) -> int:
        if r is None:
            return previous + 1
        try:
            return int(r)
        except ValueError:
            value = float(r)
            if not value.is_integer():
                raise ValueError(f"{r} is not a valid row number") from None
            return int(value)

    def element_cells(self, row) -> list[tuple[int, object]]:
        out = []
        column = 0
        for el in row:
            data_type = el.get("t", "n")
            coordinate = el.get("r")
            column = self.column(coordinate) if coordinate else column + 1
            if data_type == "inlineStr":
                child = el.find(INLINE_STRING)
                value = None if child is None else _inline_text(child)
            else:
                value = self.value(
                    el.findtext(VALUE_TAG, None) or None, data_type, el.get("s", 0), coordinate
                )
            out.append((column, value))
        return out

    def value(self, value, data_type: str, style, coordinate):
        if value is None:
            return None
        if data_type == "n":
            value = _cast_number(value)
            style = int(style) if style else 0
            return self.date(value, style, coordinate) if style in self.date_formats else value
        if data_type == "s":
            return self.shared_strings[int(value)]
        if data_type == "b":
            return bool(int(value))
        if data_type == "d":
            return from_ISO8601(value)
        return value

    def column(self, coordinate: str) -> int:
        match = _COORDINATE.fullmatch(coordinate)
        if match is None:  # openpyxl's own reading, errors included
            return coordinate_to_tuple(coordinate)[1]
        letters = match.group(1)
        column = self.columns.get(letters)
        if column is None:
            column = self.columns[letters] = column_index_from_string(letters)
        return column

    def date(self, value, style: int, coordinate):
        try:
            return from_excel(value, self.epoch, timedelta=style in self.timedelta_formats)
        except (OverflowError, ValueError):
            warnings.warn(
                f"Cell {coordinate} is marked as a date but the serial value {value} is outside the limits "
                "for dates. The cell will be treated as an error.",
                stacklevel=2,
            )
            return "#VALUE!"

    def text_rows(self, raw: bytes, previous: int) -> list[tuple[int, list]] | None:
        """The rows of a run of plain ``<row>`` elements, or None when it is not that plain: some text
        that no token covers, a cell outside a row, undecodable bytes, control characters or entities
        other than XML's own."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if _CONTROL.search(text) or ("&" in text and _BAD_ENTITY.search(text)):
            return None
        rows, cells, column, covered = [], None, 0, 0
        columns, shared, dates, width = self.columns, self.shared_strings, self.date_formats, self.width
        xml_text = _xml_text if "&" in text or "\r" in text else str
        for token, row, r, empty, coordinate, letters, style, data_type, v, inline, t, end in _ITEMS.findall(
            text
        ):
            covered += len(token)
            if row:
                if cells is not None:
                    return None
                previous = int(r) if r else previous + 1
                if width:
                    rows.append((previous, (None,) * width))
                    cells = None if empty else [None] * width
                else:
                    rows.append((previous, []))
                    cells = None if empty else rows[-1][1]
                column = 0
                continue
            if cells is None:
                return None
            if end:
                if width:
                    rows[-1] = (previous, tuple(cells))
                cells = None
                continue
            if letters:
                column = columns.get(letters) or self.column(letters + "1")
            else:
                column += 1
            if data_type == "inlineStr":
                value = xml_text(t) if inline else None
            elif not v:
                value = None
            elif not data_type or data_type == "n":
                value = _cast_number(xml_text(v))
                style = int(style) if style else 0
                if style in dates:
                    value = self.date(value, style, coordinate or None)
            elif data_type == "s":
                value = shared[int(xml_text(v))]
            else:
                value = self.value(xml_text(v) or None, data_type, style, None)
            if not width:
                cells.append((column, value))
            elif 0 < column <= width:
                cells[column - 1] = value
        return rows if cells is None and covered == len(text.rstrip(" \t\n\r")) else None


def _xml_text(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


def _entity(m) -> str:
    name = m.group(1)
    if name[0] != "#":
        return _ENTITIES[name]
    return chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else "comment"


def _inline_text(element) -> str:
    """openpyxl's ``Text.from_tree(element).content``: the last ``t``, then each rich run's last ``t``."""
    plain, runs = None, []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            text = None
            for part in child:
                if _local(part.tag) == "t":
                    text = part.text
            if text is not None:
                runs.append(text)
    return "".join(([plain] if plain is not None else []) + runs)


class _NotPlain(Exception):
    pass


def _rows(open_source, cells: _CellParser, chunk: int):
    """(row number, [(column, value)]) for each ``row`` element: chunked while the sheet is plain, else
    streamed from the start again by the XML parser (the rows already given are not given twice)."""
    done = 0
    with open_source() as src:
        try:
            for row in _chunked(src, cells, chunk):
                yield row
                done += 1
            return
        except (_NotPlain, ParseError):
            pass
    number = 0
    with open_source() as src:
        for n, element in enumerate(_streamed(src)):
            number = cells.number(element.get("r"), number)
            if n >= done:
                yield number, cells.element_cells(element)
            element.clear()


def _chunked(src, cells: _CellParser, chunk: int):
    head = src.read(chunk)
    start = head.find(b"<sheetData")
    declared = _DECLARED.match(head)
    root = _ROOT_TAG.search(head)
    if (
        start < 0
        or root is None
        or root.end() > start
        or b"<!" in head
        or b"<?" in head[2:]
        or (declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"))
    ):
        raise _NotPlain
    close = head.find(b">", start)
    if close < 0:  # the tag goes on past the first read
        raise _NotPlain
    opening = head[start : close + 1]
    if opening.endswith(b"/>"):
        return
    wrap = (root.group(0), b"</" + root.group(1) + b">", _MAIN_NS in root.group(0))
    buffer = head[start + len(opening) :]
    number = 0
    while True:
        end = buffer.find(b"</sheetData>")
        if end >= 0:
            yield from _parsed(buffer[:end], wrap, cells, number)
            return
        more = src.read(chunk)
        if not more or b"<!" in more or b"<?" in more:
            raise _NotPlain
        cut = buffer.rfind(b"<row")
        if cut > 0:
            for row in _parsed(buffer[:cut], wrap, cells, number):
                number = row[0]
                yield row
            buffer = buffer[cut:]
        buffer += more


def _parsed(text: bytes, wrap, cells: _CellParser, number: int):
    opening, closing, main_ns = wrap
    rows = cells.text_rows(text, number) if main_ns else None
    if rows is not None:
        yield from rows
        return
    parser = XMLParser()
    parser.feed(opening + text + closing)
    for element in parser.close():
        if element.tag != ROW_TAG:
            raise _NotPlain
        number = cells.number(element.get("r"), number)
        yield number, cells.element_cells(element)


def _streamed(src):
    for _event, element in iterparse(src):
        if element.tag == ROW_TAG:
            yield element
