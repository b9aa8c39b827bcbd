"""Builds the enterprise fixture: a Java/Maven trade service with Jenkins, build outputs and delivery events.

`build_enterprise_project(root)` writes, with fixed dates ending at `end`:
- `root/trade-service/`: a git repository (trunk `master`) of the service in tests/data/enterprise/project/, with
  a Jenkinsfile (stages named in Chinese, a shared library), Ansible and Helm deployment definitions, a
  Dockerfile, Flyway migrations, sonar-project.properties and devmaturity.toml, then three developers committing
  daily; its `target/` holds the newest build's outputs, untracked, as a real build leaves them;
- `root/jenkins/<build>/`: every build's archived outputs: Surefire XML (copied from the real Maven runs in
  tests/data/enterprise/surefire/, varied per build), and for the first and the newest build JaCoCo XML and
  dependency-check SARIF;
- `root/events/`: deployments (SIT daily, UAT on Tuesdays and Thursdays, production on Thursdays), incidents
  and work items as CSV in the schema of docs/events.md.
The returned `EnterpriseProject` lists the paths and the figures built in, counted over the 90-day window
before `end` (what `devmaturity assess` sees on that day).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from statistics import median

from lxml import etree

from tests.gitbuild import RepoBuilder

DATA = Path(__file__).parent / "data" / "enterprise"
CST = timezone(timedelta(hours=8))  # the team works in Beijing time
WINDOW_DAYS = 90
LEAD = ("陈静", "chen.jing@example.com")
DEVELOPERS = (("张伟", "zhang.wei@example.com"), ("李娜", "li.na@example.com"), ("王强", "wang.qiang@example.com"))
COMMIT_HOURS = (10, 14, 16)  # each developer commits once a day to master, at these hours
SUBJECTS = ("增加下单接口", "修复撤单并发问题", "优化风控校验", "调整佣金计算", "补充结算日单元测试", "重构订单簿")
TEST_CASES = 11  # distinct test cases of the real runs (tests/data/enterprise/README.md)
UNIT_CASES = 10
INTEGRATION_CASES = 1  # OrderFlowIT.placeAndCancel
WORKSPACE = "/var/lib/jenkins/workspace/trade-service"
# Lines JaCoCo reported covered that the generator may report missed to lower the coverage: never a method's
# first line, never a line with branches, so method, branch and class counters stay as JaCoCo wrote them.
UNCOVERABLE = (
    ("Order.java", "com/example/trade/Order", (21, 20, 19, 18, 17, 16)),
    ("OrderService.java", "com/example/trade/OrderService", (16, 15, 14, 13)),
    ("RiskChecker.java", "com/example/trade/RiskChecker", (14, 13, 12)),
    ("PriceCalculator.java", "com/example/trade/PriceCalculator", (10, 9)),
)
# dependency-check findings (NVD data): CVE, CWE, CVSS v3 base score and severity, description
FINDINGS = (
    ("CVE-2022-1471", "CWE-502", 9.8, "CRITICAL", "SnakeYaml's Constructor() class does not restrict types"),
    ("CVE-2022-25857", "CWE-776", 7.5, "HIGH", "Denial of service due to missing nested depth limitation"),
    ("CVE-2022-38749", "CWE-121", 6.5, "MEDIUM", "Stack overflow on untrusted YAML input"),
)
FIXED_FINDING = ("CVE-2022-42003", "CWE-502", 7.5, "HIGH", "jackson-databind resource exhaustion, deep wrapper arrays")


@dataclass(frozen=True, slots=True, kw_only=True)
class Build:
    """One Jenkins build of master: its number, the commit it built, when it ran and its archived outputs."""

    number: int
    commit: str
    at: datetime
    outcome: str  # green, flaky (a test passed on rerun) or red (a test failed every rerun)
    surefire: tuple[Path, ...]
    jacoco: Path | None = None
    sarif: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    id: str
    environment: str
    status: str
    created_at: datetime
    finished_at: datetime
    commit: str
    incident: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EnterpriseProject:
    """What was built: paths, the builds and deployments, and the figures devmaturity should derive."""

    root: Path
    repo: Path
    now: datetime  # the assessment's "now": `end` at midnight UTC
    builds: tuple[Build, ...]
    deployments: tuple[Deployment, ...]
    deployments_csv: Path
    workitems_csv: Path
    incidents_csv: Path | None
    expected: dict[str, float] = field(default_factory=dict)

    def in_window(self, moment: datetime) -> bool:
        return self.now - timedelta(days=WINDOW_DAYS) <= moment < self.now


@dataclass(slots=True)
class _Plan:
    """The generator's working state while it writes the history (mutable: filled day by day)."""

    days: list[date]
    day_tip: dict[date, tuple[str, datetime]] = field(default_factory=dict)  # last commit of each day
    day_changes: dict[date, list[tuple[str, datetime]]] = field(default_factory=dict)  # each change landed
    commits: list[tuple[str, datetime]] = field(default_factory=list)  # trunk, oldest first


