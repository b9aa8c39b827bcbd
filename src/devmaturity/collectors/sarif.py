"""SARIF 2.1.0 security reports from any scanner, read into SecurityFinding records on one severity scale."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from devmaturity.collectors.base import ReportError
from devmaturity.model.evidence import SecurityFinding, Severity

SARIF_VERSION = "2.1.0"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024

LEVELS = ("error", "warning", "note", "none")
LEVEL_SEVERITY = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW, "none": Severity.NOTE}
# GitHub code scanning's bands for the `security-severity` score (a CVSS-like 0.1-10.0 number).
SCORE_BANDS = ((9.0, Severity.CRITICAL), (7.0, Severity.HIGH), (4.0, Severity.MEDIUM), (0.0, Severity.LOW))
NAMED_SEVERITY = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.NOTE,
    "informational": Severity.NOTE,
}
# CodeQL's `problem.severity` is a level-like scale of its own.
PROBLEM_SEVERITY = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "recommendation": Severity.LOW}
# Property-bag keys that carry a tool's own severity word: Bandit's `issue_severity`, a generic `severity`.
SEVERITY_PROPERTIES = (
    ("issue_severity", NAMED_SEVERITY),
    ("severity", NAMED_SEVERITY),
    ("problem.severity", PROBLEM_SEVERITY),
)
# Tags equal to one of these words are a severity (Trivy's rule tags); "HIGH CONFIDENCE" (Semgrep) is not.
TAG_SEVERITY = {k: v for k, v in NAMED_SEVERITY.items() if k in ("critical", "high", "medium", "low")}
NOT_FINDINGS = frozenset({"pass", "notApplicable"})
BASELINE_STATES = frozenset({"new", "unchanged", "updated", "absent"})
# gitleaks writes commit metadata into partialFingerprints; none of it identifies the finding.
NOT_FINGERPRINTS = frozenset({"commitSha", "email", "author", "date", "commitMessage"})
NO_RULE = "(no rule id)"
_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_SCHEMA_VERSION = re.compile(r"sarif[^0-9]*?(\d+\.\d+\.\d+)")  # ".../sarif-schema-2.1.0.json" -> 2.1.0


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """What every result of one run refers to: the tool, its rule tables and the file roots."""

    number: int
    tool: str
    components: tuple[dict[str, Any], ...]
    rules_by_id: dict[str, dict[str, Any]]
    roots: tuple[str, ...]


def read_sarif(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[SecurityFinding]:
    """Every finding of every run in a SARIF 2.1.0 file, in file order; ReportError says what is wrong otherwise.

    Severity: the numeric `security-severity` property (result, then rule) in GitHub's bands; else a tool's own
    severity word (`issue_severity`, `severity`, `problem.severity`, a rule tag such as Trivy's "CRITICAL"); else
    the level (error HIGH, warning MEDIUM, note LOW, none NOTE). Results of kind "pass"/"notApplicable" are skipped.

    Fingerprint (so the same finding in two scans counts once): the tool's partialFingerprints, else its
    fingerprints, else a sha256 of tool, rule, path and the whitespace-normalised snippet (or message). The line
    number is deliberately left out, so code that moves does not become a new finding; the n-th repeat of the same
    fingerprint within a run gets a "#n" suffix, so two identical findings in one file stay two.
    """
    runs = _runs(_load(path, max_bytes))
    return [finding for number, run in enumerate(runs, 1) for finding in _read_run(_run(run, number), run)]


def dedupe(findings: Iterable[SecurityFinding]) -> list[SecurityFinding]:
    """One finding per (tool, fingerprint): the first seen, in order."""
    seen: dict[tuple[str, str], SecurityFinding] = {}
    for finding in findings:
        seen.setdefault((finding.tool, finding.fingerprint), finding)
    return list(seen.values())


# -- reading and validating -------------------------------------------------------------------------------------


def _load(path: Path, max_bytes: int) -> object:
    data = _read_limited(path, max_bytes)
    encoding = json.detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReportError(f"not JSON text: cannot be decoded as {encoding} (byte {exc.start})") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ReportError(f"not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})") from None
    except RecursionError:
        raise ReportError("not valid JSON: nested too deeply") from None


def _read_limited(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size == 0:
        raise ReportError("0-byte file")
    if size > max_bytes:
        raise ReportError(f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes")
    with path.open("rb") as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew since stat
        raise ReportError(f"file is over the limit of {max_bytes:,} bytes")
    return data


def _reject_constant(name: str) -> None:
    raise ReportError(f"not valid JSON: {name} is not allowed")


def _runs(document: object) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        raise ReportError(f"not SARIF: the top level is {_kind(document)}, not an object")
    if "version" not in document:
        raise ReportError("not SARIF: missing 'version'")
    if document["version"] != SARIF_VERSION:
        raise ReportError(f"not SARIF {SARIF_VERSION}: version is {document['version']!r}")
    schema = _text(document.get("$schema"))
    named = set(_SCHEMA_VERSION.findall(schema.lower()))
    if named and SARIF_VERSION not in named:
        raise ReportError(f"not SARIF {SARIF_VERSION}: $schema is {schema!r}")
    if "runs" not in document:
        raise ReportError("not SARIF: missing 'runs'")
    runs = document["runs"]
    if not isinstance(runs, list):
        raise ReportError(f"not SARIF: 'runs' is {_kind(runs)}, not a list")
    for number, run in enumerate(runs, 1):
        if not isinstance(run, dict):
            raise ReportError(f"run {number}: is {_kind(run)}, not an object")
    return runs


def _run(run: dict[str, Any], number: int) -> _Run:
    tool = _obj(run.get("tool"))
    driver = _obj(tool.get("driver"))
    name = driver.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ReportError(f"run {number}: missing 'tool.driver.name'")
    components = (driver, *(_obj(e) for e in _list(tool.get("extensions"))))
    return _Run(
        number=number,
        tool=name.strip(),
        components=components,
        rules_by_id=_rules_by_id(components),
        roots=_roots(run),
    )


def _rules_by_id(components: tuple[dict[str, Any], ...]) -> dict[str, dict[str, Any]]:
    """Rules of the driver, then of each extension, by id; the first of a repeated id wins."""
    table: dict[str, dict[str, Any]] = {}
    for component in components:
        for rule in map(_obj, _list(component.get("rules"))):
            table.setdefault(_text(rule.get("id")), rule)
    table.pop("", None)
    return table


def _roots(run: dict[str, Any]) -> tuple[str, ...]:
    """Local directories named by originalUriBaseIds (e.g. %SRCROOT%), each ending in '/'."""
    roots = []
    for base in _obj(run.get("originalUriBaseIds")).values():
        uri = _obj(base).get("uri")
        if isinstance(uri, str) and uri.lower().startswith("file:"):
            roots.append(_file_path(uri).rstrip("/") + "/")
    return tuple(sorted(roots, key=len, reverse=True))


def _read_run(run: _Run, raw: dict[str, Any]) -> Iterator[SecurityFinding]:
    results = raw.get("results")
    if results is None:
        return
    if not isinstance(results, list):
        raise ReportError(f"run {run.number}: 'results' is {_kind(results)}, not a list")
    repeats: Counter[str] = Counter()
    for number, result in enumerate(results, 1):
        where = f"run {run.number} result {number}"
        if not isinstance(result, dict):
            raise ReportError(f"{where}: is {_kind(result)}, not an object")
        if _text(result.get("kind")) in NOT_FINDINGS:
            continue
        finding = _finding(run, result, where)
        repeats[finding.fingerprint] += 1
        if repeats[finding.fingerprint] > 1:
            finding = dataclasses.replace(finding, fingerprint=f"{finding.fingerprint}#{repeats[finding.fingerprint]}")
        yield finding


# -- one result ------------------------------------------------------------------------------------------------


def _finding(run: _Run, result: dict[str, Any], where: str) -> SecurityFinding:
    rule_id, rule = _rule(run, result)
    message = _message(result, rule, where)
    path, line, snippet = _location(result, run.roots)
    level = _level(result, rule)
    return SecurityFinding(
        tool=run.tool,
        rule=rule_id,
        severity=_severity(_obj(result.get("properties")), _obj(rule.get("properties")), level),
        message=message,
        fingerprint=_fingerprint(result, run.tool, rule_id, path or "", _squash(snippet or message)),
        path=path,
        line=line,
        level=level,
        suppressed=_suppressed(result),
        baseline_state=_baseline_state(result),
    )


def _rule(run: _Run, result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The rule id and its reportingDescriptor: ruleId, rule.id, or by index into driver or extension rules."""
    ref = _obj(result.get("rule"))
    component = _component(run, _obj(ref.get("toolComponent")))
    index = ref.get("index", result.get("ruleIndex"))
    rules = _list(component.get("rules"))
    rule = _obj(rules[index]) if type(index) is int and 0 <= index < len(rules) else {}
    rule_id = _text(result.get("ruleId")) or _text(ref.get("id")) or _text(rule.get("id"))
    if not rule and rule_id:
        rule = run.rules_by_id.get(rule_id, {})
    return rule_id or NO_RULE, rule


def _component(run: _Run, ref: dict[str, Any]) -> dict[str, Any]:
    """toolComponentReference: `index` into run.tool.extensions, or a `name`; the driver when absent."""
    index = ref.get("index")
    extensions = run.components[1:]
    if type(index) is int and 0 <= index < len(extensions):
        return extensions[index]
    name = ref.get("name")
    return next((c for c in run.components if name is not None and c.get("name") == name), run.components[0])


def _message(result: dict[str, Any], rule: dict[str, Any], where: str) -> str:
    message = result.get("message")
    if not isinstance(message, dict):
        raise ReportError(f"{where}: missing 'message'")
    text = message.get("text")
    if not isinstance(text, str):
        template = _obj(_obj(rule.get("messageStrings")).get(_text(message.get("id"))))
        text = template.get("text")
    if not isinstance(text, str):
        raise ReportError(f"{where}: 'message' has no 'text' (nor an 'id' found in the rule's messageStrings)")
    arguments = [str(a) for a in _list(message.get("arguments"))]
    return _PLACEHOLDER.sub(lambda m: _argument(arguments, m), text)


def _argument(arguments: list[str], match: re.Match[str]) -> str:
    index = int(match.group(1))
    return arguments[index] if index < len(arguments) else match.group(0)


def _location(result: dict[str, Any], roots: tuple[str, ...]) -> tuple[str | None, int | None, str]:
    """Path, start line and snippet text of the first physical location."""
    locations = _list(result.get("locations"))
    physical = _obj(_obj(locations[0]).get("physicalLocation")) if locations else {}
    uri = _obj(physical.get("artifactLocation")).get("uri")
    region = _obj(physical.get("region"))
    line = region.get("startLine")
    snippet = _obj(region.get("snippet")).get("text")
    return (
        _normalise_uri(uri, roots) if isinstance(uri, str) and uri else None,
        line if type(line) is int and line > 0 else None,
        snippet if isinstance(snippet, str) else "",
    )


def _normalise_uri(uri: str, roots: tuple[str, ...]) -> str:
    """A file: URI under a known root becomes relative to it; a relative URI is kept relative, decoded."""
    if uri.lower().startswith("file:"):
        path = _file_path(uri)
        return next((path[len(root) :] for root in roots if path.startswith(root)), path)
    path = unquote(uri).replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _file_path(uri: str) -> str:
    path = unquote(urlsplit(uri).path)
    return path[1:] if re.match(r"/[A-Za-z]:/", path) else path  # file:///C:/src -> C:/src


def _level(result: dict[str, Any], rule: dict[str, Any]) -> str:
    """result.level; else "none" for a kind other than "fail"; else the rule's default level; else "warning"."""
    level = _text(result.get("level")).lower()
    if level in LEVELS:
        return level
    if _text(result.get("kind")) not in ("", "fail"):
        return "none"
    default = _text(_obj(rule.get("defaultConfiguration")).get("level")).lower()
    return default if default in LEVELS else "warning"


def _severity(result_props: dict[str, Any], rule_props: dict[str, Any], level: str) -> Severity:
    bags = (result_props, rule_props)
    for severity in _severity_candidates(bags):
        if severity is not None:
            return severity
    return LEVEL_SEVERITY[level]


def _severity_candidates(bags: tuple[dict[str, Any], ...]) -> Iterator[Severity | None]:
    """In order of preference: numeric score, a tool's severity word, a severity tag."""
    for bag in bags:
        yield _score_severity(bag.get("security-severity"))
    for key, table in SEVERITY_PROPERTIES:
        for bag in bags:
            yield table.get(_text(bag.get(key)).lower())
    for bag in bags:
        yield next((TAG_SEVERITY[t.lower()] for t in _list(bag.get("tags")) if _text(t).lower() in TAG_SEVERITY), None)


def _score_severity(value: object) -> Severity | None:
    """GitHub's bands for a score in (0, 10]; 0, out of range or not a number means 'no score'."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        score = float(value)
    except ValueError:
        return None
    if not math.isfinite(score) or not 0.0 < score <= 10.0:
        return None
    return next(severity for floor, severity in SCORE_BANDS if score >= floor)


def _suppressed(result: dict[str, Any]) -> bool:
    """Suppressed when it has suppressions and none is "rejected" or "underReview" (as the SARIF SDK decides)."""
    suppressions = [_obj(s) for s in _list(result.get("suppressions"))]
    return bool(suppressions) and not any(_text(s.get("status")) in ("rejected", "underReview") for s in suppressions)


def _baseline_state(result: dict[str, Any]) -> str | None:
    state = _text(result.get("baselineState"))
    return state if state in BASELINE_STATES else None


def _fingerprint(result: dict[str, Any], tool: str, rule: str, path: str, text: str) -> str:
    """sha256 of the tool's own fingerprints (with tool and rule), else of tool, rule, path and text; no line."""
    given = _given_fingerprint(result)
    parts = ("given", tool, rule, given) if given else ("content", tool, rule, path, text)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _given_fingerprint(result: dict[str, Any]) -> str:
    for key in ("partialFingerprints", "fingerprints"):
        pairs = sorted(f"{k}={v}" for k, v in _obj(result.get(key)).items() if _usable_fingerprint(k, v))
        if pairs:
            return ";".join(pairs)
    return ""


def _usable_fingerprint(key: str, value: object) -> bool:
    """A hash-like value; Semgrep OSS writes the placeholder "requires login", which is not."""
    if key in NOT_FINGERPRINTS or not isinstance(value, str):
        return False
    return bool(value) and not any(c.isspace() for c in value)


# -- small helpers ---------------------------------------------------------------------------------------------


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def _kind(value: object) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")
