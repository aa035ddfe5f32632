"""Arrow's CSV rows are the Python csv reader's rows, with the Python reader taking over where needed."""

from __future__ import annotations

import csv

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yishu.pipeline import arrow_csv, read
from yishu.pipeline.arrow_csv import Rows
from yishu.pipeline.detect import DeliveryError


def _rows(path) -> tuple[list, list[str]]:
    """The reader's rows one by one, or the error it stops with."""
    reader = read.Reader(path, "csv")
    out = []
    try:
        for item in reader.rows():
            if type(item) is Rows:
                values = [column.to_pylist() for column in item.columns]
                out += [(int(n), [v[i] for v in values]) for i, n in enumerate(item.numbers)]
            else:
                out.append(item)
    except (csv.Error, DeliveryError) as exc:
        return [type(exc), str(exc)], reader.columns
    return out, reader.columns


def _python_only(*_args):
    return False, 0
    yield


def _compare(path, monkeypatch) -> list:
    got = _rows(path)
    with monkeypatch.context() as m:
        m.setattr(read, "arrow_rows", _python_only)
        expected = _rows(path)
    assert got == expected
    return got[0]


HEADERS = ["姓名,身份证号\n", "a,b,c\r\n", '"x","y"\n', "x\ty\tz\n", "p;q\n"]
BODY = st.text(alphabet='a张,;\t "\n\r\u3000\u2028\x0c\x00\x85\xa0', max_size=80)
FIELD = st.lists(
    st.sampled_from(["ab", "张", " ", "\t", "\u3000", "\xa0", '"', "\r", "\n", ",", ";"]), max_size=5
).map("".join)


@st.composite
def tables(draw) -> str:
    """Mostly well-formed CSV: n fields a line, some quoted, some with stray quotes or line breaks."""
    n, delimiter = draw(st.integers(2, 4)), draw(st.sampled_from([",", "\t", ";"]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))

    def field(text: str, how: int) -> str:
        if how == 0:
            return '"' + text.replace('"', '""') + '"'
        if how == 1:
            return text
        return "".join(c for c in text if c not in f'"\r\n{delimiter}')

    lines = [delimiter.join(f"h{j}" for j in range(n))]
    for _ in range(draw(st.integers(0, 8))):
        lines.append(delimiter.join(field(draw(FIELD), draw(st.integers(0, 3))) for _ in range(n)))
    return eol.join(lines) + draw(st.sampled_from(["", eol, eol + eol]))


def _write(path, text: str, encoding: str) -> None:
    path.write_bytes(text.encode(encoding, errors="ignore"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=tables(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]),
    block=st.sampled_from([64, 1 << 20]),
)
def test_the_same_rows_as_the_python_reader(tmp_path, monkeypatch, text, encoding, block):
    monkeypatch.setattr(arrow_csv, "BLOCK", block)
    _write(tmp_path / "t.csv", text, encoding)
    _compare(tmp_path / "t.csv", monkeypatch)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(HEADERS), body=BODY, encoding=st.sampled_from(["utf-8", "gbk"]))
def test_the_same_rows_or_error_for_any_text(tmp_path, monkeypatch, header, body, encoding):
    monkeypatch.setattr(arrow_csv, "BLOCK", 64)
    _write(tmp_path / "t.csv", header + body, encoding)
    _compare(tmp_path / "t.csv", monkeypatch)


def test_arrow_reads_plain_files_and_python_takes_over_at_a_bad_row(tmp_path, monkeypatch):
    monkeypatch.setattr(arrow_csv, "BLOCK", 256)
    good = "".join(f"张{i},  ,{i}\r\n" for i in range(100))
    path = tmp_path / "t.csv"
    path.write_bytes(("姓名,备注,编号\r\n" + good + '"引号,里的逗号", ,x\r\n\r\n').encode("gbk"))
    calls = []
    real = read.arrow_rows

    def spy(*args):
        result = yield from real(*args)
        calls.append(result)
        return result

    monkeypatch.setattr(read, "arrow_rows", spy)
    rows = _compare(path, monkeypatch)
    assert calls[-1] == (True, 101) and rows[-1] == (101, ["引号,里的逗号", None, "x"])
    assert rows[0] == (1, ["张0", None, "0"])
    path.write_bytes(("姓名,备注,编号\r\n" + good + "多,了,一,列\r\n" + good).encode("gbk"))
    rows = _compare(path, monkeypatch)
    assert calls[-1][0] is False and calls[-1][1] < 101
    assert rows[100] == (101, 102, "多,了,一,列", "4 fields where the header has 3") and len(rows) == 201


@pytest.mark.parametrize(
    "text", ["a,b\n1,2\u20283\n", "a,b\n1,\x0c\n", "a,b\n1,2\r3,4\n", "a,b\n" + "x" * 131073 + ",1\n"]
)
def test_what_arrow_would_read_otherwise_is_left_to_python(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    rows = arrow_csv.arrow_rows(path, "utf-8", ",", ["a", "b"])
    with pytest.raises(StopIteration) as stop:
        next(rows)
    assert stop.value.value == (False, 0)
    path.write_bytes(text.split("\n")[0].encode() + b"\r\n1,2\r\n")
    assert [r.columns[1].to_pylist() for r in arrow_csv.arrow_rows(path, "utf-8", ",", ["a", "b"])] == [["2"]]


def test_a_quote_open_to_the_end_keeps_its_last_line_break(tmp_path, monkeypatch):
    # Arrow (BOM, small blocks) dropped the last LF of this value; the last row is left to Python
    monkeypatch.setattr(arrow_csv, "BLOCK", 64)
    path = tmp_path / "t.csv"
    text = 'h0,h1,h2,h3\r\n,abba,"ab,""ab", ab\r\n张abb,\xa0 ,b\u3000ab;,"; \xa0\r\n\r\n'
    path.write_bytes(text.encode("utf-8-sig"))
    assert _compare(path, monkeypatch)[-1] == (2, ["张abb", None, "b\u3000ab;", "; \xa0\r\n\r\n"])
