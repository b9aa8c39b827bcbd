"""SARIF reading: real Bandit, Semgrep and Checkov output plus producer-shaped CodeQL, Trivy and gitleaks files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devmaturity.collectors import sarif
from devmaturity.collectors.base import ReportError
from devmaturity.collectors.sarif import DEFAULT_MAX_BYTES, MAX_DEPTH, dedupe, read_sarif, read_scan
from devmaturity.model.evidence import FindingCategory, ScanRun, ScanStatus, SecurityFinding, Severity

DATA = Path(__file__).parents[1] / "data" / "sarif"
C, H, M, L, N = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.NOTE


def _by_severity(findings: list[SecurityFinding]) -> dict[Severity, int]:
    return dict(Counter(f.severity for f in findings))


# name, tool, count, by severity, suppressed
EXPECTED = [
    ("bandit.sarif", "Bandit", 7, {H: 2, M: 3, L: 2}, 0),
    ("semgrep.sarif", "Semgrep OSS", 5, {H: 2, M: 2, L: 1}, 1),
    ("checkov.sarif", "Checkov", 12, {H: 11, M: 1}, 1),
    ("codeql.sarif", "CodeQL", 7, {C: 1, H: 4, M: 1, L: 1}, 0),
    ("trivy.sarif", "Trivy", 8, {C: 2, H: 3, M: 1, L: 2}, 0),
    ("trivy-template.sarif", "Trivy", 3, {C: 1, M: 1, L: 1}, 0),
    ("gitleaks.sarif", "gitleaks", 4, {M: 4}, 0),
    ("suppressions.sarif", "ExampleScanner", 7, {C: 1, H: 4, L: 1, N: 1}, 2),
    ("ruff.sarif", "ruff", 12, {H: 12}, 0),
]


@pytest.mark.parametrize(("name", "tool", "count", "severities", "suppressed"), EXPECTED)
def test_counts_per_file(name: str, tool: str, count: int, severities: dict[Severity, int], suppressed: int) -> None:
    found = read_sarif(DATA / name)
    assert len(found) == count
    assert {f.tool for f in found} == {tool}
    assert _by_severity(found) == severities
    assert sum(f.suppressed for f in found) == suppressed
    assert len(dedupe(found)) == count  # every finding in one file is distinct


def test_bandit_issue_severity_wins_over_level() -> None:
    found = {(f.rule, f.line): f for f in read_sarif(DATA / "bandit.sarif")}
    shell = found[("B602", 12)]
    assert (shell.severity, shell.level, shell.path) == (H, "error", "insecure_app/app.py")
    assert shell.message == "subprocess call with shell=True identified, security issue."
    password = found[("B105", 8)]
    assert (password.severity, password.level) == (L, "note")
    yaml_load = found[("B506", 16)]
    assert (yaml_load.severity, yaml_load.level) == (M, "warning")  # no level in the result: the default


def test_semgrep_levels_placeholder_fingerprints_and_nosemgrep() -> None:
    found = read_sarif(DATA / "semgrep.sarif")
    by_rule = Counter(f.rule for f in found)
    assert by_rule == {"python-subprocess-shell-true": 2, "python-eval-injection": 2, "python-weak-hash-md5": 1}
    # every result says fingerprints {"matchBasedId/v1": "requires login"}: not an identity
    assert len({f.fingerprint for f in found}) == 5
    (ignored,) = [f for f in found if f.suppressed]
    assert (ignored.rule, ignored.line, ignored.severity) == ("python-eval-injection", 32, H)
    # "HIGH CONFIDENCE" among the rule's tags is not a severity
    assert {f.severity for f in found if f.rule == "python-subprocess-shell-true"} == {M}


def test_checkov_skip_comment_is_an_in_source_suppression() -> None:
    (skipped,) = [f for f in read_sarif(DATA / "checkov.sarif") if f.suppressed]
    assert (skipped.rule, skipped.path, skipped.line) == ("CKV_AWS_3", "infra/main.tf", 16)


def test_codeql_rules_in_extensions_and_by_index() -> None:
    found = {f.rule: f for f in read_sarif(DATA / "codeql.sarif")}
    assert found["py/command-line-injection"].severity is C  # security-severity 9.8 on the extension's rule
    hashing = found["py/weak-sensitive-data-hashing"]
    assert (hashing.severity, hashing.level) == (H, "warning")  # 7.5 beats the level
    unused = found["py/unused-import"]
    assert (unused.severity, unused.level, unused.path, unused.line) == (L, "note", "app/auth.py", 3)
    xss = found["js/reflected-xss"]
    assert (xss.severity, xss.level, xss.path) == (M, "error", "web/src/view.js")
    randomness = found["js/insecure-randomness"]  # only {"rule": {"index": 1}}: resolved in the driver
    assert (randomness.severity, randomness.level, randomness.line) == (H, "warning", 5)


def test_trivy_score_then_tags_then_level() -> None:
    found = {(f.rule, f.path): f for f in read_sarif(DATA / "trivy.sarif")}
    assert found[("CVE-2023-37920", "requirements.txt")].severity is C
    assert found[("CVE-2023-50782", "docs/requirements.txt")].severity is H
    assert found[("aws-access-key-id", "config/settings.py")].line == 3
    # score "0.0" and tag UNKNOWN say nothing: the level (note) decides
    assert found[("GHSA-cx63-2mw6-8hw5", "requirements.txt")].severity is L
    template = {f.rule: f.severity for f in read_sarif(DATA / "trivy-template.sarif")}
    assert template == {"CVE-2021-3711": C, "CVE-2021-3449": M, "CVE-2021-30139": L}  # from tags alone


def test_gitleaks_commit_metadata_is_not_a_fingerprint() -> None:
    found = read_sarif(DATA / "gitleaks.sarif")
    api_keys = [f for f in found if f.rule == "generic-api-key"]
    # same commit, rule, file and redacted snippet: two secrets, told apart by order
    assert [f.line for f in api_keys] == [12, 30]
    assert api_keys[1].fingerprint == api_keys[0].fingerprint + "#2"


def test_suppressions_baseline_uris_and_message_strings() -> None:
    found = read_sarif(DATA / "suppressions.sarif")
    state = {f.path: (f.suppressed, f.baseline_state) for f in found}
    assert state == {
        "src/cart.py": (False, "new"),  # file: URI under SRCROOT made relative
        "src/admin.py": (True, "unchanged"),  # inSource, accepted
        "src/search.py": (False, "updated"),  # underReview
        "src/orders.py": (False, "unchanged"),  # rejected
        "src/app.py": (True, "absent"),  # external, no status
        "src/dev_server.py": (False, "new"),  # empty suppressions
        "src/My Module/settings.py": (False, "new"),
    }
    assert "src/wsgi.py" not in state  # kind "pass" is not a finding
    secret = found[-1]
    assert secret.rule == "EX2002"  # ruleIndex only
    assert secret.message == "Hard-coded password found in 'SMTP_PASSWORD'."
    assert (secret.severity, secret.level) == (C, "warning")  # the result's 9.1 beats the rule's 3.0
    assert [f.level for f in found if f.path == "src/dev_server.py"] == ["none"]


def test_same_file_twice_counts_once() -> None:
    for name, *_ in EXPECTED:
        once = read_sarif(DATA / name)
        assert dedupe(once + read_sarif(DATA / name)) == once


def _moved(document: dict[str, Any], result: int, line: int) -> dict[str, Any]:
    moved = json.loads(json.dumps(document))
    region = moved["runs"][0]["results"][result]["locations"][0]["physicalLocation"]["region"]
    region["startLine"] = region["endLine"] = line
    return moved


@pytest.mark.parametrize("name", ["bandit.sarif", "codeql.sarif"])
def test_moved_finding_keeps_its_fingerprint(tmp_path: Path, name: str) -> None:
    document = json.loads((DATA / name).read_text(encoding="utf-8"))
    (tmp_path / name).write_text(json.dumps(_moved(document, 2, 112)), encoding="utf-8")
    before, after = read_sarif(DATA / name), read_sarif(tmp_path / name)
    assert after[2].line == 112 and before[2].line != 112
    assert [f.fingerprint for f in after] == [f.fingerprint for f in before]
    assert len(dedupe(before + after)) == len(before)


def test_content_fingerprint_depends_on_path_rule_and_text(tmp_path: Path) -> None:
    document = json.loads((DATA / "bandit.sarif").read_text(encoding="utf-8"))
    document["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "other.py"
    (tmp_path / "b.sarif").write_text(json.dumps(document), encoding="utf-8")
    before, after = read_sarif(DATA / "bandit.sarif"), read_sarif(tmp_path / "b.sarif")
    assert after[2].fingerprint != before[2].fingerprint
    assert [f.fingerprint for i, f in enumerate(after) if i != 2] == [
        f.fingerprint for i, f in enumerate(before) if i != 2
    ]


def _sarif(**fields: Any) -> bytes:
    run = {"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "R", "message": {"text": "m"}}]}
    document = {"version": "2.1.0", "runs": [run]} | fields
    return json.dumps(document).encode()


BAD = [
    (b"", "0-byte file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00", "not JSON text"),
    (bytes(range(256)) * 4, "not JSON text"),
    (b"<?xml version='1.0'?><testsuite/>", "not valid JSON at line 1 column 1"),
    (b'{\n  "version": "2.1.0",\n  "runs": [\n    }', "not valid JSON at line 4 column 5"),
    (b'{"version": "2.1.0", "runs": [], "x": NaN}', "not valid JSON: NaN is not allowed"),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON: nested too deeply"),
    (b"[1, 2]", "not SARIF: the top level is a list, not an object"),
    (b'{"$schema": "https://json.schemastore.org/sarif-2.1.0.json"}', "not SARIF: missing 'version'"),
    (_sarif(version="2.0.0"), "not SARIF 2.1.0: version is '2.0.0'"),
    (_sarif(version=2.1), "not SARIF 2.1.0: version is 2.1"),
    (
        _sarif(**{"$schema": "http://json.schemastore.org/sarif-1.0.0"}),
        "not SARIF 2.1.0: $schema is 'http://json.schemastore.org/sarif-1.0.0'",
    ),
    (b'{"version": "2.1.0"}', "not SARIF: missing 'runs'"),
    (_sarif(runs={"tool": {}}), "not SARIF: 'runs' is an object, not a list"),
    (_sarif(runs=["CodeQL"]), "run 1: is a string, not an object"),
    (_sarif(runs=[{"tool": {"name": "old 1.0 shape"}, "results": []}]), "run 1: missing 'tool.driver.name'"),
    (_sarif(runs=[{"tool": {"driver": {"name": "T"}}, "results": {}}]), "run 1: 'results' is an object, not a list"),
    (_sarif(runs=[{"tool": {"driver": {"name": "T"}}, "results": [None]}]), "run 1 result 1: is null, not an object"),
    (
        _sarif(
            runs=[
                {
                    "tool": {"driver": {"name": "T"}},
                    "results": [{"ruleId": "R", "message": {"text": "m"}}, {"ruleId": "R"}],
                }
            ]
        ),
        "run 1 result 2: missing 'message'",
    ),
    (
        _sarif(runs=[{"tool": {"driver": {"name": "T"}}, "results": [{"ruleId": "R", "message": {"id": "nope"}}]}]),
        "run 1 result 1: 'message' has no 'text'",
    ),
]


@pytest.mark.parametrize(("content", "expected"), BAD, ids=[message for _, message in BAD])
def test_bad_input_is_a_clear_report_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.sarif"
    path.write_bytes(content)
    with pytest.raises(ReportError) as caught:
        read_sarif(path)
    assert str(caught.value).startswith(expected)


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.sarif"
    with path.open("wb") as stream:
        stream.truncate(DEFAULT_MAX_BYTES + 1)  # sparse: no disk, no time
    with pytest.raises(ReportError, match="over the limit of 268,435,456 bytes"):
        read_sarif(path)
    small = tmp_path / "small.sarif"
    small.write_bytes(_sarif())
    with pytest.raises(ReportError, match="over the limit of 10 bytes"):
        read_sarif(small, max_bytes=10)


def test_utf16_with_bom_and_utf8_bom_are_read(tmp_path: Path) -> None:
    # Windows PowerShell 5 redirection writes UTF-16 with a BOM
    text = _sarif().decode()
    for encoding in ("utf-16", "utf-8-sig"):
        path = tmp_path / f"{encoding}.sarif"
        path.write_bytes(text.encode(encoding))
        assert [f.rule for f in read_sarif(path)] == ["R"]


def test_minimal_result_defaults(tmp_path: Path) -> None:
    path = tmp_path / "min.sarif"
    path.write_bytes(
        _sarif(
            runs=[
                {"tool": {"driver": {"name": "T"}}, "results": [{"message": {"text": "m"}}]},
                {"tool": {"driver": {"name": "U"}}},
            ]
        )
    )
    (only,) = read_sarif(path)
    assert (only.tool, only.rule, only.level, only.severity) == ("T", "(no rule id)", "warning", M)
    assert (only.path, only.line, only.suppressed, only.baseline_state) == (None, None, False, None)


def test_uris_kinds_and_unversioned_schema(tmp_path: Path) -> None:
    def result(uri: str, **extra: Any) -> dict[str, Any]:
        location = {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}}}
        return {"ruleId": "R", "message": {"text": uri}, "locations": [location]} | extra

    run = {
        "tool": {"driver": {"name": "T"}},
        "originalUriBaseIds": {"SRC": {"uri": "file:///C:/agent/_work/1/s/"}},
        "results": [
            result("file:///C:/agent/_work/1/s/src/app.py"),
            result("file:///opt/other/x.py"),
            result("src\\win\\path.py"),
            result("a.py", kind="review"),
        ],
    }
    path = tmp_path / "uris.sarif"
    path.write_bytes(_sarif(runs=[run], **{"$schema": "https://json.schemastore.org/sarif"}))
    found = read_sarif(path)
    assert [f.path for f in found] == ["src/app.py", "/opt/other/x.py", "src/win/path.py", "a.py"]
    assert (found[3].level, found[3].severity) == ("none", N)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
KEYS = st.sampled_from(
    ["ruleId", "ruleIndex", "rule", "level", "kind", "message", "locations", "properties", "suppressions",
     "baselineState", "partialFingerprints", "fingerprints"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(result=st.dictionaries(KEYS, JSON, max_size=6), rules=st.lists(JSON, max_size=3))
def test_any_result_shape_reads_or_is_a_report_error(tmp_path: Path, result: dict[str, Any], rules: list[Any]) -> None:
    path = tmp_path / "any.sarif"
    run = {"tool": {"driver": {"name": "T", "rules": rules}, "extensions": rules}, "results": [result]}
    path.write_bytes(_sarif(runs=[run]))
    try:
        found = read_sarif(path)
    except ReportError:
        return
    assert all(isinstance(f.severity, Severity) and len(f.fingerprint) == 64 for f in found)


# -- scan status, category, excluded tools, hostile numbers --------------------------------------------------------

SEC, QUAL = FindingCategory.SECURITY, FindingCategory.QUALITY


def test_ruff_lint_findings_are_quality_and_bandit_findings_security() -> None:
    """Real ruff 0.17.6 output: 12 results, all level error (-> HIGH), among them S602/S607/S110 (ruff's
    flake8-bandit port). ruff is a linter in the known-tools table, so all 12 are quality; Bandit's 7 are security."""
    ruff = read_scan(DATA / "ruff.sarif")
    assert ruff.runs == (ScanRun(tool="ruff", status=ScanStatus.OK),)
    assert Counter(f.category for f in ruff.findings) == {QUAL: 12}
    assert {"S602", "S607", "S110"} <= {f.rule for f in ruff.findings}
    bandit = read_scan(DATA / "bandit.sarif")
    assert Counter(f.category for f in bandit.findings) == {SEC: 7}


