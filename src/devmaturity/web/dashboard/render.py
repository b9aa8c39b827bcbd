"""Turning a template and a view model into an HTML response: the Jinja2 environment, versioned static URLs,
the page language and the security headers every dashboard page carries."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from devmaturity.model.text import Lang, Text
from devmaturity.web.dashboard.texts import LANG_COOKIE, pick_lang, t

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"

# Scripts only from our own origin (no inline script, no eval); ECharts writes style attributes into its tooltip
# markup, hence 'unsafe-inline' for styles only. Nothing may frame the dashboard.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@functools.cache
def static_version(name: str) -> str:
    """The first 12 hex digits of the file's sha256: part of its URL, so a changed file is a new URL and the
    old one may be cached for ever."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    return f"/static/{name}?v={static_version(name)}"


def lang_of(request: Request) -> Lang:
    return pick_lang(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def local_path(target: str | None, default: str = "/portfolio") -> str:
    """`target` when it is a path on this site (no scheme, no host, no `//`), else `default`: no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static_url"] = static_url
    env.filters["urlquote"] = lambda value: quote(str(value), safe="")
    return env


def _text_getter(lang: Lang) -> Any:
    def text_of(value: Text | Mapping[str, str] | str | None) -> str:
        """A model text ({"zh", "en"} or Text) in the page's language."""
        if value is None:
            return ""
        if isinstance(value, Text):
            return value.get(lang)
        if isinstance(value, Mapping):
            return str(value.get(lang) or value.get("en") or "")
        return str(value)

    return text_of


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    lang: Lang | None = None,
) -> HTMLResponse:
    """Render `template` with the view model in `context`, plus what every page needs: the language, the text
    function `t`, `tx` for model texts, the current path (for the language switch) and the security headers."""
    chosen = lang or lang_of(request)
    return respond(render_html(request, template, context, chosen), chosen, status=status)


def render_html(request: Request, template: str, context: Mapping[str, Any], lang: Lang) -> str:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    values = {
        "lang": lang,
        "t": functools.partial(t, lang=lang),
        "tx": _text_getter(lang),
        "here": path,
        "here_quoted": quote(path, safe=""),
        "flash": None,
        "flash_kind": None,
        "user": None,
        "csrf": "",
        "section": "",
        **context,
    }
    return environment().get_template(template).render(values)


def respond(html: str, lang: Lang, *, status: int = 200) -> HTMLResponse:
    response = HTMLResponse(html, status_code=status)
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = "zh-CN" if lang == "zh" else "en"
    return response