def build_enterprise_project(
    root: Path,
    *,
    end: date = date(2026, 11, 30),
    weeks: int = 13,
    coverage: float = 0.76,
    trigger: str | None = "gitlab",
    manual_test_cases: int = 3,
    red_builds: tuple[int, ...] = (25,),
    flaky_builds: tuple[int, ...] = (41,),
    failed_release_week: int | None = None,
    delivery_cycle_days: float = 5.7,
    escaped_defects: int = 0,
    freeze_weeks: tuple[int, ...] = (),
    merge_requests: bool = False,
    red_fixed_same_day: bool = False,
    ui_tests: bool = False,
    open_critical: bool = True,
) -> EnterpriseProject:
    """Write the project under `root` (see the module docstring) and return what was built.

    `end` is the day after the last working day (the assessment runs at its midnight UTC); `weeks` weeks of
    Monday-Friday work precede it. Build n (from 1) runs on the n-th working day; `red_builds` fail one test on
    every rerun, `flaky_builds` pass one test on its rerun. `failed_release_week` (from 0) makes that week's
    Thursday production deployment fail with an incident, redeployed on Friday. `freeze_weeks` (from 0) have no
    production release at all (a release freeze: SIT and UAT go on).

    The shape of a team CAICT certified at level 3, each off by default so the figures above stay as they are:
    `merge_requests`: every change is a feature branch merged into master through a reviewed GitLab merge
    request half an hour later (GitLab's merge-commit message); `red_fixed_same_day`: a red build is the 14:30
    build of the day's second change, and the 16:30 build of the third change is green (fixed in two hours);
    `ui_tests`: a UI suite (ui-tests/, run by the pipeline's UI stage) adds `OrderPageUITest` to every build;
    `open_critical=False`: SnakeYAML is upgraded before the newest scan, so it reports no critical finding.
    """
    start = end - timedelta(days=7 * weeks)
    days = [start + timedelta(days=i) for i in range(7 * weeks) if (start + timedelta(days=i)).weekday() < 5]
    now = datetime.combine(end, time(0, 0), UTC)
    repo = RepoBuilder(root / "trade-service", branch="master")
    plan = _Plan(days=days)
    _scaffold(repo, plan, trigger, manual_test_cases, ui_tests)
    _daily_commits(repo, plan, merge_requests)
    builds = _builds(root, repo, plan, coverage, red_builds, flaky_builds, red_fixed_same_day, ui_tests, open_critical)
    deployments, incidents = _deployments(plan, builds, failed_release_week, freeze_weeks)
    _tag_releases(repo, deployments)
    events = root / "events"
    events.mkdir(parents=True, exist_ok=True)
    deployments_csv = _write_deployments(events / "deployments.csv", deployments)
    incidents_csv = _write_incidents(events / "incidents.csv", incidents) if incidents else None
    workitems_csv = _write_workitems(events / "workitems.csv", plan, deployments, delivery_cycle_days, escaped_defects)
    project = EnterpriseProject(
        root=root,
        repo=repo.path,
        now=now,
        builds=tuple(builds),
        deployments=tuple(deployments),
        deployments_csv=deployments_csv,
        workitems_csv=workitems_csv,
        incidents_csv=incidents_csv,
    )
    project.expected.update(_expected(project, plan, coverage, manual_test_cases, delivery_cycle_days, incidents))
    return project


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CST)


def _scaffold(repo: RepoBuilder, plan: _Plan, trigger: str | None, manual_test_cases: int, ui: bool = False) -> None:
    """Day 0, before the developers' daily commits: the service, its pipeline and its deployment definitions."""
    day = plan.days[0]
    source = DATA / "project"
    files = {p.relative_to(source).as_posix(): p.read_text(encoding="utf-8") for p in source.rglob("*") if p.is_file()}
    files["pom.xml"] = _pom_with_runtime_dependencies(files["pom.xml"])
    files[".gitignore"] = "target/\n*.iml\n.idea/\n"
    sha = repo.commit("TRADE-100 初始化交易服务工程", files, _at(day, 9).isoformat(), LEAD)
    plan.commits.append((sha, _at(day, 9)))
    infra = {
        "Jenkinsfile": jenkinsfile(trigger),
        "Dockerfile": DOCKERFILE,
        "sonar-project.properties": SONAR,
        "devmaturity.toml": f"[devmaturity]\nmanual_test_cases = {manual_test_cases}\n",
        **ANSIBLE,
        **HELM,
        **MIGRATIONS,
        **TOOLING,
        **(UI_SUITE if ui else {}),
    }
    sha = repo.commit("TRADE-100 增加流水线、部署脚本和数据库迁移", infra, _at(day, 9, 30).isoformat(), LEAD)
    plan.commits.append((sha, _at(day, 9, 30)))


def _pom_with_runtime_dependencies(pom: str) -> str:
    """The versioned pom also declares the runtime libraries dependency-check finds (not in the offline Maven
    repository the real test runs used, and no test touches them): SnakeYAML 1.30 and jackson-databind."""
    extra = (
        "    <dependency>\n      <groupId>org.yaml</groupId>\n      <artifactId>snakeyaml</artifactId>\n"
        "      <version>1.30</version>\n    </dependency>\n"
    )
    return pom.replace("  <dependencies>\n", "  <dependencies>\n" + extra, 1)


