"""The fast sheet reader gives exactly what openpyxl's read-only iter_rows(values_only=True) gives."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
import xlsxwriter
from openpyxl.reader.strings import read_string_table

from yishu.pipeline import xlsx


def _openpyxl_rows(path) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def _fast_rows(path, chunk: int = xlsx.CHUNK) -> list[tuple]:
    book = xlsx.load_workbook(path)
    try:
        return list(xlsx.sheet_rows(book.worksheets[0], chunk))
    finally:
        book.close()


def _openpyxl_book(path):
    """Shared strings, dates and times, numbers, booleans, a formula, data away from A1, a wide styled cell."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C3"], sheet["D3"], sheet["E3"] = "姓名", "出生日期", " 备注 "
    sheet["C4"], sheet["D4"], sheet["E4"] = "张三", dt.datetime(1990, 1, 2), dt.date(2021, 5, 6)
    sheet["C5"], sheet["D5"], sheet["E5"] = dt.time(12, 30), True, "=1/0"
    sheet["C6"], sheet["D6"], sheet["E6"] = 1.5, 12345678901234567890, 0.1
    sheet["C7"], sheet["D7"], sheet["E7"] = 1e20, -3, "  "
    sheet["C8"], sheet["D8"], sheet["E8"] = dt.timedelta(hours=30), "a&b<c>", 3.0
    sheet["C9"] = 45000
    sheet["C9"].number_format = 'yyyy"年"m"月"d"日"'
    sheet["D9"] = 0.25
    sheet["D9"].number_format = "0%"
    sheet["C10"], sheet["G10"] = "v", "beyond"
    sheet["H14"].font = openpyxl.styles.Font(bold=True)
    for i in range(200):
        sheet.append([f"行{i}", i, i / 7, None, "重复"])
    book.save(path)


def _xlsxwriter_book(path, shared: bool = False):
    """Inline strings (constant memory) or shared strings, cached formula results, errors, blank rows,
    merged titles."""
    book = xlsxwriter.Workbook(path, {"constant_memory": not shared})
    sheet = book.add_worksheet()
    sheet.merge_range(0, 0, 0, 3, "某局名单")
    sheet.write_row(1, 0, ["a", "b", "c", "d"])
    sheet.write_formula(2, 0, "=1/0", None, "#DIV/0!")
    sheet.write_formula(2, 1, "=1+1", None, 2)
    sheet.write_formula(2, 2, '="x"', None, "x")
    sheet.write(3, 0, "  lead")
    sheet.write_boolean(3, 1, False)
    sheet.write_number(3, 2, 1e-7)
    for r in range(5, 400):
        sheet.write_row(r, 0, [f"名{r}", str(r), r, "第一行\r\n第二行"])
    sheet.write_blank(401, 5, None, book.add_format({"bold": True}))
    book.close()


def _shared_strings_book(path):
    _xlsxwriter_book(path, shared=True)


@pytest.mark.parametrize("make", [_openpyxl_book, _xlsxwriter_book, _shared_strings_book])
@pytest.mark.parametrize("chunk", [xlsx.CHUNK, 300])
def test_the_same_rows_as_openpyxl(tmp_path, make, chunk):
    path = tmp_path / "t.xlsx"
    make(path)
    expected = _openpyxl_rows(path)
    assert len(expected) > 100
    assert _fast_rows(path, chunk) == expected


def test_shared_strings_as_openpyxl_reads_them():
    sst = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<si><t>张三</t></si><si><t/></si><si/><si><t xml:space="preserve"> a_x005F_x000D_b </t></si>'
        '<si><r><rPr><b/></rPr><t>富</t></r><r><t>文本</t></r><rPh sb="0" eb="1"><t>フ</t></rPh></si>'
        "<si><t>1 &amp; 2 &lt; 3</t><t>后</t></si></sst>"
    ).encode()
    expected = read_string_table(io.BytesIO(sst))
    assert expected[0] == "张三" and len(expected) == 6
    assert xlsx.string_table(io.BytesIO(sst)) == expected


def _rewrite_sheet(src, dst, edit) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            zout.writestr(item, data)


@pytest.mark.parametrize(
    "edit",
    [
        # a comment half way: the plain chunks are given up and the sheet is streamed again
        lambda x: x.replace(b'<row r="200"', b'<!-- note --><row r="200"'),
        # rich text, entities, cells and rows without coordinates, attributes in another order
        lambda x: x.replace(
            b'<c r="A300" t="inlineStr"><is><t>',
            b'<c t="inlineStr" r="A300"><is><r><t>A</t></r><t>P&#x4E2D;&amp;</t><r><t>B</t></r></is></c><c t="inlineStr"><is><t>',
        ).replace(b'<c r="C302">', b'<c s="0" r="C302">'),
        # still plain: a row without its number, an inline string cell without a string
        lambda x: x.replace(b'<row r="301"', b"<row").replace(
            b'<c r="C304"><v>303</v></c>', b'<c r="C304" t="inlineStr"/>'
        ),
        # no dimension: rows are as wide as their last cell
        lambda x: re.sub(rb'<dimension ref="[^"]*"/>', b"", x),
        # a raw carriage return in text (XML reads it as a newline) and an empty value
        lambda x: x.replace(b"_x000D_\n", b"\r\n", 1).replace(
            b'<c r="C303"><v>302</v>', b'<c r="C303"><v></v>'
        ),
    ],
)
def test_edited_sheets_still_match_openpyxl(tmp_path, edit):
    path, edited = tmp_path / "t.xlsx", tmp_path / "edited.xlsx"
    _xlsxwriter_book(path)
    _rewrite_sheet(path, edited, edit)
    expected = _openpyxl_rows(edited)
    assert expected != _openpyxl_rows(path) or b"<!--" in edit(b'<row r="200"')  # the edit took effect
    for chunk in (xlsx.CHUNK, 300):
        assert _fast_rows(edited, chunk) == expected


def test_a_first_read_that_ends_inside_the_sheet_data_tag(tmp_path):
    path = tmp_path / "t.xlsx"
    _xlsxwriter_book(path)
    with zipfile.ZipFile(path) as z:
        start = z.read("xl/worksheets/sheet1.xml").index(b"<sheetData")
    assert _fast_rows(path, start + len(b"<sheetData")) == _openpyxl_rows(path)
