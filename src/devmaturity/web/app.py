"""The app factory: `create_app(config)` wires the error handler, /health and /ready, the /api/v1 routers (and
the dashboard's router, see below), and a lifespan that quiets expected faults and keeps secrets out of the log.
Nothing runs at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI

from devmaturity.config import Config, secret_keys
from devmaturity.errors import ConfigError
from devmaturity.services.oidc import OidcSettings
from devmaturity.services.platform import Store, open_store, pool_of
from devmaturity.services.webhooks import WebhookService
from devmaturity.web import dashboard, errors, health
from devmaturity.web.api.v1 import build_router
from devmaturity.web.deps import WebContext
from devmaturity.web.faults import FAULT_LOGGERS, QuietFaults
from devmaturity.web.limits import RequestLimits

BODY_TIMEOUT = 30.0  # seconds a request body may take to arrive, so a stalled client cannot hold a worker


def _service_key(environ: Mapping[str, str] | None) -> str | None:
    """DEVMATURITY_SECRET_KEY from the environment, or None when unset (then only the webhooks work)."""
    try:
        return secret_keys(environ)[0]
    except ConfigError:
        return None


def create_app(
    config: Config,
    store: Store | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    secret_key: str | None = None,
    body_timeout: float = BODY_TIMEOUT,
) -> FastAPI:
    """The app over `store` (opened from config.database_url when not given). Webhook secrets are read from the
    environment variables their [[devmaturity.webhooks]] tables name (ConfigError when one is unset); the service
    key from DEVMATURITY_SECRET_KEY unless `secret_key` is given; OIDC sign-in from the oidc_* settings and
    DEVMATURITY_OIDC_CLIENT_SECRET."""
    store = store if store is not None else open_store(config.database_url, pool_of(config))
    webhooks = WebhookService(store, config, environ)
    context = WebContext(
        config=config,
        store=store,
        webhooks=webhooks,
        secret_key=secret_key if secret_key is not None else _service_key(environ),
        body_timeout=body_timeout,
        oidc=OidcSettings.of(config, environ),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        quiet = QuietFaults()
        faulty = [logging.getLogger(name) for name in FAULT_LOGGERS]
        for logger in faulty:
            logger.addFilter(quiet)
        try:
            with webhooks.redactor.installed():  # no webhook secret reaches the log, whoever logs it
                yield
        finally:
            for logger in faulty:
                logger.removeFilter(quiet)

    app = FastAPI(
        title="devmaturity",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.devmaturity = context
    app.add_middleware(RequestLimits, timeout=body_timeout, max_header_bytes=config.server_max_header_bytes)
    errors.install(app, webhooks.redactor.text)
    app.include_router(health.router)
    app.include_router(build_router())
    dashboard.mount(app)  # the server-rendered pages and their static files
    return app