def _daily_commits(repo: RepoBuilder, plan: _Plan, merge_requests: bool = False) -> None:
    """Every working day each developer lands one change on master, referencing the week's story: a commit to
    master, or (`merge_requests`) a feature branch merged by the next developer through a merge request."""
    log = ["# 变更记录\n"]
    request = 0
    for index, day in enumerate(plan.days):
        week = index // 5
        for who, (developer, hour) in enumerate(zip(DEVELOPERS, COMMIT_HOURS, strict=True)):
            story = f"TRADE-{101 + 3 * week + who}"
            subject = SUBJECTS[(index + who) % len(SUBJECTS)]
            log.append(f"- {day.isoformat()} {story} {subject}\n")
            when = _at(day, hour)
            change = {"CHANGELOG.md": "".join(log), **(_code_change(index, who, story) if merge_requests else {})}
            if merge_requests:
                request += 1
                branch = f"feature/{story}-{day:%m%d}"
                repo.branch(branch)
                repo.commit(f"{story} {subject}", change, when.isoformat(), developer)
                repo.checkout("master")
                when = _at(day, hour, 30)
                message = (
                    f"Merge branch '{branch}' into 'master'\n\n{story} {subject}\n\n"
                    f"See merge request trade/trade-service!{request}"
                )
                sha = repo.merge(branch, when.isoformat(), DEVELOPERS[(who + 1) % len(DEVELOPERS)], message)
                repo.git("branch", "-q", "-D", branch)
            else:
                sha = repo.commit(f"{story} {subject}", {"CHANGELOG.md": "".join(log)}, when.isoformat(), developer)
            plan.commits.append((sha, when))
            plan.day_changes.setdefault(day, []).append((sha, when))
        plan.day_tip[day] = plan.commits[-1]


def _code_change(index: int, who: int, story: str) -> dict[str, str]:
    """What a merge request changes besides the changelog: a rule of the service's own, and on every other change
    its unit test too (a team that writes tests with its code)."""
    name = ("Order", "Risk", "Settlement")[who]
    rule = (
        f"package com.example.trade.rules;\n\n/** {story}: rule {index} of {name}. */\n"
        f"public final class {name}Rules {{\n    public static final int VERSION = {index};\n\n"
        f"    private {name}Rules() {{\n    }}\n}}\n"
    )
    files = {f"src/main/java/com/example/trade/rules/{name}Rules.java": rule}
    if index % 2 == 0:
        files[f"src/test/java/com/example/trade/rules/{name}RulesTest.java"] = (
            f"package com.example.trade.rules;\n\nimport org.junit.jupiter.api.Test;\n\nclass {name}RulesTest {{\n"
            f"    @Test\n    void versionIs{index}() {{\n        assert {name}Rules.VERSION == {index};\n    }}\n}}\n"
        )
    return files


def _builds(
    root: Path,
    repo: RepoBuilder,
    plan: _Plan,
    coverage: float,
    red_builds: tuple[int, ...],
    flaky_builds: tuple[int, ...],
    red_fixed_same_day: bool = False,
    ui: bool = False,
    open_critical: bool = True,
) -> list[Build]:
    """One build a working day at 16:30 of that day's last commit; the first and newest also scan and cover.
    With `red_fixed_same_day` a red day has two builds: the red one at 14:30 and the green one at 16:30."""
    builds: list[Build] = []
    last = len(plan.days)
    for number, day in enumerate(plan.days, start=1):
        outcome = "red" if number in red_builds else "flaky" if number in flaky_builds else "green"
        if outcome == "red" and red_fixed_same_day:
            sha, _ = plan.day_changes[day][1]
            folder = root / "jenkins" / f"{number}-red"
            at = plan.day_changes[day][1][1] + timedelta(minutes=30)
            reports = _write_surefire(folder / "surefire-reports", "red", number, at)
            reports += _write_ui(folder / "surefire-reports", at) if ui else ()
            builds.append(Build(number=number, commit=sha, at=at, outcome="red", surefire=reports))
            outcome = "green"
        folder = root / "jenkins" / str(number)
        surefire = _write_surefire(folder / "surefire-reports", outcome, number, _at(day, 16, 30))
        surefire += _write_ui(folder / "surefire-reports", _at(day, 16, 30)) if ui else ()
        jacoco = sarif = None
        if number in (2, last):
            ratio = coverage if number == last else None
            jacoco = _write_jacoco(folder / "jacoco.xml", ratio, _at(day, 16, 30))
            fixed = number == last
            sarif = _write_sarif(
                folder / "dependency-check-report.sarif",
                fixed_jackson=fixed,
                fixed_snakeyaml=fixed and not open_critical,
            )
        sha, _ = plan.day_tip[day]
        builds.append(
            Build(
                number=number,
                commit=sha,
                at=_at(day, 16, 30),
                outcome=outcome,
                surefire=surefire,
                jacoco=jacoco,
                sarif=sarif,
            )
        )
    newest = builds[-1]
    target = repo.path / "target"
    for path in newest.surefire:
        _copy(path, target / "surefire-reports" / path.name)
    if newest.jacoco is not None and newest.sarif is not None:
        _copy(newest.jacoco, target / "site" / "jacoco" / "jacoco.xml")
        _copy(newest.sarif, target / "dependency-check-report.sarif")
    return builds


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _write_surefire(folder: Path, outcome: str, number: int, at: datetime) -> tuple[Path, ...]:
    """The real run's files of that outcome, as this build's: the workspace path, the forked JVM's start stamps
    (Surefire names its booter files after them) and the elapsed times are the build's; the -D flags that chose
    the outcome are dropped. So every build's file differs, as real builds' do."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted((DATA / "surefire" / outcome).glob("TEST-*.xml")):
        text = source.read_text(encoding="utf-8").replace("/tmp/trade", WORKSPACE)
        text = re.sub(r'\s*<property name="(trade\.flaky|trade\.broken|maven\.test\.failure\.ignore)"[^>]*/>', "", text)
        text = re.sub(r"(surefire[a-z_0-9]*-)\d{14}", lambda m: m.group(1) + f"{at:%Y%m%d%H%M%S}", text)
        text = re.sub(
            r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(_\d+-jvmRun)", lambda m: f"{at:%Y-%m-%dT%H-%M-%S}" + m.group(1), text
        )
        factor = 1 + (number % 7) / 10 + int(hashlib.sha256(source.name.encode()).hexdigest()[:2], 16) / 1000
        text = re.sub(r'time="([0-9.]+)"', functools.partial(_retime, factor=factor), text)
        target = folder / source.name
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return tuple(written)


def _write_ui(folder: Path, at: datetime) -> tuple[Path, ...]:
    """The UI suite's report: the real run's OrderFlowIT file as ui-tests' OrderPageUITest (same Surefire shape,
    class, suite and case renamed), written like every other file of the build."""
    source = DATA / "surefire" / "green" / "TEST-com.example.trade.OrderFlowIT.xml"
    text = source.read_text(encoding="utf-8").replace("/tmp/trade", WORKSPACE)
    text = text.replace("com.example.trade.OrderFlowIT", "com.example.trade.ui.OrderPageUITest")
    text = text.replace('name="placeAndCancel"', 'name="placeOrderFromTradingPage"')
    text = re.sub(r"(surefire[a-z_0-9]*-)\d{14}", lambda m: m.group(1) + f"{at:%Y%m%d%H%M%S}", text)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "TEST-com.example.trade.ui.OrderPageUITest.xml"
    target.write_text(text, encoding="utf-8")
    return (target,)


def _retime(match: re.Match[str], *, factor: float) -> str:
    return f'time="{_surefire_time(float(match.group(1)) * factor)}"'


def _surefire_time(seconds: float) -> str:
    """Surefire's elapsed-time format: up to three decimals, trailing zeros dropped."""
    return f"{seconds:.3f}".rstrip("0").rstrip(".") or "0"


