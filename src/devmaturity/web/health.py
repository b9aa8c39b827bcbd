"""`GET /health` (the process answers; touches nothing) and `GET /ready` (the database answers and is at the
schema this code expects; 503 problem+json otherwise), outside /api/v1 for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from devmaturity.errors import SchemaOutdated, StoreUnavailableError
from devmaturity.services.platform import readiness
from devmaturity.web.deps import web_context

router = APIRouter(tags=["health"])


@router.get("/health", operation_id="health")
async def health() -> dict[str, str]:
    """The process is alive (no database access)."""
    return {"status": "ok"}


@router.get("/ready", operation_id="ready", responses={503: {"description": "store-unavailable, schema-outdated"}})
async def ready(request: Request) -> JSONResponse:
    """The database is reachable and its schema is at the newest revision; 503 problem+json otherwise."""
    state = await run_in_threadpool(readiness, web_context(request).store)
    if not state.reachable:
        raise StoreUnavailableError("the database does not answer", zh="数据库没有应答")
    if not state.ready:
        raise SchemaOutdated(
            f"the database schema is at revision {state.current or 'none'}, this version needs {state.head}: "
            "run the migrations",
            zh=f"数据库结构版本为 {state.current or '无'}，本版本需要 {state.head}：请先执行数据库迁移",
        )
    return JSONResponse({"status": "ready", "schema": state.head})
