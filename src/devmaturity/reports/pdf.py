"""The document report as PDF: reports/document.py's HTML printed by WeasyPrint (the `pdf` extra, imported here
only), with the bundled CJK font (reports/fonts/) loaded by @font-face, so no system font is needed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from devmaturity.reports.document import render_document

FONT_FILE = "wqy-microhei.ttf"


def font_path() -> Path:
    """The bundled font on disk (the package is installed as files; a zipped install is not supported)."""
    return Path(str(resources.files("devmaturity.reports").joinpath("fonts", FONT_FILE)))


def render_pdf(report: dict[str, Any], lang: str = "en") -> bytes:
    import weasyprint

    font = font_path()
    html = render_document(report, lang, font_url=font.as_uri())
    document = weasyprint.HTML(string=html, base_url=str(font.parent))
    pdf: bytes = document.write_pdf()
    return pdf
