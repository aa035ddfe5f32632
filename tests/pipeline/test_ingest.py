"""Ingest: formats, encodings, Excel headers, immutability, duplicates, quarantine, databases."""

from __future__ import annotations

import json
import shutil
import uuid

import openpyxl
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from yishu.cli import app
from yishu.pipeline.detect import DeliveryError
from yishu.pipeline.ingest import deliveries, ingest_files, ingest_manifest, ingest_table
from yishu.workspace import Workspace

runner = CliRunner()


@pytest.fixture()
def ws(tmp_path) -> Workspace:
    return Workspace.init(tmp_path / "ws").workspace


def test_a_synth_manifest_lands_every_row(ws, small_city, manifest):
    results = ingest_manifest(ws, small_city / "manifest.json")
    by_source = {r.source: r for r in results}
    encodings = {}
    for src in manifest["sources"]:
        r = by_source[src["source"]]
        assert r.rows_in == src["rows"] == r.rows_landed + r.rows_quarantined, src["source"]
        assert r.columns == [c["name"] for c in src["columns"]], src["source"]
        landed = pq.read_table(ws.data_dir / "landed" / f"{r.delivery_id}.parquet")
        assert landed.num_rows == r.rows_landed
        assert landed.column("_row_number").to_pylist() == list(range(1, r.rows_landed + 1))
        encodings[src["encoding"]] = r.encoding
    assert encodings["gbk"] == "gbk" and encodings["utf-8-sig"] == "utf-8-sig"
    # immutable copies of the original bytes, by hash
    stored = list((ws.data_dir / "deliveries").rglob("*.csv"))
    assert stored and all(p.parent.name == ingest_sha(p) for p in stored if p.parent.name == ingest_sha(p))
    again = ingest_manifest(ws, small_city / "manifest.json")
    assert all(r.duplicate for r in again)
    assert len(deliveries(ws)) == len(manifest["sources"])