def test_mixed_tools_class_by_rule_markers() -> None:
    """Semgrep is mixed: the eval and subprocess rules carry 'security' and CWE tags (4 results); the md5 rule in
    semgrep-rules.yml has no metadata, so its 1 result is quality. In codeql.sarif every rule but py/unused-import
    (tags maintainability, useless-code) is tagged 'security'."""
    semgrep = Counter((f.rule, f.category) for f in read_sarif(DATA / "semgrep.sarif"))
    assert semgrep == {
        ("python-subprocess-shell-true", SEC): 2,
        ("python-eval-injection", SEC): 2,
        ("python-weak-hash-md5", QUAL): 1,
    }
    codeql = {f.rule: f.category for f in read_sarif(DATA / "codeql.sarif")}
    assert [rule for rule, category in codeql.items() if category is QUAL] == ["py/unused-import"]
    assert len(codeql) == 6  # 7 results of 6 rules


def _one(tool: str, rule: dict[str, Any] | None = None, **result: Any) -> dict[str, Any]:
    rules = [{"id": "R"} | (rule or {})]
    return {
        "tool": {"driver": {"name": tool, "rules": rules}},
        "taxonomies": [{"name": "CWE"}],
        "results": [{"ruleId": "R", "message": {"text": "m"}} | result],
    }


