"""The synthetic city's standard address register, on the real 2021 divisions.

Address codes are stable and positional (28 digits)::

    community (12) + road or village group (3) + door or house number (4)
    + building (3) + unit (2) + room (4)

A door-level address has zeros after the door; a village house uses road ``9GG`` for 组 GG.
Grid codes are the community code plus a 3-digit grid number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from yishu.standards.divisions import Division, prefecture

ROAD_STEMS = [
    "人民",
    "解放",
    "建设",
    "中山",
    "胜利",
    "和平",
    "新华",
    "文化",
    "青年",
    "团结",
    "光明",
    "幸福",
    "长江",
    "黄河",
    "湖滨",
    "沿江",
    "迎宾",
    "振兴",
    "发展",
    "工业",
    "学院",
    "园林",
    "花园",
    "朝阳",
    "东风",
    "红旗",
    "民主",
    "劳动",
    "府前",
    "站前",
    "港城",
    "观海",
    "望海",
    "兴业",
    "富民",
    "金山",
    "银湖",
    "翠竹",
    "松林",
    "桃园",
    "梅园",
    "兰亭",
    "樱花",
    "槐树",
    "凤凰",
    "龙泉",
    "青山",
    "秀山",
    "东方",
    "西山",
    "南湖",
    "北苑",
    "环城",
    "滨江",
    "体育",
    "公园",
    "医院",
    "商业",
    "育才",
    "桂花",
    "钟楼",
    "广场",
    "新村",
    "五一",
    "八一",
    "跃进",
    "前进",
    "复兴",
    "友谊",
    "市府",
    "延安",
    "井冈",
    "天山",
    "泰山",
    "华山",
    "黄山",
    "庐山",
    "峨眉",
    "珠江",
    "湘江",
    "汉江",
    "淮河",
    "海河",
    "嘉陵",
    "岷江",
    "太白",
    "玉泉",
    "金桥",
    "银杏",
    "丹桂",
    "紫荆",
    "芙蓉",
    "牡丹",
    "月季",
    "海棠",
    "青松",
    "杨柳",
]
ROAD_SUFFIXES = ("路", "路", "路", "街", "大道", "大街", "巷", "东路", "西路", "南路", "北路", "一路", "二路")
OLD_ROAD_STEMS = ["红卫", "反修", "工农", "向阳", "红星", "卫东", "立新", "战备", "东红", "红光"]
COMPOUND_STEMS = [
    "阳光",
    "锦绣",
    "书香",
    "金色",
    "翡翠",
    "绿城",
    "万科",
    "紫薇",
    "桂园",
    "东湖",
    "江南",
    "怡景",
    "龙湖",
    "半岛",
    "明珠",
    "世纪",
    "丽景",
    "华府",
    "海景",
    "碧水",
    "时代",
    "幸福",
    "和谐",
    "星河",
    "天鹅",
    "蓝湾",
    "御景",
    "香榭",
    "清华",
    "枫林",
    "凯旋",
    "滨湖",
    "中央",
    "新城",
    "兴业",
    "嘉和",
    "盛世",
    "国际",
    "文苑",
    "学府",
    "康乐",
    "福寿",
    "祥和",
    "瑞景",
    "春天",
    "雅居",
    "尚品",
    "金桥",
]
COMPOUND_SUFFIXES = ("小区", "花园", "家园", "苑", "新村", "公寓", "名都", "华府", "雅居", "城")
PROVINCE_SUFFIX_SHORT = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市")


def community_display_name(name: str) -> str:
    """A level-5 name as people write it: 万达社区居委会 -> 万达社区, 刘村村委会 -> 刘村, 韩家村委会 -> 韩家村."""
    for suffix in ("村民委员会", "村委会"):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            return base if base.endswith("村") else base + "村"
    for suffix in ("社区居民委员会", "社区居委会", "居民委员会", "居委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)] + "社区"
    return name


@dataclass
class Road:
    code: int  # 1..899 within the district
    name: str
    old_name: str | None
    next_door: int = 1


@dataclass
class Address:
    address_code: str
    division_code: str
    grid_code: str
    level: str  # room | house | door
    road: str | None
    road_old_name: str | None
    door_no: int
    compound: str | None
    building: int | None
    unit: int | None
    floor: int | None
    room: str | None
    village_group: int | None
    use: str  # 住宅 | 商业 | 办公


@dataclass
class Community:
    division: Division
    district: Division
    town: Division
    urban: bool
    persons: int
    addresses: list[Address] = field(default_factory=list)
    grids: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.division.code

    @property
    def name(self) -> str:
        return community_display_name(self.division.name)


@dataclass
class City:
    prefecture: Division
    province: Division
    districts: dict[str, Division]
    towns: dict[str, Division]
    communities: list[Division]

    @property
    def city_name(self) -> str:
        """The prefecture as written in an address; empty for a municipality's 市辖区."""
        return "" if self.prefecture.name in {"市辖区", "县"} else self.prefecture.name


