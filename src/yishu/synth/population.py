"""People, households, houses and organisations of one chunk of the synthetic city.

Everything here is the truth; sources render it, with defects, in ``sources.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from yishu.standards import citizen_id, uscc
from yishu.synth.birthplace import pick_counties
from yishu.synth.geography import Address, City, Community
from yishu.synth.names import dot_name, person_names

REF_DATE = date(2026, 11, 1)  # the synthetic city's "today": fixed, so output never depends on the clock
EPOCH = date(1920, 1, 1)
MARITAL = {"unmarried": "10", "married": "20", "widowed": "30", "divorced": "40"}
ETHNICITY_MINOR = (
    ("03", 0.004),
    ("11", 0.004),
    ("15", 0.006),
    ("05", 0.002),
    ("06", 0.002),
)  # 回 满 土家 维吾尔 苗
DISABILITY_TYPES = ("1", "2", "3", "4", "5", "6", "7")  # 视力 听力 言语 肢体 智力 精神 多重
INDUSTRIES = (
    ("A", "农、林、牧、渔业"),
    ("C", "制造业"),
    ("E", "建筑业"),
    ("F", "批发和零售业"),
    ("G", "交通运输、仓储和邮政业"),
    ("H", "住宿和餐饮业"),
    ("I", "信息传输、软件和信息技术服务业"),
    ("K", "房地产业"),
    ("L", "租赁和商务服务业"),
    ("M", "科学研究和技术服务业"),
    ("O", "居民服务、修理和其他服务业"),
    ("P", "教育"),
    ("Q", "卫生和社会工作"),
)
INDUSTRY_P = np.array([3, 14, 6, 30, 5, 12, 6, 3, 8, 3, 6, 2, 2], dtype=float)
ORG_WORDS = {
    "A": "农业",
    "C": "机械制造",
    "E": "建筑工程",
    "F": "商贸",
    "G": "物流",
    "H": "餐饮",
    "I": "信息技术",
    "K": "房地产开发",
    "L": "商务咨询",
    "M": "科技",
    "O": "家政服务",
    "P": "教育咨询",
    "Q": "医疗",
}
ORG_STEMS = [
    "鑫达",
    "华盛",
    "宏远",
    "金源",
    "恒通",
    "新创",
    "永兴",
    "瑞丰",
    "东方",
    "天成",
    "嘉禾",
    "广源",
    "利民",
    "兴旺",
    "腾飞",
    "海润",
    "中联",
    "博远",
    "佳美",
    "德胜",
]
INDIVIDUAL_WORDS = (
    "面馆",
    "便利店",
    "五金店",
    "理发店",
    "水果店",
    "小吃店",
    "维修部",
    "副食店",
    "药店",
    "烟酒店",
)
ORG_STATUS = (("存续", 0.86), ("在业", 0.03), ("注销", 0.08), ("吊销", 0.03))


class IdAllocator:
    """Hands out unique citizen-ID sequence numbers per (birth county, birth date, sex), across chunks."""

    def __init__(self, counties: list[str]):
        self.counties = counties
        self.index = {c: i for i, c in enumerate(counties)}
        self.days = (REF_DATE - EPOCH).days + 1
        self.counts = np.zeros(len(counties) * self.days * 2, dtype=np.uint16)

    def allocate(self, county_idx: np.ndarray, day: np.ndarray, male: np.ndarray) -> list[str]:
        key = (county_idx.astype(np.int64) * self.days + day) * 2 + male.astype(np.int64)
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(key)), 0))
        rank = np.empty(len(key), dtype=np.int64)
        rank[order] = np.arange(len(key)) - group_start
        n = self.counts[key].astype(np.int64) + rank
        if (n >= 500).any():
            raise RuntimeError("more than 500 people of one sex born on one day in one county")
        np.add.at(self.counts, key, 1)
        offset = (key * 2654435761) % 500
        seq = 2 * ((offset + n) % 500) + male.astype(np.int64)
        out = []
        for ci, d, s in zip(county_idx.tolist(), day.tolist(), seq.tolist(), strict=True):
            body = f"{self.counties[ci]}{(EPOCH + timedelta(days=d)).strftime('%Y%m%d')}{s:03d}"
            out.append(body + citizen_id.check_char(body))
        return out


@dataclass
class Chunk:
    """The truth of one chunk: column lists, ready for Arrow."""

    persons: dict[str, list] = field(default_factory=dict)
    houses: dict[str, list] = field(default_factory=dict)
    organisations: dict[str, list] = field(default_factory=dict)
    addresses: list[tuple[Community, Address]] = field(default_factory=list)


def _household_sizes(rng: np.random.Generator, persons: int) -> list[int]:
    sizes: list[int] = []
    left = persons
    choices, p = np.array([1, 2, 3, 4, 5, 6]), np.array([0.25, 0.30, 0.24, 0.12, 0.07, 0.02])
    while left > 0:
        s = int(min(left, rng.choice(choices, p=p)))
        sizes.append(s)
        left -= s
    return sizes


def _age_to_day(rng: np.random.Generator, ages: np.ndarray) -> np.ndarray:
    """Birth day index (days since 1920-01-01) for ages in whole years at REF_DATE."""
    ref = (REF_DATE - EPOCH).days
    days = ref - (ages * 365.25 + rng.integers(0, 365, size=len(ages))).astype(np.int64)
    return np.clip(days, 0, ref - 1)


def make_chunk(
    city: City,
    communities: list[Community],
    alloc: IdAllocator,
    local_counties: np.ndarray,
    other_counties: np.ndarray,
    next_ids: dict[str, int],
    used_uscc: set[str],
    rng: np.random.Generator,
) -> Chunk:
    chunk = Chunk()
    rooms: list[tuple[Community, Address]] = []
    shops: list[tuple[Community, Address]] = []
    for comm in communities:
        for a in comm.addresses:
            chunk.addresses.append((comm, a))
            (shops if a.level == "door" else rooms).append((comm, a))

    # Households, placed in rooms of their community.
    hh_rows = []  # (household index, comm, address, size)
    free_by_comm: dict[str, list[int]] = {}
    for i, (comm, _a) in enumerate(rooms):
        free_by_comm.setdefault(comm.code, []).append(i)
    occupied = np.zeros(len(rooms), dtype=bool)
    for comm in communities:
        free = free_by_comm.get(comm.code, [])
        rng.shuffle(free)
        sizes = _household_sizes(rng, comm.persons)
        for s, room_idx in zip(sizes, free, strict=False):
            hh_rows.append((room_idx, s))
            occupied[room_idx] = True
    n_hh = len(hh_rows)
    hh_size = np.array([s for _, s in hh_rows], dtype=np.int64)
    hh_room = np.array([r for r, _ in hh_rows], dtype=np.int64)
    hh_migrant = rng.random(n_hh) < 0.08
    hh_moved = rng.random(n_hh) < 0.10
    hh_prev_room = np.where(hh_moved, rng.integers(0, max(1, len(rooms)), size=n_hh), -1)
    hh_rented = hh_migrant | (rng.random(n_hh) < 0.18)
    hh_dibao = rng.random(n_hh) < 0.025

    # Members: head, spouse, children, an elderly parent.
    n = int(hh_size.sum())
    hh_of = np.repeat(np.arange(n_hh), hh_size)
    pos = np.arange(n) - np.repeat(np.cumsum(hh_size) - hh_size, hh_size)
    head_age = rng.integers(22, 86, size=n_hh)
    head_age = np.where(hh_size >= 3, np.clip(head_age, 28, 62), head_age)
    head_male = rng.random(n_hh) < 0.62
    relation = np.where(pos == 0, "01", np.where(pos == 1, "10", "20"))  # 户主, 配偶, 子女 (GB/T 4761)
    has_parent = hh_size >= 5
    relation = np.where(has_parent[hh_of] & (pos == hh_size[hh_of] - 1), "50", relation)  # 父母
    single = hh_size == 1
    relation = np.where(single[hh_of] & (pos == 0), "01", relation)
    ha = head_age[hh_of]
    age = np.where(pos == 0, ha, 0)
    age = np.where(relation == "10", np.clip(ha + rng.integers(-5, 4, size=n), 20, 95), age)
    child_age = np.clip(ha - rng.integers(23, 36, size=n) - (pos - 2) * rng.integers(1, 5, size=n), 0, 70)
    age = np.where(relation == "20", child_age, age)
    age = np.where(relation == "50", np.clip(ha + rng.integers(24, 33, size=n), 60, 100), age)
    hm = head_male[hh_of]
    male = np.where(pos == 0, hm, rng.random(n) < 0.5)
    male = np.where(relation == "10", ~hm, male)
    day = _age_to_day(rng, age)
    birth = [EPOCH + timedelta(days=int(d)) for d in day]
    birth_year = np.array([b.year for b in birth])
    age = np.array([(REF_DATE - b).days // 365 for b in birth])

    birth_counties = pick_counties(
        rng,
        birth_year,
        [alloc.counties[i] for i in local_counties],
        [alloc.counties[i] for i in other_counties],
    )
    county_idx = np.array([alloc.index[c] for c in birth_counties], dtype=np.int64)
    cids = alloc.allocate(county_idx, day, male)

    ethnicity = np.full(n, "01", dtype=object)
    roll = rng.random(n)
    acc = 0.0
    for code, share in ETHNICITY_MINOR:
        ethnicity[(roll >= acc) & (roll < acc + share)] = code
        acc += share
    names = person_names(rng, male, birth_year)
    for i in np.flatnonzero(ethnicity == "05"):
        names[i] = dot_name(rng)
    # Household heads pass their surname to children (most of the time).
    head_index = np.cumsum(hh_size) - hh_size
    for i in np.flatnonzero((relation == "20") & (rng.random(n) < 0.9)):
        head = head_index[hh_of[i]]
        father = head if male[head] else (head + 1 if hh_size[hh_of[i]] > 1 else head)
        fam = names[father][0] if "·" not in names[father] else None
        if fam and "·" not in names[i]:
            names[i] = fam + names[i][1:]

    marital = np.where(age < 22, MARITAL["unmarried"], MARITAL["married"])
    lone_adult = single[hh_of] & (age >= 22)
    lone_roll = rng.random(n)
    marital = np.where(lone_adult & (lone_roll < 0.45), MARITAL["unmarried"], marital)
    marital = np.where(lone_adult & (lone_roll >= 0.45) & (age >= 60), MARITAL["widowed"], marital)
    marital = np.where(lone_adult & (lone_roll >= 0.45) & (age < 60), MARITAL["divorced"], marital)
    marital = np.where((relation == "20") & (age >= 22), np.where(rng.random(n) < 0.4, "20", "10"), marital)
    marital = np.where(relation == "50", np.where(rng.random(n) < 0.5, "30", "20"), marital)

    death_p = np.clip((age - 60) / 40, 0, 1) * 0.05 + 0.001
    dead = rng.random(n) < death_p
    death_day = np.array([(REF_DATE - timedelta(days=int(x))) for x in rng.integers(1, 1000, size=n)])
    disabled = (rng.random(n) < 0.02 + np.clip(age - 40, 0, 60) / 60 * 0.08) & (age >= 1)
    dis_type = rng.choice(DISABILITY_TYPES, size=n, p=[0.12, 0.15, 0.02, 0.38, 0.1, 0.13, 0.10])
    dis_grade = rng.choice(["1", "2", "3", "4"], size=n, p=[0.1, 0.25, 0.3, 0.35])
    working_age = (age >= 18) & (age < 60)
    emp_roll = rng.random(n)
    employment = np.where(
        working_age,
        np.where(emp_roll < 0.72, "employed", np.where(emp_roll < 0.82, "unemployed", "flexible")),
        np.where(age >= 60, "retired", "none"),
    )
    medical = (rng.random(n) < 0.96) & ~dead
    medical_type = np.where(employment == "employed", "职工基本医疗保险", "城乡居民基本医疗保险")
    pension = ((employment == "employed") | (employment == "retired")) & (rng.random(n) < 0.88) & ~dead
    elderly = (age >= 80) & ~dead
    elderly_paid = elderly & (rng.random(n) < 0.93)  # 7% entitled but not receiving: what policy match finds
    dibao = hh_dibao[hh_of] & ~dead
    has_phone = (age >= 14) & (rng.random(n) < 0.96)
    phone_prefix = rng.choice(
        ["13", "15", "17", "18", "19", "14", "16"], size=n, p=[0.3, 0.25, 0.1, 0.22, 0.08, 0.03, 0.02]
    )
    phones = [
        f"{p}{d:09d}" if h else None
        for p, d, h in zip(phone_prefix, rng.integers(0, 10**9, size=n), has_phone, strict=True)
    ]
    old_phones = [f"1{rng.integers(3, 10)}{d:09d}" for d in rng.integers(0, 10**9, size=n)]

    pid0 = next_ids["person"]
    person_ids = [f"P{pid0 + i:010d}" for i in range(n)]
    next_ids["person"] += n
    hid0 = next_ids["household"]
    household_ids = [f"H{hid0 + h:010d}" for h in hh_of]
    next_ids["household"] += n_hh

    # Addresses: actual = household room; previous for movers; hukou.
    actual = [rooms[hh_room[h]][1].address_code for h in hh_of]
    prev = [rooms[hh_prev_room[h]][1].address_code if hh_prev_room[h] >= 0 else None for h in hh_of]
    migrant = hh_migrant[hh_of]
    hukou_roll = rng.random(n)
    hukou = []
    for i in range(n):
        if migrant[i]:
            hukou.append(None)
        elif prev[i] is not None and hukou_roll[i] < 0.5:
            hukou.append(prev[i])
        elif prev[i] is None and hukou_roll[i] < 0.06 and rooms:
            hukou.append(rooms[int(rng.integers(len(rooms)))][1].address_code)
        else:
            hukou.append(actual[i])
    hukou_division = [str(alloc.counties[int(rng.choice(other_counties))]) if m else None for m in migrant]

    spouse = [None] * n
    for h in np.flatnonzero(hh_size >= 2):
        a, b = head_index[h], head_index[h] + 1
        if marital[a] == "20" and relation[b] == "10":
            spouse[a], spouse[b] = person_ids[b], person_ids[a]
            marital[b] = "20"
    chunk.persons = {
        "person_id": person_ids,
        "citizen_id": cids,
        "name": names,
        "sex": np.where(male, "1", "2").tolist(),
        "ethnicity": ethnicity.tolist(),
        "birth_date": birth,
        "birth_county": [cid[:6] for cid in cids],
        "household_id": household_ids,
        "relation": relation.tolist(),
        "marital_status": marital.tolist(),
        "spouse_id": spouse,
        "phone": phones,
        "old_phone": old_phones,
        "hukou_address_code": hukou,
        "hukou_division": hukou_division,
        "actual_address_code": actual,
        "previous_address_code": prev,
        "migrant": migrant.tolist(),
        "alive": (~dead).tolist(),
        "death_date": [d if x else None for d, x in zip(death_day, dead, strict=True)],
        "disability_type": [t if x else None for t, x in zip(dis_type, disabled, strict=True)],
        "disability_grade": [g if x else None for g, x in zip(dis_grade, disabled, strict=True)],
        "employment": employment.tolist(),
        "employer_id": [None] * n,
        "medical_insurance": medical.tolist(),
        "medical_insurance_type": medical_type.tolist(),
        "pension_insurance": pension.tolist(),
        "elderly_allowance_entitled": elderly.tolist(),
        "elderly_allowance_paid": elderly_paid.tolist(),
        "dibao": dibao.tolist(),
    }

    # Organisations on shop doors.
    orgs = _organisations(city, shops, chunk.persons, age, rng, next_ids, used_uscc)
    chunk.organisations = orgs
    employed = np.flatnonzero((employment == "employed") & ~dead)
    enterprises = [i for i, t in enumerate(orgs["org_type"]) if t in ("enterprise", "institution")]
    if enterprises and len(employed):
        w = np.array([orgs["employees"][i] for i in enterprises], dtype=float) + 1
        pick = rng.choice(len(enterprises), size=len(employed), p=w / w.sum())
        with_employer = rng.random(len(employed)) < 0.6
        for i, p, ok in zip(employed, pick, with_employer, strict=True):
            if ok:
                chunk.persons["employer_id"][i] = orgs["organisation_id"][enterprises[p]]

    # Houses: every room, village house and premises.
    hh_at_room = {int(r): h for h, r in enumerate(hh_room)}
    alive_adults = np.flatnonzero((age >= 25) & ~dead & ~migrant)
    hid = next_ids["house"]
    houses: dict[str, list] = {
        k: []
        for k in ("house_id", "address_code", "area", "use", "owner_type", "owner_id", "occupied", "rented")
    }
    for i, (_comm, a) in enumerate(rooms):
        h = hh_at_room.get(i)
        if h is not None and not hh_rented[h]:
            owner_type, owner = "person", person_ids[head_index[h]]
        elif len(alive_adults) and rng.random() < 0.95:
            owner_type, owner = "person", person_ids[int(rng.choice(alive_adults))]
        elif orgs["organisation_id"]:
            owner_type, owner = (
                "organisation",
                orgs["organisation_id"][int(rng.integers(len(orgs["organisation_id"])))],
            )
        else:
            owner_type, owner = (
                "person",
                person_ids[int(rng.choice(alive_adults))] if len(alive_adults) else None,
            )
        _add_house(
            houses, hid, a, owner_type, owner, h is not None, bool(h is not None and hh_rented[h]), rng
        )
        hid += 1
    for i, (_comm, a) in enumerate(shops):
        owner_list = orgs["organisation_id"]
        owner = owner_list[i % len(owner_list)] if owner_list else None
        _add_house(houses, hid, a, "organisation" if owner else None, owner, owner is not None, False, rng)
        hid += 1
    next_ids["house"] = hid
    chunk.houses = houses
    return chunk


def _add_house(houses, hid, a: Address, owner_type, owner, occupied, rented, rng) -> None:
    houses["house_id"].append(f"F{hid:010d}")
    houses["address_code"].append(a.address_code)
    base = {"住宅": 95, "商业": 80, "办公": 150}[a.use] * (1.4 if a.level == "house" else 1.0)
    houses["area"].append(round(float(np.clip(rng.normal(base, base * 0.3), 25, 600)), 2))
    houses["use"].append(a.use)
    houses["owner_type"].append(owner_type)
    houses["owner_id"].append(owner)
    houses["occupied"].append(occupied)
    houses["rented"].append(rented)


def _uscc(rng: np.random.Generator, dept: str, kind: str, county: str, used: set[str]) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        body8 = "".join(alphabet[i] for i in rng.integers(0, 31, size=8))
        org = body8 + uscc.org_check_char(body8)
        if any(c not in alphabet for c in org):
            continue
        body = dept + kind + county + org
        code = body + uscc.check_char(body)
        if code not in used:
            used.add(code)
            return code


def _organisations(city: City, shops, persons, age, rng, next_ids, used_uscc) -> dict[str, list]:
    cols = (
        "organisation_id",
        "uscc",
        "name",
        "org_type",
        "legal_rep_id",
        "registered_address_code",
        "business_address_code",
        "industry",
        "industry_name",
        "status",
        "employees",
        "established",
    )
    orgs: dict[str, list] = {k: [] for k in cols}
    adults = np.flatnonzero((age >= 25) & (age < 75) & np.array(persons["alive"]))
    if not shops or not len(adults):
        return orgs
    short_city = city.city_name[:-1] if city.city_name.endswith("市") else city.city_name
    for comm, a in shops:
        oid = f"O{next_ids['organisation']:010d}"
        next_ids["organisation"] += 1
        roll = rng.random()
        kind = (
            "enterprise"
            if roll < 0.55
            else "individual"
            if roll < 0.9
            else "cooperative"
            if (roll < 0.93 and not comm.urban)
            else "social"
            if roll < 0.97
            else "institution"
        )
        dept, typ = {
            "enterprise": ("9", "1"),
            "individual": ("9", "2"),
            "cooperative": ("9", "3"),
            "social": ("5", "2"),
            "institution": ("1", "2"),
        }[kind]
        ind = int(rng.choice(len(INDUSTRIES), p=INDUSTRY_P / INDUSTRY_P.sum()))
        code, industry_name = INDUSTRIES[ind]
        stem = ORG_STEMS[rng.integers(len(ORG_STEMS))]
        rep = int(rng.choice(adults))
        if kind == "individual":
            name = f"{comm.district.name}{persons['name'][rep][0]}记{INDIVIDUAL_WORDS[rng.integers(len(INDIVIDUAL_WORDS))]}"
        elif kind == "cooperative":
            name = f"{comm.town.name}{comm.name}{stem}种植专业合作社"
        elif kind == "social":
            name = f"{short_city}{stem}{ORG_WORDS[code]}协会"
        elif kind == "institution":
            name = f"{short_city}{comm.district.name}{stem}{ORG_WORDS[code]}服务中心"
        else:
            form = "有限公司" if rng.random() < 0.8 else "股份有限公司"
            name = f"{short_city}{stem}{ORG_WORDS[code]}{form}"
        orgs["organisation_id"].append(oid)
        orgs["uscc"].append(_uscc(rng, dept, typ, comm.division.code[:6], used_uscc))
        orgs["name"].append(name)
        orgs["org_type"].append(kind)
        orgs["legal_rep_id"].append(persons["person_id"][rep])
        orgs["registered_address_code"].append(a.address_code)
        other = shops[int(rng.integers(len(shops)))][1].address_code
        orgs["business_address_code"].append(other if rng.random() < 0.1 else a.address_code)
        orgs["industry"].append(code)
        orgs["industry_name"].append(industry_name)
        status = ORG_STATUS[int(rng.choice(len(ORG_STATUS), p=[s for _, s in ORG_STATUS]))][0]
        orgs["status"].append(status)
        orgs["employees"].append(
            int(np.clip(rng.lognormal(1.5 if kind == "individual" else 2.5, 1.0), 1, 5000))
        )
        orgs["established"].append(REF_DATE - timedelta(days=int(rng.integers(30, 365 * 30))))
    return orgs
