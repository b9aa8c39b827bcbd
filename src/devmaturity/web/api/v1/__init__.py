"""The /api/v1 router: one module per resource in this package, each with a module-level `router`
(`APIRouter()` without the /api/v1 prefix). To add a resource, add its module to MODULES; nothing else."""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter

PREFIX = "/api/v1"

MODULES: tuple[str, ...] = (
    "auth",
    "oidc",
    "members",
    "tokens",
    "audit",
    "webhooks",
    "orgs",
    "projects",
    "sources",
    "runs",
    "assessments",
    "answers",
    "metrics",
)
"""The resource modules of devmaturity.web.api.v1 whose `router` is included, in this order."""


def build_router() -> APIRouter:
    """One APIRouter at /api/v1 with every module's router included."""
    api = APIRouter(prefix=PREFIX)
    for name in MODULES:
        module = import_module(f"{__name__}.{name}")
        api.include_router(module.router)
    return api
