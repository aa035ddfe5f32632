"""The address engine: parser, normalisation, division resolution, register matching, CLI."""

from __future__ import annotations

import json
import json as _json

import duckdb
import pytest
from typer.testing import CliRunner

from yishu import parallel
from yishu.address import AddressRegister, corpus, default_parser, normalise, resolve, same_place
from yishu.address.evaluate import evaluate_examples
from yishu.cli import app
from yishu.synth.reader import read_delivery

runner = CliRunner()


def test_parser_spans_are_offsets_into_the_text_as_given():
    parser = default_parser()
    for text in ("浙江省杭州市余杭区五常街道文一西路９６９号", "山东省烟台市芝罘区南大街100号3栋2单元502室"):
        elements = parser.parse(text)
        assert elements, text
        for e in elements:
            assert text[e.start : e.end] == e.text
        labels = [e.label for e in elements]
        assert labels[:3] == ["prov", "city", "district"], labels
    assert parser.parse("") == ()


def test_parser_on_labelled_addresses(shared):
    examples = corpus.read(shared / "data" / "address" / "ccks2021_train.conll")[:300]
    report = evaluate_examples(default_parser(), examples)
    # seen in training: this checks the shipped model and the scorer; held-out figures are in bench/
    assert report["overall"]["f1"] >= 0.9, report["overall"]
    assert {"prov", "city", "district", "road"} <= set(report["labels"])


def test_corpus_reading_and_bio_round_trip(shared):
    text, spans = corpus.read(shared / "data" / "address" / "naacl2019_train.txt")[0]
    assert text == "龙山镇慈东滨海区海丰北路602号"
    assert ("road", 8, 12) in spans and ("roadno", 12, 16) in spans
    assert corpus.spans_from_bio(corpus.bio(text, spans)) == spans


@pytest.mark.parametrize(
    "variant",
    [
        "东湖小区7栋1单元2102室",
        "东湖小区7幢1门2102室",
        "东湖小区七号楼一单元二一〇二室",
        "东湖小区7-1-2102",
        "东湖小区７栋１单元２１０２室",
    ],
)
def test_normalise_writes_every_form_the_same_way(variant):
    assert normalise(variant) == "东湖小区7栋1单元2102室"


def test_division_resolution_fills_missing_levels():
    got = resolve("烟台市芝罘区南大街")
    assert [got[k]["name"] for k in ("province", "city", "district")] == ["山东省", "烟台市", "芝罘区"]
    got = resolve("黄石港花湖街道华山大道1号")
    assert got["district"]["code"] == "420202000000" and got["town"]["name"] == "花湖街道"
    assert resolve("大冶市殷祖镇南昌村3组44号")["community"]["code"].startswith("420281105")
    assert resolve("南大街100号")["district"] is None  # a lone short name is not a guess
    assert resolve("南大街100号", within="370600")["city"]["name"] == "烟台市"


def test_synthetic_addresses_match_their_standard_codes(small_city, manifest, monkeypatch):
    register = AddressRegister.from_parquet(small_city / "truth" / "addresses.parquet")
    truth = {(s, r): c for s, r, c in duckdb.connect().execute(
        f"SELECT source, row_number, address_code FROM '{small_city}/truth/records.parquet'").fetchall()}  # fmt: skip
    texts, codes = [], []
    for s in manifest["sources"]:
        column = next((c["name"] for c in s["columns"] if c["role"] == "address"), None)
        if column:
            for i, row in enumerate(read_delivery(small_city, s), start=1):
                texts.append(row[column])
                codes.append(truth[(s["source"], i)])
    matches = register.match_many(texts)
    accuracy = sum(m.address_code == c for m, c in zip(matches, codes, strict=True)) / len(codes)
    assert accuracy >= 0.98, accuracy
    wrong = sum(1 for m, c in zip(matches, codes, strict=True) if m.address_code and m.address_code != c)
    assert wrong / len(codes) < 0.005  # below the threshold it proposes; it rarely guesses wrong
    first = next(m for m in matches if m.level == "room")
    place = register.jurisdiction(first.address_code)
    assert place["grid"].startswith(place["community"]["code"]) and place["community"]["code"].startswith(
        place["town"]["code"][:9]
    )
    unknown = register.match("火星路999号")
    assert unknown.address_code is None and unknown.proposed
    # forked processes give the same matches, in the same order, as one process
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10)
    assert register.match_many(texts, processes=2) == matches


def test_same_place_scores():
    assert same_place("东湖小区7栋1单元2102室", "东湖小区7幢1门2102室") == 1.0
    assert same_place("烟台市芝罘区南大街100号", "芝罘区南大街100号") >= 0.8
    assert same_place("芝罘区南大街100号", "芝罘区南大街102号") < same_place(
        "芝罘区南大街100号", "南大街100号"
    )
    assert same_place("烟台市芝罘区南大街100号", "烟台市莱山区南大街100号") < 0.5


def test_cli_parse_json_and_stdin():
    result = runner.invoke(app, ["address", "parse", "烟台市芝罘区南大街100号", "--json"])
    assert result.exit_code == 0, result.output
    data = _json.loads(result.output.strip().splitlines()[0])
    assert set(data) == {"text", "elements", "division"}
    assert set(data["division"]) == {"province", "city", "district", "town", "community"}
    assert data["division"]["district"] == {"name": "芝罘区", "code": "370602000000"}
    assert all({"label", "text", "start", "end"} == set(e) for e in data["elements"])
    result = runner.invoke(
        app, ["address", "parse", "-", "--json"], input="黄石港区花湖街道\n\n大冶市殷祖镇\n"
    )
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [d["text"] for d in lines] == ["黄石港区花湖街道", "大冶市殷祖镇"]


def test_cli_match_and_eval(tmp_path, small_city, shared):
    result = runner.invoke(
        app, ["address", "match", "东湖小区7栋1单元2102室", "东湖小区7幢1门2102室", "--json"]
    )
    assert result.exit_code == 0 and json.loads(result.output)["same_place"] is True
    text = small_city / "truth" / "addresses.parquet"
    row = (
        duckdb.connect()
        .execute(f"SELECT text, address_code FROM '{text}' WHERE level = 'room' LIMIT 1")
        .fetchall()[0]
    )
    result = runner.invoke(app, ["address", "match", row[0], "--register", str(text), "--json"])
    assert json.loads(result.output)["match"]["address_code"] == row[1]
    sample = tmp_path / "sample.conll"
    lines = (
        (shared / "data" / "address" / "ccks2021_train.conll").read_text(encoding="utf-8").split("\n\n")[:50]
    )
    sample.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["address", "eval", str(sample), "--format", "ccks", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["addresses"] == 50
    assert runner.invoke(app, ["address", "eval", str(tmp_path / "none.conll")]).exit_code == 1
