"""Generate a synthetic city: truth, standard address register and department deliveries.

The city is built chunk by chunk (groups of communities of about ``CHUNK_PERSONS`` people), each
with its own seeded generator, and streamed to the output, so 7 million people fit in a few GiB.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from yishu import __version__
from yishu.standards.divisions import all_divisions
from yishu.synth import defects as D
from yishu.synth import sources as S
from yishu.synth.birthplace import county_years
from yishu.synth.geography import (
    City,
    Community,
    RoadBook,
    address_text,
    build_community,
    choose_communities,
    load_city,
)
from yishu.synth.population import REF_DATE, IdAllocator, make_chunk

CHUNK_PERSONS = 200_000
PERSONS_PER_ORGANISATION = 15
DEFAULT_CITY = "420200"

RECORD_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("file", pa.string()),
        ("row_number", pa.int64()),
        ("entity_type", pa.string()),
        ("entity_id", pa.string()),
        ("address_code", pa.string()),
        ("person_id", pa.string()),
        ("organisation_id", pa.string()),
        ("house_id", pa.string()),
        ("stale_address", pa.bool_()),
        ("duplicate_of", pa.int64()),
        ("defects", pa.list_(pa.string())),
    ]
)


@dataclass
class SynthContext:
    city: City
    rng: np.random.Generator
    address_index: dict[str, tuple[Community, Any]]
    hospital: str


class TruthWriter:
    """Appends chunks of columns to one Parquet file, fixing the schema from the first chunk."""

    def __init__(self, path: Path, schema: pa.Schema | None = None):
        self.path, self.schema, self.writer, self.rows = path, schema, None, 0

    # Types of columns that a whole chunk can leave empty (an all-urban first chunk has no village
    # groups); without them the first chunk would fix the column as Arrow's null type.
    EMPTY_TYPES: dict[str, pa.DataType] = {
        "village_group": pa.int64(),
        "door_no": pa.int64(),
        "building": pa.int64(),
        "unit": pa.int64(),
        "floor": pa.int64(),
    }

    def write(self, columns: dict[str, list]) -> None:
        table = pa.table(columns, schema=self.schema) if self.schema else pa.table(columns)
        if self.writer is None:
            self.schema = pa.schema(
                [
                    f.with_type(self.EMPTY_TYPES.get(f.name, pa.string())) if pa.types.is_null(f.type) else f
                    for f in table.schema
                ]
            )
            table = table.cast(self.schema)
            self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        self.writer.write_table(table.cast(self.schema))
        self.rows += table.num_rows

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _counties(city: City, rng: np.random.Generator) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Birth counties: the city's own, past and present (80% of people), and a sample of others.

    Only codes python-stdnum knows are used, so every ID passes its birth-place check too."""
    known = county_years()
    prefix = city.prefecture.code[:4]
    local = sorted(c for c in known if c.startswith(prefix) and not c.endswith("00") and c[4:] != "01")
    province = city.province.code[:2]
    current = [d.code[:6] for d in all_divisions() if d.level == 3 and d.code[:6] in known]
    same_province = sorted({c for c in current if c.startswith(province) and not c.startswith(prefix)})
    elsewhere = sorted({c for c in current if not c.startswith(province)})
    other = []
    if same_province:
        other += [
            same_province[i]
            for i in rng.choice(len(same_province), size=min(30, len(same_province)), replace=False)
        ]
    other += [elsewhere[i] for i in rng.choice(len(elsewhere), size=30, replace=False)]
    other = sorted(set(other) - set(local))
    if not local:
        local, other = other[:10], other[10:]
    names = local + other
    return names, np.arange(len(local)), np.arange(len(local), len(names))


