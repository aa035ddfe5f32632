"""Register matching: its shortcuts give what the plain path gives, and the same in every process."""

from __future__ import annotations

import random
import re
import unicodedata

import duckdb
import pyarrow as pa
import pytest

from yishu.address import normalise, register
from yishu.address.normalise import chinese_number
from yishu.address.register import COLUMNS, AddressRegister

# characters that trigger each rewrite of normalise (and some it must leave alone), to insert
ODD = [*" \t\u3000\xa0\x1c\x85\u2028-－—", *"幢座号楼门单元栋室", *"一二三十百千零〇两", *"１２３ＡＢ"]


def _normalise_every_rewrite(text: str) -> str:
    """``normalise`` as it was before its shortcuts: every rewrite on every text."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    t = re.sub(
        "[零〇一二两三四五六七八九十百千]+(?=[号栋幢座楼单元门层室组户弄巷排])",
        lambda m: str(chinese_number(m.group())),
        t,
    )
    t = re.sub(r"([0-9]+)-([0-9]+)-([0-9]+)(?:室)?$", r"\1栋\2单元\3室", t)
    t = re.sub(r"([0-9]+)(?:号楼|幢|座|栋)", r"\1栋", t)
    return re.sub(r"([0-9]+)(?:单元门|单元|门)", r"\1单元", t)


def _perturbed(texts: list[str], seed: int = 5) -> list[str]:
    """Each text, and each with one or two odd characters inserted (seeded)."""
    rng = random.Random(seed)
    out = list(texts)
    for text in texts:
        for n in (1, 2):
            t = text
            for _ in range(n):
                i = rng.randrange(len(t) + 1)
                t = t[:i] + rng.choice(ODD) + t[i:]
            out.append(t)
    return out


@pytest.fixture(scope="module")
def city_texts(small_city) -> list[str]:
    """Register texts of the small city as written in the register, and 300 written with Chinese
    numerals, 幢 and 门 (as deliveries write them), all perturbed."""
    texts = [r[0] for r in duckdb.connect().execute(
        f"SELECT text FROM '{small_city}/truth/addresses.parquet' USING SAMPLE reservoir(300 ROWS) REPEATABLE (3)").fetchall()]  # fmt: skip
    spoken = [
        t.replace("1", "一").replace("2", "二").replace("栋", "幢").replace("单元", "门") for t in texts
    ]
    return _perturbed(texts + spoken + ["", "火星路999号", "3-2-1502"])


def test_normalise_shortcuts_agree_with_every_rewrite(city_texts):
    assert [normalise(t) for t in city_texts] == [_normalise_every_rewrite(t) for t in city_texts]


def test_kept_matches_are_the_matches(small_city, city_texts, monkeypatch):
    reg = AddressRegister.from_parquet(small_city / "truth" / "addresses.parquet")
    fresh = []
    for text in city_texts:
        reg._recent.clear()
        fresh.append(reg.match_fields(text))
    assert sum(f[1] is not None for f in fresh) > len(city_texts) / 4  # most are matched
    monkeypatch.setattr(register, "RECENT", 50)  # kept ones are found and the store is emptied when full
    assert [reg.match_fields(t) for t in city_texts + city_texts[::-1]] == fresh + fresh[::-1]
    assert len(reg._recent) <= 50


def _register(rows: list[dict]) -> AddressRegister:
    return AddressRegister(pa.Table.from_pylist([{c: r.get(c) for c in COLUMNS} for r in rows]).to_batches())


def _house(code: str, community: str, group: int, door: int, **place) -> dict:
    return {"address_code": code, "level": "house", "community": community, "village_group": group,
            "door_no": door, "division_code": code[:12], "grid_code": code[:15], **place}  # fmt: skip


def test_a_short_name_two_communities_share_finds_them_in_name_order():
    # 金山 is the short name of both; in a set their order changed with the string hash seed
    reg = _register([_house("420281070003001000100000000", "金山社区", 1, 1),
                     _house("420281070207001000100000000", "金山村", 1, 1)])  # fmt: skip
    got = reg.match("金山5组3号")
    assert (got.level, got.division_code, got.reasons) == (
        "community", "420281070207", ("community 金山村 found; no register address at a finer level",))  # fmt: skip
    got = reg.match("金山1组1号")
    assert (got.address_code, got.reasons) == (
        "420281070207001000100000000",
        ("village 金山村 group 1 house 1",),
    )


def test_a_code_on_two_rows_has_the_last_rows_place():
    first = _house("420281070003001000100000000", "金山村", 1, 1, grid_code="420281070003009")
    last = {**first, "village_group": 2, "grid_code": "420281070003001"}
    reg = _register([first, last])
    assert reg.match("金山村1组1号").grid_code == "420281070003001"
    assert reg.match("金山村2组1号").grid_code == "420281070003001"
    assert reg.jurisdiction(first["address_code"])["grid"] == "420281070003001"


def test_the_automatons_common_characters_match_nothing():
    reg = _register([_house("420281070003001000100000000", "金山村", 1, 1)])
    assert reg.match("号\uffff").reasons == ("no register name in the text",)
    assert reg.match("金山村1组1号\uffff").address_code == "420281070003001000100000000"
