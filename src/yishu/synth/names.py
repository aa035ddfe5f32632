"""Chinese person names for the synthetic city, vectorised with numpy.

Surname shares follow the published frequency order of the 2020 census surname report
(王, 李, 张, 刘, 陈 ... about 86% of people covered by the top 100); given-name characters
are common ones by sex, weighted so that the very common full names (王伟, 张伟, 王芳, 李娜 ...)
are as frequent as they are in real registers, which is what makes linkage hard.
"""

from __future__ import annotations

import numpy as np

# (surname, share in per cent), in frequency order.
SURNAMES: tuple[tuple[str, float], ...] = tuple(
    (s, float(p))
    for s, p in (
        item.split(":")
        for item in [
            "王:7.25",
            "李:7.19",
            "张:6.83",
            "刘:5.38",
            "陈:4.53",
            "杨:3.08",
            "黄:2.23",
            "赵:2.17",
            "吴:2.04",
            "周:1.97",
            "徐:1.57",
            "孙:1.52",
            "马:1.38",
            "朱:1.32",
            "胡:1.31",
            "郭:1.15",
            "何:1.13",
            "高:1.04",
            "林:1.03",
            "罗:0.96",
            "郑:0.84",
            "梁:0.82",
            "谢:0.74",
            "宋:0.68",
            "唐:0.66",
            "许:0.63",
            "韩:0.62",
            "冯:0.62",
            "邓:0.61",
            "曹:0.60",
            "彭:0.59",
            "曾:0.57",
            "肖:0.55",
            "田:0.53",
            "董:0.52",
            "袁:0.51",
            "潘:0.50",
            "于:0.50",
            "蒋:0.49",
            "蔡:0.48",
            "余:0.46",
            "杜:0.45",
            "叶:0.44",
            "程:0.43",
            "苏:0.42",
            "魏:0.41",
            "吕:0.40",
            "丁:0.39",
            "任:0.38",
            "沈:0.37",
            "姚:0.36",
            "卢:0.35",
            "姜:0.34",
            "崔:0.33",
            "钟:0.32",
            "谭:0.31",
            "陆:0.30",
            "汪:0.29",
            "范:0.28",
            "金:0.27",
            "石:0.26",
            "廖:0.25",
            "贾:0.24",
            "夏:0.23",
            "韦:0.22",
            "付:0.21",
            "方:0.20",
            "白:0.19",
            "邹:0.18",
            "孟:0.17",
            "熊:0.16",
            "秦:0.15",
            "邱:0.14",
            "江:0.13",
            "尹:0.12",
            "薛:0.11",
            "闫:0.10",
            "段:0.10",
            "雷:0.10",
            "侯:0.09",
            "龙:0.09",
            "史:0.09",
            "陶:0.08",
            "黎:0.08",
            "贺:0.08",
            "顾:0.08",
            "毛:0.07",
            "郝:0.07",
            "龚:0.07",
            "邵:0.07",
            "万:0.06",
            "钱:0.06",
            "严:0.06",
            "武:0.06",
            "戴:0.06",
            "莫:0.05",
            "孔:0.05",
            "向:0.05",
            "汤:0.05",
            "欧阳:0.03",
            "司马:0.005",
            "诸葛:0.004",
            "上官:0.004",
        ]
    )
)

# Given-name characters: (character, weight). The first few carry most of the weight.
MALE_CHARS = (
    "伟:40 强:18 磊:18 军:17 勇:16 杰:15 涛:14 斌:12 超:12 明:12 刚:11 平:10 辉:10 鹏:9 华:9 飞:9 鑫:8 "
    "波:8 宇:8 浩:8 凯:7 健:7 俊:7 帆:6 帅:6 旭:6 宁:6 龙:6 林:6 峰:6 建:6 国:6 志:6 文:6 海:5 东:5 亮:5 "
    "成:5 晨:5 博:5 洋:5 阳:5 子:5 轩:5 然:4 航:4 睿:4 泽:4 熙:4 铭:4 天:4 佑:4 嘉:4 诚:4 奕:3 庆:3 "
    "春:3 金:3 德:3 福:3 兵:3 生:3 荣:3 新:3 永:3 胜:3 祥:3 立:3 红:2 卫:2 振:2 宏:2 毅:2 彬:2 锋:2"
)
FEMALE_CHARS = (
    "芳:35 娜:25 敏:22 静:22 丽:20 艳:16 娟:15 霞:13 秀:12 英:12 玲:11 桂:9 兰:9 燕:9 萍:9 红:8 梅:8 "
    "琳:8 莉:8 婷:8 雪:7 慧:7 颖:7 倩:7 欣:7 怡:6 佳:6 悦:6 涵:6 梓:5 萱:5 雨:5 诗:5 琪:5 思:5 彤:5 "
    "可:4 馨:4 妍:4 晶:4 洁:4 璐:4 凤:4 华:4 珍:4 月:3 云:3 春:3 蓉:3 菲:3 微:3 薇:3 瑶:3 婉:3 宁:3 "
    "丹:3 琴:3 露:3 清:3 淑:3 美:3 小:2 晓:2 金:2 玉:2 文:2 海:2 爱:2 冬:2 青:2 莹:2 岚:2"
)

