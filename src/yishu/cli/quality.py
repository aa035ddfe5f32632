"""``yishu quality report``: the GB/T 36344 quality figures of a release, as HTML or JSON.

The HTML report is one self-contained file for a bureau director (inline CSS, inline SVG charts,
no script, nothing fetched); the JSON carries the same figures for machines.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Annotated

import typer

from yishu import charts
from yishu.cli.common import HomeOption, app, run
from yishu.pipeline.quality import DIMENSIONS, LABELS, summarise
from yishu.pipeline.release import Release, current_release, get_release
from yishu.workspace import Workspace

quality_app = typer.Typer(help="Data quality (数据质量) of a release, GB/T 36344-2018.", no_args_is_help=True)
app.add_typer(quality_app, name="quality")

TEXT = {
    "zh": {
        "title": "数据质量报告", "release": "版本", "created": "生成于", "basis": "依据 GB/T 36344-2018《数据质量评价指标》",
        "overall": "综合得分", "overall_note": "六个维度得分的平均值",
        "passed_of": "{passed:,} / {measured:,} 合格", "not_measured": "未测量",
        "dimensions": "各维度得分", "sources": "部门（数据源）质量排行", "rank": "排名", "source": "数据源",
        "elements": "问题最突出的数据元", "element": "数据元", "jurisdictions": "辖区质量（区县 → 乡镇街道）",
        "jurisdiction": "辖区", "fix": "整改建议：最常见的问题", "reason": "问题", "count": "数量",
        "where": "涉及数据源", "code": "编码", "sep": "、", "fields": "涉及字段", "no_fix": "未发现无效值。",
        "no_places": "没有可定位到辖区的记录。", "legend": ["≥95% 良好", "85–95% 一般", "<85% 较差"],
        "definitions": "指标说明",
        "def": {
            "conformance": "非空值中通过其数据元标准校验的比例。",
            "completeness": "应填字段中有值的比例。",
            "accuracy": "非权威来源的值与权威来源（一数一源）选定值一致的比例。",
            "consistency": "同一数据项在多个来源间无冲突，且身份证号与出生日期、性别一致的比例。",
            "timeliness": "按更新周期按时更新的交付批次比例。",
            "accessibility": "交付的行中可用（已接收）的比例。",
        },
    },
    "en": {
        "title": "Data quality report", "release": "Release", "created": "created", "basis": "per GB/T 36344-2018",
        "overall": "Overall score", "overall_note": "mean of the six dimension scores",
        "passed_of": "{passed:,} of {measured:,} passed", "not_measured": "not measured",
        "dimensions": "Scores by dimension", "sources": "Sources (departments) league table", "rank": "Rank",
        "source": "Source", "elements": "Data elements with the most problems", "element": "Data element",
        "jurisdictions": "Jurisdictions (district → township)", "jurisdiction": "Jurisdiction",
        "fix": "What to fix: the most frequent problems", "reason": "Problem", "count": "Count",
        "where": "Sources", "code": "Code", "sep": ", ", "fields": "Fields", "no_fix": "No invalid values found.",
        "no_places": "No record could be placed in a jurisdiction.", "legend": ["≥95% good", "85–95% fair", "<85% poor"],
        "definitions": "Definitions",
        "def": {
            "conformance": "Non-empty values that pass their data element's standard check.",
            "completeness": "Values present among the fields that feed an attribute.",
            "accuracy": "Values from other sources that agree with the authoritative source's chosen value.",
            "consistency": "Values not in conflict across sources; citizen IDs agreeing with birth date and sex.",
            "timeliness": "Deliveries refreshed within their update cycle.",
            "accessibility": "Delivered rows that were accepted as usable.",
        },
    },
}  # fmt: skip


def _element_names(ws: Workspace | None, lang: str) -> dict[str, str]:
    """Data element id -> name, from the workspace's catalogue, else the built-in one; ids if neither."""
    import yaml

    from yishu.catalogue import validate

    if ws is not None:
        try:
            cat = validate.load_catalogue(ws.catalogue_dir)
            if cat.elements:
                return {k: (e.name if lang == "zh" else e.name_en) for k, e in cat.elements.items()}
        except Exception:  # noqa: BLE001  (an unreadable catalogue only costs the names)
            pass
    try:
        from importlib import resources

        text = (
            resources.files("yishu.catalogue").joinpath("builtin/elements.yaml").read_text(encoding="utf-8")
        )
        return {e["id"]: e["name" if lang == "zh" else "name_en"] for e in yaml.safe_load(text)["elements"]}
    except Exception:  # noqa: BLE001
        return {}


def _division_name(code: str) -> str | None:
    from yishu.standards import divisions

    try:
        return divisions.name_for_code(code)
    except Exception:  # noqa: BLE001  (a code outside the shipped table keeps its code)
        return None


