"""Which SARIF tools and rules report security problems and which report code quality: the known-tools table."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from devmaturity.model.evidence import FindingCategory


class ToolKind(enum.Enum):
    SECURITY = "security"  # every finding is a security finding
    QUALITY = "quality"  # every finding is a quality finding, whatever its rule says
    MIXED = "mixed"  # security when the rule carries a security marker, quality otherwise


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownTool:
    key: str  # the name a user writes in exclude_tools
    pattern: re.Pattern[str]  # searched in the lower-cased tool.driver.name
    kind: ToolKind


def _tool(key: str, kind: ToolKind, pattern: str | None = None) -> KnownTool:
    return KnownTool(key=key, pattern=re.compile(pattern or re.escape(key)), kind=kind)


S, Q, M = ToolKind.SECURITY, ToolKind.QUALITY, ToolKind.MIXED
# First match wins, so the find-sec-bugs plugin comes before SpotBugs. Names as the tools write tool.driver.name.
KNOWN_TOOLS: tuple[KnownTool, ...] = (
    _tool("find-sec-bugs", S, r"find-?sec-?bugs"),
    _tool("codeql", M),
    _tool("semgrep", M),
    _tool("spotbugs", M),  # its SECURITY category (find-sec-bugs detectors) is a rule tag
    _tool("golangci-lint", M, r"golangci"),  # the gosec linter's rules are security, the other linters' quality
    _tool("sonarqube", M, r"sonar"),  # vulnerabilities and security hotspots are security, code smells quality
    _tool("bandit", S),
    _tool("gosec", S),
    _tool("trivy", S),
    _tool("grype", S),
    _tool("snyk", S),
    _tool("dependency-check", S, r"dependency[- ]?check"),
    _tool("checkov", S),
    _tool("tfsec", S),
    _tool("kics", S),
    _tool("gitleaks", S),
    _tool("trufflehog", S),
    _tool("fortify", S),
    _tool("black duck", S, r"black ?duck"),
    _tool("murphysec", S, r"murphy|墨菲"),
    _tool("brakeman", S),
    _tool("ruff", Q, r"\bruff\b"),
    _tool("eslint", Q),
    _tool("pylint", Q),
    _tool("flake8", Q),
    _tool("mypy", Q),
    _tool("stylelint", Q),
    _tool("checkstyle", Q),
    _tool("pmd", Q, r"\bpmd\b"),
    _tool("clippy", Q),
    _tool("rubocop", Q),
    _tool("hadolint", Q),
    _tool("shellcheck", Q),
)
# Rules of a mixed tool that are security by id: golangci-lint names the linter as the rule.
SECURITY_RULE_IDS = re.compile(r"^gosec\b|^G\d{3}$")
TAXONOMY = re.compile(r"cwe|owasp|capec", re.IGNORECASE)


def known_tool(name: str) -> KnownTool | None:
    lowered = name.lower()
    return next((tool for tool in KNOWN_TOOLS if tool.pattern.search(lowered)), None)


def excluded(name: str, exclude: Iterable[str]) -> bool:
    """True when `exclude` names this tool: its tool.driver.name or its key in KNOWN_TOOLS, any letter case."""
    names = {e.strip().lower() for e in exclude}
    tool = known_tool(name)
    return name.strip().lower() in names or (tool is not None and tool.key in names)


def classify(
    tool: str, rule_id: str, rule: dict[str, Any], result: dict[str, Any], taxonomies: set[str]
) -> FindingCategory:
    """The category of one result: a known tool's kind decides; a mixed tool's result is security exactly when its
    rule or the result carries a security marker. An unknown tool's results stay security even without a marker:
    SARIF is read here as a security report, and calling a scanner's findings "quality" would read as a clean scan
    (a linter is named in exclude_tools instead)."""
    known = known_tool(tool)
    if known is not None and known.kind is ToolKind.SECURITY:
        return FindingCategory.SECURITY
    if known is not None and known.kind is ToolKind.QUALITY:
        return FindingCategory.QUALITY
    if known is None or _security_marker(rule_id, rule, result, taxonomies):
        return FindingCategory.SECURITY
    return FindingCategory.QUALITY


def _security_marker(rule_id: str, rule: dict[str, Any], result: dict[str, Any], taxonomies: set[str]) -> bool:
    bags = [_obj(rule.get("properties")), _obj(result.get("properties"))]
    return (
        any("security-severity" in bag for bag in bags)
        or any(_security_tag(tag) for bag in bags for tag in _list(bag.get("tags")))
        or any(_names_taxonomy(ref, taxonomies) for ref in _list(result.get("taxa")))
        or any(_names_taxonomy(_obj(rel).get("target"), taxonomies) for rel in _list(rule.get("relationships")))
        or bool(SECURITY_RULE_IDS.search(rule_id))
    )


def _security_tag(tag: object) -> bool:
    """A security tag: security, SECURITY (SpotBugs), security_hotspot, vulnerability, cwe-79, external/cwe/cwe-079."""
    if not isinstance(tag, str):
        return False
    lowered = tag.lower()
    return "security" in lowered or "vulnerab" in lowered or bool(re.match(r"(external/)?cwe[-/:]", lowered))


def _names_taxonomy(reference: object, taxonomies: set[str]) -> bool:
    """A reportingDescriptorReference into a CWE/OWASP-like taxonomy, by toolComponent name or index."""
    component = _obj(_obj(reference).get("toolComponent"))
    name = component.get("name")
    if isinstance(name, str) and TAXONOMY.search(name):
        return True
    index = component.get("index")
    return type(index) is int and f"#{index}" in taxonomies


def taxonomy_keys(run: dict[str, Any]) -> set[str]:
    """Keys "#n" of the run.taxonomies entries whose name is a security taxonomy (CWE, OWASP, CAPEC)."""
    keys = set()
    for index, taxonomy in enumerate(_list(run.get("taxonomies"))):
        name = _obj(taxonomy).get("name")
        if isinstance(name, str) and TAXONOMY.search(name):
            keys.add(f"#{index}")
    return keys


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
