from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yishu.standards import citizen_id, divisions

COUNTIES = sorted(c for c in divisions.current_county_codes() if not c.endswith("00"))
TODAY = dt.date(2026, 1, 1)

bodies = st.builds(
    lambda county, born, seq: county + born.strftime("%Y%m%d") + f"{seq:03d}",
    st.sampled_from(COUNTIES),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(0, 999),
)


@settings(max_examples=300, derandomize=True)
@given(bodies)
def test_every_generated_id_passes_and_every_single_digit_change_fails(body: str) -> None:
    number = body + citizen_id.check_char(body)
    assert citizen_id.is_valid_check(number)
    assert citizen_id.parse(number, today=TODAY).number == number
    for i in range(18):
        for c in "0123456789X" if i == 17 else "0123456789":
            if c != number[i]:
                assert not citizen_id.is_valid_check(number[:i] + c + number[i + 1 :])


@settings(max_examples=300, derandomize=True)
@given(st.text("0123456789", min_size=15, max_size=15))
def test_every_15_digit_number_upgrades_and_round_trips(legacy: str) -> None:
    upgraded = citizen_id.upgrade_15(legacy)
    assert len(upgraded) == 18
    assert upgraded[6:8] == "19"
    assert citizen_id.is_valid_check(upgraded)
    assert citizen_id.downgrade_18(upgraded) == legacy


@settings(max_examples=100, derandomize=True)
@given(bodies, st.integers(0, 16), st.data())
def test_repair_finds_the_original_after_one_typo(body: str, position: int, data: st.DataObject) -> None:
    number = body + citizen_id.check_char(body)
    digit = data.draw(st.sampled_from([c for c in "0123456789" if c != number[position]]))
    typo = number[:position] + digit + number[position + 1 :]
    candidates = citizen_id.repair_candidates(typo, today=TODAY)
    assert number in candidates
    assert all(citizen_id.parse(c, today=TODAY) for c in candidates)


def test_repair_includes_adjacent_transposition() -> None:
    number = "11010519491231002X"
    swapped = "11010519491213002X"  # 3 and 1 of the day swapped
    assert not citizen_id.is_valid(swapped)
    assert number in citizen_id.repair_candidates(swapped)


def test_repair_candidates_have_real_dates_and_counties() -> None:
    for candidate in citizen_id.repair_candidates("110105194912310021"):
        born = candidate[6:14]
        dt.date(int(born[:4]), int(born[4:6]), int(born[6:]))
        assert divisions.is_known_county(candidate[:6])


def test_valid_number_has_no_candidates() -> None:
    assert citizen_id.repair_candidates("11010519491231002X") == []


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1101051949123100", "has 18 characters (or 15 digits), this has 16"),
        ("11010519491231002A", "17 digits and a digit or X"),
        ("110105194912310021", "check character is 1, should be X"),
        ("110105" + "19900231" + "001", "day 31 does not exist in February 1990"),
        ("999901" + "19900101" + "001", "county code 999901 is not a current or historical county code"),
        ("110105" + "20990101" + "001", "birth date 2099-01-01 is not plausible"),
    ],
)
def test_invalid_ids_say_why(value: str, reason: str) -> None:
    if len(value) == 17:
        value += citizen_id.check_char(value)
    with pytest.raises(ValueError, match=re.escape(reason)):
        citizen_id.parse(value)


def test_compact_forms_are_accepted() -> None:
    assert citizen_id.validate(" 110105 19491231 002x ") == "11010519491231002X"
    assert citizen_id.validate("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"


def test_male_sequence_and_mask() -> None:
    body = "11010519800101001"
    parsed = citizen_id.parse(body + citizen_id.check_char(body))
    assert parsed.sex == "1"
    assert parsed.sex_name == "男"
    assert citizen_id.mask("11010519491231002X") == "110105********002X"