def _write_jacoco(path: Path, ratio: float | None, at: datetime) -> Path:
    """The real run's JaCoCo report; with `ratio`, lines moved from covered to missed (UNCOVERABLE) until
    covered/total is the nearest reachable to it. Session times are the build's."""
    tree = etree.parse(str(DATA / "jacoco.xml"), etree.XMLParser(resolve_entities=False, no_network=True))
    report = tree.getroot()
    covered, total = _line_counter(report)
    if ratio is not None:
        wanted = round(ratio * total)
        candidates = [(f, c, n) for f, c, lines in UNCOVERABLE for n in lines]
        if not covered - len(candidates) <= wanted <= covered:
            raise ValueError(
                f"coverage {ratio} is outside what the fixture can report ({covered - len(candidates)}"
                f"..{covered} of {total} lines)"
            )
        for file, cls, line in candidates[: covered - wanted]:
            _uncover(report, file, cls, line)
    millis = int(at.timestamp() * 1000)
    for session in report.iter("sessioninfo"):
        session.set("start", str(millis - 95_000))
        session.set("dump", str(millis - 90_000))
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(str(path), encoding="UTF-8", xml_declaration=True, standalone=True)
    return path


def _line_counter(element: etree._Element) -> tuple[int, int]:
    counter = next(c for c in element.findall("counter") if c.get("type") == "LINE")
    covered = int(counter.get("covered", "0"))
    return covered, covered + int(counter.get("missed", "0"))


def _uncover(report: etree._Element, file: str, cls: str, number: int) -> None:
    """Report one covered line missed: the <line> and the LINE and INSTRUCTION counters of its method, class,
    source file, package and report."""
    package = report.find("package")
    assert package is not None
    sourcefile = next(s for s in package.findall("sourcefile") if s.get("name") == file)
    line = next(x for x in sourcefile.findall("line") if x.get("nr") == str(number))
    instructions = int(line.get("ci", "0"))
    line.set("mi", str(int(line.get("mi", "0")) + instructions))
    line.set("ci", "0")
    klass = next(c for c in package.findall("class") if c.get("name") == cls)
    method = max(
        (m for m in klass.findall("method") if int(m.get("line", "0")) <= number), key=lambda m: int(m.get("line", "0"))
    )
    for element in (method, klass, sourcefile, package, report):
        for counter in element.findall("counter"):
            moved = {"LINE": 1, "INSTRUCTION": instructions}.get(counter.get("type", ""))
            if moved:
                counter.set("missed", str(int(counter.get("missed", "0")) + moved))
                counter.set("covered", str(int(counter.get("covered", "0")) - moved))


