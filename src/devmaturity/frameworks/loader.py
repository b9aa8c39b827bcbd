"""Loads and validates maturity-model files (docs/model-format.md); errors name file, key path and value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from devmaturity.errors import ModelFileError, UnknownFrameworkError
from devmaturity.frameworks.cache import cached_parse
from devmaturity.model.facts import FACT_IDS, fact_spec
from devmaturity.model.framework import (
    Criterion,
    CriterionKind,
    Framework,
    Item,
    Level,
    Op,
    Part,
    Source,
    Subdomain,
)
from devmaturity.model.metric_catalogue import METRIC_IDS, metric_spec
from devmaturity.model.text import Text

FORMAT = 1
BUNDLED_DIR = Path(__file__).parent
_WINDOW = re.compile(r"^(\d{1,4})d$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_MAX_FILE_BYTES = 5 * 1024 * 1024
# libyaml parses the bundled models ten times faster than pure Python; both build only plain data
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Ctx:
    """Where we are in a file, so every error can name the file and the key path."""

    def __init__(self, file: str, path: str = "") -> None:
        self.file = file
        self.path = path

    def at(self, key: str | int) -> _Ctx:
        if isinstance(key, int):
            return _Ctx(self.file, f"{self.path}[{key}]")
        return _Ctx(self.file, f"{self.path}.{key}" if self.path else key)

    def fail(self, value: object, problem: str) -> ModelFileError:
        return ModelFileError(self.file, self.path, value, problem)


def bundled_frameworks() -> dict[str, Path]:
    """The frameworks shipped with devmaturity: id -> framework.yaml path."""
    found: dict[str, Path] = {}
    for path in sorted(BUNDLED_DIR.glob("*/framework.yaml")):
        found[path.parent.name] = path
    return found


def resolve_framework(name_or_path: str) -> Path:
    """Turn a bundled framework id or a path to a model folder/file into its framework.yaml."""
    bundled = bundled_frameworks()
    if name_or_path in bundled:
        return bundled[name_or_path]
    candidate = Path(name_or_path)
    if candidate.is_dir() and (candidate / "framework.yaml").is_file():
        return candidate / "framework.yaml"
    if candidate.is_file():
        return candidate
    known = ", ".join(sorted(bundled))
    raise UnknownFrameworkError(
        f"unknown framework {name_or_path!r}: not a bundled model ({known}) nor a model folder or file",
        zh=f"未知的模型 {name_or_path!r}：既不是内置模型（{known}），也不是模型文件夹或文件",
    )


def load_framework(name_or_path: str) -> Framework:
    """Load a bundled framework by id, or a custom one from a folder or framework.yaml path."""
    path = resolve_framework(name_or_path)
    doc = _read_yaml(path)
    ctx = _Ctx(path.name)
    if "part" in doc and "parts" not in doc:
        # a lone part file: wrap it in a minimal framework so it can be browsed and assessed
        max_level = _sibling_max_level(path)
        part = _part(doc, ctx, max_level=max_level)
        return Framework(
            id=path.stem,
            version="0",
            name=part.name,
            level_names=_default_level_names(max_level),
            parts=(part,),
            files=(str(path),),
        )
    return _framework(doc, path, ctx)


def validate_path(path: Path) -> Framework | Part:
    """Validate a framework folder, a framework.yaml or a single part file; return what it holds."""
    if path.is_dir():
        path = path / "framework.yaml"
    if not path.is_file():
        raise ModelFileError(str(path), "", str(path), "no such model file")
    doc = _read_yaml(path)
    if "part" in doc and "parts" not in doc:
        return _part(doc, _Ctx(path.name), max_level=_sibling_max_level(path))
    return _framework(doc, path, _Ctx(path.name))


def _sibling_max_level(part_path: Path) -> int:
    """A lone part file takes max_level from the framework.yaml beside it, else 5."""
    sibling = part_path.parent / "framework.yaml"
    if sibling.is_file():
        value = _read_yaml(sibling).get("max_level", 5)
        if isinstance(value, int) and 2 <= value <= 5:
            return value
    return 5


def _read_yaml(path: Path) -> dict[str, Any]:
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ModelFileError(name, "", str(path), f"cannot read file: {exc.strerror}") from exc
    if size > _MAX_FILE_BYTES:
        raise ModelFileError(name, "", size, f"file larger than {_MAX_FILE_BYTES} bytes")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(name, "", str(path), f"cannot read file: {exc}") from exc
    data = cached_parse(raw, lambda blob: _parse_yaml(blob, path), loader_format=FORMAT)
    if not isinstance(data, dict):
        raise ModelFileError(name, "", data, "a model file must be a mapping")
    ctx = _Ctx(name)
    fmt = data.get("format")
    if fmt != FORMAT:
        raise ctx.at("format").fail(fmt, f"unsupported format; this devmaturity reads format {FORMAT}")
    return data


def _parse_yaml(raw: bytes, path: Path) -> Any:
    """The YAML document in `raw` (the bytes of `path`), parsed by libyaml when PyYAML was built with it."""
    name = path.name
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader, C or Python
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "?"
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ModelFileError(name, "", where, f"YAML syntax error: {problem}") from exc
    except UnicodeDecodeError as exc:
        raise ModelFileError(name, "", str(path), f"cannot read file: {exc}") from exc


def _default_level_names(max_level: int) -> dict[int, Text]:
    return {n: Text.same(f"L{n}") for n in range(1, max_level + 1)}


def _framework(doc: Mapping[str, Any], path: Path, ctx: _Ctx) -> Framework:
    fid = _ident(doc, "id", ctx)
    version = doc.get("version")
    if not isinstance(version, str | int | float) or str(version).strip() == "":
        raise ctx.at("version").fail(version, "a version string is required")
    max_level = doc.get("max_level", 5)
    if not isinstance(max_level, int) or not 2 <= max_level <= 5:
        raise ctx.at("max_level").fail(max_level, "must be an integer from 2 to 5")
    levels_raw = _mapping(doc, "levels", ctx)
    level_names: dict[int, Text] = {}
    for n in range(1, max_level + 1):
        if n not in levels_raw:
            raise ctx.at("levels").fail(sorted(levels_raw), f"missing a name for level {n}")
        level_names[n] = _text(levels_raw[n], ctx.at("levels").at(str(n)))
    extra = [k for k in levels_raw if k not in level_names]
    if extra:
        raise ctx.at("levels").fail(extra, f"levels beyond max_level {max_level}")
    rollup = doc.get("rollup", "weakest_link")
    if not isinstance(rollup, str):
        raise ctx.at("rollup").fail(rollup, "must be a policy name")
    files = doc.get("parts")
    if not isinstance(files, list) or not files:
        raise ctx.at("parts").fail(files, "a non-empty list of part files is required")
    parts: list[Part] = []
    loaded: list[str] = [str(path)]
    for i, rel in enumerate(files):
        if not isinstance(rel, str) or Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise ctx.at("parts").at(i).fail(rel, "must be a file name relative to framework.yaml")
        part_path = path.parent / rel
        if not part_path.is_file():
            raise ctx.at("parts").at(i).fail(rel, "part file not found")
        parts.append(_part(_read_yaml(part_path), _Ctx(part_path.name), max_level=max_level))
        loaded.append(str(part_path))
    _check_unique_ids(parts, path.name)
    description = doc.get("description")
    return Framework(
        id=fid,
        version=str(version),
        name=_text(doc.get("name"), ctx.at("name")),
        description=_text(description, ctx.at("description")) if description is not None else None,
        level_names=level_names,
        parts=tuple(parts),
        rollup=rollup,
        files=tuple(loaded),
    )


def _check_unique_ids(parts: list[Part], file: str) -> None:
    seen: set[str] = set()
    for part in parts:
        for sub in part.subdomains:
            for ident in (sub.id, *(item.id for item in sub.items)):
                if ident in seen:
                    raise ModelFileError(file, f"parts ({part.key})", ident, "duplicate id across the framework")
                seen.add(ident)


def _part(doc: Mapping[str, Any], ctx: _Ctx, *, max_level: int) -> Part:
    pctx = ctx.at("part")
    raw = doc.get("part")
    if not isinstance(raw, dict):
        raise pctx.fail(raw, "a mapping is required")
    key = raw.get("key")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", key):
        raise pctx.at("key").fail(key, "a lower-case key is required")
    number = raw.get("number")
    if number is not None and not isinstance(number, int):
        raise pctx.at("number").fail(number, "must be an integer")
    reference = raw.get("reference")
    if reference is not None and not isinstance(reference, str):
        raise pctx.at("reference").fail(reference, "must be a string")
    subs_raw = raw.get("subdomains")
    if not isinstance(subs_raw, list) or not subs_raw:
        raise pctx.at("subdomains").fail(subs_raw, "a non-empty list is required")
    seen: set[str] = set()
    subdomains = tuple(_subdomain(s, pctx.at("subdomains").at(i), max_level, seen) for i, s in enumerate(subs_raw))
    return Part(
        id=_ident(raw, "id", pctx),
        key=key,
        number=number,
        reference=reference,
        name=_text(raw.get("name"), pctx.at("name")),
        subdomains=subdomains,
    )


def _subdomain(raw: object, ctx: _Ctx, max_level: int, seen: set[str]) -> Subdomain:
    if not isinstance(raw, dict):
        raise ctx.fail(raw, "a mapping is required")
    sid = _ident(raw, "id", ctx)
    _claim(sid, seen, ctx.at("id"))
    name = _text(raw.get("name"), ctx.at("name"))
    has_caps, has_items = "capabilities" in raw, "items" in raw
    if has_caps == has_items:
        raise ctx.fail(sorted(raw), "give exactly one of `capabilities` or `items`")
    items: list[Item] = []
    if has_items:
        items.extend(_items(raw["items"], ctx.at("items"), max_level, seen, None, None))
    else:
        caps = raw["capabilities"]
        if not isinstance(caps, list) or not caps:
            raise ctx.at("capabilities").fail(caps, "a non-empty list is required")
        for i, cap in enumerate(caps):
            cctx = ctx.at("capabilities").at(i)
            if not isinstance(cap, dict):
                raise cctx.fail(cap, "a mapping is required")
            cid = _ident(cap, "id", cctx)
            _claim(cid, seen, cctx.at("id"))
            cname = _text(cap.get("name"), cctx.at("name"))
            items.extend(_items(cap.get("items"), cctx.at("items"), max_level, seen, cid, cname))
    return Subdomain(id=sid, name=name, items=tuple(items))


def _items(
    raw: object, ctx: _Ctx, max_level: int, seen: set[str], cap: str | None, cap_name: Text | None
) -> list[Item]:
    if not isinstance(raw, list) or not raw:
        raise ctx.fail(raw, "a non-empty list of items is required")
    return [_item(r, ctx.at(i), max_level, seen, cap, cap_name) for i, r in enumerate(raw)]


def _item(raw: object, ctx: _Ctx, max_level: int, seen: set[str], cap: str | None, cap_name: Text | None) -> Item:
    if not isinstance(raw, dict):
        raise ctx.fail(raw, "a mapping is required")
    iid = _ident(raw, "id", ctx)
    _claim(iid, seen, ctx.at("id"))
    source_raw = raw.get("source")
    try:
        source = Source(str(source_raw))
    except ValueError:
        options = ", ".join(s.value for s in Source)
        raise ctx.at("source").fail(source_raw, f"must be one of {options}") from None
    levels_raw = raw.get("levels")
    lctx = ctx.at("levels")
    if not isinstance(levels_raw, dict):
        raise lctx.fail(levels_raw, "a mapping of level number to level is required")
    extra = [k for k in levels_raw if not isinstance(k, int) or not 1 <= k <= max_level]
    if extra:
        raise lctx.fail(extra, f"level keys must be integers 1..{max_level}")
    levels: list[Level] = []
    for n in range(1, max_level + 1):
        if n not in levels_raw:
            raise lctx.fail(sorted(levels_raw), f"level {n} is missing")
        levels.append(_level(iid, n, levels_raw[n], lctx.at(str(n))))
    note = raw.get("note")
    return Item(
        id=iid,
        name=_text(raw.get("name"), ctx.at("name")),
        source=source,
        levels=tuple(levels),
        capability=cap,
        capability_name=cap_name,
        note=_text(note, ctx.at("note")) if note is not None else None,
    )


def _level(item_id: str, number: int, raw: object, ctx: _Ctx) -> Level:
    if not isinstance(raw, dict):
        raise ctx.fail(raw, "a mapping with `text` is required")
    unknown = set(raw) - {"text", "criteria", "empty_in_standard"}
    if unknown:
        raise ctx.fail(sorted(unknown), "unknown keys in a level")
    empty = raw.get("empty_in_standard", False)
    if not isinstance(empty, bool):
        raise ctx.at("empty_in_standard").fail(empty, "must be true or false")
    criteria_raw = raw.get("criteria", [])
    if criteria_raw is None:
        criteria_raw = []
    if not isinstance(criteria_raw, list):
        raise ctx.at("criteria").fail(criteria_raw, "must be a list")
    criteria = tuple(
        _criterion(f"{item_id}.L{number}.{i + 1}", c, ctx.at("criteria").at(i)) for i, c in enumerate(criteria_raw)
    )
    if number > 1 and not criteria and not empty:
        raise ctx.at("criteria").fail(
            criteria_raw, "levels above 1 need at least one criterion, or `empty_in_standard: true`"
        )
    if empty and criteria:
        raise ctx.at("criteria").fail(len(criteria), "a level empty in the standard cannot have criteria")
    return Level(number=number, text=_text(raw.get("text"), ctx.at("text")), criteria=criteria, empty_in_standard=empty)


def _criterion(cid: str, raw: object, ctx: _Ctx) -> Criterion:
    if not isinstance(raw, dict):
        raise ctx.fail(raw, "a criterion must be a mapping with one of metric, fact, answer")
    kinds = [k for k in ("metric", "fact", "answer") if k in raw]
    if len(kinds) != 1:
        raise ctx.fail(sorted(raw), "a criterion has exactly one of `metric`, `fact`, `answer`")
    allowed = {
        "metric": {"metric", "op", "value", "window", "text", "calibration"},
        "fact": {"fact", "equals", "text", "any_of", "missing"},
        "answer": {"answer", "evidence"},
    }[kinds[0]]
    unknown = set(raw) - allowed
    if unknown:
        raise ctx.fail(sorted(unknown), f"keys not allowed on a {kinds[0]} criterion")
    text = _text(raw["text"], ctx.at("text")) if "text" in raw else None
    if kinds[0] == "metric":
        return _metric_criterion(cid, raw, ctx, text)
    if kinds[0] == "fact":
        fact = raw["fact"]
        if fact not in FACT_IDS:
            raise ctx.at("fact").fail(fact, "unknown fact id (see docs/facts.md)")
        equals = raw.get("equals", True)
        if not isinstance(equals, bool):
            raise ctx.at("equals").fail(equals, "must be true or false")
        return Criterion(
            id=cid,
            kind=CriterionKind.FACT,
            fact=fact,
            expected=equals,
            alternatives=_alternatives(raw.get("any_of", []), ctx.at("any_of")),
            missing_unknown=_missing(raw.get("missing", "not_met"), ctx.at("missing")),
            text=text or _fact_text(fact, equals),
        )
    hint = raw.get("evidence")
    return Criterion(
        id=cid,
        kind=CriterionKind.ANSWER,
        text=_text(raw["answer"], ctx.at("answer")),
        evidence_hint=_text(hint, ctx.at("evidence")) if hint is not None else None,
    )


def _metric_criterion(cid: str, raw: Mapping[str, Any], ctx: _Ctx, text: Text | None) -> Criterion:
    metric = raw["metric"]
    if metric not in METRIC_IDS:
        raise ctx.at("metric").fail(metric, "unknown metric id (see docs/metrics.md)")
    op_raw = raw.get("op")
    try:
        op = Op(str(op_raw))
    except ValueError:
        options = ", ".join(o.value for o in Op)
        raise ctx.at("op").fail(op_raw, f"unknown operator; use one of {options}") from None
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.at("value").fail(value, "a number is required")
    window_days: int | None = None
    if "window" in raw:
        match = _WINDOW.match(str(raw["window"]))
        if not match or int(match.group(1)) == 0:
            raise ctx.at("window").fail(raw["window"], "a window like 90d is required")
        window_days = int(match.group(1))
    return Criterion(
        id=cid,
        kind=CriterionKind.METRIC,
        metric=metric,
        op=op,
        value=float(value),
        window_days=window_days,
        text=text or _metric_text(metric, op, float(value)),
        calibration=_text(raw["calibration"], ctx.at("calibration")) if "calibration" in raw else None,
    )


def _alternatives(raw: object, ctx: _Ctx) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ctx.fail(raw, "a list of fact ids is required")
    for index, fact in enumerate(raw):
        if fact not in FACT_IDS:
            raise ctx.at(str(index)).fail(fact, "unknown fact id (see docs/facts.md)")
    return tuple(raw)


def _missing(raw: object, ctx: _Ctx) -> bool:
    if raw not in ("unknown", "not_met"):
        raise ctx.fail(raw, "use unknown (the fact is one way among several of showing it) or not_met")
    return raw == "unknown"


def _fact_text(fact: str, expected: bool) -> Text:
    name = fact_spec(fact).name
    if expected:
        return name
    return Text(zh=f"不成立：{name.zh}", en=f"Not the case: {name.en}")


def _metric_text(metric: str, op: Op, value: float) -> Text:
    spec = metric_spec(metric)
    shown = f"{value * 100:g}%" if spec.unit == "ratio" else f"{value:g} {spec.unit}"
    return Text(zh=f"{spec.name.zh} {op.value} {shown}", en=f"{spec.name.en} {op.value} {shown}")


def _ident(raw: Mapping[str, Any], key: str, ctx: _Ctx) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not _ID.match(value):
        raise ctx.at(key).fail(value, "an id of letters, digits, '.', '_' or '-' is required")
    return value


def _claim(ident: str, seen: set[str], ctx: _Ctx) -> None:
    if ident in seen:
        raise ctx.fail(ident, "duplicate id")
    seen.add(ident)


def _mapping(raw: Mapping[str, Any], key: str, ctx: _Ctx) -> dict[Any, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise ctx.at(key).fail(value, "a mapping is required")
    return value


def _text(raw: object, ctx: _Ctx) -> Text:
    if not isinstance(raw, dict):
        raise ctx.fail(raw, "a text needs `zh` and `en`")
    out: dict[str, str] = {}
    for lang in ("zh", "en"):
        value = raw.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise ctx.at(lang).fail(value, f"a non-empty {lang} text is required")
        out[lang] = value.strip()
    extra = set(raw) - {"zh", "en"}
    if extra:
        raise ctx.fail(sorted(extra), "a text has only `zh` and `en`")
    return Text(zh=out["zh"], en=out["en"])
