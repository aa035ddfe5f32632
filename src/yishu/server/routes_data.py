"""The data API on the current release, always through one of the caller's grants."""

from __future__ import annotations

import csv
import io
import tempfile
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from yishu.server.security import Id, Principal, require, state
from yishu.share import applications as apps
from yishu.share import data as share_data

router = APIRouter(prefix="/api/v1/grants/{grant_id}", tags=["data"])
Reader = Annotated[Principal, Depends(require("data"))]
Filters = Annotated[list[str], Query(max_length=20, description="field:op:value; op one of "
                                     + ", ".join(share_data.OPS))]  # fmt: skip
Sort = Annotated[
    str | None, Query(max_length=200, description="fields separated by commas, - for descending")
]


def _view(request: Request, p: Principal, grant_id: int):
    st = state(request)
    audit = request.state.audit
    audit["grant_id"] = grant_id
    with st.engine.connect() as conn:
        grant = apps.usable_grant(conn, p.user, grant_id)
    audit["purpose"] = grant.purpose
    data = st.releases.get()
    audit["release_id"] = data.release.id
    return data, share_data.view(data, p.user, grant)


def _audit_rows(request: Request, records: list[dict]) -> None:
    request.state.audit["rows"] = len(records)
    request.state.audit["entity_ids"] = [r["entity_id"] for r in records]


@router.get("/records")
def list_records(grant_id: Id, p: Reader, request: Request, filter: Filters = None, sort: Sort = None,  # noqa: A002
                 limit: Annotated[int, Query(ge=1, le=share_data.MAX_LIMIT)] = 50,
                 offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> dict:  # fmt: skip
    """Granted fields of the rows in the grant's jurisdiction, filtered, sorted and paged."""
    data, v = _view(request, p, grant_id)
    result = share_data.list_records(data, v, filter or [], sort, limit, offset)
    _audit_rows(request, result["records"])
    return result


@router.get("/records/{entity_id}")
async def get_record(grant_id: Id, entity_id: str, p: Reader, request: Request) -> JSONResponse:
    """One entity by its id: ``{"release_id", "grant_id", "record"}``."""
    data, v = _view(request, p, grant_id)
    record = share_data.get_record(data, v, entity_id)
    _audit_rows(request, [record])
    return JSONResponse({"release_id": data.release.id, "grant_id": grant_id, "record": record})


@router.get("/records/{entity_id}/profile")
def get_profile(grant_id: Id, entity_id: str, p: Reader, request: Request) -> dict:
    """一人一档 / 一企一档: the granted attributes with the provenance of each, masked likewise."""
    data, v = _view(request, p, grant_id)
    result = share_data.profile(data, v, entity_id)
    _audit_rows(request, [result["record"]])
    return result


def _lookup(request: Request, p: Principal, grant_id: Id, key: str, value: str) -> dict:
    request.state.audit["query"] = {"key": key, "value": value}
    data, v = _view(request, p, grant_id)
    records = share_data.find_by_key(data, v, key, value)
    _audit_rows(request, records)
    return {"release_id": data.release.id, "grant_id": grant_id, "records": records}


@router.get("/lookup/citizen-id/{citizen_id}")
async def by_citizen_id(grant_id: Id, citizen_id: str, p: Reader, request: Request) -> dict:
    """People with this citizen ID (exact; the key searched is audited)."""
    return _lookup(request, p, grant_id, "citizen_id", citizen_id)


@router.get("/lookup/credit-code/{credit_code}")
async def by_credit_code(grant_id: Id, credit_code: str, p: Reader, request: Request) -> dict:
    """Organisations with this unified social credit code (exact; audited)."""
    return _lookup(request, p, grant_id, "uscc", credit_code)


def _export(request: Request, p: Principal, grant_id: Id, filters, sort):
    st = state(request)
    data, v = _view(request, p, grant_id)
    sql, params, total, ids = share_data.export_query(
        data, v, filters or [], sort, st.settings["export_max_rows"]
    )
    request.state.audit["rows"] = total
    request.state.audit["entity_ids"] = ids
    return data, sql, params


@router.get("/export.csv", response_class=StreamingResponse)
def export_csv(grant_id: Id, p: Reader, request: Request, filter: Filters = None, sort: Sort = None):  # noqa: A002
    """Every matching row as UTF-8 CSV (with BOM), streamed."""
    data, sql, params = _export(request, p, grant_id, filter, sort)

    def rows():
        cur = data.cursor()
        try:
            cur.execute(sql, params)
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow([d[0] for d in cur.description])
            yield "\ufeff" + buf.getvalue()
            while batch := cur.fetchmany(5000):
                buf.seek(0)
                buf.truncate()
                writer.writerows(batch)
                yield buf.getvalue()
        finally:
            cur.close()

    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": f'attachment; filename="grant-{grant_id}.csv"'})  # fmt: skip


@router.get("/export.parquet", response_class=StreamingResponse)
def export_parquet(grant_id: Id, p: Reader, request: Request, filter: Filters = None, sort: Sort = None):  # noqa: A002
    """Every matching row as Parquet, written in batches to a spooled file and streamed."""
    import pyarrow.parquet as pq

    data, sql, params = _export(request, p, grant_id, filter, sort)
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115  (closed after streaming)
    cur = data.cursor()
    try:
        reader = cur.execute(sql, params).to_arrow_reader(50_000)
        with pq.ParquetWriter(spool, reader.schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    finally:
        cur.close()

    def chunks():
        try:
            while chunk := spool.read(1 << 20):
                yield chunk
        finally:
            spool.close()

    return StreamingResponse(chunks(), media_type="application/vnd.apache.parquet",
                             headers={"content-disposition": f'attachment; filename="grant-{grant_id}.parquet"'})  # fmt: skip
