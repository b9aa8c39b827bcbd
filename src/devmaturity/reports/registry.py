"""The ONE table of report formats: name → renderer module, file name and media type, used by `assess`, `report`,
the evidence pack and the web. A renderer is imported only when its format is rendered (WeasyPrint, Rich)."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Renderer = Callable[[dict[str, Any], str], Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Format:
    """One output format: where its renderer lives, the file it is written to and what it is."""

    name: str
    module: str  # under devmaturity.reports
    attr: str
    filename: str | None  # None: printed, not written (the terminal table)
    media_type: str
    binary: bool
    summary: str
    needs: str | None = None  # an optional package the renderer imports (pip extra), checked by `available`

    def renderer(self) -> Renderer:
        fn: Renderer = getattr(importlib.import_module(f"devmaturity.reports.{self.module}"), self.attr)
        return fn

    def available(self) -> bool:
        """Whether the optional package this format needs is installed (always, when it needs none)."""
        return self.needs is None or importlib.util.find_spec(self.needs) is not None

    def render(self, report: dict[str, Any], lang: str) -> Any:
        """The rendered report: str for text formats, bytes for binary ones, a Rich renderable for the table."""
        return self.renderer()(report, lang)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            name="table",
            module="terminal",
            attr="render_terminal",
            filename=None,
            media_type="text/plain",
            binary=False,
            summary="terminal tables of part and subdomain levels",
        ),
        Format(
            name="json",
            module="json",
            attr="render_json",
            filename="report.json",
            media_type="application/json",
            binary=False,
            summary="the structured report, both languages (docs/report-schema.md)",
        ),
        Format(
            name="md",
            module="markdown",
            attr="render_markdown",
            filename="report.md",
            media_type="text/markdown; charset=utf-8",
            binary=False,
            summary="Markdown: levels, criteria, reasons and gaps",
        ),
        Format(
            name="html",
            module="html",
            attr="render_html",
            filename="report.html",
            media_type="text/html; charset=utf-8",
            binary=False,
            summary="the assessor's interactive page: every criterion, reason and evidence",
        ),
        Format(
            name="doc",
            module="document",
            attr="render_document",
            filename="report-document.html",
            media_type="text/html; charset=utf-8",
            binary=False,
            summary="the assessment report as a printable document: cover, summary, parts, roadmap, evidence",
        ),
        Format(
            name="pdf",
            module="pdf",
            attr="render_pdf",
            filename="report.pdf",
            media_type="application/pdf",
            binary=True,
            summary="the document report as PDF (WeasyPrint, bundled CJK font)",
            needs="weasyprint",
        ),
    )
}

# `devmaturity report --format NAME` (and the web's download) names the document formats of a stored assessment:
# what the user types → the row above. "html" there is the printable document, not the interactive page.
DOCUMENT_FORMATS: dict[str, str] = {"pdf": "pdf", "html": "doc", "json": "json", "md": "md"}


def get(name: str) -> Format:
    return FORMATS[name]