def _write_sarif(path: Path, *, fixed_jackson: bool, fixed_snakeyaml: bool = False) -> Path:
    """dependency-check's SARIF (its sarifReport.vsl shape): one rule per CVE with cvssv3_* properties and a
    numeric security-severity, results at level warning on the vulnerable jar with a vulnerabilityHash."""
    found = FINDINGS if fixed_jackson else (*FINDINGS, FIXED_FINDING)
    if fixed_snakeyaml:  # SnakeYAML 2.x: the critical deserialisation finding is gone, the others remain
        found = tuple(f for f in found if f[3] != "CRITICAL")
    jars = {
        "snakeyaml-1.30.jar": "pkg:maven/org.yaml/snakeyaml@1.30",
        "jackson-databind-2.13.2.jar": "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.2",
    }
    used = list(jars) if not fixed_jackson else ["snakeyaml-1.30.jar"]
    rules = [
        {
            "id": cve,
            "shortDescription": {"text": f"{severity.title()} severity - {cve} {cwe}"},
            "fullDescription": {"text": text},
            "help": {
                "text": "",
                "markdown": f"For more information see [{cve}](http://web.nvd.nist.gov/view/vuln/detail?vulnId={cve}).",
            },
            "properties": {
                "cvssv3_baseScore": score,
                "security-severity": score,
                "cvssv3_attackVector": "NETWORK",
                "cvssv3_attackComplexity": "LOW",
                "cvssv3_baseSeverity": severity,
                "cvssv3_version": "3.1",
                "source": "NVD",
            },
        }
        for cve, cwe, score, severity, text in found
    ]
    results = []
    for cve, _cwe, _score, _severity, text in found:
        jar = "jackson-databind-2.13.2.jar" if cve == FIXED_FINDING[0] else "snakeyaml-1.30.jar"
        results.append(
            {
                "ruleId": cve,
                "level": "warning",
                "message": {"text": f"{cve} - {text}"},
                "partialFingerprints": {"vulnerabilityHash": hashlib.md5(cve.encode()).hexdigest()},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f"/root/.m2/repository/{jar}", "index": used.index(jar)}
                        },
                        "logicalLocations": [{"fullyQualifiedName": jars[jar]}],
                    }
                ],
            }
        )
    sarif = {
        "$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dependency-check",
                        "version": "10.0.4",
                        "informationUri": "https://jeremylong.github.io/DependencyCheck/",
                        "rules": rules,
                        "properties": {
                            "nvd": "This report contains data retrieved from the National Vulnerability "
                            "Database: http://nvd.nist.gov"
                        },
                    }
                },
                "artifacts": [{"location": {"uri": f"/root/.m2/repository/{jar}"}} for jar in used],
                "results": results,
            }
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sarif, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _deployments(
    plan: _Plan, builds: list[Build], failed_week: int | None, freeze_weeks: tuple[int, ...] = ()
) -> tuple[list[Deployment], list[dict[str, str]]]:
    """SIT after every build that is not red (17:00), UAT on Tuesdays and Thursdays at 10:00 of the newest commit
    SIT had on the day before, production on Thursdays at 20:00 of what UAT got that morning."""
    deployments: list[Deployment] = []
    incidents: list[dict[str, str]] = []
    sit_tip: str | None = None
    sit_by_day: dict[date, str] = {}
    daily = list({build.number: build for build in builds}.values())  # a red day's fixed build, not its red one
    for build, day in zip(daily, plan.days, strict=True):
        if build.outcome != "red":
            sit_tip = build.commit
            start = _at(day, 17)
            deployments.append(_deploy(f"SIT-{build.number}", "SIT", "success", start, 5, build.commit))
        if sit_tip is not None:
            sit_by_day[day] = sit_tip
    for index, day in enumerate(plan.days):
        if day.weekday() not in (1, 3) or index == 0 or plan.days[index - 1] not in sit_by_day:
            continue
        sha = sit_by_day[plan.days[index - 1]]
        deployments.append(_deploy(f"UAT-{index}", "UAT", "success", _at(day, 10), 6, sha))
        if day.weekday() != 3:
            continue
        week = index // 5
        if week in freeze_weeks:
            continue
        if week == failed_week:
            incident = f"INC-{week}"
            deployments.append(_deploy(f"PROD-{week}", "PROD", "failure", _at(day, 20), 12, sha, incident))
            incidents.append(
                {
                    "id": incident,
                    "title": "生产发布后下单接口返回 502",
                    "started_at": _at(day, 20, 5).isoformat(),
                    "resolved_at": _at(day, 20, 15).isoformat(),
                    "severity": "P2",
                    "service": "trade-service",
                    "deployment": f"PROD-{week}",
                    "labels": "交易;发布",
                    "auto_recovered": "true",
                }
            )
            friday = day + timedelta(days=1)
            deployments.append(_deploy(f"PROD-{week}-redo", "PROD", "success", _at(friday, 20), 10, sha))
        else:
            deployments.append(_deploy(f"PROD-{week}", "PROD", "success", _at(day, 20), 10, sha))
    return deployments, incidents


def _deploy(id_: str, env: str, status: str, start: datetime, minutes: int, sha: str, incident: str = "") -> Deployment:
    return Deployment(
        id=id_,
        environment=env,
        status=status,
        created_at=start,
        finished_at=start + timedelta(minutes=minutes),
        commit=sha,
        incident=incident,
    )


