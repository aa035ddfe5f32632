"""Verification tasks (核验): questions for the grid worker covering an address, and their answers
flowing back as deliveries of the source 网格核验 (一次排查、多方复用).

Each governance run derives this run's tasks (``steps``) into the release table ``task``:

``conflict`` an attribute whose chosen value is contradicted by sources with a severity at or
             above ``task_conflict_threshold`` (sources disagreeing / sources with a value);
``address``  an entity whose placing address did not match the standard address register (a
             proposal: the grid worker confirms where it is);
``link``     a record linked by probability below ``task_link_probability`` (is it the same one?).

Task ids are stable (a hash of kind, entity and attribute), so a task answered once is not asked
again. ``sync`` brings the control plane's ``verification_task`` in line after a release: new
tasks open, tasks no longer raised close, answered ones stay. ``answer_task`` records an answer;
``deliver_answers`` turns answered tasks into one 网格核验 delivery (CSV, ingested like any other)
which the next run's survivorship takes as authoritative for exactly those values.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa

from yishu.catalogue.validate import LOCAL_CODELISTS
from yishu.pipeline.steps import Step
from yishu.workspace import Workspace

ACTIONS = LOCAL_CODELISTS["verification_answer"]
VERIFIER = "网格核验"
ANSWER_COLUMNS = ("实体编号", "属性", "核验值", "核验结论", "核验时间")

meta = sa.MetaData()
task_t = sa.Table(
    "verification_task", meta, sa.Column("task_id", sa.String, primary_key=True),
    *(sa.Column(c) for c in ("kind", "entity_type", "entity_id", "attribute", "grid_code",
                             "jurisdiction", "question", "status", "first_release", "last_release", "answer",
                             "answered_by", "answered_at", "delivery_id")),
)  # fmt: skip


class TaskError(ValueError):
    """An answer that cannot be taken: unknown task, wrong state, or an action the task does not allow."""


def steps(conflict_threshold: float, link_probability: float) -> list[Step]:
    return [
        Step(
            "conflict tasks",
            "task_conflict",
            f"""
            WITH c AS (SELECT eno, aid, max(severity) AS severity
                       FROM conflict GROUP BY ALL HAVING max(severity) >= {conflict_threshold}),
                 cand AS (SELECT p.eno, p.aid, p.value, list(DISTINCT s.source ORDER BY s.source) AS sources,
                                 bool_or(p.chosen) AS chosen
                          FROM provenance p JOIN c USING (eno, aid)
                          JOIN (SELECT DISTINCT sid, source FROM gov_delivery) s USING (sid) GROUP BY ALL)
            SELECT 'conflict' AS kind, e.entity_type, e.entity_id, a.attribute, c.severity,
                   to_json(list(struct_pack(value := cand.value, sources := cand.sources, chosen := cand.chosen)
                                ORDER BY cand.chosen DESC, cand.value)) AS candidates
            FROM c JOIN cand USING (eno, aid) JOIN gov_entity e USING (eno) JOIN gov_attribute a USING (aid)
            GROUP BY e.entity_type, e.entity_id, a.attribute, c.severity
            """,
        ),
        Step(
            "address tasks",
            "task_address",
            """
            WITH e AS (SELECT 'person' AS entity_type, entity_id, coalesce(actual_address, hukou_address) AS text,
                              CASE WHEN actual_address IS NOT NULL THEN 'person.actual_address'
                                   ELSE 'person.hukou_address' END AS attribute
                       FROM person WHERE address_code IS NULL AND coalesce(actual_address, hukou_address) IS NOT NULL
                       UNION ALL
                       SELECT 'organisation', entity_id, coalesce(business_address, registered_address),
                              CASE WHEN business_address IS NOT NULL THEN 'organisation.business_address'
                                   ELSE 'organisation.registered_address' END
                       FROM organisation WHERE address_code IS NULL
                         AND coalesce(business_address, registered_address) IS NOT NULL
                       UNION ALL
                       SELECT 'house', entity_id, address, 'house.address' FROM house
                       WHERE address_code IS NULL AND address IS NOT NULL)
            SELECT 'address' AS kind, e.entity_type, e.entity_id, e.attribute, 1.0 AS severity,
                   to_json([struct_pack(value := e.text, level := m.level, reasons := m.reasons,
                                        community_code := m.division_code)]) AS candidates,
                   m.division_code AS community_code
            FROM e LEFT JOIN address_match m ON m.text = e.text
            """,
        ),
        Step(
            "link tasks",
            "task_link",
            f"""
            SELECT 'link' AS kind, entity_type, entity_id, '_link:' || record_id AS attribute,
                   round(1 - match_probability, 4) AS severity,
                   to_json([struct_pack(value := record_id, note := note, match_probability := match_probability)])
                       AS candidates
            FROM link WHERE method = 'probabilistic' AND match_probability < {link_probability}
            """,
        ),
        Step(
            "tasks",
            "task",
            """
            WITH t AS (SELECT kind, entity_type, entity_id, attribute, severity, candidates, NULL AS community_code
                       FROM task_conflict
                       UNION ALL SELECT kind, entity_type, entity_id, attribute, severity, candidates, community_code
                       FROM task_address
                       UNION ALL SELECT kind, entity_type, entity_id, attribute, severity, candidates, NULL
                       FROM task_link),
                 place AS (SELECT 'person' AS entity_type, entity_id, grid_code, jurisdiction FROM person
                           UNION ALL SELECT 'organisation', entity_id, grid_code, jurisdiction FROM organisation
                           UNION ALL SELECT 'house', entity_id, grid_code, jurisdiction FROM house)
            SELECT substring(md5(t.kind || '|' || t.entity_type || '|' || t.entity_id || '|' || t.attribute), 1, 16)
                       AS task_id,
                   t.kind, t.entity_type, t.entity_id, t.attribute, p.grid_code,
                   coalesce(p.jurisdiction, t.community_code) AS jurisdiction, t.severity,
                   CAST(to_json(struct_pack(candidates := json(t.candidates), severity := t.severity)) AS VARCHAR)
                       AS question,
                   'open' AS status
            FROM t LEFT JOIN place p USING (entity_type, entity_id)
            ORDER BY task_id
            """,
        ),
    ]


def sync(ws: Workspace, con, release_id: int) -> dict[str, int]:
    """Make the control plane's open tasks those of ``release_id``; keep answered ones."""
    rows = con.execute(
        "SELECT task_id, kind, entity_type, entity_id, attribute, grid_code, jurisdiction, question FROM task"
    ).fetchall()
    engine = ws.engine()
    counts = {"opened": 0, "kept": 0, "closed": 0}
    try:
        with engine.begin() as conn:
            existing = {
                r.task_id: r.status for r in conn.execute(sa.select(task_t.c.task_id, task_t.c.status))
            }
            current = set()
            new, kept = [], []
            for task_id, kind, et, eid, attr, grid, jur, question in rows:
                current.add(task_id)
                if task_id in existing:
                    if existing[task_id] == "open":
                        kept.append(dict(tid=task_id, q=question, grid=grid, jur=jur))
                    continue
                new.append(dict(task_id=task_id, kind=kind, entity_type=et, entity_id=eid, attribute=attr,
                                grid_code=grid, jurisdiction=jur, question=question, status="open",
                                first_release=release_id, last_release=release_id))  # fmt: skip
            if kept:  # one statement, executed for each (tens of thousands of tasks in a large city)
                conn.execute(
                    sa.update(task_t).where(task_t.c.task_id == sa.bindparam("tid")).values(
                        last_release=release_id, question=sa.bindparam("q"), grid_code=sa.bindparam("grid"),
                        jurisdiction=sa.bindparam("jur")),
                    kept,
                )  # fmt: skip
            counts["kept"] = len(kept)
            if new:
                conn.execute(sa.insert(task_t), new)
            counts["opened"] = len(new)
            stale = [t for t, s in existing.items() if s == "open" and t not in current]
            for i in range(0, len(stale), 500):
                conn.execute(
                    sa.update(task_t).where(task_t.c.task_id.in_(stale[i : i + 500])).values(status="closed")
                )
            counts["closed"] = len(stale)
    finally:
        engine.dispose()
    return counts


