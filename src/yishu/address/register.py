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
from pathlib import Path
from typing import NamedTuple

import ahocorasick
import duckdb

from yishu.address.normalise import normalise
from yishu.parallel import fork_map
from yishu.standards import divisions

THRESHOLD = 0.6
# matches kept by normalised text: texts come sorted, and one in five has the normal form of a text
# a few thousand before it (丁山村四组十三号 after 丁山村4组13号)
RECENT = 16_384
_ROOM = re.compile(r"([0-9]+)栋([0-9]+)单元([0-9]+)室?")
_DOOR = re.compile(r"([0-9]+)号")
_HOUSE = re.compile(r"村*([0-9]+)组([0-9]+)号?")  # after a community's short name, 村 may follow
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


def _name_forms(name: str) -> tuple[str, ...]:
    """A division name as texts write it: whole, without its type suffix (黄石港区 -> 黄石港), and a
    community without 社区 / 村."""
    return tuple(dict.fromkeys((name, divisions.short_name(name), _short_community(name))))


class Division(NamedTuple):
    """A community with its township and district: one object shared by the community's addresses."""

    district: str | None
    town: str | None
    community: str | None
    district_code: str | None
    town_code: str | None
    division_code: str | None
    forms: tuple[tuple[str, ...], ...]  # the forms of each of its names (``_name_forms``), for ``_context``


# the register columns matching reads: the elements it indexes, then the divisions and the grid
COLUMNS = ("address_code", "level", "road", "road_old_name", "door_no", "compound", "building", "unit", "room",
           "village_group", "district", "town", "community", "district_code", "town_code", "division_code",
           "grid_code")  # fmt: skip


def _context(division: Division, t: str) -> int:
    """How many of the division's district, township and community names the text carries."""
    score = 0
    for forms in division.forms:
        for form in forms:
            if form in t:
                score += 1
                break
    return score


_NONE: dict = {}  # the table of a name with nothing after it in the register


def _longest(hit: tuple[int, tuple]) -> int:
    return hit[1][0]