CATEGORY_CASES = [
    ("Bandit", None, {}, SEC),  # a security tool: no marker needed
    ("Trivy", None, {}, SEC),
    ("gosec", None, {}, SEC),
    ("murphysec", None, {}, SEC),
    ("ESLint", {"properties": {"tags": ["security"]}}, {}, QUAL),  # a linter stays a linter
    ("Pylint", None, {}, QUAL),
    ("CodeQL", None, {}, QUAL),  # a CodeQL quality query: no marker
    ("CodeQL", {"properties": {"tags": ["external/cwe/cwe-079"]}}, {}, SEC),
    ("CodeQL", {"properties": {"security-severity": "7.5"}}, {}, SEC),
    ("SpotBugs", {"properties": {"tags": ["SECURITY"]}}, {}, SEC),  # find-sec-bugs detectors
    ("SpotBugs", {"properties": {"tags": ["BAD_PRACTICE"]}}, {}, QUAL),
    ("Semgrep OSS", {"relationships": [{"target": {"id": "79", "toolComponent": {"name": "CWE"}}}]}, {}, SEC),
    ("Semgrep OSS", None, {"taxa": [{"id": "79", "toolComponent": {"index": 0}}]}, SEC),  # run.taxonomies[0] is CWE
    ("Semgrep OSS", None, {"properties": {"tags": ["cwe-89"]}}, SEC),
    ("golangci-lint", {"id": "gosec"}, {"ruleId": "gosec"}, SEC),
    ("golangci-lint", {"id": "errcheck"}, {"ruleId": "errcheck"}, QUAL),
    ("SonarQube", {"properties": {"tags": ["code_smell"]}}, {}, QUAL),
    ("SonarQube", {"properties": {"tags": ["vulnerability"]}}, {}, SEC),
    ("SomeNewScanner", None, {}, SEC),  # unknown tool, no marker: stays security (never hidden)
]


