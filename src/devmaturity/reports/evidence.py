"""Evidence materials of a report in the CAICT evidence-code scheme, and the digest of them the cover shows.

CAICT's evidence checklist codes a material `<Subdomain>-<ItemGroup>-<Item>-L<level>-<n>` (e.g. `CM-VC-VCS-L3-4`,
the VCS backup and restore drill report). Our item ids are those codes with the part in front (`CD.CM.VC.VCS`), so a
material here is coded from the item id without the part, the level of the criterion, and `n` = the criterion's
position in that level (1-based). `n` numbers the model's requirements, as the checklist numbers its materials;
it is derived, not CAICT's own numbering, and stays the same across assessments of the same model version. For
models other than caict-devops the part stays in the code (`DORA-...`) because those models have no such list.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

CAICT = "caict-devops"


@dataclass(frozen=True, slots=True, kw_only=True)
class Material:
    """One criterion's evidence: what it cites (commits, report files, records, answers' documents)."""

    code: str
    part: str
    item: str
    item_name: dict[str, str] | str | None
    level: int
    criterion: str
    text: dict[str, str] | str | None
    status: str
    decided_by: str
    refs: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "part": self.part,
            "item": self.item,
            "level": self.level,
            "criterion": self.criterion,
            "status": self.status,
            "decided_by": self.decided_by,
            "evidence": list(self.refs),
        }


def item_code(framework: str, item_id: str) -> str:
    """`CD.CM.VC.VCS` → `CM-VC-VCS` for the CAICT model; other models keep every segment."""
    segments = item_id.split(".")
    if framework == CAICT and len(segments) > 1:
        segments = segments[1:]
    return "-".join(segments)


def material_code(framework: str, item_id: str, level: int, position: int) -> str:
    return f"{item_code(framework, item_id)}-L{level}-{position}"


def _items(report: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for part in report["parts"]:
        for sub in part["subdomains"]:
            for item in sub["items"]:
                yield part, item


def materials(report: dict[str, Any]) -> list[Material]:
    """Every criterion that cites evidence or was decided by an assessor, in model order."""
    framework = report["framework"]["id"]
    out: list[Material] = []
    for part, item in _items(report):
        for level in item["levels"]:
            for position, crit in enumerate(level["criteria"], start=1):
                refs = tuple(crit.get("evidence") or ())
                if not refs and crit.get("decided_by") != "assessor":
                    continue
                out.append(
                    Material(
                        code=material_code(framework, item["id"], level["number"], position),
                        part=part["key"],
                        item=item["id"],
                        item_name=item.get("name"),
                        level=level["number"],
                        criterion=crit["id"],
                        text=crit.get("text"),
                        status=crit["status"],
                        decided_by=crit["decided_by"],
                        refs=refs,
                    )
                )
    return out


def codes_by_criterion(report: dict[str, Any]) -> dict[str, str]:
    """The material code of every criterion of the report (cited evidence or not)."""
    framework = report["framework"]["id"]
    out: dict[str, str] = {}
    for _part, item in _items(report):
        for level in item["levels"]:
            for position, crit in enumerate(level["criteria"], start=1):
                out[crit["id"]] = material_code(framework, item["id"], level["number"], position)
    return out


def canonical(value: Any) -> bytes:
    """The bytes a digest is taken over: JSON with sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def evidence_digest(report: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of {materials: [...], answers: [...]}: what the assessment rests on. Anyone
    holding the JSON report recomputes it (docs/reports.md)."""
    body = {"materials": [m.as_dict() for m in materials(report)], "answers": report.get("answers") or []}
    return hashlib.sha256(canonical(body)).hexdigest()