def _tag_releases(repo: RepoBuilder, deployments: list[Deployment]) -> None:
    """Each successful production deployment is tagged v1.4.<n> on the commit it shipped, when it finished."""
    shipped = [d for d in deployments if d.environment == "PROD" and d.status == "success"]
    for n, deployment in enumerate(shipped):
        repo.git(
            "tag",
            "-a",
            f"v1.4.{n}",
            deployment.commit,
            "-m",
            f"release v1.4.{n}",
            date=deployment.finished_at.isoformat(),
        )


def _write_deployments(path: Path, deployments: list[Deployment]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "environment", "status", "created_at", "finished_at", "commit", "pipeline", "incident"])
        for d in sorted(deployments, key=lambda d: d.created_at):
            out.writerow(
                [
                    d.id,
                    d.environment,
                    d.status,
                    d.created_at.isoformat(),
                    d.finished_at.isoformat(),
                    d.commit,
                    "trade-service/master",
                    d.incident,
                ]
            )
    return path


def _write_incidents(path: Path, incidents: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(incidents[0]))
        out.writeheader()
        out.writerows(incidents)
    return path


def _write_workitems(path: Path, plan: _Plan, deployments: list[Deployment], cycle: float, escaped: int) -> Path:
    """Three stories per production release, created cycle-1, cycle and cycle+3 days before it (so every
    release's median, and the overall one, is `cycle`); one defect a week found in SIT on Wednesday; `escaped`
    defects found in production in the last week."""
    rows: list[list[str]] = []
    releases = [d for d in deployments if d.environment == "PROD" and d.status == "success"]
    for n, release in enumerate(releases):
        for k, offset in enumerate((cycle - 1, cycle, cycle + 3)):
            created = release.finished_at - timedelta(days=offset)
            resolved = release.finished_at - timedelta(hours=10)
            rows.append(
                [
                    f"TRADE-{500 + 3 * n + k}",
                    "Story",
                    f"交易需求 {n}-{k}",
                    created.isoformat(),
                    resolved.isoformat(),
                    release.finished_at.isoformat(),
                    f"v1.4.{n}",
                    "",
                    "",
                    "交易",
                ]
            )
    for day in plan.days:
        if day.weekday() == 2:
            rows.append(
                [
                    f"BUG-{day:%m%d}",
                    "缺陷",
                    "SIT 环境撤单状态未刷新",
                    _at(day, 15).isoformat(),
                    _at(day + timedelta(days=1), 11).isoformat(),
                    "",
                    "",
                    "P3",
                    "SIT",
                    "交易",
                ]
            )
    last = plan.days[-1]
    for k in range(escaped):
        rows.append(
            [
                f"PROD-BUG-{k}",
                "缺陷",
                "生产环境成交回报延迟",
                _at(last, 9).isoformat(),
                "",
                "",
                "",
                "P2",
                "production",
                "交易",
            ]
        )
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            [
                "id",
                "type",
                "title",
                "created_at",
                "resolved_at",
                "released_at",
                "release",
                "severity",
                "environment",
                "labels",
            ]
        )
        out.writerows(rows)
    return path


def _expected(
    project: EnterpriseProject,
    plan: _Plan,
    coverage: float,
    manual: int,
    cycle: float,
    incidents: list[dict[str, str]],
) -> dict[str, float]:
    """The figures built in, counted over the window as docs/metrics.md defines them."""
    inside = project.in_window
    builds = [b for b in project.builds if inside(b.at)]
    prod = [d for d in project.deployments if d.environment == "PROD"]
    prod_ok = [d for d in prod if d.status == "success"]
    prod_finished = [d for d in prod if inside(d.created_at) and d.status in ("success", "failure")]
    failed = [d for d in prod_finished if d.status == "failure"]
    total = _line_counter(etree.parse(str(DATA / "jacoco.xml")).getroot())[1]
    figures: dict[str, float] = {
        "builds": len(builds),
        "red_builds": sum(b.outcome == "red" for b in builds),
        "flaky_builds": sum(b.outcome == "flaky" for b in builds),
        "automation_success_rate": sum(b.outcome != "red" for b in builds) / len(builds),
        "test_pass_rate": (len(builds) * TEST_CASES - sum(b.outcome == "red" for b in builds))
        / (len(builds) * TEST_CASES),
        "flaky_test_rate": (1 if any(b.outcome == "flaky" for b in builds) else 0) / TEST_CASES,
        "automated_test_ratio": TEST_CASES / (TEST_CASES + manual),
        "interface_test_count": INTEGRATION_CASES,
        "unit_test_line_coverage": round(coverage * total) / total,
        "open_critical_findings": sum(f[3] == "CRITICAL" for f in FINDINGS),
        "open_high_findings": sum(f[3] == "HIGH" for f in FINDINGS),
        "sit_deployments": sum(d.environment == "SIT" and inside(d.created_at) for d in project.deployments),
        "uat_deployments": sum(d.environment == "UAT" and inside(d.created_at) for d in project.deployments),
        "production_deployments": sum(inside(d.finished_at) for d in prod_ok),
        "deployment_frequency": sum(inside(d.finished_at) for d in prod_ok) / WINDOW_DAYS,
        "change_failure_rate": len(failed) / len(prod_finished),
        "lead_time_for_changes": _lead_time_hours(plan, prod_ok, inside),
        "requirement_delivery_cycle": cycle,
        "incidents": len(incidents),
        "working_days_in_window": sum(inside(_at(day, 12)) for day in plan.days),
    }
    return figures