def generate(
    city_code: str = DEFAULT_CITY,
    persons: int = 20_000,
    seed: int = 1,
    out: Path | str = "synth",
    progress: Callable[[int, int], None] | None = None,
    chunk_persons: int = CHUNK_PERSONS,
) -> dict[str, Any]:
    """Write a synthetic city to ``out`` and return its manifest."""
    if persons < 1:
        raise ValueError(f"--persons must be at least 1, got {persons}")
    out = Path(out)
    city = load_city(city_code)
    if out.exists() and any(out.iterdir()):
        if not (out / "manifest.json").is_file():
            raise FileExistsError(
                f"{out} exists, is not empty and holds no synthetic city; choose another --out"
            )
        shutil.rmtree(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    (out / "sources").mkdir(parents=True, exist_ok=True)

    master = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    plan = choose_communities(city, persons, master)
    counties, local_idx, other_idx = _counties(city, master)
    alloc = IdAllocator(counties)
    roads = RoadBook(master)
    sources = S.make_sources(city.city_name or city.province.name)
    writers = {s.name: _delivery_writer(s, out / "sources") for s in sources}
    truth = {
        name: TruthWriter(out / "truth" / f"{name}.parquet")
        for name in ("persons", "organisations", "houses", "addresses", "grids")
    }
    truth["records"] = TruthWriter(out / "truth" / "records.parquet", RECORD_SCHEMA)
    next_ids = {"person": 1, "household": 1, "organisation": 1, "house": 1}
    used_uscc: set[str] = set()
    chunks = _chunks(plan, chunk_persons)
    done = 0
    try:
        for chunk_no, members in enumerate(chunks):
            rng = np.random.default_rng(np.random.SeedSequence([seed, 1, chunk_no]))
            roads.rng = rng
            communities = []
            for division, count in members:
                shops = int(count / PERSONS_PER_ORGANISATION + rng.random())
                communities.append(build_community(division, city, count, shops, roads, rng))
            chunk = make_chunk(city, communities, alloc, local_idx, other_idx, next_ids, used_uscc, rng)
            index = {a.address_code: (comm, a) for comm, a in chunk.addresses}
            S._OLD_ROAD.clear()
            S._OLD_ROAD.update(code for code, (_c, a) in index.items() if a.road_old_name)
            _write_truth(truth, city, chunk, communities)
            ctx = SynthContext(city, rng, index, hospital=f"{city.city_name}中心医院")
            for source in sources:
                _write_source(source, chunk, ctx, writers[source.name], truth["records"], rng)
            done += len(chunk.persons["person_id"])
            if progress:
                progress(done, persons)
    finally:
        for w in writers.values():
            w.close()
        for t in truth.values():
            t.close()
    manifest = _manifest(city, persons, seed, sources, writers, truth)
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _chunks(plan: list, chunk_persons: int) -> list[list]:
    chunks, current, size = [], [], 0
    for division, count in plan:
        current.append((division, count))
        size += count
        if size >= chunk_persons:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return chunks


def _delivery_writer(source: S.Source, folder: Path):
    from yishu.synth.writers import DeliveryWriter

    groups = list(source.groups) if source.groups else None
    return DeliveryWriter(
        folder,
        source.stem,
        source.fmt,
        source.encoding,
        [c.name for c in source.columns],
        title=source.title,
        groups=groups,
    )


def _write_truth(truth: dict[str, TruthWriter], city: City, chunk, communities: list[Community]) -> None:
    truth["persons"].write(chunk.persons)
    if chunk.organisations["organisation_id"]:
        truth["organisations"].write(chunk.organisations)
    truth["houses"].write(chunk.houses)
    cols: dict[str, list] = {
        k: []
        for k in (
            "address_code",
            "division_code",
            "grid_code",
            "level",
            "province",
            "city",
            "district",
            "district_code",
            "town",
            "town_code",
            "community",
            "road",
            "road_old_name",
            "door_no",
            "compound",
            "building",
            "unit",
            "floor",
            "room",
            "village_group",
            "use",
            "text",
        )
    }
    for comm, a in chunk.addresses:
        cols["address_code"].append(a.address_code)
        cols["division_code"].append(a.division_code)
        cols["grid_code"].append(a.grid_code)
        cols["level"].append(a.level)
        cols["province"].append(city.province.name)
        cols["city"].append(city.city_name)
        cols["district"].append(comm.district.name)
        cols["district_code"].append(comm.district.code)
        cols["town"].append(comm.town.name)
        cols["town_code"].append(comm.town.code)
        cols["community"].append(comm.name)
        for k in (
            "road",
            "road_old_name",
            "door_no",
            "compound",
            "building",
            "unit",
            "floor",
            "room",
            "village_group",
            "use",
        ):
            cols[k].append(getattr(a, k))
        cols["text"].append(address_text(city, comm, a))
    truth["addresses"].write(cols)
    households: dict[str, int] = {}
    for code in {c for c in chunk.persons["actual_address_code"]}:
        households[code] = 1
    grid_rows: dict[str, dict[str, Any]] = {}
    for comm, a in chunk.addresses:
        g = grid_rows.setdefault(
            a.grid_code,
            {
                "grid_code": a.grid_code,
                "division_code": a.division_code,
                "name": f"{comm.name}第{int(a.grid_code[-3:])}网格",
                "addresses": 0,
                "households": 0,
            },
        )
        g["addresses"] += 1
        g["households"] += households.get(a.address_code, 0)
    truth["grids"].write(
        {
            k: [g[k] for g in grid_rows.values()]
            for k in ("grid_code", "division_code", "name", "addresses", "households")
        }
    )


def _write_source(
    source: S.Source, chunk, ctx: SynthContext, writer, records_truth: TruthWriter, rng: np.random.Generator
) -> None:
    records = source.select(chunk, ctx)
    if not records:
        return
    order = rng.permutation(len(records))
    records = [records[i] for i in order]
    S.apply_defects(source, records, rng)
    dup = set(D.pick(rng, np.ones(len(records), dtype=bool), source.rates()["duplicate_row"]).tolist())
    rows, truth = [], {f.name: [] for f in RECORD_SCHEMA}
    for i, rec in enumerate(records):
        row = []
        for col in source.columns:
            value = S.render_value(source, col.role, rec, ctx)
            row.append(col.fmt(value) if (col.fmt and value is not None) else value)
        copies = 2 if i in dup else 1
        for k in range(copies):
            rows.append(row)
            number = writer.rows + len(rows)
            part = _part_for(writer, number)
            truth["source"].append(source.name)
            truth["file"].append(part)
            truth["row_number"].append(number)
            truth["entity_type"].append(rec.entity_type)
            truth["entity_id"].append(rec.entity_id)
            truth["address_code"].append(rec.address_code)
            truth["person_id"].append(rec.person_id)
            truth["organisation_id"].append(rec.organisation_id)
            truth["house_id"].append(rec.house_id)
            truth["stale_address"].append(rec.stale)
            truth["duplicate_of"].append(number - 1 if k == 1 else None)
            truth["defects"].append(sorted(rec.flags | ({"duplicate_row"} if k == 1 else set())))
    writer.write(rows)
    records_truth.write(truth)


def _part_for(writer, row_number: int) -> str:
    """The file a row will land in (Excel deliveries split every EXCEL_ROWS_PER_FILE rows)."""
    from yishu.synth.writers import EXCEL_ROWS_PER_FILE

    if writer.fmt != "xlsx":
        return writer.files[0]["file"]
    part = (row_number - 1) // EXCEL_ROWS_PER_FILE
    return writer.part_name(part + 1)


def _manifest(city: City, persons: int, seed: int, sources, writers, truth) -> dict[str, Any]:
    return {
        "generator": f"yishu {__version__}",
        "city": {
            "code": city.prefecture.code[:6],
            "name": city.city_name or city.province.name,
            "province": city.province.name,
        },
        "persons": persons,
        "seed": seed,
        "reference_date": REF_DATE.isoformat(),
        "truth": {name: {"file": f"truth/{name}.parquet", "rows": t.rows} for name, t in truth.items()},
        "sources": [
            {
                "source": s.name,
                "department": s.department,
                "entity_type": s.entity_type,
                "file": f"sources/{writers[s.name].files[0]['file']}",
                "files": [{**f, "file": f"sources/{f['file']}"} for f in writers[s.name].files],
                "format": s.fmt,
                "encoding": s.encoding,
                "rows": writers[s.name].rows,
                "date_format": s.date_format,
                "title_rows": (1 if s.title else 0) + (1 if s.groups else 0),
                "columns": [{"name": c.name, "role": c.role} for c in s.columns],
                "defect_rates": s.rates(),
            }
            for s in sources
        ],
        "defects": [{"name": d.name, "rate": d.rate, "definition": d.definition} for d in D.DEFECTS],
        "source_rate_overrides": D.SOURCE_RATES,
        "chunk_persons": CHUNK_PERSONS,
        "persons_per_organisation": PERSONS_PER_ORGANISATION,
    }
