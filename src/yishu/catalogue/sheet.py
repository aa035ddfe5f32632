"""The bureau's government catalogue sheet (政务信息资源目录), CSV and XLSX.

One row per data item, with the resource's fields of the catalogue guide repeated on each row, as
bureaus exchange the sheet: resource code, name, provider, summary, format, update cycle, share
type and basis, open type and basis, release date, item name, data element, type, grade.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from yishu.catalogue.model import Catalogue

COLUMNS = (
    ("资源代码", "code"), ("资源名称", "name"), ("资源提供方", "provider"), ("数据源", "source"),
    ("资源摘要", "summary"), ("资源格式", "format"), ("更新周期", "update_cycle"),
    ("共享类型", "share_type"), ("共享条件/不予共享依据", "share_basis"), ("开放类型", "open_type"),
    ("开放条件/不予开放依据", "open_basis"), ("发布日期", "release_date"), ("资源分级", "grade"),
    ("关联资源代码", "related"), ("信息项名称", "column"), ("数据元标识", "element"),
    ("数据元名称", "element_name"), ("数据类型", "type"), ("标准", "standard"), ("信息项分级", "field_grade"),
    ("个人信息", "personal"), ("默认脱敏", "masking"),
)  # fmt: skip
SHARE_LABELS = {"unconditional": "无条件共享", "conditional": "有条件共享", "refused": "不予共享"}
OPEN_LABELS = {"open": "无条件开放", "conditional": "有条件开放", "closed": "不予开放"}
CYCLE_LABELS = {"realtime": "实时", "daily": "每日", "weekly": "每周", "monthly": "每月", "quarterly": "每季度",
                "yearly": "每年", "irregular": "不定期"}  # fmt: skip
PERSONAL_LABELS = {"none": "否", "personal": "个人信息", "sensitive": "敏感个人信息"}


def rows(catalogue: Catalogue) -> list[list[str]]:
    out = []
    for r in sorted(catalogue.resources.values(), key=lambda r: r.code):
        for f in r.fields:
            e = catalogue.elements[f.element]
            values = {
                "code": r.code, "name": r.name, "provider": r.provider, "source": r.source, "summary": r.summary,
                "format": r.format, "update_cycle": CYCLE_LABELS[r.update_cycle],
                "share_type": SHARE_LABELS[r.share_type], "share_basis": r.share_basis or "",
                "open_type": OPEN_LABELS[r.open_type], "open_basis": r.open_basis or "",
                "release_date": r.release_date, "grade": r.grade, "related": "；".join(r.related),
                "column": f.column, "element": e.id, "element_name": e.name, "type": e.type,
                "standard": e.standard or "", "field_grade": f.grade, "personal": PERSONAL_LABELS[f.personal],
                "masking": f.masking,
            }  # fmt: skip
            out.append([values[key] for _label, key in COLUMNS])
    return out


def to_csv(catalogue: Catalogue) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([label for label, _key in COLUMNS])
    writer.writerows(rows(catalogue))
    return "\ufeff" + buffer.getvalue()  # with a BOM, so that Excel opens it as UTF-8


def to_xlsx(catalogue: Catalogue, path: str | Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("资源目录")
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for j, (label, _key) in enumerate(COLUMNS):
        sheet.write(0, j, label, bold)
    for i, row in enumerate(rows(catalogue), start=1):
        for j, value in enumerate(row):
            sheet.write_string(i, j, value)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, len(rows(catalogue))), len(COLUMNS) - 1)
    book.close()
