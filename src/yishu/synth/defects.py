"""The defects the synthetic city puts into department deliveries, with documented rates.

Every defect is applied to an exact share of the rows it can apply to (``count = rate x eligible``,
rounded at random per chunk), so a rate measured by comparing deliveries with the truth agrees
with the documented rate. ``DEFECTS`` is the one table of them: the manifest and the docs read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import opencc

from yishu.standards import citizen_id


@dataclass(frozen=True)
class Defect:
    name: str
    rate: float
    definition: str


DEFECTS: tuple[Defect, ...] = (
    Defect(
        "id_missing", 0.01, "citizen ID left empty; share of person rows of a source that has an ID column"
    ),
    Defect("id_typo", 0.01, "one digit of the 18-character ID replaced; share of rows whose ID is delivered"),
    Defect(
        "id_transposition",
        0.005,
        "two adjacent different ID digits swapped; share of rows whose ID is delivered",
    ),
    Defect(
        "id_legacy15",
        0.02,
        "ID delivered as the 15-digit legacy number; share of delivered IDs of people born 1900-1999",
    ),
    Defect(
        "id_fullwidth", 0.005, "ID digits written full-width (０-９); share of rows whose ID is delivered"
    ),
    Defect(
        "name_traditional",
        0.01,
        "name in traditional characters; share of rows whose name has a traditional form",
    ),
    Defect("name_space", 0.01, "stray spaces in or around the name; share of person rows"),
    Defect(
        "name_homophone",
        0.005,
        "one given-name character replaced by a homophone; share of rows whose name has one",
    ),
    Defect(
        "date_mixed_format",
        0.05,
        "a date written in another format than the source's habit; share of delivered dates",
    ),
    Defect(
        "phone_old", 0.03, "an outdated mobile number (conflict with the truth); share of rows with a phone"
    ),
    Defect("phone_format", 0.05, "phone written with +86, spaces or dashes; share of rows with a phone"),
    Defect(
        "addr_missing_levels",
        0.30,
        "address text without province and city (and sometimes district); share of address texts",
    ),
    Defect(
        "addr_abbreviation",
        0.10,
        "district or community written short (黄石港区 -> 黄石港); share of address texts",
    ),
    Defect(
        "addr_chinese_numerals",
        0.10,
        "door, building and unit numbers in Chinese numerals; share of address texts",
    ),
    Defect(
        "addr_building_word",
        0.15,
        "building written 幢 or 号楼 instead of 栋; share of room-level address texts",
    ),
    Defect(
        "addr_unit_form",
        0.15,
        "unit written N门 or as 3-2-1502 instead of N单元; share of room-level address texts",
    ),
    Defect(
        "addr_old_road_name",
        0.30,
        "road written with its old name; share of address texts on roads that have one",
    ),
    Defect(
        "stale_address",
        0.40,
        "previous address instead of the current one; share of rows of people who moved, in sources carrying the actual address",
    ),
    Defect("uscc_missing", 0.01, "credit code left empty; share of organisation rows"),
    Defect("uscc_typo", 0.01, "one character of the credit code replaced; share of delivered credit codes"),
    Defect(
        "org_name_variant",
        0.05,
        "organisation name written differently (有限责任公司, full-width brackets, spaces); share of organisation rows",
    ),
    Defect("area_conflict", 0.03, "house area differs from the truth by 5-20%; share of house rows"),
    Defect(
        "duplicate_row", 0.01, "a row delivered twice within the source; share of the source's distinct rows"
    ),
    Defect("nickname", 0.15, "name written as a nickname (老王, 小李); share of field-collection rows"),
)
RATES = {d.name: d.rate for d in DEFECTS}

# Sources whose habits differ from the defaults (the manifest records the rates in force per source).
SOURCE_RATES: dict[str, dict[str, float]] = {
    "网格员采集": {"id_missing": 0.35, "addr_missing_levels": 1.0, "name_space": 0.03},
    "卫健出生与死亡": {"id_missing": 0.02},
}

_T2S = None
_S2T = None


def s2t(text: str) -> str:
    global _S2T
    if _S2T is None:
        _S2T = opencc.OpenCC("s2t.json")
    return _S2T.convert(text)


def pick(
    rng: np.random.Generator, eligible: np.ndarray, rate: float, taken: np.ndarray | None = None
) -> np.ndarray:
    """Indices of exactly ``rate x eligible`` rows (randomly rounded), avoiding ``taken`` rows."""
    idx = np.flatnonzero(eligible)
    want = rate * len(idx)
    k = int(want) + int(rng.random() < want - int(want))
    if taken is not None:
        idx = idx[~taken[idx]]
    k = min(k, len(idx))
    chosen = rng.choice(idx, size=k, replace=False) if k else np.empty(0, dtype=np.int64)
    if taken is not None:
        taken[chosen] = True
    return chosen


FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def id_typo(value: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(0, 18))
    options = (
        [c for c in "0123456789" if c != value[i]] if i < 17 else [c for c in "0123456789X" if c != value[i]]
    )
    return value[:i] + options[int(rng.integers(len(options)))] + value[i + 1 :]


def id_transposition(value: str, rng: np.random.Generator) -> str | None:
    spots = [i for i in range(17) if value[i] != value[i + 1] and (i + 1 < 17 or value[17] != "X")]
    if not spots:
        return None
    i = spots[int(rng.integers(len(spots)))]
    return value[:i] + value[i + 1] + value[i] + value[i + 2 :]


def id_legacy15(value: str) -> str:
    legacy = value[:6] + value[8:17]
    assert citizen_id.upgrade_15(legacy) == value
    return legacy


# Date formats: the habits of the sources; at least six, as delivered by real departments.
def excel_serial(d: date) -> int:
    """Excel's 1900 date system serial (which counts the non-existent 1900-02-29)."""
    return (d - date(1899, 12, 30)).days


DATE_FORMATS = {
    "iso": lambda d: d.isoformat(),
    "compact": lambda d: d.strftime("%Y%m%d"),
    "slash": lambda d: f"{d.year}/{d.month}/{d.day}",
    "slash_padded": lambda d: d.strftime("%Y/%m/%d"),
    "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "dotted_dmy": lambda d: f"{d.day}.{d.month}.{d.year}",
    "iso_time": lambda d: f"{d.isoformat()} 00:00:00",
    "excel_serial": excel_serial,
}


def format_date(d: date | None, fmt: str):
    return None if d is None else DATE_FORMATS[fmt](d)


CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..9999 in Chinese numerals as written in addresses (12 -> 十二, 105 -> 一百零五)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = (
            ""
            if rest == 0
            else (
                "零" + CN_DIGITS[rest]
                if rest < 10
                else (chinese_number(rest) if rest >= 20 else "一" + chinese_number(rest))
            )
        )
        return CN_DIGITS[n // 100] + "百" + tail
    rest = n % 1000
    tail = "" if rest == 0 else ("零" + chinese_number(rest) if rest < 100 else chinese_number(rest))
    return CN_DIGITS[n // 1000] + "千" + tail


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_name_variant(name: str, rng: np.random.Generator) -> str:
    """How another department writes the same organisation's name."""
    if name.endswith("股份有限公司"):
        return name.replace("股份有限公司", "股份公司")
    if name.endswith("有限公司") and rng.random() < 0.6:
        return name[: -len("有限公司")] + "有限责任公司"
    if len(name) > 4 and rng.random() < 0.5:
        return f"{name[:2]}（{name[2:4]}）{name[4:]}"
    return name[:2] + " " + name[2:]