# Characters that sound the same (toneless pinyin) and are written for one another on forms.
HOMOPHONE_GROUPS = (
    "伟玮炜薇维",
    "明铭鸣名",
    "华化桦",
    "丽莉力立利",
    "静晶菁敬靖",
    "军君均钧",
    "杰洁捷",
    "峰锋丰风枫",
    "涛韬滔",
    "芳方放",
    "燕艳雁彦",
    "敏民闽",
    "娟鹃",
    "霞侠",
    "玲林琳凌灵",
    "强蔷",
    "磊蕾",
    "勇永咏",
    "斌彬滨宾",
    "超朝",
    "刚钢纲",
    "平萍苹",
    "辉慧惠晖",
    "鹏朋",
    "飞菲非",
    "鑫新欣馨心",
    "波博",
    "宇雨语羽玉",
    "浩豪昊",
    "凯楷",
    "健建剑",
    "俊骏",
    "帆凡",
    "旭绪",
    "宁凝",
    "龙隆",
    "志智治",
    "文雯",
    "海",
    "东冬",
    "亮靓",
    "成诚承程",
    "晨辰臣",
    "洋阳扬杨",
    "子紫梓",
    "轩萱宣",
    "然冉",
    "航杭",
    "睿瑞",
    "泽则",
    "熙希曦",
    "天添",
    "佑友",
    "嘉佳家",
    "娜纳",
    "秀",
    "英莹颖",
    "桂贵",
    "兰岚",
    "红宏虹鸿",
    "梅美玫",
    "婷亭",
    "雪",
    "倩茜",
    "怡仪宜",
    "悦月越",
    "涵寒",
    "诗",
    "琪琦淇祺",
    "思",
    "彤桐",
    "可",
    "妍研言",
    "璐露路",
    "凤",
    "珍真",
    "云芸",
    "蓉容荣",
    "微薇",
    "瑶遥",
    "婉",
    "丹",
    "琴勤",
    "清青晴卿",
    "淑",
    "晓",
    "金",
)

# Ethnic-minority names written with the middle dot (GB/T 3304 code 05 维吾尔族).
DOT_NAMES_GIVEN = (
    "阿卜杜拉",
    "买买提",
    "艾力",
    "阿依古丽",
    "古丽娜尔",
    "热依拉",
    "努尔",
    "阿不都",
    "帕提古丽",
    "吐尔逊",
)
DOT_NAMES_FAMILY = ("买买提", "吐尔逊", "艾买提", "阿不力孜", "肉孜", "热合曼", "依明", "卡德尔")


def _parse(table: str) -> tuple[list[str], np.ndarray]:
    chars, weights = [], []
    for item in table.split():
        c, w = item.split(":")
        chars.append(c)
        weights.append(float(w))
    p = np.asarray(weights)
    return chars, p / p.sum()


_MALE, _MALE_P = _parse(MALE_CHARS)
_FEMALE, _FEMALE_P = _parse(FEMALE_CHARS)
_SURNAME = [s for s, _ in SURNAMES]
_SURNAME_P = np.asarray([p for _, p in SURNAMES])
_SURNAME_P = _SURNAME_P / _SURNAME_P.sum()

HOMOPHONES: dict[str, str] = {}
for _group in HOMOPHONE_GROUPS:
    for _c in _group:
        others = _group.replace(_c, "")
        if others:
            HOMOPHONES.setdefault(_c, others)


def person_names(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray) -> list[str]:
    """Names for people of the given sexes and birth years (single-character given names
    are commoner among the old, as in real registers)."""
    n = len(male)
    surnames = rng.choice(len(_SURNAME), size=n, p=_SURNAME_P)
    single_p = np.clip(0.55 - (birth_year - 1940) * 0.009, 0.08, 0.55)
    single = rng.random(n) < single_p
    m1 = rng.choice(len(_MALE), size=n, p=_MALE_P)
    m2 = rng.choice(len(_MALE), size=n, p=_MALE_P)
    f1 = rng.choice(len(_FEMALE), size=n, p=_FEMALE_P)
    f2 = rng.choice(len(_FEMALE), size=n, p=_FEMALE_P)
    out = []
    for i in range(n):
        if male[i]:
            given = _MALE[m1[i]] if single[i] else _MALE[m2[i]] + _MALE[m1[i]]
        else:
            given = _FEMALE[f1[i]] if single[i] else _FEMALE[f2[i]] + _FEMALE[f1[i]]
        if len(given) == 2 and given[0] == given[1] and rng.random() < 0.5:
            given = given[0]
        out.append(_SURNAME[surnames[i]] + given)
    return out


def dot_name(rng: np.random.Generator) -> str:
    return f"{DOT_NAMES_GIVEN[rng.integers(len(DOT_NAMES_GIVEN))]}·{DOT_NAMES_FAMILY[rng.integers(len(DOT_NAMES_FAMILY))]}"


def surname_of(name: str) -> str:
    if "·" in name:
        return name
    return name[:2] if name[:2] in {"欧阳", "司马", "诸葛", "上官"} else name[0]


def homophone_variant(name: str, rng: np.random.Generator) -> str | None:
    """The name with one given-name character replaced by a homophone, or None if none exists."""
    if "·" in name:
        return None
    surname = surname_of(name)
    positions = [i for i in range(len(surname), len(name)) if name[i] in HOMOPHONES]
    if not positions:
        return None
    i = positions[int(rng.integers(len(positions)))]
    options = HOMOPHONES[name[i]]
    return name[:i] + options[int(rng.integers(len(options)))] + name[i + 1 :]


def nickname(name: str, age: int, rng: np.random.Generator) -> str:
    """What a neighbour calls someone: 老王 for the old, 小李 for the young, else the given name."""
    surname = surname_of(name)
    if "·" in name:
        return name.split("·")[0]
    if age >= 50:
        return "老" + surname
    if age < 35:
        return "小" + surname
    given = name[len(surname) :]
    return given if len(given) == 2 else surname + given
