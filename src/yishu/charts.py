"""Small charts for self-contained HTML reports: inline SVG and styled HTML, no script, no asset.

Scores are fractions 0..1 (``None`` when nothing was measured). Colours follow one scale in every
chart: good (>= 95%), fair (>= 85%), poor (below), plus a continuous tint for heat tables.
"""

from __future__ import annotations

from html import escape

GOOD, FAIR = 0.95, 0.85
COLOURS = {"good": "#2e7d4f", "fair": "#c98a12", "poor": "#c0392b", "none": "#9aa0a6"}
FONT = (
    "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','WenQuanYi Micro Hei','Source Han Sans SC',sans-serif"
)


def pct(score: float | None, digits: int = 1) -> str:
    return "—" if score is None else f"{score * 100:.{digits}f}%"


def band(score: float | None) -> str:
    if score is None:
        return "none"
    return "good" if score >= GOOD else "fair" if score >= FAIR else "poor"


def colour(score: float | None) -> str:
    return COLOURS[band(score)]


def tint(score: float | None) -> str:
    """A light background for a heat-table cell: red below 70%, through amber, to green at 100%."""
    if score is None:
        return "#f1f3f4"
    t = min(max((score - 0.7) / 0.3, 0.0), 1.0)
    stops = [(0.0, (244, 199, 195)), (0.5, (252, 232, 178)), (1.0, (198, 234, 210))]
    for (t0, c0), (t1, c1) in zip(stops, stops[1:], strict=False):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            r, g, b = (round(a + (z - a) * f) for a, z in zip(c0, c1, strict=True))
            return f"#{r:02x}{g:02x}{b:02x}"
    return "#c6ead2"


def text_width(text: str, size: int = 13) -> int:
    """The rough width in pixels of ``text``: CJK characters are square, others about half as wide."""
    return round(sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text))


def bar_chart(
    items: list[tuple[str, float | None]],
    *,
    width: int = 640,
    bar_height: int = 22,
    gap: int = 10,
    label_width: int | None = None,
    title: str | None = None,
) -> str:
    """A horizontal bar chart of scores as one inline ``<svg>``: label, bar on a 0-100% track, value.

    The chart scales down to its container; ``label_width`` defaults to fit the longest label."""
    if label_width is None:
        label_width = min(max((text_width(label) for label, _ in items), default=40) + 16, width // 2)
    value_width = 64
    track = width - label_width - value_width
    height = len(items) * (bar_height + gap) + gap + 16
    parts = [
        f'<svg width="{width}" height="{height}" style="max-width:100%;height:auto" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="{escape(FONT)}" font-size="13">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for mark in (0.0, 0.5, FAIR, GOOD, 1.0):
        x = label_width + track * mark
        dash = "" if mark in (0.0, 1.0) else ' stroke-dasharray="3 3"'
        parts.append(
            f'<line x1="{x:.1f}" y1="{gap - 4}" x2="{x:.1f}" y2="{height - 18}" stroke="#dadce0" '
            f'stroke-width="1"{dash}/>'
        )
        if mark != GOOD:  # 95% would crowd 100%; its dashed line stays
            parts.append(
                f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" fill="#80868b" font-size="11">'
                f"{mark * 100:.0f}%</text>"
            )
    for i, (label, score) in enumerate(items):
        y = gap + i * (bar_height + gap)
        mid = y + bar_height / 2 + 4.5
        parts.append(
            f'<text x="{label_width - 10}" y="{mid:.1f}" text-anchor="end" fill="#202124">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{track}" height="{bar_height}" fill="#f1f3f4" rx="3"/>'
        )
        if score is not None:
            w = max(track * min(max(score, 0.0), 1.0), 1.0)
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{colour(score)}" rx="3"/>'
            )
        parts.append(
            f'<text x="{width - 6}" y="{mid:.1f}" text-anchor="end" font-weight="600" '
            f'fill="{colour(score)}">{pct(score)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def heat_table(
    columns: list[str],
    rows: list[tuple[str, list[float | None]]],
    *,
    head: list[str] | None = None,
    label_head: str = "",
    lead: list[list[str]] | None = None,
    row_class: list[str] | None = None,
    notes: list[list[str | None]] | None = None,
) -> str:
    """An HTML table of scores with each cell tinted by its score.

    ``columns``: the score column headings; ``rows``: (label, scores); ``head`` and ``lead``:
    extra leading columns (headings, and per row their already-escaped HTML cells, e.g. a rank);
    ``label_head``: the heading of the label column;
    ``row_class``: a CSS class per row (e.g. to indent child rows); ``notes``: per cell a tooltip
    (e.g. the counts behind the score)."""
    head = head or []
    lines = ['<table class="heat"><thead><tr>']
    lines += [f"<th>{escape(h)}</th>" for h in head]
    lines.append(f"<th>{escape(label_head)}</th>")
    lines += [f'<th class="num">{escape(c)}</th>' for c in columns]
    lines.append("</tr></thead><tbody>")
    for i, (label, scores) in enumerate(rows):
        cls = f' class="{row_class[i]}"' if row_class and row_class[i] else ""
        lines.append(f"<tr{cls}>")
        if lead:
            lines += [f"<td>{cell}</td>" for cell in lead[i]]
        lines.append(f'<td class="label">{escape(label)}</td>')
        for j, s in enumerate(scores):
            note = notes[i][j] if notes else None
            title = f' title="{escape(note)}"' if note else ""
            lines.append(f'<td class="num" style="background:{tint(s)}"{title}>{pct(s)}</td>')
        lines.append("</tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


__all__ = ["COLOURS", "FONT", "band", "bar_chart", "colour", "heat_table", "pct", "text_width", "tint"]
