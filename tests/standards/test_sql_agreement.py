"""The SQL forms agree with the Python forms.

One million citizen IDs (valid and corrupted) are checked against a numpy reference written
independently of both; smaller mixed samples are checked against the plain Python API.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pyarrow as pa
import pytest

from yishu.standards import citizen_id, codelists, dates, divisions, names, phone, uscc

COUNTIES = sorted(c for c in divisions.current_county_codes() if not c.endswith("00"))
HISTORICAL = sorted(c for c in divisions.historical_counties() if c not in divisions.current_county_codes())
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])


def numpy_valid(ids: list[str], today: dt.date) -> np.ndarray:
    """Independent vectorised reference: form, check character, birth date, known county."""
    arr = np.array(ids, dtype="U18")
    lengths = np.char.str_len(arr)
    chars = arr.view("U1").reshape(len(arr), 18).view(np.int32) if arr.dtype == np.dtype("U18") else None
    codes = np.zeros((len(arr), 18), dtype=np.int64)
    codes[:, :] = chars
    digits = codes - ord("0")
    body_ok = np.all((digits[:, :17] >= 0) & (digits[:, :17] <= 9), axis=1)
    last = codes[:, 17]
    last_ok = ((last >= ord("0")) & (last <= ord("9"))) | (last == ord("X"))
    form = (lengths == 18) & body_ok & last_ok
    d17 = np.where(body_ok[:, None], digits[:, :17], 0)
    remainder = (d17 @ WEIGHTS) % 11
    expected = np.frombuffer(b"10X98765432", dtype=np.uint8)[remainder].astype(np.int64)
    check = last == expected
    y = d17[:, 6] * 1000 + d17[:, 7] * 100 + d17[:, 8] * 10 + d17[:, 9]
    m = d17[:, 10] * 10 + d17[:, 11]
    d = d17[:, 12] * 10 + d17[:, 13]
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(m, 0, 12)]
    month_days = month_days + ((m == 2) & leap)
    date_ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= month_days)
    ymd = y * 10000 + m * 100 + d
    date_ok &= (ymd >= 18500101) & (ymd <= int(today.strftime("%Y%m%d")))
    county = d17[:, :6] @ np.array([100000, 10000, 1000, 100, 10, 1])
    known = np.array(sorted(int(c) for c in divisions.known_county_codes() if not c.endswith("00")))
    county_ok = np.isin(county, known)
    return form & check & date_ok & county_ok


def generate_ids(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    county_pool = np.array(COUNTIES + HISTORICAL[:200])
    counties = county_pool[rng.integers(0, len(county_pool), n)]
    born = np.datetime64("1900-01-01") + rng.integers(0, 46000, n).astype("timedelta64[D]")
    born_s = np.char.replace(born.astype("U10"), "-", "")
    seq = np.char.zfill(rng.integers(0, 1000, n).astype("U3"), 3)
    bodies = np.char.add(np.char.add(counties, born_s), seq)
    digits = bodies.view("U1").reshape(n, 17).view(np.int32) - ord("0")
    checks = np.frombuffer(b"10X98765432", dtype=np.uint8)[(digits @ WEIGHTS) % 11].view("S1").astype("U1")
    ids = np.char.add(bodies, checks).tolist()
    kinds = rng.integers(0, 10, n)
    positions = rng.integers(0, 18, n)
    digits_new = rng.integers(0, 10, n)
    out = []
    for s, kind, p, c in zip(ids, kinds.tolist(), positions.tolist(), digits_new.tolist(), strict=True):
        if kind == 1:  # one digit changed
            s = s[:p] + str(c) + s[p + 1 :]
        elif kind == 2 and p < 17:  # adjacent transposition
            s = s[:p] + s[p + 1] + s[p] + s[p + 2 :]
        elif kind == 3:  # random digits
            s = "".join(random.Random(p * 1000 + c).choices("0123456789", k=17)) + "X"
        elif kind == 4:  # impossible date
            s = s[:12] + "31" + s[14:]
        out.append(s)
    return out


def test_one_million_ids_agree_with_numpy_reference(con) -> None:
    ids = generate_ids(1_000_000, seed=20261122)
    today = dt.date.today()
    expected = numpy_valid(ids, today)
    con.register("agree_ids", pa.table({"v": ids}))
    got = con.execute(
        "SELECT yishu_id_valid(v) AS ok, yishu_id_valid18(v) AS ok18, yishu_id_check_ok(v) AS c FROM agree_ids"
    ).arrow()
    if not isinstance(got, pa.Table):
        got = got.read_all()
    con.unregister("agree_ids")
    ok = got.column("ok").to_numpy(zero_copy_only=False)
    assert 0.3 < expected.mean() < 0.9  # both valid and invalid values are represented
    mismatches = np.flatnonzero(ok != expected)
    assert mismatches.size == 0, [ids[i] for i in mismatches[:5]]
    # every generated value is already compact: the compact-form macro must give the same verdicts
    ok18 = got.column("ok18").to_numpy(zero_copy_only=False)
    assert np.array_equal(ok18, expected)
    # the Python API agrees on a sample
    sample = random.Random(7).sample(range(len(ids)), 20_000)
    assert all(citizen_id.is_valid(ids[i]) == bool(expected[i]) for i in sample)
    assert all(citizen_id.is_valid_check(ids[i]) == got.column("c")[i].as_py() for i in sample)


def _mess(value: str, rng: random.Random) -> str:
    choice = rng.randrange(6)
    if choice == 0:
        return value.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    if choice == 1:
        return f" {value[:6]} {value[6:14]} {value[14:]} "
    if choice == 2:
        return value.lower()
    if choice == 3 and value[6:8] == "19":
        return value[:6] + value[8:17]
    if choice == 4:
        return value[:-1]
    return value


def _sql_column(con, function: str, values: list[object]) -> list[object]:
    con.register("agree_values", pa.table({"v": pa.array(values, pa.string())}))
    try:
        return [r[0] for r in con.execute(f"SELECT {function}(v) FROM agree_values").fetchall()]
    finally:
        con.unregister("agree_values")


def _python_or_none(function, value):  # noqa: ANN001, ANN202
    try:
        return function(value)
    except ValueError:
        return None


def test_messy_ids_agree_with_python(con) -> None:
    rng = random.Random(11)
    values = [_mess(v, rng) for v in generate_ids(30_000, seed=3)]
    got = _sql_column(con, "yishu_id_normalise", values)
    expected = [_python_or_none(citizen_id.validate, v) for v in values]
    assert got == expected
    assert sum(e is not None for e in expected) > 10_000


def _random_credit_code(rng: random.Random) -> str:
    pairs = [dep + t for dep, (_n, types) in uscc.DEPARTMENTS.items() for t in types]
    org8 = "".join(rng.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=8))
    body = rng.choice(pairs) + rng.choice(COUNTIES) + org8 + uscc.org_check_char(org8)
    code = body + (uscc.check_char(body) if all(c in uscc.ALPHABET for c in body) else "0")
    kind = rng.randrange(5)
    if kind == 1:
        p = rng.randrange(18)
        code = code[:p] + rng.choice(uscc.ALPHABET) + code[p + 1 :]
    elif kind == 2:
        code = code.lower()
    elif kind == 3:
        code = code[:8] + "-" + code[8:]
    return code


def test_credit_codes_agree_with_python(con) -> None:
    rng = random.Random(5)
    values = [_random_credit_code(rng) for _ in range(100_000)]
    got = _sql_column(con, "yishu_uscc_normalise", values)
    expected = [_python_or_none(uscc.validate, v) for v in values]
    assert got == expected
    assert 0.3 < sum(e is not None for e in expected) / len(expected) < 0.95


def _random_phone(rng: random.Random) -> str:
    mobile = "1" + rng.choice("3456789") + "".join(rng.choices("0123456789", k=9))
    area = rng.choice(["010", "021", "0535", "0714", "0871"])
    local = rng.choice("23456789") + "".join(rng.choices("0123456789", k=rng.choice([6, 7])))
    forms = [
        mobile,
        f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}",
        f"0086-{mobile}",
        f"86{mobile}",
        f"{area}-{local}",
        f"({area}){local}",
        f"+86 {area[1:]} {local}",
        f"{area}-{local}-{rng.randint(1, 9999)}",
        f"{area}-{local}转{rng.randint(1, 999)}",
        f"{area} {local} ext {rng.randint(1, 99)}",
        local,
        mobile[:-1],
        "12" + mobile[2:],
        "".join(rng.choices("0123456789 -+", k=rng.randint(5, 16))),
        mobile.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ]
    return rng.choice(forms)


def test_phones_agree_with_python(con) -> None:
    rng = random.Random(9)
    values = [_random_phone(rng) for _ in range(50_000)]
    got = _sql_column(con, "yishu_phone", values)
    expected = [_python_or_none(phone.normalise_phone, v) for v in values]
    assert got == expected
    assert 0.3 < sum(e is not None for e in expected) / len(expected) < 0.95


def _random_date(rng: random.Random) -> str:
    y, m, d = rng.randint(1790, 2210), rng.randint(0, 13), rng.randint(0, 32)
    forms = [
        f"{y}-{m:02d}-{d:02d}",
        f"{y}/{m}/{d}",
        f"{y}.{m}.{d}",
        f"{y}{m:02d}{d:02d}",
        f"{y}年{m}月{d}日",
        f"{y % 100:02d}年{m}月{d}号",
        f"{d}.{m}.{y}",
        f"{m}/{d}/{y}",
        f"{d}-{m}-{y % 100:02d}",
        f"{y}-{m:02d}-{d:02d} 12:30:00",
        str(rng.randint(10000, 80000)),
        f"{rng.randint(10000, 80000)}.5",
        f"{y}-{m}/{d}",
        "not a date",
    ]
    return rng.choice(forms)


def test_dates_agree_with_python(con) -> None:
    rng = random.Random(13)
    values = [_random_date(rng) for _ in range(50_000)]
    got = _sql_column(con, "yishu_date", values)
    expected = [_python_or_none(dates.parse_date, v) for v in values]
    assert got == expected
    assert 0.2 < sum(e is not None for e in expected) / len(expected) < 0.9


def test_excel_serials_agree(con) -> None:
    serials = [float(s) for s in range(-2, 73060)] + [60.5, 59.99, 61.01]
    got = [
        r[0]
        for r in con.execute("SELECT yishu_excel_date(s) FROM unnest(?::DOUBLE[]) t(s)", [serials]).fetchall()
    ]
    expected = [_python_or_none(dates.from_excel_serial, s) for s in serials]
    assert got == expected


@pytest.mark.parametrize(
    "values",
    [
        [
            "張 三",
            " 阿沛•阿旺晋美 ",
            "阿沛 . 阿旺晋美",
            "ＷＡＮＧ　Ｘｉａｏ",
            "王  小明",
            "買買提．艾力．甲",
            "John  Smith",
            "  ",
            "李·四",
        ],
    ],
)
def test_names_agree_with_python(con, values: list[str]) -> None:
    rng = random.Random(17)
    pool = "张王李趙錢孫 ·•．.ＡaB　\t"
    values = values + ["".join(rng.choices(pool, k=rng.randint(0, 8))) for _ in range(5000)]
    got = _sql_column(con, "yishu_name", values)
    expected = [_python_or_none(names.normalise_name, v) for v in values]
    assert got == expected


@pytest.mark.parametrize("codelist", list(codelists.CODE_LISTS.values()), ids=list(codelists.CODE_LISTS))
def test_code_lists_agree_with_python(con, codelist: codelists.CodeList) -> None:
    function = {"sex": "yishu_sex_code", "ethnicity": "yishu_ethnicity_code"}.get(
        codelist.name, "yishu_marital_status_code"
    )
    keys = list(codelist.lookup_table())
    values = keys + [k.upper() + " " for k in keys] + ["单身", "", "x族", "Ｍ"]
    got = _sql_column(con, function, values)
    expected = [_python_or_none(codelist.code, v) for v in values]
    assert got == expected


def test_register_installs_once_and_registered_tells() -> None:
    import duckdb

    from yishu.standards import sql

    fresh = duckdb.connect()
    assert not sql.registered(fresh)
    sql.register(fresh)
    assert sql.registered(fresh)
    assert fresh.execute("SELECT yishu_t2s('臺灣')").fetchall() == [("台湾",)]
    # a second register is a no-op: a table it would replace keeps what was put in it meanwhile
    fresh.execute("INSERT INTO yishu_division VALUES ('999999', 'marker')")
    sql.register(fresh)
    assert fresh.execute("SELECT count(*) FROM yishu_division WHERE code = '999999'").fetchall() == [(1,)]
    assert not sql.registered(duckdb.connect())  # temporary: another connection has none