@pytest.mark.parametrize(("tool", "rule", "result", "category"), CATEGORY_CASES)
def test_category_by_tool_and_rule(
    tmp_path: Path, tool: str, rule: dict[str, Any] | None, result: dict[str, Any], category: FindingCategory
) -> None:
    path = tmp_path / "one.sarif"
    path.write_bytes(_sarif(runs=[_one(tool, rule, **result)]))
    (only,) = read_sarif(path)
    assert only.category is category


RESULT = {"ruleId": "R", "message": {"text": "m"}}
ERROR_NOTE = {"level": "error", "message": {"text": "database   build\nfailed"}}
STATUS_CASES = [
    ({"invocations": [{"executionSuccessful": False}], "results": []}, ScanStatus.FAILED,
     "the tool reported executionSuccessful is false"),
    ({"invocations": [{"executionSuccessful": False, "toolExecutionNotifications": [ERROR_NOTE]}], "results": [RESULT]},
     ScanStatus.FAILED, "the tool reported executionSuccessful is false: database build failed"),
    ({"invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [ERROR_NOTE]}], "results": []},
     ScanStatus.FAILED, "the tool reported an error and no results: database build failed"),
    ({"invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [ERROR_NOTE]}], "results": [RESULT]},
     ScanStatus.OK, ""),  # an error beside results: the results stand
    ({}, ScanStatus.NO_RESULTS, "the run has no 'results' array"),
    ({"results": []}, ScanStatus.OK, ""),  # a clean scan
    ({"invocations": [{"executionSuccessful": True}], "results": []}, ScanStatus.OK, ""),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "status", "reason"), STATUS_CASES)
def test_run_status(tmp_path: Path, extra: dict[str, Any], status: ScanStatus, reason: str) -> None:
    path = tmp_path / "status.sarif"
    path.write_bytes(_sarif(runs=[{"tool": {"driver": {"name": "T"}}} | extra]))
    assert read_scan(path).runs == (ScanRun(tool="T", status=status, reason=reason),)


def test_a_document_without_runs_is_no_results(tmp_path: Path) -> None:
    path = tmp_path / "empty.sarif"
    path.write_bytes(_sarif(runs=[]))
    scan = read_scan(path)
    assert scan.findings == ()
    assert scan.runs == (ScanRun(tool="", status=ScanStatus.NO_RESULTS, reason="the document has no runs"),)


def test_excluded_tools_are_left_out_whole(tmp_path: Path) -> None:
    """A file with a ruff run (2 results) and a Semgrep OSS run (1 result): excluding "RUFF" and "semgrep" (the
    known-tools key of "Semgrep OSS") leaves nothing; excluding only ruff leaves Semgrep's one finding and run."""
    runs = [
        {"tool": {"driver": {"name": "ruff"}}, "results": [RESULT, RESULT | {"message": {"text": "n"}}]},
        {"tool": {"driver": {"name": "Semgrep OSS"}}, "results": [RESULT]},
    ]
    path = tmp_path / "two.sarif"
    path.write_bytes(_sarif(runs=runs))
    assert read_scan(path, exclude_tools=["RUFF", "semgrep"]) == read_scan(path, exclude_tools=["ruff", "Semgrep OSS"])
    assert read_scan(path, exclude_tools=["RUFF", "semgrep"]).runs == ()
    kept = read_scan(path, exclude_tools=["ruff"])
    assert [f.tool for f in kept.findings] == ["Semgrep OSS"]
    assert kept.runs == (ScanRun(tool="Semgrep OSS", status=ScanStatus.OK),)


def _at_line(line: str) -> bytes:
    """A SARIF file whose second result has startLine written as the given JSON number text."""
    location = {"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 987654321}}}
    run = {"tool": {"driver": {"name": "T"}}, "results": [RESULT, RESULT | {"locations": [location]}]}
    return _sarif(runs=[run]).replace(b"987654321", line.encode())


FIELD = "run 1 result 2: 'locations[0].physicalLocation.region.startLine' is"
HOSTILE_LINES = [
    ("9" * 5000, f"{FIELD} a 5,000-digit number, not a line number from 1 to 2,147,483,647"),
    (str(2**63), f"{FIELD} 9223372036854775808, not a line number from 1 to 2,147,483,647"),
    (str(2**31), f"{FIELD} 2147483648, not a line number from 1 to 2,147,483,647"),
    ("-1", f"{FIELD} -1, not a line number from 1 to 2,147,483,647"),
    ("-" + "1" * 5000, f"{FIELD} a 5,000-digit number, not a line number from 1 to 2,147,483,647"),
]


@pytest.mark.parametrize(("line", "expected"), HOSTILE_LINES, ids=["5000-digits", "2**63", "2**31", "-1", "-5000"])
def test_hostile_line_numbers_are_a_one_line_report_error(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "line.sarif"
    path.write_bytes(_at_line(line))
    with pytest.raises(ReportError) as caught:
        read_sarif(path)
    assert str(caught.value) == expected


def test_largest_line_and_long_numbers_elsewhere_are_read(tmp_path: Path) -> None:
    """2,147,483,647 is a line; a 5,000-digit ruleIndex or column is no index and no error (ignored)."""
    path = tmp_path / "ok.sarif"
    path.write_bytes(_at_line("2147483647"))
    assert [f.line for f in read_sarif(path)] == [None, 2_147_483_647]
    big = "9" * 5000
    text = _sarif().decode().replace('"ruleId": "R"', f'"ruleId": "R", "ruleIndex": {big}, "column": -{big}')
    path.write_text(text)
    assert [f.rule for f in read_sarif(path)] == ["R"]


def _nested(depth: int) -> bytes:
    """A SARIF document whose deepest value sits `depth` objects/arrays down (the document itself is depth 1)."""
    run = json.loads(_sarif())["runs"][0]
    run["properties"] = {"x": 0}
    inner: Any = 0
    for _ in range(depth - 4):  # document -> runs list -> run -> properties: 4 levels already
        inner = [inner]
    run["properties"]["x"] = inner
    return json.dumps({"version": "2.1.0", "runs": [run]}).encode()


def test_nesting_depth_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "deep.sarif"
    path.write_bytes(_nested(MAX_DEPTH))
    assert len(read_sarif(path)) == 1
    path.write_bytes(_nested(MAX_DEPTH + 1))
    with pytest.raises(ReportError, match=r"^not SARIF: objects and arrays nested more than 200 deep$"):
        read_sarif(path)


def test_results_per_file_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cap (500,000) lowered to 2: a run of 3 results is refused whole, a run of 2 is read."""
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    path = tmp_path / "many.sarif"
    path.write_bytes(_sarif(runs=[{"tool": {"driver": {"name": "T"}}, "results": [RESULT] * 2}]))
    assert len(read_sarif(path)) == 2
    path.write_bytes(_sarif(runs=[{"tool": {"driver": {"name": "T"}}, "results": [RESULT] * 3}]))
    with pytest.raises(ReportError, match=r"^run 1: more than 2 results in one file$"):
        read_sarif(path)
