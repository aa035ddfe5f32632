"""The governance pipeline end to end on a small synthetic city: reconciliation, golden records
with provenance, tasks and their answers flowing back, crash safety, evaluation, the Spark dialect."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap

import duckdb
import pytest
from typer.testing import CliRunner

from yishu.catalogue import install_builtin, load_catalogue
from yishu.catalogue import store as catalogue_store
from yishu.cli import app
from yishu.pipeline import conform, link, standardise, survive, tasks
from yishu.pipeline.dialect import DUCKDB, SPARK
from yishu.pipeline.evaluation import evaluate
from yishu.pipeline.govern import GovernError, govern, runs
from yishu.pipeline.ingest import deliveries, ingest_files, ingest_manifest
from yishu.pipeline.release import current_release, get_release
from yishu.pipeline.schema import PLACING_ATTRIBUTE
from yishu.pipeline.steps import PART
from yishu.synth import generate
from yishu.workspace import Workspace

runner = CliRunner()


def _workspace(home, city, **settings):
    code = json.loads((city / "manifest.json").read_text("utf-8"))["city"]["code"]
    ws = Workspace.init(home, city=code, **settings).workspace
    install_builtin(ws.catalogue_dir, ws.settings["city"])
    engine = ws.engine()
    catalogue_store.save(engine, load_catalogue(ws.catalogue_dir))
    engine.dispose()
    ingest_manifest(ws, city / "manifest.json")
    standardise.install_register(ws, city / "truth" / "addresses.parquet")
    return ws


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("gov") / "city"
    generate("420200", 1500, 11, out)
    return out


@pytest.fixture(scope="module")
def governed(city, tmp_path_factory):
    ws = _workspace(tmp_path_factory.mktemp("ws") / "home", city)
    result = govern(ws)
    return ws, result


def test_every_row_is_accounted_for(governed, city):
    ws, result = governed
    manifest = json.loads((city / "manifest.json").read_text("utf-8"))
    assert len(result.reconciliation) == len(manifest["sources"])
    delivered = {s["source"]: s["rows"] for s in manifest["sources"]}
    for r in result.reconciliation:
        assert r["rows_in"] == r["accepted"] + r["quarantined"] and r["exact"]
        assert r["rows_in"] == delivered[r["source"]]
    with result.release.connect() as con:
        # every quarantined row has its reason, and accepted rows are exactly the linked ones
        rows_q = con.execute("SELECT count(DISTINCT (delivery_id, row_number)) FROM quarantine "
                             "WHERE column_name IS NULL").fetchall()[0][0]  # fmt: skip
        assert rows_q == sum(r["quarantined"] for r in result.reconciliation)
        linked = con.execute("SELECT count(*) FROM link").fetchall()[0][0]
        accepted_entity_rows = sum(r["accepted"] for r in result.reconciliation if r["source"] != "网格核验")
        assert linked == accepted_entity_rows
        assert con.execute("SELECT count(*) FROM quarantine WHERE reason IS NULL").fetchall()[0][0] == 0


def test_golden_records_follow_the_authority_map(governed):
    ws, result = governed
    engine = ws.engine()
    catalogue = catalogue_store.read(engine)
    engine.dispose()
    with result.release.connect() as con:
        # the chosen value of every attribute comes from the best-ranked source that had a value
        bad = con.execute(
            """SELECT count(*) FROM provenance p
               JOIN (SELECT entity_type, entity_id, attribute, min(authority_rank) AS best FROM provenance
                     GROUP BY ALL) b USING (entity_type, entity_id, attribute)
               WHERE p.chosen AND p.authority_rank <> b.best"""
        ).fetchall()[0][0]
        assert bad == 0
        one = con.execute("SELECT count(*) FROM (SELECT entity_type, entity_id, attribute FROM provenance "
                          "WHERE chosen GROUP BY ALL HAVING count(*) <> 1)").fetchall()[0][0]  # fmt: skip
        assert one == 0
        # person.name comes from the police register wherever it has one
        names = con.execute(
            """SELECT p.source, count(*) FROM provenance p WHERE p.attribute = 'person.name' AND p.chosen
               AND p.entity_id IN (SELECT entity_id FROM provenance WHERE source = '公安户籍人口'
                                   AND attribute = 'person.name') GROUP BY 1"""
        ).fetchall()
        assert dict(names) == {catalogue.authority["person.name"][0]: sum(n for _s, n in names)}
        # golden columns: one per attribute of the authority map, then the jurisdiction
        cols = [r[0] for r in con.execute("DESCRIBE person").fetchall()]
        for attr in survive.attributes(catalogue, "person"):
            assert attr.split(".")[1] in cols
        assert cols[-6:] == ["address_code", "district_code", "town_code", "community_code", "grid_code",
                             "jurisdiction"]  # fmt: skip
        placed = con.execute("SELECT count(*) FILTER (WHERE starts_with(jurisdiction, grid_code)), count(*) "
                             "FROM person WHERE grid_code IS NOT NULL").fetchall()[0]  # fmt: skip
        assert placed[0] == placed[1] > 0
        # conflicts name a chosen and another value that differ
        assert (
            con.execute("SELECT count(*) FROM conflict WHERE chosen_value = other_value").fetchall()[0][0]
            == 0
        )


def test_against_the_truth(governed, city):
    ws, result = governed
    report = evaluate(result.release, city / "truth")
    assert report["reconciliation"]["exact"]
    assert report["linkage"]["person"]["f1"] >= 0.98
    assert report["attribute_accuracy"]["accuracy"] >= 0.97
    assert report["address_code_accuracy"]["accuracy"] >= 0.98
    assert report["quarantine"]["duplicate_row"]["recall"] == 1.0
    assert report["quarantine"]["duplicate_row"]["precision"] == 1.0
    out = runner.invoke(
        app, ["eval", "governance", "--truth", str(city / "truth"), "--home", str(ws.home), "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    for entity_type in ("person", "organisation", "house"):
        assert {"precision", "recall", "f1"} <= set(data["linkage"][entity_type])
    assert {"attribute_accuracy", "address_code_accuracy", "reconciliation"} <= set(data)


def test_quality_and_tasks_are_in_the_release(governed):
    ws, result = governed
    with result.release.connect() as con:
        dims = {r[0] for r in con.execute("SELECT DISTINCT dimension FROM quality").fetchall()}
        assert len(dims) == 6
        kinds = dict(con.execute("SELECT kind, count(*) FROM task GROUP BY 1").fetchall())
    assert sum(kinds.values()) == result.counts["task"]
    open_tasks = tasks.list_tasks(ws, "open", limit=None)
    assert len(open_tasks) == result.tasks["opened"] + result.tasks["kept"] == result.counts["task"]
    assert all(t["question"]["candidates"] for t in open_tasks)


def test_a_verification_answer_flows_into_the_next_release(city, tmp_path):
    ws = _workspace(tmp_path / "home", city, task_link_probability=1.0)  # every probabilistic link asked
    first = govern(ws)
    conflict_tasks = [t for t in tasks.list_tasks(ws, "open", limit=None) if t["kind"] == "conflict"]
    assert conflict_tasks, "the small city raises conflict tasks"
    task = conflict_tasks[0]
    chosen = next(c["value"] for c in task["question"]["candidates"] if c["chosen"])
    other = next(c["value"] for c in task["question"]["candidates"] if not c["chosen"])
    with pytest.raises(tasks.TaskError, match="not one of the candidates"):
        tasks.answer_task(ws, task["task_id"], {"action": "choose", "value": "nonsense"}, "grid-1")
    tasks.answer_task(ws, task["task_id"], {"action": "choose", "value": other}, "grid-1")
    link_tasks = [t for t in tasks.list_tasks(ws, "open", limit=None) if t["kind"] == "link"]
    assert link_tasks, "the small city raises doubtful-link tasks"
    refused = link_tasks[0]
    record = refused["attribute"].removeprefix("_link:")
    tasks.answer_task(ws, refused["task_id"], {"action": "choose", "value": "different"}, "grid-1")
    # a person who moved: the new address, written as a grid worker would, is matched to the register
    mover = next(t for t in tasks.list_tasks(ws, "open", limit=None)
                 if t["entity_type"] == "person" and t["entity_id"] not in (task["entity_id"], refused["entity_id"]))  # fmt: skip
    with duckdb.connect() as con:
        new_code, new_text = con.execute(
            f"SELECT address_code, text FROM read_parquet('{city / 'truth' / 'addresses.parquet'}') "
            "WHERE level = 'room' ORDER BY address_code DESC LIMIT 1").fetchall()[0]  # fmt: skip
    tasks.answer_task(ws, mover["task_id"], {"action": "moved", "value": new_text}, "grid-1")
    with pytest.raises(tasks.TaskError, match="is answered"):
        tasks.answer_task(ws, task["task_id"], {"action": "choose", "value": other}, "grid-1")
    second = govern(ws)
    assert second.release.id == first.release.id + 1
    column = task["attribute"].split(".")[1]
    with second.release.connect() as con:
        golden = con.execute(f"SELECT {column} FROM {task['entity_type']} WHERE entity_id = ?",
                             [task["entity_id"]]).fetchall()[0][0]  # fmt: skip
        source = con.execute("SELECT source, authority_rank FROM provenance WHERE entity_id = ? AND attribute = ? "
                             "AND chosen", [task["entity_id"], task["attribute"]]).fetchall()[0]  # fmt: skip
    if task["attribute"].endswith("_address"):
        with second.release.connect() as con:
            golden = con.execute(f"SELECT {column}_code FROM {task['entity_type']} WHERE entity_id = ?",
                                 [task["entity_id"]]).fetchall()[0][0]  # fmt: skip
    assert golden == other != chosen
    assert source == ("网格核验", -1)
    applied = tasks.list_tasks(ws, "applied", limit=None)
    assert sorted(t["task_id"] for t in applied) == sorted(
        [task["task_id"], refused["task_id"], mover["task_id"]]
    )
    assert all(t["delivery_id"] for t in applied)
    # the refused link: the record now stands alone, away from the entity it was linked to
    with second.release.connect() as con:
        entity, method = con.execute(
            "SELECT entity_id, method FROM link WHERE record_id = ?", [record]
        ).fetchall()[0]
    assert entity != refused["entity_id"] and method == "alone"
    with second.release.connect() as con:
        moved = con.execute("SELECT actual_address_code, jurisdiction FROM person WHERE entity_id = ?",
                            [mover["entity_id"]]).fetchall()[0]  # fmt: skip
    assert moved[0] == new_code and new_code.startswith(moved[1][:12])
    assert any(d["source"] == "网格核验" for d in deliveries(ws))
    assert task["task_id"] not in {t["task_id"] for t in tasks.list_tasks(ws, "open", limit=None)}
    # the tasks the second release raises again stay open, first raised by the first, now by the second
    still = {t["task_id"]: t for t in tasks.list_tasks(ws, "open", limit=None)}
    assert second.tasks["kept"] > 0 and len(still) == second.tasks["kept"] + second.tasks["opened"]
    kept = [t for t in still.values() if t["first_release"] == first.release.id]
    assert len(kept) == second.tasks["kept"]
    assert all(t["last_release"] == second.release.id for t in still.values())
    with second.release.connect() as con:
        asked = dict(con.execute("SELECT task_id, question FROM task").fetchall())
    assert all(json.loads(asked[t["task_id"]]) == t["question"] for t in kept)


CHILD = textwrap.dedent(
    """
    import sys
    from yishu.pipeline.govern import govern
    from yishu.workspace import Workspace
    govern(Workspace.open(sys.argv[1]), progress=lambda step: print(step, flush=True))
    """
)


def _content(release) -> dict[str, str]:
    """Each table's rows as one sorted digest (id_run holds run timestamps: left out)."""
    out = {}
    with release.connect() as con:
        for table in release.tables:
            if table == "id_run":
                continue
            out[table] = con.execute(
                f"SELECT md5(string_agg(CAST(to_json(t) AS VARCHAR), '|' ORDER BY CAST(to_json(t) AS VARCHAR))) "
                f"FROM {table} t"
            ).fetchall()[0][0]
    return out


