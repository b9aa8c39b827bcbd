"""Loads and validates the pipeline vocabulary (frameworks/vocabulary/pipeline.yaml); errors name file, key, value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from devmaturity.frameworks.loader import _Ctx, _mapping, _read_yaml, _text
from devmaturity.model.facts import FACT_IDS
from devmaturity.model.stages import EnvironmentRule, PipelineVocabulary, StageRule

PIPELINE_VOCABULARY = Path(__file__).parent / "vocabulary" / "pipeline.yaml"


@lru_cache(maxsize=4)
def load_pipeline_vocabulary(path: Path = PIPELINE_VOCABULARY) -> PipelineVocabulary:
    """The vocabulary in `path` (the bundled one by default), validated; a ModelFileError names what is wrong."""
    doc = _read_yaml(path)
    ctx = _Ctx(path.name)
    stages_raw = _mapping(doc, "stages", ctx)
    stages = tuple(_stage(str(sid), raw, ctx.at("stages").at(str(sid))) for sid, raw in stages_raw.items())
    known = {s.id for s in stages}
    for rule in stages:
        bad = [o for o in rule.overrides if o not in known]
        if bad:
            raise ctx.at("stages").at(rule.id).at("overrides").fail(bad, "overrides must name stages of this file")
    approval = _mapping(doc, "approval", ctx)
    return PipelineVocabulary(
        format=int(doc["format"]),
        stages=stages,
        environments=_environments(doc.get("environments"), ctx.at("environments")),
        approval_names=_patterns(approval.get("names"), ctx.at("approval").at("names")),
        approval_commands=_patterns(approval.get("commands"), ctx.at("approval").at("commands")),
    )


def _stage(sid: str, raw: object, ctx: _Ctx) -> StageRule:
    if f"pipeline.stage.{sid}" not in FACT_IDS:
        raise ctx.fail(sid, "no fact pipeline.stage.<id> in model/facts.py for this stage")
    if not isinstance(raw, Mapping):
        raise ctx.fail(raw, "a stage is a mapping with name, names and commands")
    unknown = sorted(set(raw) - {"name", "names", "commands", "overrides"})
    if unknown:
        raise ctx.fail(unknown, "unknown keys; a stage has name, names, commands and overrides")
    overrides = raw.get("overrides", [])
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise ctx.at("overrides").fail(overrides, "a list of stage ids is required")
    names = _patterns(raw.get("names"), ctx.at("names"))
    commands = _patterns(raw.get("commands"), ctx.at("commands"))
    if names is None and commands is None:
        raise ctx.fail(sid, "a stage needs names or commands")
    return StageRule(
        id=sid, name=_text(raw.get("name"), ctx.at("name")), names=names, commands=commands, overrides=tuple(overrides)
    )


def _environments(raw: object, ctx: _Ctx) -> tuple[EnvironmentRule, ...]:
    if not isinstance(raw, list) or not raw:
        raise ctx.fail(raw, "a list of environments (id, name, pattern) is required")
    out: list[EnvironmentRule] = []
    for index, entry in enumerate(raw):
        here = ctx.at(index)
        if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
            raise here.fail(entry, "an environment needs an `id`, a `name` and a `pattern`")
        pattern = _patterns([entry.get("pattern")], here.at("pattern"))
        assert pattern is not None
        out.append(EnvironmentRule(id=entry["id"], name=_text(entry.get("name"), here.at("name")), pattern=pattern))
    return tuple(out)


def _patterns(raw: Any, ctx: _Ctx) -> re.Pattern[str] | None:
    """A list of regular expressions as one case-insensitive pattern; None for an absent or empty list."""
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list) or not all(isinstance(p, str) and p for p in raw):
        raise ctx.fail(raw, "a list of regular expressions is required")
    for index, pattern in enumerate(raw):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ctx.at(index).fail(pattern, f"not a valid regular expression: {exc}") from None
    return re.compile("|".join(f"(?:{p})" for p in raw), re.IGNORECASE)