class AddressRegister:
    """Standard addresses with their elements, indexed for matching.

    An address is kept as a plain tuple ``(code, division number, grid code)``, the number an index
    into ``divisions``. The indexes map a name (compound, road, community) to a small table of the
    numbers after it, whose values are the addresses themselves (a tuple sorted by code): texts
    come sorted, so texts in a row mostly look up the same small table, which stays in the CPU's
    cache (a look-up in texts' order takes half the time of one in a single table for the city),
    and a match reads no second table for the address.

    Memory and time: a city register has millions of addresses, and matching runs in the governance
    process and in processes forked from it. Equal names, codes and numbers are one shared object,
    and the register is made of dicts and of tuples of strings and numbers, which the garbage
    collector stops tracking: collections neither walk the register (they did, and took half the
    build) nor touch its pages in a forked process."""

    def __init__(self, batches):
        """``batches``: Arrow record batches of the register's ``COLUMNS``, in that order."""
        self.divisions: list[Division] = []
        self.rows: dict[str, tuple] = {}
        rows = self.rows
        # name -> {numbers after the name: addresses}
        compound_rooms: dict[str, dict] = {}  # compound -> {(building, unit, room): ...}
        road_rooms: dict[str, dict] = {}  # road -> {(door, building, unit, room): ...}
        doors: dict[str, dict] = {}  # road -> {door: ...}
        houses: dict[str, dict] = {}  # community -> {(group, door): ...}
        roads: dict[str, str] = {}  # road name -> its smallest code (and the same for communities)
        communities: dict[str, str] = {}
        compounds: set[str] = set()
        numbers: dict[tuple, int] = {}  # a division's names and codes -> its number in ``divisions``
        repeated = False  # a code on several rows
        shared: dict = {}
        share = shared.setdefault  # one object per distinct value
        for batch in batches:
            codes = batch.column(0).to_pylist()
            columns = [list(map(share, v, v)) for v in (c.to_pylist() for c in batch.columns[1:])]
            for (code, level, road, old, door, compound, building, unit, room, group, district, town, community,
                 district_code, town_code, division_code, grid) in zip(codes, *columns, strict=True):  # fmt: skip
                key = (district, town, community, district_code, town_code, division_code)
                number = numbers.get(key)
                if number is None:
                    number = numbers[key] = len(self.divisions)
                    self.divisions.append(_division(*key))
                address = (code, number, grid)
                repeated = repeated or code in rows
                rows[code] = address
                if compound:
                    compounds.add(compound)
                    if room:
                        _add(compound_rooms, compound, (building, unit, str(room)), address)
                for way in {road, old} - {None}:
                    if door is not None and level == "door":
                        _add(doors, way, door, address)
                    roads[way] = min(roads.get(way, code), code)
                    if compound and room:
                        _add(road_rooms, way, (door, building, unit, str(room)), address)
                communities[community] = min(communities.get(community, code), code)
                if group is not None:
                    _add(houses, community, (int(group), door), address)
        for index in (compound_rooms, road_rooms, doors, houses):
            for table in index.values():
                _settle(table, rows, repeated)
        self.compound_rooms, self.road_rooms = compound_rooms, road_rooms
        self.doors, self.houses = doors, houses
        # for a text that names a road or community and nothing finer: its smallest code's address
        self.roads = {name: rows[code] for name, code in roads.items()}
        self.communities = {name: rows[code] for name, code in communities.items()}
        self.automaton = _automaton(roads, compounds, communities)
        self._recent: dict[str, tuple] = {}  # normalised text -> its match, for the last texts matched

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
        # batch by batch: only one batch of rows is ever held as Python values besides the indexes
        return cls(con.execute(f"SELECT {columns} FROM read_parquet('{path}')").to_arrow_reader(100_000))

    # --- matching --------------------------------------------------------------------------------

    def match(self, text: str) -> AddressMatch:
        return AddressMatch(*self.match_fields(text))

    def match_fields(self, text: str) -> tuple:
        """``match`` as the tuple of ``AddressMatch``'s fields: cheaper to build, and to send back
        from a process, than the object."""
        t = normalise(text)
        if not t:
            return (text, None, None, 0.0, None, None, True, ("empty address",))
        found = self._recent.get(t)
        if found is None:
            if len(self._recent) >= RECENT:
                self._recent.clear()
            found = self._recent[t] = self._match(t)
        return found

    def _match(self, t: str) -> tuple:
        """``match_fields`` of a normalised, non-empty text."""
        # register names in t, longest first (a stable sort: in order of their end at each length);
        # the patterns read t from just after the name (``pos``) rather than from a copy of the rest
        hits = sorted(self.automaton.iter(t), key=_longest, reverse=True)
        # room: compound name followed by building / unit / room, or road + door + building ...
        for end, (_size, kinds) in hits:
            end += 1
            for kind, name in kinds:
                if kind == "compound":
                    m = _ROOM.search(t, end)
                    if m:
                        found = self.compound_rooms.get(name, _NONE).get(
                            (int(m.group(1)), int(m.group(2)), m.group(3))
                        )
                        if found:
                            return self._choose(found, t, "room", 0.85, f"compound {name}, room {m.group()}")
                elif kind == "road":
                    door = _DOOR.match(t, end)
                    if door:
                        number = int(door.group(1))
                        m = _ROOM.search(t, door.end())
                        if m:
                            key = (number, int(m.group(1)), int(m.group(2)), m.group(3))
                            found = self.road_rooms.get(name, _NONE).get(key)
                            if found:
                                reason = f"road {name} {number}号, room {m.group()}"
                                return self._choose(found, t, "room", 0.85, reason)
                        found = self.doors.get(name, _NONE).get(number)
                        if found:
                            return self._choose(found, t, "door", 0.8, f"road {name} door {number}")
                else:  # community
                    m = _HOUSE.match(t, end)
                    if m:
                        group, house = m.groups()
                        found = self.houses.get(name, _NONE).get((int(group), int(house)))
                        if found:
                            reason = f"village {name} group {group} house {house}"
                            return self._choose(found, t, "house", 0.85, reason)
        return self._widest(t, hits)

    def _widest(self, t: str, hits: list) -> tuple:
        """Nothing to the door: the widest level found (its first, so longest, name), as a proposal."""
        for level, addresses in (("road", self.roads), ("community", self.communities)):
            for _end, (_size, kinds) in hits:
                for kind, name in kinds:
                    if kind == level:
                        division = self.divisions[addresses[name][1]]
                        return (t, None, kind, 0.3, division.division_code, None, True,
                                (f"{kind} {name} found; no register address at a finer level",))  # fmt: skip
        return (t, None, None, 0.0, None, None, True, ("no register name in the text",))

    def _choose(self, addresses: tuple[tuple, ...], t: str, level: str, base: float, reason: str) -> tuple:
        """The fields of the match among ``addresses`` (sorted by code): the one whose division
        names the text carries most, or a proposal when two carry as many."""
        if len(addresses) == 1:  # nearly always
            code, number, grid = addresses[0]
            division = self.divisions[number]
            context = _context(division, t)
            reasons = (reason,)
        else:
            context_of = {a: _context(self.divisions[a[1]], t) for a in addresses}
            best, second = sorted(addresses, key=lambda a: (-context_of[a], a[0]))[:2]
            if context_of[best] == context_of[second]:
                return (t, None, level, base * 0.4, None, None, True,
                        (reason, f"{len(addresses)} register addresses fit; no division settles it"))  # fmt: skip
            (code, number, grid), context = best, context_of[best]
            division = self.divisions[number]
            reasons = (reason, "division names settle between candidates")
        confidence = min(1.0, base + 0.05 * context)
        return (t, code, level, confidence, division.division_code, grid, False, reasons)

    def match_many(self, texts, processes: int = 1) -> list[AddressMatch]:
        """``match`` for each text (each distinct text once), by ``processes`` forked processes when
        there are many (``yishu.parallel.fork_map``; they share the register)."""
        texts = list(texts)
        unique = list(dict.fromkeys(texts))
        found = [AddressMatch(*fields) for fields in fork_map(self._fields_of, unique, processes)]
        cache = dict(zip(unique, found, strict=True))
        return [cache[text] for text in texts]

    def _fields_of(self, text: str | None) -> tuple:
        return self.match_fields(text or "")

    def jurisdiction(self, address_code: str) -> dict:
        """District, township, community and grid of a standard address code."""
        address = self.rows.get(address_code)
        if address is None:
            raise KeyError(f"{address_code}: not in the address register")
        d = self.divisions[address[1]]
        return {"district": {"code": d.district_code, "name": d.district},
                "town": {"code": d.town_code, "name": d.town},
                "community": {"code": d.division_code, "name": d.community},
                "grid": address[2]}  # fmt: skip


