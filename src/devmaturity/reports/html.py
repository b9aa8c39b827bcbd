"""The HTML report: one self-contained page (no external assets) with radar charts, criteria, evidence and gaps."""

from __future__ import annotations

import math
from typing import Any

from jinja2 import Environment, select_autoescape
from markupsafe import Markup

from devmaturity.reports.i18n import answered_line, answers_by_criterion, s, tx


def radar_svg(labels: list[str], values: list[int], max_level: int, size: int = 360) -> Markup:
    """An inline SVG radar chart of levels 0..max_level; fewer than 3 axes become a bar list."""
    if len(labels) < 3:
        rows = "".join(
            f'<text x="4" y="{22 * i + 16}" font-size="12">{_esc(label)}: {value}</text>'
            for i, (label, value) in enumerate(zip(labels, values, strict=True))
        )
        return Markup(  # noqa: S704 - every label is escaped by _esc
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{22 * len(labels) + 8}" '
            f'role="img">{rows}</svg>'
        )
    width = size + 320  # room for labels left and right
    cx, cy = width / 2, size / 2
    radius = size / 2 - 40
    n = len(labels)

    def point(i: int, r: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    parts: list[str] = []
    for ring in range(1, max_level + 1):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, radius * ring / max_level) for i in range(n)))
        parts.append(f'<polygon points="{pts}" fill="none" stroke="#ccc" stroke-width="1"/>')
    for i, label in enumerate(labels):
        x, y = point(i, radius)
        parts.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="#ccc"/>')
        lx, ly = point(i, radius + 18)
        anchor = "middle" if abs(lx - cx) < 10 else ("start" if lx > cx else "end")
        parts.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="11" text-anchor="{anchor}" '
            f'dominant-baseline="middle">{_esc(label)} ({values[i]})</text>'
        )
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, radius * v / max_level) for i, v in enumerate(values)))
    parts.append(f'<polygon points="{pts}" fill="rgba(37,99,235,0.25)" stroke="#2563eb" stroke-width="2"/>')
    return Markup(  # noqa: S704 - every label is escaped by _esc
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{size}" viewBox="0 0 {width} {size}" '
        f'role="img">{"".join(parts)}</svg>'
    )


def _esc(text: str) -> str:
    return str(Markup.escape(text))


