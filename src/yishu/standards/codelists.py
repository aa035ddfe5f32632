"""National code lists with the free-text variants seen in department tables.

- sex, GB/T 2261.1-2003: 0 未知的性别, 1 男性, 2 女性, 9 未说明的性别;
- ethnicity, GB/T 3304-1991: 01 汉族 .. 56 基诺族, 97 其他, 98 外国血统中国籍人士;
- marital status, GB/T 2261.2-2003: 10 未婚, 20 已婚 (21 初婚, 22 再婚, 23 复婚), 30 丧偶, 40 离婚,
  90 未说明的婚姻状况.

A value is looked up after half-width folding (see ``text``), trimming, lower-casing and removing inner spaces; the code itself
(with or without a leading zero for ethnicity) is accepted too. Ambiguous free text (单身 may be
never married or divorced) is not mapped: it raises ValueError like any unknown value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from yishu.standards.text import halfwidth

_WHITESPACE = re.compile(r"[ \t\r\n]+")

_ETHNIC = (
    ("汉", "Han", "HA"),
    ("蒙古", "Mongol", "MG"),
    ("回", "Hui", "HU"),
    ("藏", "Zang", "ZA"),
    ("维吾尔", "Uygur", "UG"),
    ("苗", "Miao", "MH"),
    ("彝", "Yi", "YI"),
    ("壮", "Zhuang", "ZH"),
    ("布依", "Buyei", "BY"),
    ("朝鲜", "Chosen", "CS"),
    ("满", "Man", "MA"),
    ("侗", "Dong", "DO"),
    ("瑶", "Yao", "YA"),
    ("白", "Bai", "BA"),
    ("土家", "Tujia", "TJ"),
    ("哈尼", "Hani", "HN"),
    ("哈萨克", "Kazak", "KZ"),
    ("傣", "Dai", "DA"),
    ("黎", "Li", "LI"),
    ("傈僳", "Lisu", "LS"),
    ("佤", "Va", "VA"),
    ("畲", "She", "SH"),
    ("高山", "Gaoshan", "GS"),
    ("拉祜", "Lahu", "LH"),
    ("水", "Sui", "SU"),
    ("东乡", "Dongxiang", "DX"),
    ("纳西", "Naxi", "NX"),
    ("景颇", "Jingpo", "JP"),
    ("柯尔克孜", "Kirgiz", "KG"),
    ("土", "Tu", "TU"),
    ("达斡尔", "Daur", "DU"),
    ("仫佬", "Mulao", "ML"),
    ("羌", "Qiang", "QI"),
    ("布朗", "Blang", "BL"),
    ("撒拉", "Salar", "SL"),
    ("毛南", "Maonan", "MN"),
    ("仡佬", "Gelao", "GL"),
    ("锡伯", "Xibe", "XB"),
    ("阿昌", "Achang", "AC"),
    ("普米", "Pumi", "PM"),
    ("塔吉克", "Tajik", "TA"),
    ("怒", "Nu", "NU"),
    ("乌孜别克", "Uzbek", "UZ"),
    ("俄罗斯", "Russ", "RS"),
    ("鄂温克", "Ewenki", "EW"),
    ("德昂", "Deang", "DE"),
    ("保安", "Bonan", "BN"),
    ("裕固", "Yugur", "YG"),
    ("京", "Gin", "GI"),
    ("塔塔尔", "Tatar", "TT"),
    ("独龙", "Derung", "DR"),
    ("鄂伦春", "Oroqen", "OR"),
    ("赫哲", "Hezhen", "HZ"),
    ("门巴", "Monba", "MB"),
    ("珞巴", "Lhoba", "LB"),
    ("基诺", "Jino", "JN"),
)


def key(value: object) -> str:
    """The lookup form of a free-text value: half-width, lower case, without whitespace."""
    return _WHITESPACE.sub("", halfwidth(str(value))).lower()


@dataclass(frozen=True)
class CodeList:
    """A code list: codes with their labels, and free-text variants mapped to codes."""

    name: str
    standard: str
    labels: dict[str, str]
    variants: dict[str, str] = field(default_factory=dict)

    def lookup_table(self) -> dict[str, str]:
        """Every accepted lookup key (see ``key``) with its code: codes, labels and variants."""
        table = {key(code): code for code in self.labels}
        table.update({key(label): code for code, label in self.labels.items()})
        table.update({key(v): code for v, code in self.variants.items()})
        return table

    def code(self, value: object) -> str:
        """The code for a value; ValueError naming the value and the list otherwise."""
        found = _tables(self).get(key(value))
        if found is None:
            raise ValueError(f"{value!r}: not a {self.name} in {self.standard} or a known variant")
        return found

    def label(self, code: str) -> str:
        try:
            return self.labels[code]
        except KeyError:
            raise KeyError(f"{code}: not a code of {self.standard}") from None


_TABLE_CACHE: dict[str, dict[str, str]] = {}


def _tables(codelist: CodeList) -> dict[str, str]:
    table = _TABLE_CACHE.get(codelist.name)
    if table is None:
        table = _TABLE_CACHE[codelist.name] = codelist.lookup_table()
    return table


SEX = CodeList(
    "sex",
    "GB/T 2261.1-2003",
    {"0": "未知的性别", "1": "男性", "2": "女性", "9": "未说明的性别"},
    {
        "男": "1",
        "m": "1",
        "male": "1",
        "man": "1",
        "男士": "1",
        "先生": "1",
        "女": "2",
        "f": "2",
        "female": "2",
        "woman": "2",
        "女士": "2",
        "未知": "0",
        "不详": "0",
        "unknown": "0",
        "u": "0",
        "未说明": "9",
    },
)


def _ethnicity_variants() -> dict[str, str]:
    out: dict[str, str] = {}
    for i, (short, english, letters) in enumerate(_ETHNIC, start=1):
        code = f"{i:02d}"
        out[short] = code
        out[english] = code
        out[english + " nationality"] = code
        out[letters] = code
        out[str(i)] = code
    out.update(
        {
            "汉人": "01",
            "汉民": "01",
            "汉民族": "01",
            "蒙族": "02",
            "维族": "05",
            "维吾尔": "05",
            "朝族": "10",
            "其它": "97",
            "其他民族": "97",
            "未识别民族": "97",
            "未定族称人口": "97",
            "入籍": "98",
            "外国血统": "98",
            "外国人入籍": "98",
        }
    )
    return out


ETHNICITY = CodeList(
    "ethnicity",
    "GB/T 3304-1991",
    {f"{i:02d}": (short + "族") for i, (short, _e, _l) in enumerate(_ETHNIC, start=1)}
    | {"97": "其他", "98": "外国血统中国籍人士"},
    _ethnicity_variants(),
)

MARITAL_STATUS = CodeList(
    "marital status",
    "GB/T 2261.2-2003",
    {
        "10": "未婚",
        "20": "已婚",
        "21": "初婚",
        "22": "再婚",
        "23": "复婚",
        "30": "丧偶",
        "40": "离婚",
        "90": "未说明的婚姻状况",
    },
    {
        "未婚未育": "10",
        "从未结婚": "10",
        "never married": "10",
        "unmarried": "10",
        "single": "10",
        "有配偶": "20",
        "在婚": "20",
        "结婚": "20",
        "married": "20",
        "丧偶未再婚": "30",
        "widowed": "30",
        "离异": "40",
        "离婚未再婚": "40",
        "divorced": "40",
        "未说明": "90",
        "不详": "90",
        "未知": "90",
        "unknown": "90",
    },
)

CODE_LISTS = {"sex": SEX, "ethnicity": ETHNICITY, "marital_status": MARITAL_STATUS}


def sex_code(value: object) -> str:
    """GB/T 2261.1 sex code for a value such as 男, M, male, 1."""
    return SEX.code(value)


def ethnicity_code(value: object) -> str:
    """GB/T 3304 two-digit ethnicity code for a value such as 汉, 汉族, Han, HA, 1, 01."""
    return ETHNICITY.code(value)


def marital_status_code(value: object) -> str:
    """GB/T 2261.2 marital status code for a value such as 已婚, 离异, married, 20."""
    return MARITAL_STATUS.code(value)
