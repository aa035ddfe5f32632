"""Charts drawn on the server as CSS bars: no chart library, nothing from a CDN."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # 0..1
    title: str  # the details a pointer or a screen reader gets

    @property
    def width(self) -> str:
        return f"{max(0.0, min(1.0, self.value or 0.0)) * 100:.1f}%"

    @property
    def tone(self) -> str:
        """good at 90% or better (the accuracy target of 一数一源一标准), warn from 70%, else bad."""
        if self.value is None:
            return "bad"
        return "good" if self.value >= 0.9 else "warn" if self.value >= 0.7 else "bad"


def quality_bars(rows: list[dict], label, dimension_label, limit: int = 12) -> list[Bar]:
    """Bars for ``ReleaseView.quality`` rows, lowest score first (what needs attention)."""
    bars = []
    for row in rows[:limit]:
        details = "; ".join(
            f"{dimension_label(d)} {s * 100:.1f}%" if s is not None else f"{dimension_label(d)} —"
            for d, s in sorted(row["dimensions"].items())
        )
        bars.append(Bar(label(row["scope"]), row["score"], f"{row['scope']}: {details}"))
    return bars