def test_reading_ahead_in_processes_lands_the_same_bytes(small_city, tmp_path, monkeypatch):
    """``ingest_manifest`` with parts read in forked processes: the same deliveries, numbered in the
    same order, the same landed and quarantine files byte for byte, as one by one."""
    from yishu.pipeline import ingest

    city = tmp_path / "city"
    shutil.copytree(small_city, city)
    manifest = json.loads((city / "manifest.json").read_text(encoding="utf-8"))
    # a delivery in two parts, and a part with rows that cannot be read (ragged, undecodable)
    first = next(
        s for s in manifest["sources"] if s["files"][0]["file"].endswith(".csv") and s["encoding"] == "utf-8"
    )
    extra = city / "sources" / "extra_part.csv"
    header = (city / first["files"][0]["file"]).read_text(encoding="utf-8").splitlines()[0]
    width = header.count(",") + 1
    extra.write_bytes((header + "\n" + ",".join(["x"] * width) + "\n" + "only,two\n").encode()
                      + b"\xff\xfe," * (width - 1) + b"z\n")  # fmt: skip
    first["files"].append({"file": "sources/extra_part.csv"})
    (city / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(ingest, "READ_AHEAD_FROM", 0)
    landed = {}
    for processes in (1, 2):
        ws = Workspace.init(tmp_path / f"ws{processes}").workspace
        results = ingest_manifest(ws, city / "manifest.json", processes=processes)
        files = sorted((ws.data_dir / "landed").glob("*.parquet"))
        landed[processes] = (
            [(r.delivery_id, r.source, r.rows_in, r.rows_landed, r.rows_quarantined, r.columns,
              r.quarantine_reasons) for r in results],
            {f.name: f.read_bytes() for f in files},
        )  # fmt: skip
    assert landed[1] == landed[2]
    two_parts = next(r for r in landed[2][0] if r[1] == first["source"])
    assert two_parts[2] == first["rows"] + 3 and two_parts[4] >= 1  # the part's rows, ragged ones kept
    assert any(name.endswith(".quarantine.parquet") for name in landed[2][1])
    # a broken file: the same error, naming it, and nothing stored for it
    broken = city / "sources" / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    manifest["sources"].append({"source": "坏文件", "rows": 1, "files": [{"file": "sources/broken.xlsx"}]})
    (city / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    ws = Workspace.init(tmp_path / "ws3").workspace
    with pytest.raises(DeliveryError, match="broken.xlsx"):
        ingest_manifest(ws, city / "manifest.json", processes=2)
    assert "坏文件" not in {d["source"] for d in deliveries(ws)}
    assert len(deliveries(ws)) == len(manifest["sources"]) - 1


def ingest_sha(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rows_that_cannot_be_read_are_quarantined_with_line_and_reason(ws, tmp_path):
    csv_path = tmp_path / "bad.csv"
    csv_path.write_bytes(
        "姓名,身份证号,电话\n张三,11010519491231002X,13800000000\n李四,110105\n".encode("gbk")
        + b"\xff\xfe\xfa,1,2\n"
        + "王五,110105194912310021,13900000000,多余\n赵六,,\n".encode("gbk")
    )
    r = ingest_files(ws, "测试来源", [csv_path])
    assert (r.rows_in, r.rows_landed, r.rows_quarantined) == (5, 2, 3)
    bad = pq.read_table(ws.data_dir / "landed" / f"{r.delivery_id}.quarantine.parquet").to_pylist()
    assert [b["line"] for b in bad] == [3, 4, 5]
    assert "2 fields where the header has 3" in bad[0]["reason"]
    assert "undecodable" in bad[1]["reason"] or "fields" in bad[1]["reason"]
    assert "4 fields" in bad[2]["reason"]
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_text('{"xm": "张三"}\n{"xm": \n[1, 2]\n{"xm": "李四", "sfzh": "1"}\n', encoding="utf-8")
    r = ingest_files(ws, "json来源", [jsonl])
    assert (r.rows_in, r.rows_landed, r.rows_quarantined) == (4, 2, 2)
    assert r.columns == ["xm", "sfzh"]


def test_excel_title_rows_and_merged_group_headers(ws, tmp_path):
    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某市某局人员名单（2026年11月）"])
    sheet.merge_cells("A1:D1")
    sheet.append(["基本信息", None, "联系方式", None])
    sheet.merge_cells("A2:B2")
    sheet.merge_cells("C2:D2")
    sheet.append(["姓名", "身份证号", None, "地址"])
    sheet.append(["张三", "11010519491231002X", "13800000000", "芝罘区南大街1号"])
    sheet.append([None, None, None, None])
    sheet.append(["李四", "110105194912310021", 13900000000, None])
    book.save(path)
    r = ingest_files(ws, "excel来源", [path])
    assert r.columns == ["姓名", "身份证号", "联系方式", "地址"]
    assert (r.rows_in, r.rows_landed) == (2, 2)
    rows = pq.read_table(ws.data_dir / "landed" / f"{r.delivery_id}.parquet").to_pylist()
    assert rows[1]["联系方式"] == "13900000000" and rows[1]["地址"] is None


def test_parts_continue_row_numbers_and_bad_input_names_the_file(ws, tmp_path):
    a, b = tmp_path / "p1.csv", tmp_path / "p2.csv"
    a.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    b.write_text("a,b\n5,6\n", encoding="utf-8")
    r = ingest_files(ws, "分片来源", [a, b])
    rows = pq.read_table(ws.data_dir / "landed" / f"{r.delivery_id}.parquet").to_pylist()
    assert [x["_row_number"] for x in rows] == [1, 2, 3] and rows[2]["a"] == "5"
    (tmp_path / "x.doc").write_bytes(b"\x00\x01")
    with pytest.raises(DeliveryError, match="x.doc"):
        ingest_files(ws, "s", [tmp_path / "x.doc"])
    (tmp_path / "bin.csv").write_bytes(bytes(range(128, 256)) * 4)
    with pytest.raises(DeliveryError, match="bin.csv"):
        ingest_files(ws, "s", [tmp_path / "bin.csv"])
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        ingest_files(ws, "s", [tmp_path / "missing.csv"])


def test_a_database_table_by_url(ws, tmp_path):
    url = f"sqlite:///{tmp_path / 'dept.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE rk (xm TEXT, sfzh TEXT, nl INTEGER)"))
        conn.execute(sa.text("INSERT INTO rk VALUES ('张三', '11010519491231002X', 76), ('李四', NULL, 30)"))
    engine.dispose()
    r = ingest_table(ws, url, "rk", "部门库")
    assert (r.rows_in, r.rows_landed, r.columns) == (2, 2, ["xm", "sfzh", "nl"])
    assert ingest_table(ws, url, "rk", "部门库").duplicate
    with pytest.raises(ValueError, match="no table"):
        ingest_table(ws, url, "nope", "部门库")


@pytest.mark.postgres
def test_a_postgresql_table(ws, pg_admin):
    admin = pg_admin
    table = f"t_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {table} (xm TEXT, csrq DATE)"))
        conn.execute(sa.text(f"INSERT INTO {table} VALUES ('王芳', '1990-01-02')"))
    try:
        r = ingest_table(ws, admin.url.render_as_string(hide_password=False), table, "pg部门")
        rows = pq.read_table(ws.data_dir / "landed" / f"{r.delivery_id}.parquet").to_pylist()
        assert rows[0]["xm"] == "王芳" and rows[0]["csrq"] == "1990-01-02"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE {table}"))


def test_cli_ingest_and_list(tmp_path, small_city):
    home = tmp_path / "ws"
    runner.invoke(app, ["init", str(home)])
    result = runner.invoke(app, ["ingest", str(small_city / "manifest.json"), "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    assert all(r["rows_in"] == r["rows_landed"] + r["rows_quarantined"] for r in json.loads(result.output))
    result = runner.invoke(app, ["ingest", str(small_city / "sources"), "--home", str(home)])
    assert result.exit_code == 1 and "--source" in result.output
    listed = runner.invoke(app, ["delivery", "list", "--home", str(home), "--json"])
    assert len(json.loads(listed.output)) == 11
