"""The catalogue in the control plane: load a validated catalogue in one transaction, read it back.

The authority map is versioned: a load whose map differs from the current one (by content digest)
adds a version; a release records the version it was built with (``current_authority_version``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from yishu.catalogue.model import Catalogue, Check, DataElement, Field, Resource

meta = sa.MetaData()
element_t = sa.Table(
    "catalogue_element", meta,
    *(sa.Column(c) for c in ("id", "name", "name_en", "type", "standard", "codelist", "check_python",
                             "check_sql", "check_normalise", "classification", "personal", "grade",
                             "masking", "synonyms", "file")),
)  # fmt: skip
resource_t = sa.Table(
    "catalogue_resource", meta,
    *(sa.Column(c) for c in ("code", "name", "source", "provider", "summary", "entity_type", "format",
                             "update_cycle", "share_type", "share_basis", "open_type", "open_basis",
                             "release_date", "related", "declared_grade", "grade", "personal", "file")),
)  # fmt: skip
field_t = sa.Table(
    "catalogue_field", meta,
    *(sa.Column(c) for c in ("resource_code", "position", "column_name", "element_id", "attribute",
                             "subject", "personal", "grade", "masking", "graded_by")),
)  # fmt: skip
authority_t = sa.Table(
    "authority_version", meta,
    sa.Column("version", sa.Integer, primary_key=True), sa.Column("created_at"), sa.Column("digest"),
    sa.Column("content"),
)  # fmt: skip
mapping_t = sa.Table(
    "column_mapping", meta,
    *(sa.Column(c) for c in ("source", "column_name", "element_id", "attribute", "confirmed_by", "confirmed_at")),
)  # fmt: skip


@dataclass(frozen=True)
class LoadResult:
    elements: int
    resources: int
    fields: int
    authority_version: int | None
    new_authority_version: bool


def authority_digest(authority: dict[str, tuple[str, ...]]) -> str:
    text = json.dumps({k: list(v) for k, v in sorted(authority.items())}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save(engine: sa.Engine, catalogue: Catalogue) -> LoadResult:
    """Replace the catalogue in the control plane with ``catalogue`` (one transaction)."""
    fields = 0
    with engine.begin() as conn:
        conn.execute(sa.delete(field_t))
        conn.execute(sa.delete(resource_t))
        conn.execute(sa.delete(element_t))
        for e in catalogue.elements.values():
            conn.execute(
                sa.insert(element_t).values(
                    id=e.id, name=e.name, name_en=e.name_en, type=e.type, standard=e.standard,
                    codelist=e.codelist, check_python=e.check.python, check_sql=e.check.sql,
                    check_normalise=e.check.normalise, classification=e.classification,
                    personal=e.personal, grade=e.grade, masking=e.masking,
                    synonyms=json.dumps(list(e.synonyms), ensure_ascii=False), file=e.file,
                )
            )  # fmt: skip
        for r in catalogue.resources.values():
            conn.execute(
                sa.insert(resource_t).values(
                    code=r.code, name=r.name, source=r.source, provider=r.provider, summary=r.summary,
                    entity_type=r.entity_type, format=r.format, update_cycle=r.update_cycle,
                    share_type=r.share_type, share_basis=r.share_basis, open_type=r.open_type,
                    open_basis=r.open_basis, release_date=r.release_date,
                    related=json.dumps(list(r.related), ensure_ascii=False),
                    declared_grade=r.declared_grade, grade=r.grade, personal=r.personal, file=r.file,
                )
            )  # fmt: skip
            for i, f in enumerate(r.fields):
                conn.execute(
                    sa.insert(field_t).values(
                        resource_code=r.code, position=i, column_name=f.column, element_id=f.element,
                        attribute=f.attribute, subject=f.subject, personal=f.personal, grade=f.grade,
                        masking=f.masking, graded_by=f.graded_by,
                    )
                )  # fmt: skip
                fields += 1
        version, new = None, False
        if catalogue.authority:
            digest = authority_digest(catalogue.authority)
            current = conn.execute(
                sa.select(authority_t.c.version, authority_t.c.digest)
                .order_by(authority_t.c.version.desc())
                .limit(1)
            ).first()
            if current is not None and current.digest == digest:
                version = current.version
            else:
                existing = conn.execute(
                    sa.select(authority_t.c.version).where(authority_t.c.digest == digest)
                ).first()
                if existing is not None:  # going back to an earlier map: it becomes current as a new version
                    conn.execute(sa.delete(authority_t).where(authority_t.c.digest == digest))
                content = json.dumps({k: list(v) for k, v in catalogue.authority.items()}, ensure_ascii=False)
                result = conn.execute(
                    sa.insert(authority_t).values(
                        created_at=datetime.now(UTC), digest=digest, content=content
                    )
                )
                version, new = result.inserted_primary_key[0], True
    return LoadResult(len(catalogue.elements), len(catalogue.resources), fields, version, new)


def read(engine: sa.Engine) -> Catalogue:
    """The catalogue as last loaded into the control plane."""
    with engine.connect() as conn:
        elements = {
            row.id: DataElement(
                id=row.id, name=row.name, name_en=row.name_en, type=row.type, standard=row.standard,
                codelist=row.codelist, check=Check(row.check_python, row.check_sql, row.check_normalise),
                classification=row.classification, personal=row.personal, grade=row.grade,
                masking=row.masking, synonyms=tuple(json.loads(row.synonyms)), file=row.file,
            )
            for row in conn.execute(sa.select(element_t))
        }  # fmt: skip
        fields: dict[str, list[Field]] = {}
        for row in conn.execute(sa.select(field_t).order_by(field_t.c.resource_code, field_t.c.position)):
            fields.setdefault(row.resource_code, []).append(
                Field(
                    row.column_name,
                    row.element_id,
                    row.attribute,
                    row.subject,
                    row.personal,
                    row.grade,
                    row.masking,
                    row.graded_by,
                )  # fmt: skip
            )
        resources = {
            row.code: Resource(
                code=row.code, name=row.name, source=row.source, provider=row.provider, summary=row.summary,
                entity_type=row.entity_type, format=row.format, update_cycle=row.update_cycle,
                share_type=row.share_type, share_basis=row.share_basis, open_type=row.open_type,
                open_basis=row.open_basis, release_date=row.release_date,
                fields=tuple(fields.get(row.code, [])), related=tuple(json.loads(row.related)),
                declared_grade=row.declared_grade, file=row.file,
            )
            for row in conn.execute(sa.select(resource_t).order_by(resource_t.c.code))
        }  # fmt: skip
        current = conn.execute(
            sa.select(authority_t.c.content).order_by(authority_t.c.version.desc()).limit(1)
        ).first()
    authority = {k: tuple(v) for k, v in json.loads(current.content).items()} if current else {}
    return Catalogue(elements, resources, authority)


def authority_versions(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(authority_t).order_by(authority_t.c.version)).all()
    return [
        {"version": r.version, "created_at": str(r.created_at), "digest": r.digest,
         "attributes": len(json.loads(r.content))}
        for r in rows
    ]  # fmt: skip


def current_authority_version(engine: sa.Engine) -> int | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(authority_t.c.version))).scalar()


def confirm_mapping(
    engine: sa.Engine, source: str, mapping: dict[str, str], who: str, attributes=None
) -> None:
    """Keep a person's confirmed column -> data element mapping for ``source``."""
    attributes = attributes or {}
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for column, element in mapping.items():
            conn.execute(
                sa.delete(mapping_t).where(mapping_t.c.source == source, mapping_t.c.column_name == column)
            )
            conn.execute(
                sa.insert(mapping_t).values(source=source, column_name=column, element_id=element,
                                            attribute=attributes.get(column), confirmed_by=who, confirmed_at=now)
            )  # fmt: skip


def confirmed_mappings(engine: sa.Engine, source: str | None = None) -> dict[str, dict[str, str]]:
    """source -> {column: element} as confirmed."""
    query = sa.select(mapping_t)
    if source is not None:
        query = query.where(mapping_t.c.source == source)
    out: dict[str, dict[str, str]] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            out.setdefault(row.source, {})[row.column_name] = row.element_id
    return out