def list_tasks(ws: Workspace, status: str | None = "open", jurisdiction: str | None = None,
               limit: int | None = None) -> list[dict]:  # fmt: skip
    engine = ws.engine()
    try:
        with engine.connect() as conn:
            q = sa.select(task_t).order_by(task_t.c.task_id)
            if status:
                q = q.where(task_t.c.status == status)
            if jurisdiction:
                q = q.where(task_t.c.jurisdiction.startswith(jurisdiction))
            if limit:
                q = q.limit(limit)
            out = []
            for r in conn.execute(q):
                d = dict(r._mapping)
                d["question"] = json.loads(d["question"]) if d["question"] else None
                d["answer"] = json.loads(d["answer"]) if d["answer"] else None
                out.append(d)
            return out
    finally:
        engine.dispose()


def answer_task(ws: Workspace, task_id: str, answer: dict, user: str) -> dict:
    """Record a grid worker's answer: ``{"action": choose|enter|moved|deceased|not_found, "value": ...}``.

    ``choose`` takes one of the task's candidate values; ``enter`` a new value; ``moved`` a new
    address (or none: moved away, address unknown); ``deceased`` an optional death date;
    ``not_found`` says the entity or address is not there. Link tasks take ``choose`` with
    ``same`` or ``different``."""
    action = answer.get("action")
    if action not in ACTIONS:
        raise TaskError(f"task {task_id}: action must be one of {', '.join(ACTIONS)}, got {action!r}")
    value = answer.get("value")
    value = None if value is None or str(value).strip() == "" else str(value).strip()
    engine = ws.engine()
    try:
        with engine.begin() as conn:
            row = conn.execute(sa.select(task_t).where(task_t.c.task_id == task_id)).first()
            if row is None:
                raise TaskError(f"no verification task {task_id!r}")
            if row.status != "open":
                raise TaskError(f"task {task_id} is {row.status}, not open")
            candidates = [c.get("value") for c in json.loads(row.question).get("candidates", [])]
            if row.kind == "link":
                if action != "choose" or value not in ("same", "different"):
                    raise TaskError(f"task {task_id}: a link task takes choose with same or different")
            elif action == "choose" and value not in candidates:
                raise TaskError(f"task {task_id}: {value!r} is not one of the candidates {candidates}")
            elif action == "enter" and value is None:
                raise TaskError(f"task {task_id}: enter needs a value")
            elif action in ("moved", "deceased") and row.entity_type != "person":
                raise TaskError(f"task {task_id}: {action} applies to people only")
            stored = {"action": action, "value": value}
            conn.execute(sa.update(task_t).where(task_t.c.task_id == task_id).values(
                status="answered", answer=json.dumps(stored, ensure_ascii=False), answered_by=user,
                answered_at=datetime.now(UTC)))  # fmt: skip
            return {**dict(row._mapping), "status": "answered", "answer": stored, "answered_by": user}
    finally:
        engine.dispose()


