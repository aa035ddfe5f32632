"""The catalogue: built-in YAML, validation errors, grading, search, mapping, store, exports."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from rdflib import Graph
from typer.testing import CliRunner

from yishu import controlplane
from yishu.catalogue import (
    CatalogueError,
    dcat,
    install_builtin,
    load_catalogue,
    mapping,
    search,
    sheet,
    store,
)
from yishu.cli import app
from yishu.workspace import Workspace

runner = CliRunner()


@pytest.fixture()
def folder(tmp_path) -> Path:
    out = tmp_path / "catalogue"
    install_builtin(out, "370600")
    return out


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    out = tmp_path_factory.mktemp("cat")
    install_builtin(out, "370600")
    return load_catalogue(out)


def test_builtin_catalogue_covers_every_synth_source_and_column(catalogue, manifest):
    for src in manifest["sources"]:
        resource = catalogue.resource_for_source(src["source"])
        assert resource.provider == src["department"], src["source"]
        assert resource.entity_type == src["entity_type"]
        delivered = [c["name"] for c in src["columns"]]
        assert [f.column for f in resource.fields] == delivered, src["source"]
    assert catalogue.resource_for_source("网格核验").code == "370600-WG-0002"
    # every attribute fed by a field has an authority order whose sources exist
    sources = {r.source for r in catalogue.resources.values()}
    for r in catalogue.resources.values():
        for f in r.fields:
            if f.attribute:
                assert set(catalogue.sources_for(f.attribute)) <= sources
    assert catalogue.sources_for("person.name")[0] == "公安户籍人口"
    assert catalogue.sources_for("house.area")[0] == "不动产登记"


def test_dcat_ap_export_passes_the_official_shacl_shapes(catalogue, shared):
    from pyshacl import validate

    shapes = Graph().parse(shared / "data" / "dcat_ap" / "3.0.1" / "dcat-ap-SHACL.ttl")
    for fmt, parse_as in (("dcat-ttl", "turtle"), ("dcat-jsonld", "json-ld")):
        data = Graph().parse(data=dcat.export(catalogue, fmt), format=parse_as)
        assert len(data) > 200
        conforms, _report, text = validate(data, shacl_graph=shapes, inference=None, advanced=True)
        assert conforms, text[:2000]
    # the shapes do bite: a dataset without a title is a violation
    data = dcat.graph(catalogue)
    from rdflib.namespace import DCAT, DCTERMS, RDF

    ds = next(data.subjects(RDF.type, DCAT.Dataset))
    data.remove((ds, DCTERMS.title, None))
    assert not validate(data, shacl_graph=shapes, inference=None)[0]


def _edit(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def _problem(exc: CatalogueError, field_suffix: str):
    found = [p for p in exc.problems if p.field.endswith(field_suffix)]
    assert found, [str(p) for p in exc.problems]
    return found[0]


def test_unknown_data_element_names_file_line_and_field(folder):
    path = folder / "resources" / "yb_insurance.yaml"
    line = _edit(path, "element: insurance_type", "element: insurance_kind")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    p = _problem(err.value, "fields.4.element")
    assert (Path(p.file), p.line) == (path, line)
    assert "unknown data element 'insurance_kind'" in p.message
    assert f"{path}:{line}: resource.fields.4.element" in str(err.value)


def test_missing_legal_basis_is_an_error(folder):
    path = folder / "resources" / "sw_tax.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith("share_type"))
    path.write_text(
        "\n".join(t for t in text.splitlines() if "share_basis" not in t) + "\n", encoding="utf-8"
    )
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    p = _problem(err.value, "resource.share_type")
    assert p.line == line and "legal basis" in p.message


def test_bad_code_list_and_duplicate_key(folder):
    path = folder / "elements.yaml"
    dup = _edit(path, "    name_en: Ethnicity\n", "    name_en: Ethnicity\n    name_en: Nationality\n") + 1
    line = _edit(path, "codelist: marital_status", "codelist: marriage")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    p = _problem(err.value, ".codelist")
    assert p.line == line and "unknown code list 'marriage'" in p.message
    d = _problem(err.value, ".name_en")
    assert d.line == dup and d.message == "duplicate key"


def test_a_broken_catalogue_never_half_loads(tmp_path):
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws), "--city", "370600"]).exit_code == 0
    assert runner.invoke(app, ["catalog", "init", "--home", str(ws)]).exit_code == 0
    first = runner.invoke(app, ["catalog", "load", "--home", str(ws)])
    assert first.exit_code == 0, first.output
    # rename a resource and break another file: the load must fail and change nothing
    _edit(
        ws / "catalogue" / "resources" / "ga_household.yaml", "name: 户籍人口基本信息", "name: 户籍人口（改）"
    )
    _edit(ws / "catalogue" / "resources" / "zj_rental.yaml", "element: floor_area", "element: floor_space")
    second = runner.invoke(app, ["catalog", "load", "--home", str(ws)])
    assert second.exit_code == 1
    assert "zj_rental.yaml" in second.output and "floor_space" in second.output
    shown = runner.invoke(app, ["catalog", "show", "公安户籍人口", "--json", "--home", str(ws)])
    assert json.loads(shown.output)["name"] == "户籍人口基本信息"


def test_citizen_id_fields_are_graded_sensitive_whatever_the_author_wrote(folder):
    path = folder / "resources" / "sj_enterprise.yaml"
    # the author maps the representative's ID column to a neutral element and declares it harmless
    _edit(path, "{column: 法定代表人证件号码, element: citizen_id, subject: legal_representative}",
          "{column: 法定代表人证件号码, element: house_no, personal: none, grade: L1}")  # fmt: skip
    # and adds an innocuous-looking column whose example values are citizen IDs
    _edit(path, "    - {column: 从业人数, element: employees, attribute: organisation.employees}",
          "    - {column: 从业人数, element: employees, attribute: organisation.employees}\n"
          "    - {column: 备用编号, element: house_no, personal: none, grade: L1,"
          f" examples: [{', '.join(_ids(3))}]}}")  # fmt: skip
    for f in ("credit_code", "organisation_name"):  # the rest of the resource is public
        _edit(folder / "elements.yaml", f"  - id: {f}\n", f"  - id: {f}\n")
    cat = load_catalogue(folder)
    r = cat.resource_for_source("市场监管企业登记")
    for column in ("法定代表人证件号码", "备用编号"):
        f = r.field(column)
        assert (f.personal, f.grade, f.masking) == ("sensitive", "L4", "citizen_id"), column
    assert r.grade == "L4" and r.personal == "sensitive"
    assert r.field("行业门类").grade == "L1"  # only what evidently holds IDs is raised


def test_search_in_chinese(catalogue):
    hits = search(catalogue, "高龄")
    assert hits[0].resource.name == "救助与高龄津贴发放名单"
    holding_ids = {r.code for r in catalogue.resources_holding("citizen_id")}
    assert len(holding_ids) >= 7
    found = {h.resource.code for h in search(catalogue, "身份证")}
    assert holding_ids <= found
    assert {h.resource.code for h in search(catalogue, "信用代码")} >= {"370600-SJ-0001", "370600-SW-0001"}
    assert search(catalogue, "火星探测") == []
    with pytest.raises(ValueError):
        search(catalogue, "  ")


def _ids(n: int) -> list[str]:
    from yishu.standards.citizen_id import check_char

    bodies = [f"370602{1950 + i}0{1 + i % 9}1{i % 10}{100 + i:03d}" for i in range(n)]
    return [b + check_char(b) for b in bodies]


def test_mapping_suggestions_from_names_and_content(catalogue):
    ids = _ids(15)
    columns = {
        "证件号码": ids,
        "公民身份号码": ids,
        "身份证号": ids,
        "c7": ids,  # unknown name: the content says citizen ID
        "手机号码": ["13812345678", "15900001111", "18688889999"] * 5,
        "户主姓名": ["王伟", "李娜", "欧阳明"] * 5,
        "备注": ["无", "已电话核实本人在家", "联系不上，待回访"] * 5,
    }
    got = {s.column: s for s in mapping.suggest(catalogue, columns)}
    for column in ("证件号码", "公民身份号码", "身份证号", "c7"):
        assert got[column].element == "citizen_id", column
        assert got[column].personal
    assert got["c7"].score >= 0.7 and any("content" in r for r in got["c7"].reasons)
    assert got["手机号码"].element == "phone"
    assert got["户主姓名"].element == "person_name"
    assert got["备注"].element is None and not got["备注"].personal


def test_confirmed_mappings_are_kept_per_source(tmp_path, catalogue):
    ws = Workspace.init(tmp_path / "ws").workspace
    engine = ws.engine()
    try:
        store.confirm_mapping(engine, "新来源", {"zjhm": "citizen_id", "xm": "person_name"}, "tester")
        store.confirm_mapping(engine, "新来源", {"xm": "organisation_name"}, "tester")
        kept = store.confirmed_mappings(engine, "新来源")["新来源"]
        assert kept == {"zjhm": "citizen_id", "xm": "organisation_name"}
        assert store.confirmed_mappings(engine, "别的来源") == {}
        got = {s.column: s for s in mapping.suggest(catalogue, {"xm": ["王伟"] * 5}, kept)}
        assert got["xm"].element == "organisation_name" and got["xm"].score == 1.0
    finally:
        engine.dispose()


def test_cli_map_reads_a_gbk_delivery_and_confirms(tmp_path, small_city):
    ws = tmp_path / "ws"
    runner.invoke(app, ["init", str(ws), "--city", "370600"])
    runner.invoke(app, ["catalog", "init", "--home", str(ws)])
    runner.invoke(app, ["catalog", "load", "--home", str(ws)])
    delivery = small_city / "sources" / "医保参保.csv"
    result = runner.invoke(
        app,
        ["catalog", "map", str(delivery), "--source", "医保参保", "--json", "--confirm", "--home", str(ws)],
    )
    assert result.exit_code == 0, result.output
    got = {s["column"]: s["element"] for s in json.loads(result.output.split("\nConfirmed")[0])}
    assert got["证件号码"] == "citizen_id" and got["常住地址"] == "address"
    engine = Workspace.open(ws).engine()
    try:
        assert store.confirmed_mappings(engine, "医保参保")["医保参保"]["证件号码"] == "citizen_id"
    finally:
        engine.dispose()


def test_authority_map_versions(tmp_path, folder):
    ws = Workspace.init(tmp_path / "ws").workspace
    engine = ws.engine()
    try:
        first = store.save(engine, load_catalogue(folder))
        again = store.save(engine, load_catalogue(folder))
        assert (first.authority_version, first.new_authority_version) == (1, True)
        assert (again.authority_version, again.new_authority_version) == (1, False)
        _edit(
            folder / "authority.yaml",
            "house.area: [不动产登记]",
            "house.area: [不动产登记, 住建房屋与租赁登记]",
        )
        changed = store.save(engine, load_catalogue(folder))
        assert (changed.authority_version, changed.new_authority_version) == (2, True)
        assert store.current_authority_version(engine) == 2
        assert [v["version"] for v in store.authority_versions(engine)] == [1, 2]
        back = store.read(engine)
        assert back.sources_for("house.area") == ("不动产登记", "住建房屋与租赁登记")
        assert back.resources == load_catalogue(folder).resources
    finally:
        engine.dispose()


def test_sheet_exports(catalogue, tmp_path):
    text = sheet.to_csv(catalogue)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["资源代码", "资源名称", "资源提供方"]
    assert len(rows) - 1 == sum(len(r.fields) for r in catalogue.resources.values())
    tax = [r for r in rows if r[3] == "税务登记"]
    assert tax and tax[0][7] == "有条件共享" and "税收征收管理法" in tax[0][8]
    sheet.to_xlsx(catalogue, tmp_path / "sheet.xlsx")
    book = openpyxl.load_workbook(tmp_path / "sheet.xlsx", read_only=True)
    values = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(values[0]) == rows[0] and len(values) == len(rows)


@pytest.mark.postgres
def test_catalogue_round_trips_on_the_real_postgresql(folder, pg_schema):
    _schema, url = pg_schema
    engine = controlplane.connect(url)
    controlplane.upgrade(engine)
    cat = load_catalogue(folder)
    assert store.save(engine, cat).resources == len(cat.resources)
    back = store.read(engine)
    assert back.resources == cat.resources and back.elements == cat.elements
    engine.dispose()


def test_files_are_rendered_for_the_city(tmp_path):
    written = install_builtin(tmp_path / "c", "420200")
    assert written and all("{city" not in p.read_text(encoding="utf-8") for p in written)
    assert install_builtin(tmp_path / "c", "420200") == []  # the bureau's edits are never overwritten
    cat = load_catalogue(tmp_path / "c")
    assert cat.resource_for_source("公安户籍人口").provider == "黄石市公安局"
    shutil.rmtree(tmp_path / "c")