def load_city(code: str) -> City:
    pref, under = prefecture(code)
    from yishu.standards.divisions import all_divisions

    province_code = pref.code[:2] + "0" * 10
    province = next(d for d in all_divisions() if d.code == province_code and d.level == 1)
    districts = {d.code: d for d in under if d.level == 3}
    towns = {d.code: d for d in under if d.level == 4}
    communities = [d for d in under if d.level == 5]
    if not communities:
        raise KeyError(f"{code} ({pref.name}) has no villages or communities in the 2021 table")
    return City(pref, province, districts, towns, communities)


def choose_communities(city: City, persons: int, rng: np.random.Generator) -> list[tuple[Division, int]]:
    """Pick the communities to populate (all of them at real scale) and how many persons each gets."""
    target_per_community = 800
    k = min(
        len(city.communities), max(1, min(len(city.districts), persons), -(-persons // target_per_community))
    )
    if k < len(city.communities):
        # Spread over districts: one per district first, then at random.
        by_district: dict[str, list[int]] = {}
        for i, d in enumerate(city.communities):
            by_district.setdefault(d.code[:6], []).append(i)
        chosen = [int(rng.choice(v)) for v in by_district.values()][:k]
        rest = np.setdiff1d(np.arange(len(city.communities)), chosen)
        chosen += [int(i) for i in rng.choice(rest, size=k - len(chosen), replace=False)]
        picked = [city.communities[i] for i in sorted(chosen)]
    else:
        picked = list(city.communities)
    urban = np.array([int(d.code[9:]) < 200 for d in picked])
    weights = rng.lognormal(0.0, 0.5, size=len(picked)) * np.where(urban, 1.6, 1.0)
    counts = rng.multinomial(persons, weights / weights.sum())
    return [(d, int(c)) for d, c in zip(picked, counts, strict=True)]


class RoadBook:
    """Roads of each district, shared by the communities in it, with door numbers handed out in order."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.by_district: dict[str, list[Road]] = {}
        self.used: dict[str, set[str]] = {}

    def roads_for(self, district_code: str, how_many: int) -> list[Road]:
        roads = self.by_district.setdefault(district_code, [])
        used = self.used.setdefault(district_code, set())
        while len(roads) < 899 and len([r for r in roads if r.next_door < 900]) < how_many:
            for _ in range(50):
                name = (
                    ROAD_STEMS[self.rng.integers(len(ROAD_STEMS))]
                    + ROAD_SUFFIXES[self.rng.integers(len(ROAD_SUFFIXES))]
                )
                if name not in used:
                    break
            else:
                name = f"{ROAD_STEMS[self.rng.integers(len(ROAD_STEMS))]}{len(roads) + 1}路"
            used.add(name)
            old = None
            if self.rng.random() < 0.12:
                old = OLD_ROAD_STEMS[self.rng.integers(len(OLD_ROAD_STEMS))] + name[-1]
                if old == name:
                    old = None
            roads.append(Road(len(roads) + 1, name, old))
        open_roads = [r for r in roads if r.next_door < 900]
        idx = self.rng.choice(len(open_roads), size=min(how_many, len(open_roads)), replace=False)
        return [open_roads[i] for i in sorted(idx)]


def _grid_cutter(rng: np.random.Generator, community_code: str):
    """Yield grid codes, moving to the next grid after 200-400 households."""
    grids: list[str] = []
    state = {"count": 0, "target": 0}

    def next_grid() -> str:
        grids.append(f"{community_code}{len(grids) + 1:03d}")
        state["count"] = 0
        state["target"] = int(rng.integers(200, 401))
        return grids[-1]

    current = [next_grid()]

    def take(households: int) -> str:
        if state["count"] >= state["target"]:
            current[0] = next_grid()
        state["count"] += households
        return current[0]

    return take, grids


def build_community(
    division: Division,
    city: City,
    persons: int,
    shops: int,
    roads: RoadBook,
    rng: np.random.Generator,
) -> Community:
    district = city.districts.get(division.code[:6] + "000000") or city.prefecture
    town = city.towns[division.code[:9] + "000"]
    urban = int(division.code[9:]) < 200
    comm = Community(division, district, town, urban, persons)
    households_needed = max(1, int(np.ceil(persons / 2.6 / 0.9)) + 1)
    take_grid, comm.grids = _grid_cutter(rng, division.code)
    code = division.code
    if urban:
        road_list = roads.roads_for(district.code, int(rng.integers(2, 5)))
        capacity = 0
        used_compounds: set[str] = set()
        while capacity < households_needed:
            road = road_list[int(rng.integers(len(road_list)))]
            door = road.next_door
            road.next_door += int(rng.integers(1, 4)) * 2
            if door > 9999 or road.next_door >= 900:
                road.next_door = 900
                road_list = roads.roads_for(district.code, len(road_list))
                continue
            for _ in range(20):
                cname = (
                    COMPOUND_STEMS[rng.integers(len(COMPOUND_STEMS))]
                    + COMPOUND_SUFFIXES[rng.integers(len(COMPOUND_SUFFIXES))]
                )
                if cname not in used_compounds:
                    break
            used_compounds.add(cname)
            remaining = households_needed - capacity
            n_buildings = int(np.clip(rng.integers(1, 16), 1, max(1, remaining // 12 + 1)))
            for b in range(1, n_buildings + 1):
                units = int(rng.integers(1, 5))
                floors = int(rng.choice([6, 7, 11, 18, 26, 33]))
                per_floor = int(rng.integers(2, 5))
                grid = take_grid(units * floors * per_floor)
                for u in range(1, units + 1):
                    for f in range(1, floors + 1):
                        for r in range(1, per_floor + 1):
                            room = f"{f}{r:02d}"
                            comm.addresses.append(
                                Address(
                                    f"{code}{road.code:03d}{door:04d}{b:03d}{u:02d}{f:02d}{r:02d}",
                                    code,
                                    grid,
                                    "room",
                                    road.name,
                                    road.old_name,
                                    door,
                                    cname,
                                    b,
                                    u,
                                    f,
                                    room,
                                    None,
                                    "住宅",
                                )
                            )
                capacity += units * floors * per_floor
        for _ in range(shops):
            road = road_list[int(rng.integers(len(road_list)))]
            door = road.next_door
            road.next_door += 2
            if door > 9999:
                continue
            use = "商业" if rng.random() < 0.7 else "办公"
            comm.addresses.append(
                Address(
                    f"{code}{road.code:03d}{door:04d}{0:09d}",
                    code,
                    comm.grids[int(rng.integers(len(comm.grids)))],
                    "door",
                    road.name,
                    road.old_name,
                    door,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    use,
                )
            )
    else:
        groups = int(rng.integers(3, 13))
        per_group = max(1, -(-(households_needed + shops) // groups))
        for g in range(1, groups + 1):
            for h in range(1, per_group + 1):
                grid = take_grid(1)
                comm.addresses.append(
                    Address(
                        f"{code}9{g:02d}{h:04d}{0:09d}",
                        code,
                        grid,
                        "house",
                        None,
                        None,
                        h,
                        None,
                        None,
                        None,
                        None,
                        None,
                        g,
                        "住宅",
                    )
                )
        # Village premises for organisations: the last houses of each group become premises.
        houses = [a for a in comm.addresses if a.level == "house"]
        for a in houses[-shops:] if shops else []:
            a.level, a.use = "door", "商业"
    return comm


def address_text(city: City, comm: Community, a: Address) -> str:
    """The canonical standard address text."""
    head = city.province.name + city.city_name + comm.district.name + comm.town.name + comm.name
    if a.village_group is not None:
        return f"{head}{a.village_group}组{a.door_no}号"
    text = f"{head}{a.road}{a.door_no}号"
    if a.compound:
        text += f"{a.compound}{a.building}栋{a.unit}单元{a.room}室"
    return text
