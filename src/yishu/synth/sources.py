"""The departments' deliveries: who each source holds, its column names, formats and habits.

A source turns the truth of a chunk into records (role -> value, plus the truth behind the row);
``apply_defects`` spoils them at the documented rates; ``render`` writes them in the source's own
columns. Roles are the shared vocabulary: citizen_id, name, birth_date, address, phone, uscc ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np

from yishu.synth import defects as D
from yishu.synth.geography import Address, City, Community
from yishu.synth.names import homophone_variant, nickname
from yishu.synth.population import REF_DATE, Chunk

SEX = {"1": "男", "2": "女"}
ETHNICITY = {"01": "汉族", "03": "回族", "05": "维吾尔族", "06": "苗族", "11": "满族", "15": "土家族"}
MARITAL = {"10": "未婚", "20": "已婚", "30": "丧偶", "40": "离婚"}
RELATION = {"01": "户主", "10": "配偶", "20": "子女", "50": "父母"}
DISABILITY = {
    "1": "视力残疾",
    "2": "听力残疾",
    "3": "言语残疾",
    "4": "肢体残疾",
    "5": "智力残疾",
    "6": "精神残疾",
    "7": "多重残疾",
}
GRADE = {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}
EMPLOYMENT = {"employed": "在职", "flexible": "灵活就业", "unemployed": "失业", "retired": "退休"}


@dataclass
class Record:
    roles: dict[str, Any]
    entity_type: str
    entity_id: str
    address_code: str | None = None
    person_id: str | None = None
    organisation_id: str | None = None
    house_id: str | None = None
    moved_from: str | None = None  # previous address code, for people who moved
    birth_year: int | None = None
    flags: set[str] = field(default_factory=set)
    stale: bool = False


@dataclass(frozen=True)
class Column:
    name: str
    role: str
    fmt: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Source:
    name: str
    department: str
    stem: str
    fmt: str  # csv | xlsx | jsonl
    encoding: str  # gbk | utf-8-sig | utf-8
    entity_type: str
    date_format: str
    columns: tuple[Column, ...]
    select: Callable[[Chunk, Any], list[Record]]
    title: str | None = None
    groups: tuple[tuple[str, int], ...] | None = None
    date_roles: tuple[str, ...] = ()
    carries_actual_address: bool = False

    def rates(self) -> dict[str, float]:
        return {**D.RATES, **D.SOURCE_RATES.get(self.name, {})}


def _p(chunk: Chunk, i: int, *keys: str) -> list[Any]:
    return [chunk.persons[k][i] for k in keys]


def person_record(chunk: Chunk, i: int, address: str | None, actual: bool, **roles: Any) -> Record:
    p = chunk.persons
    rec = Record(
        roles={
            "citizen_id": p["citizen_id"][i],
            "name": p["name"][i],
            "sex": p["sex"][i],
            "birth_date": p["birth_date"][i],
            **roles,
        },
        entity_type="person",
        entity_id=p["person_id"][i],
        person_id=p["person_id"][i],
        address_code=address,
        birth_year=p["birth_date"][i].year,
        moved_from=p["previous_address_code"][i] if actual else None,
    )
    rec.roles["address"] = address
    return rec


# -- who each source holds ------------------------------------------------------------------
def sel_police(chunk: Chunk, ctx) -> list[Record]:
    p = chunk.persons
    out = []
    for i in range(len(p["person_id"])):
        if p["migrant"][i]:
            continue
        out.append(
            person_record(
                chunk,
                i,
                p["hukou_address_code"][i],
                False,
                ethnicity=p["ethnicity"][i],
                household=p["household_id"][i][1:],
                relation=p["relation"][i],
                marital=p["marital_status"][i],
                status="正常" if p["alive"][i] else "死亡注销",
            )
        )
    return out


def sel_health(chunk: Chunk, ctx) -> list[Record]:
    p = chunk.persons
    out = []
    for i in range(len(p["person_id"])):
        born_recently = (REF_DATE - p["birth_date"][i]).days < 3 * 365
        if born_recently or not p["alive"][i]:
            out.append(
                person_record(
                    chunk,
                    i,
                    p["actual_address_code"][i],
                    True,
                    event="出生" if born_recently and p["alive"][i] else "死亡",
                    death_date=p["death_date"][i],
                    issuer=ctx.hospital,
                )
            )
    return out


def sel_civil(chunk: Chunk, ctx) -> list[Record]:
    p = chunk.persons
    out = []
    for i in range(len(p["person_id"])):
        for flag, kind, amount in (
            ("elderly_allowance_paid", "高龄津贴", 100),
            ("dibao", "最低生活保障", 680),
        ):
            if p[flag][i]:
                out.append(
                    person_record(
                        chunk,
                        i,
                        p["actual_address_code"][i],
                        True,
                        benefit=kind,
                        amount=amount,
                        month="2026-10",
                        phone=p["phone"][i],
                    )
                )
    return out


def sel_disabled(chunk: Chunk, ctx) -> list[Record]:
    p = chunk.persons
    return [
        person_record(
            chunk,
            i,
            p["actual_address_code"][i],
            True,
            dis_type=p["disability_type"][i],
            dis_grade=p["disability_grade"][i],
            phone=p["phone"][i],
        )
        for i in range(len(p["person_id"]))
        if p["disability_type"][i] and p["alive"][i]
    ]


def sel_medical(chunk: Chunk, ctx) -> list[Record]:
    p = chunk.persons
    return [
        person_record(
            chunk,
            i,
            p["actual_address_code"][i],
            True,
            ins_type=p["medical_insurance_type"][i],
            enrolled=max(p["birth_date"][i], REF_DATE - timedelta(days=int(ctx.rng.integers(30, 5000)))),
            phone=p["phone"][i],
        )
        for i in range(len(p["person_id"]))
        if p["medical_insurance"][i]
    ]


def sel_hr(chunk: Chunk, ctx) -> list[Record]:
    p = chunk.persons
    org_name = dict(zip(chunk.organisations["organisation_id"], chunk.organisations["name"], strict=True))
    org_uscc = dict(zip(chunk.organisations["organisation_id"], chunk.organisations["uscc"], strict=True))
    out = []
    for i in range(len(p["person_id"])):
        if (
            not p["alive"][i]
            or (p["employment"][i] == "none")
            or (p["employment"][i] == "retired" and not p["pension_insurance"][i])
        ):
            continue
        emp = p["employer_id"][i]
        out.append(
            person_record(
                chunk,
                i,
                p["actual_address_code"][i],
                True,
                employment=EMPLOYMENT[p["employment"][i]],
                employer=org_name.get(emp),
                employer_uscc=org_uscc.get(emp),
                pension_type=(
                    "企业职工基本养老保险"
                    if p["employment"][i] in ("employed", "retired")
                    else "城乡居民基本养老保险"
                ),
                pension_status="正常参保" if p["pension_insurance"][i] else "未参保",
                phone=p["phone"][i],
            )
        )
    return out


def sel_rental(chunk: Chunk, ctx) -> list[Record]:
    p, h = chunk.persons, chunk.houses
    head_at: dict[str, int] = {}
    for i in range(len(p["person_id"])):
        if p["relation"][i] == "01" and p["alive"][i]:
            head_at.setdefault(p["actual_address_code"][i], i)
    idx_of = {pid: i for i, pid in enumerate(p["person_id"])}
    out = []
    for k in range(len(h["house_id"])):
        if not h["rented"][k] or h["address_code"][k] not in head_at:
            continue
        t = head_at[h["address_code"][k]]
        owner = idx_of.get(h["owner_id"][k]) if h["owner_type"][k] == "person" else None
        rec = person_record(
            chunk,
            t,
            h["address_code"][k],
            False,
            phone=p["phone"][t],
            house_no=f"ZJ{h['house_id'][k][1:]}",
            area=h["area"][k],
            use=h["use"][k],
            owner_name=p["name"][owner] if owner is not None else None,
            owner_id=p["citizen_id"][owner] if owner is not None else None,
            lease_start=REF_DATE - timedelta(days=int(ctx.rng.integers(10, 1500))),
        )
        rec.house_id = h["house_id"][k]
        out.append(rec)
    return out


def sel_property(chunk: Chunk, ctx) -> list[Record]:
    p, h, o = chunk.persons, chunk.houses, chunk.organisations
    idx_of = {pid: i for i, pid in enumerate(p["person_id"])}
    org_of = {oid: i for i, oid in enumerate(o["organisation_id"])}
    out = []
    for k in range(len(h["house_id"])):
        owner = h["owner_id"][k]
        if owner is None:
            continue
        roles: dict[str, Any] = {
            "address": h["address_code"][k],
            "area": h["area"][k],
            "use": h["use"][k],
            "unit_no": f"{h['address_code'][k][:6]}{h['house_id'][k][1:]}F{k % 10**8:08d}",
            "registered": REF_DATE - timedelta(days=int(ctx.rng.integers(30, 7000))),
        }
        rec = Record(
            roles, "house", h["house_id"][k], address_code=h["address_code"][k], house_id=h["house_id"][k]
        )
        if h["owner_type"][k] == "person":
            i = idx_of[owner]
            rec.roles.update(name=p["name"][i], citizen_id=p["citizen_id"][i], id_kind="居民身份证")
            rec.person_id, rec.birth_year = owner, p["birth_date"][i].year
        else:
            j = org_of[owner]
            rec.roles.update(org_name=o["name"][j], uscc=o["uscc"][j], id_kind="统一社会信用代码")
            rec.organisation_id = owner
        out.append(rec)
    return out


def org_record(chunk: Chunk, j: int, address_key: str, **roles: Any) -> Record:
    o = chunk.organisations
    return Record(
        {
            "uscc": o["uscc"][j],
            "org_name": o["name"][j],
            "address": o[address_key][j],
            "industry": o["industry"][j],
            "established": o["established"][j],
            **roles,
        },
        "organisation",
        o["organisation_id"][j],
        address_code=o[address_key][j],
        organisation_id=o["organisation_id"][j],
    )


def sel_market(chunk: Chunk, ctx) -> list[Record]:
    o, p = chunk.organisations, chunk.persons
    idx_of = {pid: i for i, pid in enumerate(p["person_id"])}
    kinds = {"enterprise": "有限责任公司", "individual": "个体工商户", "cooperative": "农民专业合作社"}
    out = []
    for j in range(len(o["organisation_id"])):
        if o["uscc"][j][0] != "9":
            continue
        rep = idx_of[o["legal_rep_id"][j]]
        out.append(
            org_record(
                chunk,
                j,
                "registered_address_code",
                kind=kinds[o["org_type"][j]],
                rep_name=p["name"][rep],
                rep_id=p["citizen_id"][rep],
                status=o["status"][j],
                employees=o["employees"][j],
            )
        )
    return out


def sel_tax(chunk: Chunk, ctx) -> list[Record]:
    o, p = chunk.organisations, chunk.persons
    idx_of = {pid: i for i, pid in enumerate(p["person_id"])}
    status = {"存续": "正常", "在业": "正常", "注销": "注销", "吊销": "非正常"}
    return [
        org_record(
            chunk,
            j,
            "business_address_code",
            rep_name=p["name"][idx_of[o["legal_rep_id"][j]]],
            status=status[o["status"][j]],
        )
        for j in range(len(o["organisation_id"]))
        if o["status"][j] != "吊销" or ctx.rng.random() < 0.5
    ]


def sel_grid(chunk: Chunk, ctx) -> list[Record]:
    p = chunk.persons
    grid_of = {a.address_code: a.grid_code for _c, a in chunk.addresses}
    grids = sorted({grid_of[c] for c in p["actual_address_code"]})
    visited = {g for g in grids if ctx.rng.random() < 0.3}
    out = []
    for i in range(len(p["person_id"])):
        code = p["actual_address_code"][i]
        if grid_of[code] in visited and p["alive"][i]:
            age = (REF_DATE - p["birth_date"][i]).days // 365
            out.append(
                person_record(
                    chunk,
                    i,
                    code,
                    True,
                    grid=grid_of[code],
                    phone=p["phone"][i],
                    age=age,
                    kind="流动人口" if p["migrant"][i] else "户籍人口",
                    collected=REF_DATE - timedelta(days=int(ctx.rng.integers(1, 200))),
                )
            )
    return out


def make_sources(city_name: str) -> tuple[Source, ...]:
    c = city_name or "本市"
    return (
        Source(
            "公安户籍人口",
            f"{c}公安局",
            "公安户籍人口",
            "csv",
            "gbk",
            "person",
            "compact",
            (
                Column("公民身份号码", "citizen_id"),
                Column("姓名", "name"),
                Column("性别", "sex", SEX.get),
                Column("民族", "ethnicity", ETHNICITY.get),
                Column("出生日期", "birth_date"),
                Column("户号", "household"),
                Column("与户主关系", "relation", RELATION.get),
                Column("婚姻状况", "marital", MARITAL.get),
                Column("户籍地址", "address"),
                Column("人员状态", "status"),
            ),
            sel_police,
            date_roles=("birth_date",),
        ),
        Source(
            "卫健出生与死亡",
            f"{c}卫生健康委员会",
            "卫健出生与死亡",
            "xlsx",
            "utf-8",
            "person",
            "iso",
            (
                Column("事件类型", "event"),
                Column("姓名", "name"),
                Column("性别代码", "sex"),
                Column("身份证件号码", "citizen_id"),
                Column("出生日期", "birth_date"),
                Column("死亡日期", "death_date"),
                Column("签发机构", "issuer"),
                Column("家庭住址", "address"),
            ),
            sel_health,
            title=f"{c}卫生健康委员会出生与死亡登记表（截至2026年10月）",
            groups=(("基本信息", 4), ("事件信息", 3), ("住址", 1)),
            date_roles=("birth_date", "death_date"),
            carries_actual_address=True,
        ),
        Source(
            "民政救助与高龄津贴",
            f"{c}民政局",
            "民政救助与高龄津贴",
            "jsonl",
            "utf-8",
            "person",
            "slash",
            (
                Column("xm", "name"),
                Column("sfzh", "citizen_id"),
                Column("csrq", "birth_date"),
                Column("jzlx", "benefit"),
                Column("ffje", "amount"),
                Column("ffyf", "month"),
                Column("jtzz", "address"),
                Column("lxdh", "phone"),
            ),
            sel_civil,
            date_roles=("birth_date",),
            carries_actual_address=True,
        ),
        Source(
            "残联残疾人",
            f"{c}残疾人联合会",
            "残联残疾人",
            "csv",
            "utf-8-sig",
            "person",
            "slash",
            (
                Column("残疾人证号", "disability_no"),
                Column("姓名", "name"),
                Column("性别", "sex", SEX.get),
                Column("出生年月", "birth_date"),
                Column("残疾类别", "dis_type", DISABILITY.get),
                Column("残疾等级", "dis_grade", GRADE.get),
                Column("居住地址", "address"),
                Column("联系电话", "phone"),
            ),
            sel_disabled,
            date_roles=("birth_date",),
            carries_actual_address=True,
        ),
        Source(
            "医保参保",
            f"{c}医疗保障局",
            "医保参保",
            "csv",
            "gbk",
            "person",
            "slash_padded",
            (
                Column("证件号码", "citizen_id"),
                Column("参保人姓名", "name"),
                Column("性别", "sex", SEX.get),
                Column("出生日期", "birth_date"),
                Column("参保类型", "ins_type"),
                Column("参保日期", "enrolled"),
                Column("联系电话", "phone"),
                Column("常住地址", "address"),
            ),
            sel_medical,
            date_roles=("birth_date", "enrolled"),
            carries_actual_address=True,
        ),
        Source(
            "人社就业与养老保险",
            f"{c}人力资源和社会保障局",
            "人社就业与养老保险",
            "xlsx",
            "utf-8",
            "person",
            "chinese",
            (
                Column("社会保障号码", "citizen_id"),
                Column("姓名", "name"),
                Column("性别", "sex", SEX.get),
                Column("出生年月日", "birth_date"),
                Column("就业状态", "employment"),
                Column("工作单位", "employer"),
                Column("单位统一社会信用代码", "employer_uscc"),
                Column("养老保险类型", "pension_type"),
                Column("参保状态", "pension_status"),
                Column("联系电话", "phone"),
                Column("联系地址", "address"),
            ),
            sel_hr,
            title=f"{c}人力资源和社会保障局就业与养老保险参保信息",
            groups=(("人员信息", 4), ("就业信息", 3), ("养老保险", 2), ("联系方式", 2)),
            date_roles=("birth_date",),
            carries_actual_address=True,
        ),
        Source(
            "住建房屋与租赁登记",
            f"{c}住房和城乡建设局",
            "住建房屋与租赁登记",
            "csv",
            "utf-8-sig",
            "person",
            "dotted_dmy",
            (
                Column("房屋编号", "house_no"),
                Column("房屋坐落", "address"),
                Column("建筑面积", "area"),
                Column("房屋用途", "use"),
                Column("出租人姓名", "owner_name"),
                Column("出租人证件号码", "owner_id"),
                Column("承租人姓名", "name"),
                Column("承租人证件号码", "citizen_id"),
                Column("承租人联系电话", "phone"),
                Column("租赁起始日期", "lease_start"),
            ),
            sel_rental,
            date_roles=("lease_start",),
        ),
        Source(
            "不动产登记",
            f"{c}自然资源和规划局",
            "不动产登记",
            "csv",
            "gbk",
            "house",
            "iso_time",
            (
                Column("不动产单元号", "unit_no"),
                Column("权利人", "owner"),
                Column("证件种类", "id_kind"),
                Column("证件号码", "owner_code"),
                Column("坐落", "address"),
                Column("建筑面积", "area"),
                Column("规划用途", "use"),
                Column("登记时间", "registered"),
            ),
            sel_property,
            date_roles=("registered",),
        ),
        Source(
            "市场监管企业登记",
            f"{c}市场监督管理局",
            "市场监管企业登记",
            "xlsx",
            "utf-8",
            "organisation",
            "excel_serial",
            (
                Column("统一社会信用代码", "uscc"),
                Column("企业名称", "org_name"),
                Column("市场主体类型", "kind"),
                Column("法定代表人", "rep_name"),
                Column("法定代表人证件号码", "rep_id"),
                Column("住所", "address"),
                Column("成立日期", "established"),
                Column("登记状态", "status"),
                Column("行业门类", "industry"),
                Column("从业人数", "employees"),
            ),
            sel_market,
            title=f"{c}市场主体登记信息表",
            groups=(("主体信息", 3), ("法定代表人", 2), ("登记信息", 5)),
            date_roles=("established",),
        ),
        Source(
            "税务登记",
            f"国家税务总局{c}税务局",
            "税务登记",
            "jsonl",
            "utf-8",
            "organisation",
            "compact",
            (
                Column("nsrsbh", "uscc"),
                Column("nsrmc", "org_name"),
                Column("fddbrxm", "rep_name"),
                Column("scjydz", "address"),
                Column("djrq", "established"),
                Column("nsrzt", "status"),
                Column("hydm", "industry"),
            ),
            sel_tax,
            date_roles=("established",),
        ),
        Source(
            "网格员采集",
            f"{c}社会治理网格化服务中心",
            "网格员采集",
            "csv",
            "utf-8",
            "person",
            "slash",
            (
                Column("所属网格", "grid"),
                Column("姓名", "name"),
                Column("身份证", "citizen_id"),
                Column("手机", "phone"),
                Column("住址", "address"),
                Column("人员类别", "kind"),
                Column("采集日期", "collected"),
            ),
            sel_grid,
            date_roles=("collected",),
            carries_actual_address=True,
        ),
    )


# -- defects --------------------------------------------------------------------------------
def apply_defects(source: Source, records: list[Record], rng: np.random.Generator) -> None:
    """Spoil the records' role values at the source's rates, recording each defect in ``flags``."""
    rates = source.rates()
    n = len(records)
    if not n:
        return
    roles_present = {k for r in records[:50] for k in r.roles}

    def mark(name: str, eligible: np.ndarray, taken: np.ndarray | None = None) -> np.ndarray:
        chosen = D.pick(rng, eligible, rates[name], taken)
        for i in chosen:
            records[i].flags.add(name)
        return chosen

    has = lambda role: np.array([r.roles.get(role) is not None for r in records])  # noqa: E731
    if "citizen_id" in roles_present:
        ids = has("citizen_id")
        for i in mark("id_missing", ids):
            records[i].roles["citizen_id"] = None
        delivered = has("citizen_id")
        taken = np.zeros(n, dtype=bool)
        for i in mark("id_typo", delivered, taken):
            records[i].roles["citizen_id"] = D.id_typo(records[i].roles["citizen_id"], rng)
        for i in mark("id_transposition", delivered, taken):
            swapped = D.id_transposition(records[i].roles["citizen_id"], rng)
            if swapped is None:
                records[i].flags.discard("id_transposition")
            else:
                records[i].roles["citizen_id"] = swapped
        born_19xx = delivered & np.array(
            [r.birth_year is not None and 1900 <= r.birth_year <= 1999 for r in records]
        )
        for i in mark("id_legacy15", born_19xx, taken):
            records[i].roles["citizen_id"] = D.id_legacy15(records[i].roles["citizen_id"])
        for i in mark("id_fullwidth", delivered, taken):
            records[i].roles["citizen_id"] = records[i].roles["citizen_id"].translate(D.FULLWIDTH)
    if "name" in roles_present:
        names = has("name")
        taken = np.zeros(n, dtype=bool)
        if source.name == "网格员采集":
            for i in mark("nickname", names, taken):
                r = records[i]
                r.roles["name"] = nickname(r.roles["name"], r.roles.get("age", 40), rng)
        trad = names & np.array(
            [r.roles.get("name") is not None and D.s2t(r.roles["name"]) != r.roles["name"] for r in records]
        )
        for i in mark("name_traditional", trad, taken):
            records[i].roles["name"] = D.s2t(records[i].roles["name"])
        homo = names & np.array(
            [
                r.roles.get("name") is not None and homophone_variant(r.roles["name"], rng) is not None
                for r in records
            ]
        )
        for i in mark("name_homophone", homo, taken):
            records[i].roles["name"] = homophone_variant(records[i].roles["name"], rng)
        for i in mark("name_space", names, taken):
            name = records[i].roles["name"]
            k = int(rng.integers(1, len(name))) if len(name) > 1 else 0
            records[i].roles["name"] = [f" {name}", f"{name} ", f"{name[:k]} {name[k:]}"][
                int(rng.integers(3))
            ]
    for role in source.date_roles:
        dates = has(role)
        for i in mark("date_mixed_format", dates):
            records[i].flags.add(f"date_mixed_format:{role}")
    if "phone" in roles_present:
        phones = has("phone")
        taken = np.zeros(n, dtype=bool)
        for i in mark("phone_old", phones, taken):
            records[i].roles["phone"] = f"1{rng.integers(3, 10)}{rng.integers(0, 10**9):09d}"
        for i in mark("phone_format", phones, taken):
            ph = records[i].roles["phone"]
            records[i].roles["phone"] = [
                f"+86 {ph}",
                f"{ph[:3]}-{ph[3:7]}-{ph[7:]}",
                f"{ph[:3]} {ph[3:7]} {ph[7:]}",
            ][int(rng.integers(3))]
    if "uscc" in roles_present:
        codes = has("uscc")
        for i in mark("uscc_missing", codes):
            records[i].roles["uscc"] = None
        for i in mark("uscc_typo", has("uscc")):
            code = records[i].roles["uscc"]
            k = int(rng.integers(0, 18))
            options = [ch for ch in D.USCC_ALPHABET if ch != code[k]]
            records[i].roles["uscc"] = code[:k] + options[int(rng.integers(len(options)))] + code[k + 1 :]
    if "org_name" in roles_present:
        for i in mark("org_name_variant", has("org_name")):
            records[i].roles["org_name"] = D.org_name_variant(records[i].roles["org_name"], rng)
    if "area" in roles_present:
        for i in mark("area_conflict", has("area")):
            a = records[i].roles["area"]
            records[i].roles["area"] = round(a * (1 + rng.choice([-1, 1]) * rng.uniform(0.05, 0.2)), 2)
    if "address" in roles_present:
        addr = has("address")
        if source.carries_actual_address:
            moved = addr & np.array([r.moved_from is not None for r in records])
            for i in mark("stale_address", moved):
                r = records[i]
                r.roles["address"] = r.address_code = r.moved_from
                r.stale = True
        for name in ("addr_missing_levels", "addr_abbreviation", "addr_chinese_numerals"):
            mark(name, addr)
        room_level = addr & np.array(
            [r.roles.get("address") is not None and r.roles["address"][-9:] != "0" * 9 for r in records]
        )
        mark("addr_building_word", room_level)
        mark("addr_unit_form", room_level)
        mark("addr_old_road_name", addr & np.array([r.roles.get("address") in _OLD_ROAD for r in records]))


_OLD_ROAD: set[str] = set()  # address codes on roads that have an old name; filled per chunk by render_chunk


# -- rendering ------------------------------------------------------------------------------
def short_name(name: str) -> str:
    for suffix in ("自治县", "区", "县", "市", "社区", "村", "街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def render_address(
    city: City,
    comm: Community,
    a: Address,
    flags: set[str],
    rng: np.random.Generator,
    free_text: bool = False,
) -> str:
    num = D.chinese_number if "addr_chinese_numerals" in flags else str
    district, community = comm.district.name, comm.name
    if "addr_abbreviation" in flags:
        district, community = short_name(district), short_name(community)
    if free_text:
        head = "" if a.compound else community
    elif "addr_missing_levels" in flags:
        head = (district if rng.random() < 0.6 else "") + comm.town.name + community
    else:
        head = city.province.name + city.city_name + district + comm.town.name + community
    if a.village_group is not None:
        return f"{head}{num(a.village_group)}组{num(a.door_no)}号"
    road = a.road_old_name if ("addr_old_road_name" in flags and a.road_old_name) else a.road
    text = head if (free_text and a.compound) else f"{head}{road}{num(a.door_no)}号"
    if a.compound:
        word = "栋"
        if "addr_building_word" in flags:
            word = "幢" if rng.random() < 0.5 else "号楼"
        if "addr_unit_form" in flags and rng.random() < 0.5:
            return f"{text}{a.compound}{a.building}-{a.unit}-{a.room}"
        unit = f"{num(a.unit)}门" if "addr_unit_form" in flags else f"{num(a.unit)}单元"
        text += f"{a.compound}{num(a.building)}{word}{unit}{a.room}室"
    return text


def render_value(source: Source, role: str, rec: Record, ctx) -> Any:
    value = rec.roles.get(role)
    if role == "address" and value is not None:
        comm, a = ctx.address_index[value]
        return render_address(ctx.city, comm, a, rec.flags, ctx.rng, free_text=source.name == "网格员采集")
    if role in source.date_roles:
        fmt = source.date_format
        if f"date_mixed_format:{role}" in rec.flags:
            others = [
                f for f in D.DATE_FORMATS if f != fmt and not (source.fmt != "xlsx" and f == "excel_serial")
            ]
            fmt = others[int(ctx.rng.integers(len(others)))]
        value = D.format_date(value, fmt)
        if source.fmt == "jsonl" and isinstance(value, int):
            value = str(value)
        return value
    if role == "disability_no":
        cid = rec.roles.get("citizen_id")
        return None if cid is None else f"{cid}{rec.roles['dis_type']}{rec.roles['dis_grade']}"
    if role == "owner":
        return rec.roles.get("name") or rec.roles.get("org_name")
    if role == "owner_code":
        return (
            rec.roles.get("citizen_id") if rec.roles.get("id_kind") == "居民身份证" else rec.roles.get("uscc")
        )
    return value
