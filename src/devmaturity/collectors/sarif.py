"""SARIF 2.1.0 reports from any scanner, read into SecurityFinding records on one severity scale, with each run's
status (ok, failed, no results) and each finding's category (security or quality)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from devmaturity.collectors import sarif_tools
from devmaturity.collectors.base import ReportError
from devmaturity.model.evidence import ScanRun, ScanStatus, SecurityFinding, Severity

SARIF_VERSION = "2.1.0"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# Memory bounds past the byte limit: how deep the JSON may nest, how many results a file may hold.
MAX_DEPTH = 200
MAX_RESULTS = 500_000
# An integer longer than this is no count or position (int64 has 19 digits); it is kept as _Huge, never converted,
# so Python's 4,300-digit int conversion limit is never met.
MAX_INT_DIGITS = 19
MAX_LINE = 2_147_483_647  # the store's line column is a 32-bit integer

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
NO_RUNS = "the document has no runs"
_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_SCHEMA_VERSION = re.compile(r"sarif[^0-9]*?(\d+\.\d+\.\d+)")  # ".../sarif-schema-2.1.0.json" -> 2.1.0


@dataclasses.dataclass(frozen=True, slots=True)
class _Huge:
    """An integer too long to be any count or position in a SARIF file, kept as its number of digits."""

    digits: int

    def __str__(self) -> str:
        return f"a {self.digits:,}-digit number"

    __repr__ = __str__


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Run:
    """What every result of one run refers to: the tool, its rule tables, the file roots and its taxonomies."""

    number: int
    tool: str
    components: tuple[dict[str, Any], ...]
    rules_by_id: dict[str, dict[str, Any]]
    roots: tuple[str, ...]
    taxonomies: set[str]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SarifScan:
    """What one SARIF file says: its findings and how each (not excluded) tool's run ended."""

    findings: tuple[SecurityFinding, ...]
    runs: tuple[ScanRun, ...]


def read_scan(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, exclude_tools: Collection[str] = ()) -> SarifScan:
    """Findings and run statuses of a SARIF 2.1.0 file; runs of a tool named in `exclude_tools` are left out whole.

    A run is FAILED when an invocation says executionSuccessful false, or reports an error notification and the run
    has no results; NO_RESULTS when it has no results array; a document without runs is one NO_RESULTS run of no
    tool. Only an OK run is a scan, clean or not: the others are never read as "0 findings".
    """
    runs = _runs(_load(path, max_bytes))
    if not runs:
        return SarifScan(findings=(), runs=(ScanRun(tool="", status=ScanStatus.NO_RESULTS, reason=NO_RUNS),))
    findings: list[SecurityFinding] = []
    statuses: list[ScanRun] = []
    for number, raw in enumerate(runs, 1):
        run = _run(raw, number)
        if sarif_tools.excluded(run.tool, exclude_tools):
            continue
        statuses.append(_status(run, raw))
        findings.extend(_read_run(run, raw))
        if len(findings) > MAX_RESULTS:
            raise ReportError(f"run {number}: more than {MAX_RESULTS:,} results in one file")
    return SarifScan(findings=tuple(findings), runs=tuple(statuses))


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
    return list(read_scan(path, max_bytes=max_bytes).findings)


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
        document = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise ReportError(f"not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})") from None
    except RecursionError:
        raise ReportError("not valid JSON: nested too deeply") from None
    except ReportError:
        raise
    except ValueError as exc:  # a number the JSON reader itself refuses; a long integer never gets here
        raise ReportError(f"not valid JSON: {_first_line(str(exc))}") from None
    _check_depth(document)
    return document


def _parse_int(text: str) -> int | _Huge:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= MAX_INT_DIGITS else _Huge(digits=digits)


def _check_depth(document: object) -> None:
    """Refuse objects and arrays nested deeper than MAX_DEPTH (walked without recursion)."""
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ReportError(f"not SARIF: objects and arrays nested more than {MAX_DEPTH} deep")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


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
        taxonomies=sarif_tools.taxonomy_keys(run),
    )


def _status(run: _Run, raw: dict[str, Any]) -> ScanRun:
    """How the run ended, from its invocations and whether it has a results array (see read_scan)."""
    invocations = [_obj(i) for i in _list(raw.get("invocations"))]
    errors = [
        _obj(n)
        for i in invocations
        for n in _list(i.get("toolExecutionNotifications"))
        if _text(_obj(n).get("level")).lower() == "error"
    ]
    results = raw.get("results")
    if any(i.get("executionSuccessful") is False for i in invocations):
        return ScanRun(tool=run.tool, status=ScanStatus.FAILED, reason=_failure("executionSuccessful is false", errors))
    if results is None:
        return ScanRun(tool=run.tool, status=ScanStatus.NO_RESULTS, reason="the run has no 'results' array")
    if errors and not results:
        return ScanRun(tool=run.tool, status=ScanStatus.FAILED, reason=_failure("an error and no results", errors))
    return ScanRun(tool=run.tool, status=ScanStatus.OK)


def _failure(what: str, errors: list[dict[str, Any]]) -> str:
    """The tool reported `what`, with the first error notification's text when there is one (cut to 200 chars)."""
    said = _squash(_text(_obj(errors[0].get("message")).get("text")))[:200] if errors else ""
    return f"the tool reported {what}" + (f": {said}" if said else "")


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
    path, line, snippet = _location(result, run.roots, where)
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
        category=sarif_tools.classify(run.tool, rule_id, rule, result, run.taxonomies),
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


def _location(result: dict[str, Any], roots: tuple[str, ...], where: str) -> tuple[str | None, int | None, str]:
    """Path, start line and snippet text of the first physical location."""
    locations = _list(result.get("locations"))
    physical = _obj(_obj(locations[0]).get("physicalLocation")) if locations else {}
    uri = _obj(physical.get("artifactLocation")).get("uri")
    region = _obj(physical.get("region"))
    snippet = _obj(region.get("snippet")).get("text")
    return (
        _normalise_uri(uri, roots) if isinstance(uri, str) and uri else None,
        _line(region.get("startLine"), where),
        snippet if isinstance(snippet, str) else "",
    )


def _line(value: object, where: str) -> int | None:
    """A start line from 1 to MAX_LINE; 0 or a non-number means "no line"; a negative or too long one is an error."""
    if isinstance(value, _Huge) or (type(value) is int and not 0 <= value <= MAX_LINE):
        field = "locations[0].physicalLocation.region.startLine"
        raise ReportError(f"{where}: '{field}' is {value}, not a line number from 1 to {MAX_LINE:,}")
    return value if type(value) is int and value > 0 else None


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


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text


def _kind(value: object) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")