def _lead_time_hours(plan: _Plan, shipped_by: list[Deployment], inside: Callable[[datetime], bool]) -> float:
    """Median hours from commit to the finish of the production deployment that first shipped it; master is
    linear, so a deployment ships the commits after the previous deployment's commit up to its own. The first
    deployment only sets the baseline."""
    order = {sha: i for i, (sha, _) in enumerate(plan.commits)}
    hours: list[float] = []
    shipped_to = order[shipped_by[0].commit]
    for deployment in shipped_by[1:]:
        upto = order[deployment.commit]
        if inside(deployment.finished_at):
            for _sha, when in plan.commits[shipped_to + 1 : upto + 1]:
                hours.append((deployment.finished_at - when).total_seconds() / 3600)
        shipped_to = max(shipped_to, upto)
    return median(hours)


def jenkinsfile(trigger: str | None) -> str:
    """The team's declarative pipeline: shared library, Chinese stage names, SIT/UAT by Ansible, approval, Helm."""
    triggers = (
        "    triggers {\n"
        "        gitlab(triggerOnPush: true, triggerOnMergeRequest: true, branchFilterType: 'NameBasedFilter',"
        " includeBranchesSpec: 'master')\n"
        "        cron('H 2 * * 1-5')  // the nightly full build with the slower suites\n"
        "    }\n"
        if trigger == "gitlab"
        else ""
    )
    return JENKINSFILE.replace("__TRIGGERS__", triggers)


JENKINSFILE = """\
@Library('devops-shared-lib') _

pipeline {
    agent any
__TRIGGERS__    options {
        timeout(time: 30, unit: 'MINUTES')
        buildDiscarder(logRotator(numToKeepStr: '100'))
    }
    environment {
        APP_NAME = 'trade-service'
        REGISTRY = 'harbor.example.com/trade'
        NEXUS = credentials('nexus-deployer')
    }
    stages {
        stage('拉取代码') {
            steps {
                checkout scm
            }
        }
        stage('编译') {
            steps {
                sh 'mvn -B clean package -DskipTests'
            }
        }
        stage('单元测试') {
            steps {
                sh 'mvn -B test'
            }
            post {
                always {
                    junit 'target/surefire-reports/TEST-*.xml'
                    jacoco execPattern: 'target/jacoco.exec'
                }
            }
        }
        stage('接口测试') {
            steps {
                sh 'mvn -B verify -Dskip.surefire.tests -Pintegration-test'
            }
            post {
                always {
                    junit 'target/failsafe-reports/TEST-*.xml'
                }
            }
        }
        stage('代码扫描') {
            steps {
                withSonarQubeEnv('sonarqube') {
                    sh 'mvn -B sonar:sonar'
                }
            }
        }
        stage('安全扫描') {
            steps {
                sh 'mvn -B org.owasp:dependency-check-maven:check -Dformats=SARIF,HTML'
                archiveArtifacts artifacts: 'target/dependency-check-report.sarif'
            }
        }
        stage('制品上传') {
            steps {
                sh 'mvn -B deploy -DskipTests'
                sh 'docker build -t ${REGISTRY}/${APP_NAME}:${BUILD_NUMBER} . && docker push ${REGISTRY}/${APP_NAME}:${BUILD_NUMBER}'
            }
        }
        stage('数据库变更') {
            steps {
                sh 'mvn -B flyway:migrate -Dflyway.configFiles=db/flyway-sit.conf'
            }
        }
        stage('部署SIT') {
            environment {
                DEPLOY_ENV = 'sit'
            }
            steps {
                sh 'ansible-playbook -i ansible/inventory/sit.ini ansible/deploy.yml -e version=${BUILD_NUMBER}'
            }
        }
        stage('部署UAT') {
            when {
                anyOf { expression { return params.DEPLOY_UAT }; triggeredBy 'TimerTrigger' }
            }
            environment {
                DEPLOY_ENV = 'uat'
            }
            steps {
                sh 'ansible-playbook -i ansible/inventory/uat.ini ansible/deploy.yml -e version=${BUILD_NUMBER}'
            }
        }
        stage('UI自动化测试') {
            steps {
                sh 'mvn -B -f ui-tests/pom.xml test -Dselenium.grid=http://grid.example.com:4444'
            }
        }
        stage('发布审批') {
            steps {
                input message: '是否发布到生产？', ok: '发布', submitter: 'release-managers'
            }
        }
        stage('生产发布') {
            environment {
                DEPLOY_ENV = 'production'
            }
            steps {
                sh 'helm upgrade --install trade-service helm/trade-service --namespace prod --atomic --set image.tag=${BUILD_NUMBER}'
                sh 'kubectl -n prod rollout status deployment/trade-service --timeout=300s'
            }
        }
    }
    post {
        failure {
            notifyWeCom(channel: 'trade-dev')
        }
    }
}
"""

