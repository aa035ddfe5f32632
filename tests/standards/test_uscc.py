from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from yishu.standards import uscc

PAIRS = [dep + t for dep, (_name, types) in uscc.DEPARTMENTS.items() for t in types]
ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def build(pair: str, county: str, org8: str) -> str:
    body = pair + county + org8 + uscc.org_check_char(org8)
    return body + uscc.check_char(body)


codes = st.builds(
    build,
    st.sampled_from(PAIRS),
    st.sampled_from(["110105", "350100", "370602", "420202"]),
    st.text(ORG_CHARS, min_size=8, max_size=8),
).filter(lambda c: all(ch in uscc.ALPHABET for ch in c))


@settings(max_examples=300, derandomize=True)
@given(codes)
def test_every_generated_credit_code_passes(code: str) -> None:
    assert uscc.is_valid_check(code)
    assert uscc.validate(code) == code
    assert stdnum_uscc.calc_check_digit(code) == code[17]


@settings(max_examples=200, derandomize=True)
@given(codes, st.integers(0, 17), st.data())
def test_one_character_change_fails(code: str, position: int, data: st.DataObject) -> None:
    c = data.draw(st.sampled_from([a for a in uscc.ALPHABET if a != code[position]]))
    assert not uscc.is_valid(code[:position] + c + code[position + 1 :])


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("91350100M000100Y4", "has 18 characters, this has 17"),
        ("91350100M000100Y44", "check character is 4, should be 3"),
        ("9135010OM000100Y43", "characters O are not used"),
        ("B1350100M000100Y43", "registering department B does not exist"),
        ("94350100M000100Y43", "organisation type 4 does not exist"),
    ],
)
def test_invalid_codes_say_why(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        uscc.parse(value)


def test_embedded_org_code_is_checked() -> None:
    body = "91350100" + "M000100Y" + "5"  # wrong GB 11714 check character
    code = body + uscc.check_char(body)
    with pytest.raises(
        ValueError, match="embedded M000100Y5: organisation code check character is 5, should be 4"
    ):
        uscc.parse(code)


def test_org_code() -> None:
    assert uscc.validate_org_code("M000100Y4") == "M000100Y-4"
    assert uscc.is_valid_org_code("M000100Y-4")
    assert not uscc.is_valid_org_code("M000100Y-5")