def _answer_rows(rows) -> list[tuple]:
    out = []
    for r in rows:
        answer = json.loads(r.answer)
        attribute = r.attribute
        if answer["action"] == "moved":
            attribute = "person.actual_address"
        when = r.answered_at
        stamp = when.isoformat() if hasattr(when, "isoformat") else str(when)
        out.append((r.entity_id, attribute, answer.get("value") or "", answer["action"], stamp[:19]))
    return out


def deliver_answers(ws: Workspace) -> dict | None:
    """Answered tasks -> one 网格核验 delivery (ingested), tasks marked applied. None if none."""
    from yishu.pipeline.ingest import ingest_files

    engine = ws.engine()
    try:
        with engine.connect() as conn:
            rows = list(conn.execute(
                sa.select(task_t).where(task_t.c.status == "answered").order_by(task_t.c.answered_at,
                                                                                 task_t.c.task_id)))  # fmt: skip
        if not rows:
            return None
        lines = _answer_rows(rows)
        digest = hashlib.sha256(json.dumps(lines, ensure_ascii=False).encode()).hexdigest()[:16]
        folder = ws.data_dir / "verification"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"answers-{digest}.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(ANSWER_COLUMNS)
            writer.writerows(lines)
        result = ingest_files(ws, VERIFIER, [path])
        with engine.begin() as conn:
            conn.execute(sa.update(task_t).where(task_t.c.task_id.in_([r.task_id for r in rows])).values(
                status="applied", delivery_id=result.delivery_id))  # fmt: skip
        return {"delivery_id": result.delivery_id, "answers": len(lines), "path": str(path)}
    finally:
        engine.dispose()