def _division(district, town, community, district_code, town_code, division_code) -> Division:
    forms = tuple(_name_forms(name) for name in (district, town, community) if name)
    return Division(district, town, community, district_code, town_code, division_code, forms)


def _add(index: dict, name: str, key, address: tuple) -> None:
    table = index.get(name)
    if table is None:
        table = index[name] = {}
    table[key] = table.get(key, ()) + (address,)  # () + (a,) is (a,) itself: one tuple for most keys


def _settle(table: dict, rows: dict, repeated: bool) -> None:
    """Each key's addresses sorted by code, each code once and as ``rows`` keeps it (the last row's
    when a code is on several rows), in place: no second copy of the table."""
    for key, addresses in table.items():
        if repeated or len(addresses) > 1:
            table[key] = tuple(sorted({rows[a[0]] for a in addresses}))


# pyahocorasick looks a character up among a trie node's children one by one, in the order they were
# added, and the root has hundreds (every first letter of a name): the characters addresses are
# mostly made of come first, as the first letters of words no text holds (a noncharacter follows),
# so most steps from the root end at once. This halves the search; the names found are the same.
_COMMON = "0123456789号栋单元室层楼组户村社区街道路巷镇乡县市省"
_NEVER = "\uffff"


def _automaton(roads, compounds, communities) -> ahocorasick.Automaton:
    """Every road, compound and community name (whole and short), each with its length and its
    (kind, canonical name) pairs, sorted: a short name two communities share finds them in the same
    order in every process (a set's order changes with the string hash seed). The ``_COMMON``
    words have no pairs, so even found they match nothing."""
    automaton = ahocorasick.Automaton()
    for ch in _COMMON:
        automaton.add_word(ch + _NEVER, (2, ()))
    names: dict[str, set[tuple[str, str]]] = {}
    for road in roads:
        names.setdefault(road, set()).add(("road", road))
    for compound in compounds:
        names.setdefault(compound, set()).add(("compound", compound))
    for community in communities:
        for name in {community, _short_community(community)}:
            names.setdefault(name, set()).add(("community", community))
    for name, kinds in names.items():
        automaton.add_word(name, (len(name), tuple(sorted(kinds))))
    automaton.make_automaton()
    return automaton