def report_data(con, release: Release | None, ws: Workspace | None = None, lang: str = "zh") -> dict:
    """``summarise`` plus what a reader needs: release, labels, element and division names."""
    data = summarise(con)
    names = _element_names(ws, lang)
    labels = LABELS[lang]
    for d in data["dimensions"]:
        d["label"] = labels[d["dimension"]]
    for e in data["worst_elements"]:
        e["name"] = names.get(e["scope"], e["scope"])
    for district in data["jurisdictions"]:
        district["name"] = _division_name(district["scope"]) or district["scope"]
        for town in district["towns"]:
            town["name"] = _division_name(town["scope"]) or town["scope"]
    for r in data["fix"]:
        element = r["reason"].split(".", 1)[0]
        r["element_name"] = names.get(element)
    data["release"] = release.id if release else None
    data["created_at"] = release.created_at if release else None
    data["lang"] = lang
    data["labels"] = labels
    return {k: data[k] for k in ("release", "created_at", "lang", "labels", "overall", "dimensions", "sources",
                                 "worst_elements", "jurisdictions", "fix")}  # fmt: skip


CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f4f6f8;color:#202124;font-family:__FONT__;font-size:14px;line-height:1.55}
.page{max-width:1120px;margin:0 auto;padding:0 28px 40px}
header{background:#143a66;color:#fff;padding:26px 0 22px;margin-bottom:22px}
header .page{padding-bottom:0}
header h1{margin:0;font-size:26px;font-weight:600;letter-spacing:1px}
header p{margin:6px 0 0;color:#c8d6e8;font-size:13px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08);padding:20px 24px;margin-bottom:18px}
h2{font-size:17px;margin:0 0 14px;padding-left:10px;border-left:4px solid #143a66}
.kpis{display:grid;grid-template-columns:1.3fr repeat(3,1fr);gap:12px}
.kpi{border:1px solid #e3e6ea;border-top:4px solid var(--c);border-radius:6px;padding:12px 14px}
.kpi .v{font-size:28px;font-weight:700;color:var(--c)}
.kpi .l{font-size:14px;font-weight:600}
.kpi .n{font-size:12px;color:#5f6368}
.kpi.big{grid-row:span 2;display:flex;flex-direction:column;justify-content:center}
.kpi.big .v{font-size:48px}
.legend{font-size:12px;color:#5f6368;margin-top:8px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px}
table{border-collapse:collapse;width:100%}
th,td{padding:7px 10px;border-bottom:1px solid #eceff1;text-align:left}
th{font-size:12px;color:#5f6368;font-weight:600;background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.heat td.num{min-width:74px}
tr.child td.label{padding-left:30px;color:#3c4043}
tr.parent td{font-weight:600;border-top:2px solid #dfe3e8}
.two{display:grid;grid-template-columns:1fr 1fr;gap:18px;align-items:start}
.muted{color:#5f6368;font-size:12px}
code{font-family:Consolas,monospace;font-size:12px;background:#f1f3f4;padding:1px 5px;border-radius:3px}
dl{display:grid;grid-template-columns:90px 1fr;gap:4px 12px;margin:0;font-size:13px}
dt{font-weight:600}dd{margin:0;color:#3c4043}
@media print{body{background:#fff}section{box-shadow:none;border:1px solid #ddd;break-inside:avoid}}
""".replace("__FONT__", charts.FONT)


def _kpi(value: float | None, label: str, note: str, big: bool = False) -> str:
    return (
        f'<div class="kpi{" big" if big else ""}" style="--c:{charts.colour(value)}">'
        f'<div class="l">{escape(label)}</div><div class="v">{charts.pct(value)}</div>'
        f'<div class="n">{escape(note)}</div></div>'
    )


def render_html(data: dict, release: Release | None = None, lang: str = "zh") -> str:
    """The report as one self-contained HTML page (``data`` from ``report_data`` or ``summarise``)."""
    t = TEXT[lang]
    labels = LABELS[lang]
    release_id = data.get("release", release.id if release else None)
    created = data.get("created_at") or (release.created_at if release else None)
    sub = " · ".join(
        x for x in (f"{t['release']} {release_id}" if release_id is not None else None,
                    f"{t['created']} {created[:16].replace('T', ' ')}" if created else None, t["basis"]) if x
    )  # fmt: skip
    out = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{escape(t['title'])}</title><style>{CSS}</style></head><body>",
        f'<header><div class="page"><h1>{escape(t["title"])}</h1><p>{escape(sub)}</p></div></header>',
        '<div class="page">',
    ]
    # headline
    cards = [_kpi(data["overall"], t["overall"], t["overall_note"], big=True)]
    for d in data["dimensions"]:
        note = t["passed_of"].format(**d) if d["measured"] else t["not_measured"]
        cards.append(_kpi(d["score"], labels[d["dimension"]], note))
    legend = "".join(
        f'<i style="background:{charts.COLOURS[b]}"></i>{escape(s)}'
        for b, s in zip(("good", "fair", "poor"), t["legend"], strict=True)
    )
    out.append(
        f'<section><div class="kpis">{"".join(cards)}</div><div class="legend">{legend}</div></section>'
    )
    # dimensions and worst elements side by side
    dim_chart = charts.bar_chart(
        [(labels[d["dimension"]], d["score"]) for d in data["dimensions"]], width=500, title=t["dimensions"]
    )
    worst = data["worst_elements"]
    el_chart = charts.bar_chart(
        [(e.get("name", e["scope"]), e["overall"]) for e in worst], width=500, bar_height=16, gap=7,
        title=t["elements"],
    )  # fmt: skip
    out.append(
        f'<div class="two"><section><h2>{escape(t["dimensions"])}</h2>{dim_chart}</section>'
        f"<section><h2>{escape(t['elements'])}</h2>{el_chart}</section></div>"
    )
    srcs = data["sources"]
    out.append(f"<section><h2>{escape(t['sources'])}</h2>")
    out.append(_score_table(srcs, t, labels, [t["rank"]], [[str(s["rank"])] for s in srcs], t["source"]))
    out.append(f"</section><section><h2>{escape(t['elements'])}</h2>")
    out.append(
        _score_table(worst, t, labels, [t["code"]], [[f"<code>{escape(e['scope'])}</code>"] for e in worst],
                     t["element"])
    )  # fmt: skip
    out.append(f"</section><section><h2>{escape(t['jurisdictions'])}</h2>")
    rows, classes = [], []
    for district in data["jurisdictions"]:
        rows.append(district)
        classes.append("parent")
        for town in district["towns"]:
            rows.append(town)
            classes.append("child")
    if rows:
        lead = [[f"<code>{escape(r['scope'])}</code>"] for r in rows]
        out.append(_score_table(rows, t, labels, [t["code"]], lead, t["jurisdiction"], classes))
    else:
        out.append(f'<p class="muted">{escape(t["no_places"])}</p>')
    out.append("</section>")
    # what to fix
    out.append(f"<section><h2>{escape(t['fix'])}</h2>")
    if data["fix"]:
        out.append(
            f"<table><thead><tr><th>{escape(t['reason'])}</th><th class='num'>{escape(t['count'])}</th>"
            f"<th>{escape(t['where'])}</th><th>{escape(t['fields'])}</th></tr></thead><tbody>"
        )
        for r in data["fix"]:
            name = r.get("element_name")
            label = (f"{escape(name)} " if name else "") + f"<code>{escape(r['reason'])}</code>"
            where = t["sep"].join(f"{escape(s['source'])} ({s['count']:,})" for s in r["sources"][:4])
            fields = t["sep"].join(escape(f["field"]) for f in r["fields"][:4])
            out.append(
                f"<tr><td>{label}</td><td class='num'>{r['count']:,}</td><td>{where}</td><td>{fields}</td></tr>"
            )
        out.append("</tbody></table>")
    else:
        out.append(f'<p class="muted">{escape(t["no_fix"])}</p>')
    out.append("</section>")
    # definitions
    out.append(f"<section><h2>{escape(t['definitions'])}</h2><dl>")
    out += [f"<dt>{escape(labels[d])}</dt><dd>{escape(t['def'][d])}</dd>" for d in DIMENSIONS]
    out.append("</dl></section></div></body></html>")
    return "".join(out)


def _score_table(entries, t, labels, head, lead, label_head, classes=None) -> str:
    """A heat table of entries (overall, then the dimensions measured for at least one entry)."""
    dims = [d for d in DIMENSIONS if any(e["scores"].get(d) is not None for e in entries)]
    return charts.heat_table(
        [t["overall"], *(labels[d] for d in dims)],
        [(e.get("name") or e["scope"], [e["overall"], *(e["scores"].get(d) for d in dims)]) for e in entries],
        head=head, label_head=label_head, lead=lead, row_class=classes,
        notes=[[None, *(t["passed_of"].format(passed=e["passed"][d], measured=e["measured"][d])
                        if d in e["measured"] else None for d in dims)] for e in entries],
    )  # fmt: skip


def _release(ws: Workspace, release: int | None) -> Release:
    r = get_release(ws, release) if release is not None else current_release(ws)
    if r is None:
        raise RuntimeError(f"no release yet in {ws.home}: run the governance pipeline first")
    if "quality" not in r.tables:
        raise RuntimeError(f"release {r.id} has no quality table")
    return r


@quality_app.command()
def report(
    fmt: Annotated[str, typer.Option("--format", help="html or json.")] = "html",
    release: Annotated[
        int | None, typer.Option("--release", help="Release number (default: the current one).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: stdout).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh (default) or en.")] = "zh",
    home: HomeOption = None,
) -> None:
    """The quality report of a release: headline scores, sources, data elements, jurisdictions, what to fix."""
    if fmt not in ("html", "json"):
        run(lambda: (_ for _ in ()).throw(ValueError(f"--format must be html or json, not {fmt!r}")))
    if lang not in TEXT:
        run(lambda: (_ for _ in ()).throw(ValueError(f"--lang must be zh or en, not {lang!r}")))
    ws = run(lambda: Workspace.open(home))
    r = run(lambda: _release(ws, release))
    with r.connect() as con:
        data = report_data(con, r, ws, lang)
    text = render_html(data, r, lang) if fmt == "html" else json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        print(text)
    else:
        out.write_text(text, encoding="utf-8")
