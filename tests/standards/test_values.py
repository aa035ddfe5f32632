"""Dates, phones, names and code lists in Python."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from yishu.standards import codelists, dates, names, phone

TODAY = dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("1990-01-02", "1990-01-02"),
        ("19900102", "1990-01-02"),
        ("1990年1月2日", "1990-01-02"),
        ("1990/1/2", "1990-01-02"),
        ("1990.1.2", "1990-01-02"),
        ("2.1.1990", "1990-01-02"),
        ("1/25/1990", "1990-01-25"),
        ("2.1.90", "1990-01-02"),
        ("2.1.05", "2005-01-02"),
        ("90年1月2日", "1990-01-02"),
        ("１９９０－０１－０２", "1990-01-02"),
        ("1990-01-02 08:30:00", "1990-01-02"),
        ("32875", "1990-01-02"),
        (32875, "1990-01-02"),
        (32875.75, "1990-01-02"),
        (1, "1900-01-01"),
        (59, "1900-02-28"),
        (61, "1900-03-01"),
        (19900102, "1990-01-02"),
        (dt.datetime(1990, 1, 2, 3, 4), "1990-01-02"),
    ],
)
def test_date_forms(value: object, iso: str) -> None:
    assert dates.normalise_date(value, today=TODAY) == iso


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("19900231", "19900231: day 31 does not exist in February 1990"),
        ("1900-02-29", "day 29 does not exist in February 1900"),
        ("1990-13-01", "month 13 does not exist"),
        ("31.4.1990", "day 31 does not exist in April 1990"),
        (60, "Excel serial 60 is 1900-02-29, which does not exist"),
        (0, "outside the plausible range"),
        (99999, "outside the plausible range"),
        ("3020-01-01", "year 3020 is outside 1800-2199"),
        ("yesterday", "not a date in a known form"),
        ("", "empty value"),
    ],
)
def test_impossible_dates_say_why(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        dates.parse_date(value)


def test_excel_serial_round_trip() -> None:
    for serial in (1, 59, 61, 32875, 73050):
        assert dates.to_excel_serial(dates.from_excel_serial(serial)) == serial


@pytest.mark.parametrize(
    ("value", "normal", "kind"),
    [
        ("138 0013 8000", "13800138000", "mobile"),
        ("+86 138-0013-8000", "13800138000", "mobile"),
        ("0086 13800138000", "13800138000", "mobile"),
        ("8613800138000", "13800138000", "mobile"),
        ("010-62345678", "010-62345678", "landline"),
        ("(0535)6123456", "0535-6123456", "landline"),
        ("0535-6123456-801", "0535-6123456-801", "landline"),
        ("0535-6123456转801", "0535-6123456-801", "landline"),
        ("021 6123 4567 ext 12", "021-61234567-12", "landline"),
        ("+86 10 62345678", "010-62345678", "landline"),
        ("+86 535 6123456", "0535-6123456", "landline"),
    ],
)
def test_phone_forms(value: str, normal: str, kind: str) -> None:
    parsed = phone.parse_phone(value)
    assert (parsed.number, parsed.kind) == (normal, kind)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1380013800", "a mobile number has 11 digits, this has 10"),
        ("12800138000", "mobile numbers start 13-19, this starts 12"),
        ("6123456", "landline without an area code"),
        ("0535-0123456", "local number 0123456 cannot start with 0"),
        ("+1 212 5551234", "only +86 (mainland China) numbers are accepted"),
        ("13800138000转1", "a mobile number has no extension"),
    ],
)
def test_bad_phones_say_why(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        phone.parse_phone(value)


def test_mobile_mask() -> None:
    assert phone.mask_mobile("13800138000") == "138****8000"


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("張 三", "张三"),
        ("  阿沛•阿旺晋美 ", "阿沛·阿旺晋美"),
        ("阿沛・阿旺晋美", "阿沛·阿旺晋美"),
        ("阿沛 . 阿旺晋美", "阿沛·阿旺晋美"),
        ("買買提．艾力", "买买提·艾力"),
        ("ＷＡＮＧ　Ｘｉａｏ", "WANG Xiao"),
        ("John  Smith", "John Smith"),
    ],
)
def test_names(value: str, normal: str) -> None:
    assert names.normalise_name(value) == normal


def test_empty_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty name"):
        names.normalise_name(" \u3000 ")
    assert names.is_chinese_name("阿沛·阿旺晋美")
    assert not names.is_chinese_name("张")


@pytest.mark.parametrize(
    ("function", "value", "code"),
    [
        (codelists.sex_code, "男", "1"),
        (codelists.sex_code, " Female ", "2"),
        (codelists.sex_code, "未知", "0"),
        (codelists.ethnicity_code, "汉", "01"),
        (codelists.ethnicity_code, "汉族", "01"),
        (codelists.ethnicity_code, "1", "01"),
        (codelists.ethnicity_code, "维吾尔族", "05"),
        (codelists.ethnicity_code, "基诺族", "56"),
        (codelists.ethnicity_code, "Zhuang", "08"),
        (codelists.marital_status_code, "离异", "40"),
        (codelists.marital_status_code, "已婚", "20"),
        (codelists.marital_status_code, "丧偶", "30"),
    ],
)
def test_code_lists(function, value: str, code: str) -> None:  # noqa: ANN001
    assert function(value) == code


def test_code_lists_are_complete_and_reject_ambiguity() -> None:
    assert len(codelists.ETHNICITY.labels) == 58
    assert codelists.ETHNICITY.label("56") == "基诺族"
    with pytest.raises(ValueError, match="not a marital status"):
        codelists.marital_status_code("单身")