_TEMPLATE = """<!doctype html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}">
<head><meta charset="utf-8"><title>{{ s('title') }}: {{ r.project }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;margin:2rem;color:#111}
h1{font-size:1.5rem} h2{margin-top:2rem;border-bottom:2px solid #2563eb} h3{margin-top:1.5rem}
table{border-collapse:collapse;margin:.5rem 0} td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
.met{color:#15803d}.not_met{color:#b91c1c}.unknown{color:#6b7280}.empty{color:#9ca3af}
.lv{font-weight:bold}.charts{display:flex;flex-wrap:wrap;gap:2rem}
details{margin:.3rem 0 .6rem 0} summary{cursor:pointer} .small{font-size:.85rem;color:#444} code{font-size:.85rem}
.gap{background:#fff7ed;padding:.3rem .6rem}
</style></head>
<body>
<h1>{{ s('title') }}: {{ r.project }}</h1>
<p class="small">{{ s('framework') }}: {{ tx(r.framework.name) }} {{ r.framework.version }} ·
{{ s('window') }}: {{ r.window.start[:10] }} .. {{ r.window.end[:10] }} ({{ r.window.days }}d) ·
{{ s('generated') }}: {{ r.generated_at[:19] }}</p>
<div class="charts">
{% if r.parts|length > 2 %}<figure>{{ charts['*'] }}
<figcaption>{{ s('parts_radar') }}</figcaption></figure>{% endif %}
</div>
<table><tr><th>{{ s('part') }}</th><th>{{ s('level') }}</th><th>{{ s('criteria') }}</th><th>{{ s('policy') }}</th></tr>
{% for p in r.parts %}<tr><td><a href="#{{ p.key }}">{{ p.key|upper }} {{ tx(p.name) }}</a></td>
<td class="lv">{{ p.level }} {{ tx(r.framework.levels.get(p.level|string)) }}</td>
<td>{{ s('summary_line', met=p.counts.met, not_met=p.counts.not_met, unknown=p.counts.unknown) }}</td>
<td>{{ p.policy }}</td></tr>{% endfor %}</table>
{% for p in r.parts %}
<h2 id="{{ p.key }}">{{ p.key|upper }} {{ tx(p.name) }}: {{ p.level }} {{ tx(r.framework.levels.get(p.level|string)) }}</h2>
<figure>{{ charts[p.key] }}
<figcaption>{{ s('radar') }}</figcaption></figure>
{% for sd in p.subdomains %}
<h3>{{ tx(sd.name) }}: {{ sd.level }}</h3>
<table><tr><th>{{ s('item') }}</th><th>{{ s('mark') }}</th><th>{{ s('criteria') }}</th></tr>
{% for it in sd['items'] %}<tr><td><a href="#{{ it.id }}">{{ it.id }}</a> {{ tx(it.name) }}</td>
<td class="lv">{{ it.mark }}</td><td>{{ s('summary_line', met=it.counts.met, not_met=it.counts.not_met, unknown=it.counts.unknown) }}</td></tr>{% endfor %}
</table>
{% for it in sd['items'] %}
<details id="{{ it.id }}"><summary><b>{{ it.id }}</b> {{ tx(it.name) }}: <span class="lv">{{ it.mark }}</span>
<span class="small">({{ s('source') }}: {{ it.source }})</span></summary>
{% if it.note %}<p class="small">{{ s('note') }}: {{ tx(it.note) }}</p>{% endif %}
{% if it.not_applicable %}<p>{{ s('not_applicable') }}: {{ it.not_applicable }}</p>{% endif %}
<table><tr><th>{{ s('level') }}</th><th>{{ s('criteria') }}</th></tr>
{% for lv in it.levels %}<tr><td class="{{ lv.status }}">L{{ lv.number }}<br>{{ s(lv.status) }}</td><td>{{ tx(lv.text) }}
{% if lv.criteria %}<ul>{% for c in lv.criteria %}<li class="{{ c.status }}"><code>{{ c.id }}</code> {{ tx(c.text) }}
{% if c.calibration %}<br><span class="small"><i>{{ s('calibration') }}: {{ tx(c.calibration) }}</i></span>{% endif %}
<br><span class="small">{{ s(c.status) }}: {{ tx(c.reason) }}{% if c.evidence and c.decided_by != 'assessor' %} · {{ s('evidence') }}: {{ c.evidence[:5]|join(', ') }}{% endif %}</span>{% if c.decided_by == 'assessor' %}<br><span class="small answered">{{ answered(c) }}</span>{% endif %}</li>{% endfor %}</ul>{% endif %}
</td></tr>{% endfor %}</table>
{% if it.gap %}<div class="gap"><b>{{ s('gap') }}</b><ul>{% for g in it.gap %}
<li class="{{ g.status }}"><code>{{ g.criterion }}</code> {{ tx(g.text) }}<br><span class="small">{{ s('how') }}: {{ tx(g.how_to_decide) }}</span></li>{% endfor %}</ul></div>
{% elif it.capped or it.level == (r.framework.levels|length) %}<p class="small">{{ s('no_gap') }}</p>{% endif %}
</details>
{% endfor %}{% endfor %}{% endfor %}
<h2>{{ s('metrics') }}</h2>
<table><tr><th>id</th><th>{{ s('value') }}</th><th>{{ s('window') }}</th><th>n</th><th>{{ s('reason') }}</th></tr>
{% for m in r.metrics %}<tr><td>{{ m.id }}<br><span class="small">{{ tx(m.name) }}</span></td>
<td>{% if m.value is none %}<span class="unknown">{{ s('unit_unknown') }}</span>{% else %}{{ '%.3g'|format(m.value) }} {{ m.unit }}{% endif %}</td>
<td>{{ m.window.days }}d</td><td>{{ m.sample_size }}</td><td class="small">{{ tx(m.reason) }}</td></tr>{% endfor %}</table>
<h2>{{ s('facts') }}</h2>
<table><tr><th>id</th><th>{{ s('value') }}</th><th>{{ s('evidence') }}</th></tr>
{% for f in r.facts %}<tr><td>{{ f.id }}{% if f.name %}<br><span class="small">{{ tx(f.name) }}</span>{% endif %}</td><td class="{{ 'met' if f.value else ('unknown' if f.value is none else 'not_met') }}">{{ s('yes' if f.value else ('unit_unknown' if f.value is none else 'no')) }}</td><td class="small">{% if lang == 'zh' %}{{ f.evidence[:5]|join(', ') }}{% else %}{{ f.detail }}{% endif %}</td></tr>{% endfor %}
</table>
</body></html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_PAGE = _ENV.from_string(_TEMPLATE)


def render_html(report: dict[str, Any], lang: str = "en") -> str:
    max_level = len(report["framework"]["levels"])
    parts = report["parts"]
    charts = {"*": radar_svg([p["key"].upper() for p in parts], [p["level"] for p in parts], max_level)}
    for part in parts:
        subs = part["subdomains"]
        charts[part["key"]] = radar_svg([tx(d["name"], lang) for d in subs], [d["level"] for d in subs], max_level)
    answers = answers_by_criterion(report)
    return _PAGE.render(
        r=report,
        lang=lang,
        charts=charts,
        s=lambda key, **kw: s(key, lang, **kw),
        tx=lambda text: tx(text, lang),
        answered=lambda crit: answered_line(crit, answers, lang),
    )
