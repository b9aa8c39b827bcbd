"""Inline SVG charts of the document report (no script: they print and go into the PDF as they are)."""

from __future__ import annotations

from markupsafe import Markup

_COLOURS = {0: "#9ca3af", 1: "#dc2626", 2: "#f59e0b", 3: "#16a34a", 4: "#0d9488", 5: "#2563eb"}
FONT = '"DM CJK", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'


def _esc(text: str) -> str:
    return str(Markup.escape(text))


def level_bars(rows: list[tuple[str, int]], max_level: int, *, width: int = 640, label_width: int = 230) -> Markup:
    """A horizontal bar per row (label, level) on a 0..max_level scale with a gridline per level: readable when
    every level is the same, where a radar shows identical small polygons."""
    bar_h, gap, top = 18, 8, 22
    plot = width - label_width - 40
    height = top + len(rows) * (bar_h + gap) + 6
    step = plot / max_level
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" font-family="{_esc(FONT)}" font-size="11">'
    ]
    for level in range(max_level + 1):
        x = label_width + level * step
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 4}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{x:.1f}" y="{top - 8}" text-anchor="middle" fill="#6b7280">{level}</text>')
    for i, (label, level) in enumerate(rows):
        y = top + i * (bar_h + gap)
        shown = label if len(label) <= 34 else label[:33] + "…"
        baseline = y + bar_h / 2 + 4
        parts.append(
            f'<text x="{label_width - 8}" y="{baseline:.1f}" text-anchor="end" fill="#111">{_esc(shown)}</text>'
        )
        w = max(level * step, 2)
        colour = _COLOURS.get(level, "#6b7280")
        parts.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2" fill="{colour}"/>')
        parts.append(f'<text x="{label_width + w + 6:.1f}" y="{y + bar_h / 2 + 4:.1f}" fill="#111">{level}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label is escaped by _esc


def mark_strip(counts: dict[str, int], *, width: int = 300) -> Markup:
    """One stacked bar of criteria met / not met / unknown, with the counts in the legend."""
    total = sum(counts.values()) or 1
    colours = (("met", "#16a34a"), ("not_met", "#dc2626"), ("unknown", "#9ca3af"))
    x = 0.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="16" viewBox="0 0 {width} 16">']
    for key, colour in colours:
        w = width * counts.get(key, 0) / total
        if w > 0:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="16" fill="{colour}"/>')
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers only