@pytest.mark.slow
def test_kill_9_during_govern_then_rerun_gives_the_same_release(city, tmp_path):
    ws = _workspace(tmp_path / "a", city)
    govern(ws)
    twin_home = tmp_path / "b"
    shutil.copytree(ws.home, twin_home)
    twin = Workspace.open(twin_home)
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(ws.home)], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:  # kill it in the middle: once it is linking
        if line.startswith("linking"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert current_release(ws).id == 1  # readers still see the previous release, whole
    with get_release(ws, 1).connect() as con:
        assert con.execute("SELECT count(*) FROM person").fetchall()[0][0] > 0
    assert runs(ws)[-1]["status"] == "running"
    rerun = govern(ws)
    assert runs(ws)[-2]["status"] == "interrupted" and runs(ws)[-1]["status"] == "done"
    uninterrupted = govern(twin)
    assert rerun.release.id == uninterrupted.release.id == 2
    assert _content(rerun.release) == _content(uninterrupted.release)


def test_survivorship_in_parts_gives_the_same_release(city, tmp_path, monkeypatch):
    """A large city runs survivorship in parts of its entities (``steps.PART``): the release is
    the one a single part gives."""
    from yishu.pipeline import govern as govern_module
    from yishu.pipeline import quality as quality_module
    from yishu.pipeline import steps as steps_module

    parts_run = []
    real_run = steps_module.run

    def spy(con, steps, dialect=DUCKDB, progress=None, timings=None, parts=1):
        parts_run.extend(s.output for s in steps if parts > 1 and s.partable)
        return real_run(con, steps, dialect, progress, timings, parts)

    ws = _workspace(tmp_path / "whole", city)
    shutil.copytree(ws.home, tmp_path / "parts")  # the same deliveries, arrived at the same time
    whole = govern(ws)
    monkeypatch.setattr(govern_module, "_parts", lambda con, table: 3)
    monkeypatch.setattr(govern_module.pipeline_steps, "run", spy)
    monkeypatch.setattr(quality_module, "run", spy)
    in_parts = govern(Workspace.open(tmp_path / "parts"))
    assert {"provenance", "conflict", "person", "organisation", "house", "quality_check_entity"} <= set(
        parts_run
    )
    assert _content(in_parts.release) == _content(whole.release)


def test_memory_limit_reads_the_engines_setting_in_bytes():
    from yishu.duck import memory_limit

    # DuckDB shows the setting cut to a tenth of its unit ('381.4 MiB' for 400MB, '7.4 GiB' for 8GB)
    assert memory_limit(duckdb.connect(config={"memory_limit": "400MB"})) == pytest.approx(
        400e6, abs=0.1 * 2**20
    )
    assert memory_limit(duckdb.connect(config={"memory_limit": "3GiB"})) == 3 * 2**30
    assert memory_limit(duckdb.connect(config={"memory_limit": "8GB"})) == pytest.approx(8e9, abs=0.1 * 2**30)


def test_one_run_at_a_time_and_clear_errors(tmp_path, city):
    ws = Workspace.init(tmp_path / "empty").workspace
    with pytest.raises(GovernError, match="no catalogue loaded"):
        govern(ws)
    install_builtin(ws.catalogue_dir, ws.settings["city"])
    engine = ws.engine()
    catalogue_store.save(engine, load_catalogue(ws.catalogue_dir))
    engine.dispose()
    with pytest.raises(GovernError, match="nothing delivered"):
        govern(ws)
    # a source with no catalogue resource: its rows are kept, quarantined with the reason
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    ingest_files(ws, "无名来源", [odd])
    result = govern(ws)
    assert result.reconciliation == [{"delivery_id": 1, "source": "无名来源", "rows_in": 2, "accepted": 0,
                                      "quarantined": 2, "exact": True}]  # fmt: skip
    with result.release.connect() as con:
        assert {r[0] for r in con.execute("SELECT reason FROM quarantine").fetchall()} == {
            "source.not_in_catalogue"
        }


def test_every_step_renders_as_spark_sql(governed):
    ws, _result = governed
    engine = ws.engine()
    catalogue = catalogue_store.read(engine)
    engine.dispose()
    used = conform.deliveries_in_use(deliveries(ws), catalogue)
    every = (
        conform.steps(used, catalogue, DUCKDB.read_parquet)
        + [conform.RECONCILE]
        + standardise.STEPS
        + [
            link.RECORD_CODE,
            *(link.raw_step(t, used, DUCKDB.read_parquet) for t in ("person", "organisation", "house")),
        ]
        + survive.steps(catalogue)
        + [
            survive.golden_step(catalogue, t, PLACING_ATTRIBUTE[t])
            for t in ("person", "organisation", "house")
        ]
        + tasks.steps(0.6, 0.9)
    )
    assert len({s.output for s in every}) == len(every)
    for step in every:
        spark = step.render(SPARK)
        assert spark.startswith(f"CREATE OR REPLACE TEMPORARY VIEW {step.output} AS")
        assert "read_parquet(" not in spark
        assert "/*part:" not in spark
        # the DuckDB rendering is the step as written, without the marks of its parts
        kind = "VIEW" if step.view else "TABLE"
        assert step.render(DUCKDB) == f"CREATE OR REPLACE {kind} {step.output} AS {PART.sub('', step.sql)}"


def test_conform_flags_invalid_values_with_reasons(tmp_path):
    """A hand-made delivery: exact reason codes per value and row."""
    ws = Workspace.init(tmp_path / "h").workspace
    install_builtin(ws.catalogue_dir, ws.settings["city"])
    engine = ws.engine()
    catalogue_store.save(engine, load_catalogue(ws.catalogue_dir))
    engine.dispose()
    f = tmp_path / "ga.csv"
    f.write_text(
        "公民身份号码,姓名,性别,民族,出生日期,户号,与户主关系,婚姻状况,户籍地址,人员状态\n"
        "11010519491231002X,张三,男,汉族,19491231,1,户主,已婚,某地,正常\n"
        "110105194912310021,李四,女,汉族,1949-13-01,2,户主,未婚,某地,正常\n"
        "11010519491231002X,张三,男,汉族,19491231,1,户主,已婚,某地,正常\n"
        ",,,,,,,,,\n"
        "1101,,男,汉族,19500101,3,户主,已婚,,正常\n",
        encoding="utf-8",
    )
    ingest_files(ws, "公安户籍人口", [f])
    result = govern(ws)
    with result.release.connect() as con:
        got = sorted(con.execute("SELECT row_number, column_name, reason FROM quarantine").fetchall(),
                     key=lambda r: (r[0], r[1] or ""))  # fmt: skip
    assert got == [
        (2, "公民身份号码", "citizen_id.check_digit"),
        (2, "出生日期", "birth_date.invalid"),
        (3, None, "duplicate_row"),
        (4, None, "empty_row"),
        (5, "公民身份号码", "citizen_id.format"),
    ]
    assert result.reconciliation[0] | {"delivery_id": 0} == {"delivery_id": 0, "source": "公安户籍人口", "rows_in": 5,
                                                           "accepted": 3, "quarantined": 2, "exact": True}  # fmt: skip


def test_cli_govern_and_tasks(governed):
    ws, _ = governed
    out = runner.invoke(app, ["task", "list", "--home", str(ws.home), "--json", "--limit", "3"])
    assert out.exit_code == 0, out.output
    listed = json.loads(out.output)
    assert len(listed) == 3 and all(t["status"] == "open" for t in listed)
    bad = runner.invoke(app, ["task", "answer", "nope", "--action", "enter", "--value", "x", "--user", "u",
                              "--home", str(ws.home)])  # fmt: skip
    assert bad.exit_code == 1 and "no verification task" in bad.output
    worse = runner.invoke(app, ["task", "answer", listed[0]["task_id"], "--action", "guess", "--user", "u",
                                "--home", str(ws.home)])  # fmt: skip
    assert worse.exit_code == 1 and "action must be one of" in worse.output


def test_release_tables_match_the_schema_contract(governed):
    from yishu.pipeline.schema import TABLES

    _ws, result = governed
    assert set(TABLES) <= set(result.release.tables)
    with duckdb.connect() as con:
        for name in ("person", "organisation", "house"):
            path = result.release.path / f"{name}.parquet"
            cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()]
            assert cols[0] == "entity_id" and cols[-1] == "jurisdiction"


def test_a_renamed_column_is_conformed_through_a_confirmed_mapping(tmp_path):
    ws = Workspace.init(tmp_path / "h").workspace
    install_builtin(ws.catalogue_dir, ws.settings["city"])
    engine = ws.engine()
    catalogue_store.save(engine, load_catalogue(ws.catalogue_dir))
    catalogue_store.confirm_mapping(engine, "公安户籍人口", {"身份证号码": "citizen_id"}, "officer")
    engine.dispose()
    f = tmp_path / "ga.csv"
    f.write_text(
        "身份证号码,姓名,备注\n11010519491231002X,张三,x\n110105500101001,李四,y\n", encoding="utf-8"
    )
    ingest_files(ws, "公安户籍人口", [f])
    result = govern(ws)
    with result.release.connect() as con:
        ids = con.execute("SELECT citizen_id, name FROM person ORDER BY name").fetchall()
        columns = {r[0] for r in con.execute("SELECT DISTINCT attribute FROM provenance").fetchall()}
    # 15-digit legacy numbers are upgraded; the unmapped column 备注 feeds nothing
    assert set(ids) == {("110105195001010012", "李四"), ("11010519491231002X", "张三")}
    assert columns == {"person.citizen_id", "person.name"}