TOOLING = {
    # the team's standard toolchain: SDKMAN pins the JDK and Maven versions, the Maven wrapper pins Maven
    ".sdkmanrc": "java=17.0.15-tem\nmaven=3.8.7\n",
    ".mvn/wrapper/maven-wrapper.properties": (
        "distributionUrl=https://nexus.example.com/repository/maven-public/org/apache/maven/apache-maven/3.8.7/"
        "apache-maven-3.8.7-bin.zip\n"
    ),
    # the basic performance test of the order API, run by the test team with JMeter before releases
    "perf/下单接口压测.jmx": (
        '<?xml version="1.0" encoding="UTF-8"?>\n<jmeterTestPlan version="1.2" properties="5.0" jmeter="5.6.3">\n'
        '  <hashTree>\n    <TestPlan guiclass="TestPlanGui" testclass="TestPlan" testname="下单接口压测"/>\n'
        "    <hashTree/>\n  </hashTree>\n</jmeterTestPlan>\n"
    ),
}
UI_SUITE = {
    "ui-tests/pom.xml": (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n  <modelVersion>4.0.0</modelVersion>\n'
        "  <groupId>com.example</groupId>\n  <artifactId>trade-ui-tests</artifactId>\n  <version>1.0.0</version>\n"
        "</project>\n"
    ),
    "ui-tests/src/test/java/com/example/trade/ui/OrderPageUITest.java": (
        "package com.example.trade.ui;\n\nimport org.junit.jupiter.api.Test;\n\n"
        "class OrderPageUITest {\n    @Test\n    void placeOrderFromTradingPage() {\n"
        "        // opens the trading page on the Selenium grid and places an order\n    }\n}\n"
    ),
}

DOCKERFILE = """\
FROM eclipse-temurin:17-jre
WORKDIR /app
COPY target/trade-service-*.jar /app/trade-service.jar
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/trade-service.jar"]
"""

SONAR = """\
sonar.projectKey=trade-service
sonar.projectName=trade-service
sonar.sources=src/main/java
sonar.tests=src/test/java
sonar.java.binaries=target/classes
sonar.coverage.jacoco.xmlReportPaths=target/site/jacoco/jacoco.xml
sonar.qualitygate.wait=true
"""

ANSIBLE = {
    "ansible/ansible.cfg": "[defaults]\nhost_key_checking = False\nroles_path = roles\n",
    "ansible/inventory/sit.ini": "[trade]\nsit-trade-01.example.com\nsit-trade-02.example.com\n",
    "ansible/inventory/uat.ini": "[trade]\nuat-trade-01.example.com\nuat-trade-02.example.com\n",
    "ansible/deploy.yml": ("- hosts: trade\n  become: true\n  roles:\n    - trade-service\n"),
    "ansible/roles/trade-service/tasks/main.yml": (
        "- name: 下载制品\n  get_url:\n"
        '    url: "https://nexus.example.com/repository/maven-releases/com/example/trade-service/{{ version }}/'
        'trade-service-{{ version }}.jar"\n    dest: /opt/trade-service/trade-service.jar\n'
        "- name: 重启服务\n  systemd:\n    name: trade-service\n    state: restarted\n"
    ),
}

HELM = {
    "helm/trade-service/Chart.yaml": 'apiVersion: v2\nname: trade-service\nversion: 1.4.0\nappVersion: "1.4.0"\n',
    "helm/trade-service/values.yaml": (
        "replicaCount: 3\nimage:\n  repository: harbor.example.com/trade/trade-service\n  tag: latest\n"
    ),
    "helm/trade-service/templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Chart.Name }}\nspec:\n"
        "  replicas: {{ .Values.replicaCount }}\n  selector:\n    matchLabels:\n      app: {{ .Chart.Name }}\n"
        "  template:\n    metadata:\n      labels:\n        app: {{ .Chart.Name }}\n    spec:\n      containers:\n"
        '        - name: app\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
    ),
}

MIGRATIONS = {
    "src/main/resources/db/migration/V1__create_orders.sql": (
        "CREATE TABLE orders (\n    id BIGINT PRIMARY KEY,\n    account VARCHAR(32) NOT NULL,\n"
        "    symbol VARCHAR(16) NOT NULL,\n    side CHAR(4) NOT NULL,\n    quantity BIGINT NOT NULL,\n"
        "    price DECIMAL(18, 4) NOT NULL\n);\n"
    ),
    "src/main/resources/db/migration/V2__add_settlement_date.sql": (
        "ALTER TABLE orders ADD COLUMN settlement_date DATE;\n"
    ),
}


def ingest_all(project: EnterpriseProject, db: str, *, name: str = "trade-service") -> None:
    """What a user's CI would hand devmaturity: every build's reports with its commit and time, and the event
    files, through the `devmaturity ingest` command, for the project `name` (a service project's key too)."""
    from devmaturity.cli.main import run

    repo = str(project.repo)
    common = ["--project", name, "--repo", repo, "--db", db]
    for build in project.builds:
        at = ["--commit", build.commit, "--at", build.at.isoformat()]
        assert run(["ingest", "--kind", "junit", *common, *at, *map(str, build.surefire)]) == 0
        if build.jacoco is not None:
            assert run(["ingest", "--kind", "coverage", *common, *at, str(build.jacoco)]) == 0
        if build.sarif is not None:
            assert run(["ingest", "--kind", "sarif", *common, *at, str(build.sarif)]) == 0
    events = [("deployments", project.deployments_csv), ("workitems", project.workitems_csv)]
    if project.incidents_csv is not None:
        events.append(("incidents", project.incidents_csv))
    for kind, path in events:
        assert run(["ingest", "--kind", kind, *common, "--source", "jenkins:trade-service", str(path)]) == 0
