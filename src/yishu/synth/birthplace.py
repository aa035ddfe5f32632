"""Birth counties for citizen IDs: a county code that was in force in the person's birth year.

The years each county code was in force come from python-stdnum's ``cn/loc.dat`` (derived from
Wikipedia's lists of GB/T 2260 codes, with ranges such as ``[1983-1988]掖县``). Its validator
rejects an ID whose county did not exist in the birth year, so the generator honours the same rule.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np

OPEN_END = 9999


@cache
def county_years() -> dict[str, tuple[tuple[int, int], ...]]:
    """6-digit county code -> the (first, last) years it was in force."""
    out: dict[str, tuple[tuple[int, int], ...]] = {}
    province = ""
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, _, rest = line.strip().partition(" ")
        if 'county="' not in rest:
            continue
        names = rest.split('county="', 1)[1].rsplit('"', 1)[0]
        ranges = []
        for entry in names.split(","):
            if entry.startswith("["):
                span = entry[1:].split("]", 1)[0]
                start, _, end = span.partition("-")
                ranges.append((int(start) if start else 0, int(end) if end else OPEN_END))
            else:
                ranges.append((0, OPEN_END))
        out[province + code] = tuple(ranges)
    return out


def valid_in(code: str, year: int) -> bool:
    return any(a <= year <= b for a, b in county_years().get(code, ()))


def pick_counties(
    rng: np.random.Generator, years: np.ndarray, local: list[str], other: list[str], local_share: float = 0.8
) -> list[str]:
    """A birth county per person: from ``local`` (the city) with ``local_share``, else ``other``,
    always one in force in the birth year (falling back to the other pool, then the province)."""
    table = county_years()
    province = local[0][:2] if local else ""
    provincial = [c for c in table if c.startswith(province) and c[2:] != "0000" and not c.endswith("00")]
    wants_local = rng.random(len(years)) < local_share
    out = [""] * len(years)
    for year in np.unique(years):
        y = int(year)
        pools = {
            "local": [c for c in local if valid_in(c, y)],
            "other": [c for c in other if valid_in(c, y)],
            "province": [c for c in provincial if valid_in(c, y)],
        }
        for i in np.flatnonzero(years == year):
            order = ("local", "other", "province") if wants_local[i] else ("other", "local", "province")
            pool = next((pools[k] for k in order if pools[k]), None)
            if pool is None:
                raise RuntimeError(f"no county code in force in {y}")
            out[i] = pool[int(rng.integers(len(pool)))]
    return out
