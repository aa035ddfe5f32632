"""Unified social credit codes, GB 32100-2015, and organisation codes, GB 11714."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cn import uscc as _stdnum_uscc

from yishu.standards import divisions
from yishu.standards.text import halfwidth

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SEPARATORS = re.compile(r"[ \t\r\n-]")
_DIGITS6 = re.compile(r"[0-9]{6}")


def check_char(body17: str) -> str:
    """The 18th character of a credit code from its first 17."""
    if len(body17) != 17 or any(c not in ALPHABET for c in body17):
        raise ValueError(f"need 17 characters over {ALPHABET}, got {body17!r}")
    total = sum(ALPHABET.index(c) * w for c, w in zip(body17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    """The 9th character of an organisation code (GB 11714) from its first 8."""
    if len(body8) != 8 or any(c not in ORG_ALPHABET for c in body8):
        raise ValueError(f"need 8 characters over 0-9A-Z, got {body8!r}")
    total = sum(ORG_ALPHABET.index(c) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_valid_check(value: str) -> bool:
    """True when both the embedded organisation code and the credit code check hold."""
    if len(value) != 18 or any(c not in ALPHABET for c in value):
        return False
    org = value[8:17]
    if any(c not in ORG_ALPHABET for c in org[:8]) or org_check_char(org[:8]) != org[8]:
        return False
    return check_char(value[:17]) == value[17]


# --- parsing and validation -------------------------------------------------------------------------

# GB 32100-2015 annex: registering department (position 1) and organisation type (position 2).
DEPARTMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}


@dataclass(frozen=True, slots=True)
class CreditCode:
    """A valid unified social credit code and what it says."""

    code: str
    department: str
    department_name: str
    org_type: str
    org_type_name: str
    county_code: str
    county_name: str | None
    org_code: str  # GB 11714, formatted XXXXXXXX-X

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "department": self.department,
            "department_name": self.department_name,
            "org_type": self.org_type,
            "org_type_name": self.org_type_name,
            "county_code": self.county_code,
            "county_name": self.county_name,
            "org_code": self.org_code,
        }


def compact(value: str) -> str:
    """Half-width (see ``text``), without spaces and dashes, upper case."""
    return _SEPARATORS.sub("", halfwidth(value)).upper()


def validate_org_code(value: str) -> str:
    """An organisation code (GB 11714) as XXXXXXXX-X; ValueError with the reason otherwise."""
    code = compact(value)
    if len(code) != 9:
        raise ValueError(f"{value}: an organisation code has 9 characters, this has {len(code)}")
    if any(c not in ORG_ALPHABET for c in code[:8]) or code[8] not in "0123456789X":
        raise ValueError(f"{value}: an organisation code is 8 digits or capital letters and a digit or X")
    expected = org_check_char(code[:8])
    if code[8] != expected:
        raise ValueError(f"{value}: organisation code check character is {code[8]}, should be {expected}")
    return f"{code[:8]}-{code[8]}"


def is_valid_org_code(value: str) -> bool:
    try:
        validate_org_code(value)
    except ValueError:
        return False
    return True


def parse(value: str) -> CreditCode:
    """Validate a unified social credit code and split it into its parts.

    The check character is computed with python-stdnum (``stdnum.cn.uscc``); stdnum only accepts
    digits in positions 1-8 and does not check the embedded organisation code, so the department
    and type tables and the GB 11714 check are ours. The county code is looked up among current and
    historical codes; an unknown county is reported in ``county_name`` as None, not rejected
    (registrations use codes that were never county codes, e.g. 100000 for national bodies).
    """
    if not isinstance(value, str):
        raise ValueError(f"{value!r}: a credit code must be text")
    code = compact(value)
    if len(code) != 18:
        raise ValueError(f"{value}: a credit code has 18 characters, this has {len(code)}")
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        raise ValueError(f"{value}: characters {''.join(bad)} are not used in credit codes (no I O Z S V)")
    department = DEPARTMENTS.get(code[0])
    if department is None:
        raise ValueError(f"{value}: registering department {code[0]} does not exist")
    org_type_name = department[1].get(code[1])
    if org_type_name is None:
        raise ValueError(
            f"{value}: organisation type {code[1]} does not exist for department {department[0]}"
        )
    if not _DIGITS6.fullmatch(code[2:8]):
        raise ValueError(f"{value}: positions 3-8 must be a 6-digit division code")
    expected = _stdnum_uscc.calc_check_digit(code)
    if code[17] != expected:
        raise ValueError(f"{value}: check character is {code[17]}, should be {expected}")
    try:
        org_code = validate_org_code(code[8:17])
    except ValueError as exc:
        raise ValueError(f"{value}: embedded {exc}") from None
    county = code[2:8]
    try:
        county_name: str | None = divisions.describe(county).full_name
    except KeyError:
        county_name = None
    return CreditCode(code, code[0], department[0], code[1], org_type_name, county, county_name, org_code)


def validate(value: str) -> str:
    """The compact form of a valid credit code; ValueError with the reason otherwise."""
    return parse(value).code


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True
