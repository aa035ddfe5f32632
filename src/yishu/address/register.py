"""The standard address register and matching text to it.

Matching normalises the text (``normalise``), finds the register's names in it (compounds, roads
with their old names, villages and communities, full or short) with an Aho-Corasick automaton, reads
the numbers that follow (door, building / unit / room, group / house), and looks the combination
up: room, then door, then road or community. District, township and community names in the text
settle ambiguity; without them a unique match is still taken with lower confidence. Below the
threshold it proposes a new address for verification instead of guessing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple

import ahocorasick
import duckdb

from yishu.address.normalise import normalise
from yishu.parallel import fork_map
from yishu.standards import divisions

THRESHOLD = 0.6
_ROOM = re.compile(r"([0-9]+)栋([0-9]+)单元([0-9]+)室?")
_DOOR = re.compile(r"^([0-9]+)号")
_HOUSE = re.compile(r"^([0-9]+)组([0-9]+)号?")
_COMMUNITY_SUFFIX = re.compile("(社区居委会|居委会|村委会|社区|村)$")


@dataclass(frozen=True)
class AddressMatch:
    text: str
    address_code: str | None
    level: str | None  # room / house / door / road / community, None when nothing matched
    confidence: float
    division_code: str | None = None
    grid_code: str | None = None
    proposed: bool = False  # below the threshold: a new address to verify, not a guess
    reasons: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {"text": self.text, "address_code": self.address_code, "level": self.level,
                "confidence": round(self.confidence, 3), "division_code": self.division_code,
                "grid_code": self.grid_code, "proposed": self.proposed, "reasons": list(self.reasons)}  # fmt: skip


def _short_community(name: str) -> str:
    short = _COMMUNITY_SUFFIX.sub("", name)
    return short if len(short) >= 2 else name


@cache
def _name_forms(name: str) -> tuple[str, ...]:
    """A division name as texts write it: whole, without its type suffix (黄石港区 -> 黄石港), and a
    community without 社区 / 村. Cached: a city has a few thousand division names, and matching asks
    for them millions of times."""
    return tuple(dict.fromkeys((name, divisions.short_name(name), _short_community(name))))


class Place(NamedTuple):
    """What matching keeps of a register address: its divisions (names settle ambiguity) and codes."""

    district: str | None
    town: str | None
    community: str | None
    district_code: str | None
    town_code: str | None
    division_code: str | None
    grid_code: str | None


# the register columns matching reads: the elements it indexes and the fields of ``Place``
COLUMNS = ("address_code", "level", "road", "road_old_name", "door_no", "compound", "building", "unit", "room",
           "village_group", *Place._fields)  # fmt: skip


class AddressRegister:
    """Standard addresses with their elements, indexed for matching.

    Memory: a city register has millions of addresses, and matching runs in the governance process,
    so each address keeps only a ``Place`` (a tuple) and equal names are one shared string."""

    def __init__(self, rows):
        self.rows: dict[str, Place] = {}
        shared: dict = {}
        share = shared.setdefault  # one object per distinct name or code element
        rows = ({k: share(v, v) if isinstance(v, str) else v for k, v in r.items()} for r in rows)
        self.rooms: dict[tuple, list[str]] = {}
        self.doors: dict[tuple, list[str]] = {}
        self.houses: dict[tuple, list[str]] = {}
        self.roads: dict[str, list[str]] = {}
        self.communities: dict[str, list[str]] = {}
        names: dict[str, set[tuple[str, str]]] = {}
        for r in rows:
            code = r["address_code"]
            self.rows[code] = Place(*(r.get(f) for f in Place._fields))
            if r.get("compound") and r.get("room"):
                self.rooms.setdefault((r["compound"], r["building"], r["unit"], str(r["room"])), []).append(
                    code
                )
            for road in {r.get("road"), r.get("road_old_name")} - {None}:
                names.setdefault(road, set()).add(("road", road))
                if r.get("door_no") is not None and r.get("level") == "door":
                    self.doors.setdefault((road, r["door_no"]), []).append(code)
                self.roads.setdefault(road, []).append(code)
                if r.get("compound") and r.get("room"):
                    self.rooms.setdefault(
                        (road, r["door_no"], r["building"], r["unit"], str(r["room"])), []
                    ).append(code)
            if r.get("compound"):
                names.setdefault(r["compound"], set()).add(("compound", r["compound"]))
            community = r["community"]
            for name in {community, _short_community(community)}:
                names.setdefault(name, set()).add(("community", community))
            self.communities.setdefault(community, []).append(code)
            if r.get("village_group") is not None:
                self.houses.setdefault((community, int(r["village_group"]), r["door_no"]), []).append(code)
        self.automaton = ahocorasick.Automaton()
        for name, kinds in names.items():
            self.automaton.add_word(name, (name, frozenset(kinds)))
        self.automaton.make_automaton()

    @classmethod
    def from_parquet(cls, path: str | Path) -> AddressRegister:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no address register")
        con = duckdb.connect()
        present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()}
        missing = [c for c in ("address_code", "community") if c not in present]
        if missing:
            raise ValueError(f"{path}: the address register lacks the column(s) {', '.join(missing)}")
        columns = ", ".join(c if c in present else f"NULL AS {c}" for c in COLUMNS)
        reader = con.execute(f"SELECT {columns} FROM read_parquet('{path}')").to_arrow_reader(100_000)
        # batch by batch: only one batch of rows is ever held as dicts
        return cls(row for batch in reader for row in batch.to_pylist())

    # --- matching --------------------------------------------------------------------------------

    def _names(self, t: str) -> list[tuple[int, int, str, str]]:
        """(start, end, kind, canonical name) of register names in t, longest first at each end."""
        found = []
        for end, (name, kinds) in self.automaton.iter(t):
            for kind, canonical in kinds:
                found.append((end - len(name) + 1, end + 1, kind, canonical))
        return found

    def _in_context(self, code: str, t: str) -> int:
        """How many of the address's district, township and community names the text carries."""
        r = self.rows[code]
        score = 0
        for name in (r.district, r.town, r.community):
            if name and any(form in t for form in _name_forms(name)):
                score += 1
        return score

    def _choose(self, codes: list[str], t: str, level: str, base: float, reasons: list[str]) -> AddressMatch:
        unique = sorted(set(codes))
        context = {c: self._in_context(c, t) for c in unique}
        if len(unique) > 1:
            ranked = sorted(unique, key=lambda c: (-context[c], c))
            best, second = ranked[0], ranked[1]
            if context[best] == context[second]:
                return AddressMatch(t, None, level, base * 0.4, proposed=True,
                                    reasons=(*reasons, f"{len(unique)} register addresses fit; no division settles it"))  # fmt: skip
            unique = [best]
            reasons = [*reasons, "division names settle between candidates"]
        code = unique[0]
        row = self.rows[code]
        confidence = min(1.0, base + 0.05 * context[code])
        return AddressMatch(
            t, code, level, confidence, row.division_code, row.grid_code, reasons=tuple(reasons)
        )

    def match(self, text: str) -> AddressMatch:
        t = normalise(text)
        if not t:
            return AddressMatch(text, None, None, 0.0, proposed=True, reasons=("empty address",))
        names = self._names(t)
        # room: compound name followed by building / unit / room, or road + door + building ...
        for _start, end, kind, name in sorted(names, key=lambda n: n[1] - n[0], reverse=True):
            rest = t[end:]
            if kind == "compound":
                m = _ROOM.search(rest)
                if m:
                    key = (name, int(m.group(1)), int(m.group(2)), m.group(3))
                    if key in self.rooms:
                        return self._choose(
                            self.rooms[key], t, "room", 0.85, [f"compound {name}, room {m.group()}"]
                        )
            if kind == "road":
                door = _DOOR.match(rest)
                if door:
                    number = int(door.group(1))
                    m = _ROOM.search(rest[door.end() :])
                    if m:
                        key = (name, number, int(m.group(1)), int(m.group(2)), m.group(3))
                        if key in self.rooms:
                            return self._choose(
                                self.rooms[key],
                                t,
                                "room",
                                0.85,
                                [f"road {name} {number}号, room {m.group()}"],
                            )
                    if (name, number) in self.doors:
                        return self._choose(
                            self.doors[(name, number)], t, "door", 0.8, [f"road {name} door {number}"]
                        )
            if kind == "community":
                m = _HOUSE.match(rest.lstrip("村"))
                if m:
                    key = (name, int(m.group(1)), int(m.group(2)))
                    if key in self.houses:
                        return self._choose(
                            self.houses[key],
                            t,
                            "house",
                            0.85,
                            [f"village {name} group {m.group(1)} house {m.group(2)}"],
                        )
        # nothing to the door: report the widest level found, as a proposal
        for kind in ("road", "community"):
            hits = [n for n in names if n[2] == kind]
            if hits:
                name = max(hits, key=lambda n: n[1] - n[0])[3]
                codes = (self.roads if kind == "road" else self.communities)[name]
                row = self.rows[sorted(codes)[0]]
                return AddressMatch(t, None, kind, 0.3, row.division_code, None, proposed=True,
                                    reasons=(f"{kind} {name} found; no register address at a finer level",))  # fmt: skip
        return AddressMatch(t, None, None, 0.0, proposed=True, reasons=("no register name in the text",))

    def match_many(self, texts, processes: int = 1) -> list[AddressMatch]:
        """``match`` for each text (each distinct text once), by ``processes`` forked processes when
        there are many (``yishu.parallel.fork_map``; they share the register)."""
        texts = list(texts)
        unique = list(dict.fromkeys(texts))
        found = [AddressMatch(*fields) for fields in fork_map(self._match_fields, unique, processes)]
        cache = dict(zip(unique, found, strict=True))
        return [cache[text] for text in texts]

    def _match_fields(self, text: str | None) -> tuple:
        """A match as the tuple of its fields (cheaper to send back from a process than the object)."""
        m = self.match(text or "")
        return (
            m.text,
            m.address_code,
            m.level,
            m.confidence,
            m.division_code,
            m.grid_code,
            m.proposed,
            m.reasons,
        )

    def jurisdiction(self, address_code: str) -> dict:
        """District, township, community and grid of a standard address code."""
        row = self.rows.get(address_code)
        if row is None:
            raise KeyError(f"{address_code}: not in the address register")
        return {"district": {"code": row.district_code, "name": row.district},
                "town": {"code": row.town_code, "name": row.town},
                "community": {"code": row.division_code, "name": row.community},
                "grid": row.grid_code}  # fmt: skip
