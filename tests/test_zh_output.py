"""With `--lang zh` no command prints an English sentence: assess (terminal, Markdown, HTML), gate, compare, trend,
deployments preview, ingest, and every error slug of docs/errors.md.

What is checked: after removing the allow-listed tokens below (ids, paths, URLs, numbers with units, tool and format
names, flags and commands), no run of three or more ASCII words remains. The allow-list is explicit so that a new
English phrase fails this test instead of slipping through.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest

from devmaturity import errors
from devmaturity.assess.engine import Evidence, how_to_decide, judge
from devmaturity.cli.main import run
from devmaturity.model.facts import FACTS, Fact
from devmaturity.model.framework import Criterion, CriterionKind, Op
from devmaturity.model.metric import MetricValue, Window
from devmaturity.model.metric_reasons import reason_text
from devmaturity.model.text import Text
from tests.gitbuild import RepoBuilder
from tests.history import build_history

# Tokens that may stay in ASCII inside zh output. Each entry is a regular expression; order matters (longest first).
ALLOWED: tuple[str, ...] = (
    r"https?://\S+",  # URLs
    r"(?:sqlite|postgresql)(?:\+\w+)?:///?\S+",  # store URLs
    r"`[^`]*`",  # commands quoted as code, e.g. `devmaturity ingest --kind deployments`
    r"(?:[A-Za-z]:)?(?:/[\w.@+-]+)+/?",  # file paths
    r"--[a-z][a-z-]*",  # flags
    r"\b[A-Za-z][\w]*(?:[._-][\w]+)+\b",  # ids with dots, underscores or dashes: CD.TM.L3.1, unit_test_line_coverage
    r"\b(?:integrations/developer/workday|deployments/day|commits/day|releases/week)\b",  # units with slashes
    r"\b\d+(?:\.\d+)?\s*(?:hours|days|minutes|tests|findings|h|d|x|%)\b",  # numbers with units
    r"\b(?:hours|days|minutes|tests|findings)\b",  # unit names in table cells
    # tool, format and product names
    r"\b(?:Jenkins Shared Library|Jenkinsfile|Jenkins|GitLab include|GitLab CI|GitLab|GitHub Actions|GitHub|Gitee)\b",
    r"\b(?:SonarQube|Sonar|Maven|Gradle|npm|pip|Go modules|Makefile|pyproject|Flyway|Liquibase|Alembic)\b",
    r"\b(?:Spring Cloud Config|Spring Cloud Contract|External Secrets|Sealed Secrets|Blackbox|OPA Gatekeeper)\b",
    r"\b(?:Spring Boot Actuator|Find Security Bugs|kubectl rollout undo)\b",
    r"\b(?:Terraform|Ansible|Helm|Kubernetes|Dockerfile|Docker|Compose|devcontainer|Vagrant|Vagrantfile)\b",
    r"\b(?:Dependabot|Renovate|JMeter|Locust|k6|Gatling|gitleaks|detect-secrets|CODEOWNERS|SECURITY\.md)\b",
    r"\b(?:SQLite|PostgreSQL|git|JSON|HTML|CSV|YAML|TOML|SARIF|JUnit XML|JUnit|XML|DevOps|CI/CD|CI|CD|UI|API)\b",
    r"\b(?:SAST|DORA|CAICT|YD/T|devmaturity|devlake|Wang Wu|Li Si|main|Ann|Bob|Carol)\b",
)
_ALLOWED = re.compile("|".join(f"(?:{a})" for a in ALLOWED))
# three ASCII words in a row, separated only by spaces or light punctuation
_SENTENCE = re.compile(r"[A-Za-z][A-Za-z']*(?:[ ,;:]+[A-Za-z][A-Za-z']*){2,}")


def english_left(text: str) -> list[str]:
    """The English word runs left in `text` once the allow-listed tokens are cut out."""
    return [m.group(0) for line in text.splitlines() for m in _SENTENCE.finditer(_ALLOWED.sub("※", line))]


def _visible(page: str) -> str:
    """The text a reader sees on an HTML page: no style, no tags, entities decoded."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", page))


def test_the_checker_finds_english_and_passes_allowed_tokens() -> None:
    """The checker itself: an English advice line is caught; ids, units, paths and tool names are not."""
    # the id is cut out ("※"), which splits the line; the English run after it is still caught
    assert english_left("make pipeline.shared_library true, or answer it in the file") == [
        "true, or answer it in the file"
    ]
    assert english_left("把单元测试行覆盖率（unit_test_line_coverage）提高到 ≥ 60%（当前 42.0%）") == []
    assert english_left("引用 Jenkins Shared Library，见 /tmp/a b.txt 与 `devmaturity sync`") == []
    assert english_left("窗口内 1.5 hours、3 deployments/day") == []


def test_checker_reports_a_plain_sentence() -> None:
    assert english_left("问题：no deployments collected") == ["no deployments collected"]


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared fixed-date history (tests/history.py), with deployments and incidents in its window."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEVMATURITY_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "240")  # wide enough that table headers are not wrapped mid-word
    build_history(tmp_path / "shop")
    (tmp_path / "d.csv").write_text(
        "id,environment,status,created_at,commit\n1,production,success,2024-02-09T13:00:00Z,\n"
        "2,staging,success,2024-02-10T10:00:00Z,\n3,prod,failure,2024-02-14T10:00:00Z,\n",
        encoding="utf-8",
    )
    (tmp_path / "i.csv").write_text(
        "id,title,started_at,deployment\nINC-1,down,2024-02-14T12:00:00Z,\nINC-2,slow,2024-02-10T12:00:00Z,1\n",
        encoding="utf-8",
    )
    return tmp_path


DATA = Path(__file__).parent / "data"
TREND = ("--metric", "deployment_frequency", "--metric", "commit_frequency")


def _zh(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> str:
    assert run([*args, "--lang", "zh"]) == code, capsys.readouterr()
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_every_command_speaks_zh(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each command's whole output in zh, with delivery data so that preview, compare and trend have figures."""
    shown = {
        "ingest deployments": _zh(capsys, "ingest", "--kind", "deployments", "--project", "shop", "d.csv"),
        "ingest incidents": _zh(capsys, "ingest", "--kind", "incidents", "--project", "shop", "i.csv"),
        "ingest reports": "".join(
            _zh(capsys, "ingest", "--kind", kind, "--project", "shop", str(DATA / name))
            for kind, name in (("junit", "junit/pytest.xml"), ("sarif", "sarif/bandit.sarif"))
        ),
    }
    as_of = ("--as-of", "2024-02-29")
    shown["assess"] = _zh(capsys, "assess", "shop", *as_of, "--format", "table", "--format", "md", "--format", "html")
    shown["report.md"] = (shop / "devmaturity-report" / "report.md").read_text(encoding="utf-8")
    shown["report.html"] = _visible((shop / "devmaturity-report" / "report.html").read_text(encoding="utf-8"))
    shown["gate"] = _zh(capsys, "gate", "shop", *as_of, "--min-level", "5", "--part", "cd", code=2)
    shown["compare"] = _zh(
        capsys, "compare", "shop", "--before", "2024-01-01..2024-01-31", "--after", "2024-02-01..2024-02-29"
    )
    shown["trend"] = _zh(capsys, "trend", "shop", "--every", "month", "--periods", "2", *as_of, *TREND)
    shown["preview"] = _zh(capsys, "deployments", "preview", "shop", "--window", "2024-02-01..2024-02-29")
    # the outputs really hold what they are meant to (so an empty output cannot pass)
    assert "门禁未通过" in shown["gate"] and "未达标" in shown["gate"]
    assert "3 次部署中，有 2 次计为生产部署" in shown["preview"]
    assert "到下一级的差距" in shown["report.md"] and "未知：" in shown["report.md"]
    assert "变化" in shown["compare"] and "窗口" in shown["trend"]
    # pytest.xml: 11 tests, 6 passed (tests/data/junit/README.md); counts are named in zh, not as store keys
    assert "用例 11，通过 6" in shown["ingest reports"] and "扫描运行 （成功 1" in shown["ingest reports"]
    left = {name: english_left(text) for name, text in shown.items()}
    assert {name: runs for name, runs in left.items() if runs} == {}


def _bad_model(root: Path) -> str:
    path = root / "bad-model.yaml"
    path.write_text("format: 1\nid: x\nparts: 7\n", encoding="utf-8")
    return str(path)


def _project_identity(root: Path) -> list[list[str]]:
    build_history(root / "one")
    RepoBuilder(root / "two").commit("other", {"z": "1"}, "2024-02-01T10:00:00+00:00")
    return [["assess", "one", "--project", "same", "--format", "json"], ["assess", "two", "--project", "same"]]


# slug -> how to cause it from the command line (earlier commands set the scene; the last one fails)
def _cases(root: Path) -> dict[str, tuple[int, list[list[str]]]]:
    build_history(root / "r")
    RepoBuilder(root / "empty")
    (root / "plain").mkdir()
    (root / "loop").symlink_to(root / "loop")
    (root / "answers.yaml").write_text("format: 1\nanswers: [\n", encoding="utf-8")
    (root / "conf").mkdir()
    build_history(root / "conf" / "r")
    (root / "conf" / "r" / "devmaturity.toml").write_text("window = \n", encoding="utf-8")
    (root / "bad.xml").write_text("<testsuites><testsuite", encoding="utf-8")
    for name, toml in (("thresholds", '[thresholds]\n"CD.X.L2.1" = "high"\n'), ("setting", "colour = 'red'\n")):
        build_history(root / name)
        (root / name / "devmaturity.toml").write_text(toml, encoding="utf-8")
    return {
        "usage": (64, [["assess", "r", "--window", "lots"]]),
        "usage (flag)": (64, [["assess", "r", "--no-such-flag"]]),
        "usage (part)": (64, [["assess", "r", "--part", "xyz"]]),
        "unknown-framework": (64, [["assess", "r", "--framework", "cmmi"]]),
        "input": (66, [["assess", "nowhere"]]),
        "not-a-repository": (66, [["assess", "plain"]]),
        "empty-repository": (66, [["assess", "empty"]]),
        "unreadable-path": (77, [["assess", "loop"]]),
        "project-identity": (66, _project_identity(root)),
        "model-file": (65, [["assess", "r", "--framework", _bad_model(root)]]),
        "answers-file": (65, [["assess", "r", "--answers", "answers.yaml"]]),
        "config": (65, [["assess", "conf/r"]]),
        "config (thresholds)": (65, [["assess", "thresholds"]]),
        "config (unknown setting)": (65, [["assess", "setting"]]),
        "data": (65, [["ingest", "--kind", "junit", "--project", "r", "bad.xml"]]),
        "store": (74, [["assess", "r", "--db", "postgresql+psycopg://postgres:secret-pw@127.0.0.1:1/none"]]),
        "gate-failed": (2, [["gate", "r", "--min-level", "5", "--part", "cd"]]),
    }


def test_every_cli_error_is_one_zh_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEVMATURITY_LANG", raising=False)
    for name, (code, commands) in _cases(tmp_path).items():
        for args in commands[:-1]:
            assert run(args) == 0, name
        capsys.readouterr()
        assert run([*commands[-1], "--lang", "zh"]) == code, name
        err = capsys.readouterr().err
        slug = name.split(" ")[0]
        lines = [line for line in err.splitlines() if line.startswith("错误[")]
        assert len(lines) == 1 and lines[0].startswith(f"错误[{slug}]："), (name, err)
        assert english_left(lines[0]) == [], (name, lines[0])
        assert "secret-pw" not in err


def test_every_slug_in_the_tree_has_a_zh_line() -> None:
    """Every error class, raised with only an English message (as the REST collectors and the web layer do), prints
    a zh line: its slug's headline, the path, and where the English details are."""
    classes = [errors.DevmaturityError]
    for cls in classes:
        classes.extend(cls.__subclasses__())
    slugs = {cls.slug for cls in classes}
    documented = set(re.findall(r"^- `([a-z-]+)`", Path("docs/errors.md").read_text(encoding="utf-8"), re.M))
    assert documented <= slugs | {"io"}
    for cls in classes:
        if cls is errors.ModelFileError:
            line = cls("cd.yaml", "part.id", 3, "a string is required").one_line("zh")
        else:
            line = cls("the server said no to the request", path="/srv/x.json").one_line("zh")
        assert line.startswith(f"错误[{cls.slug}]：") and english_left(line) == [], line
    assert errors.GitError("git log failed", path="/r").one_line("zh") == (
        "错误[git]：git 命令失败，或输出无法解析：/r（详情请用 --lang en 查看）"
    )


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (PermissionError(13, "Permission denied", "/x/y"), "错误[unreadable-path]：/x/y：没有权限"),
        (OSError(28, "No space left on device", "/x/y"), "错误[io]：/x/y：输入输出错误（errno 28）"),
        (KeyboardInterrupt(), "已中断"),  # click turns Ctrl-C inside a command into Abort
    ],
)
def test_os_errors_and_interrupts_in_zh(
    raised: BaseException, expected: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVMATURITY_LANG", "zh")  # the language comes from the environment when no --lang is given

    @click.command()
    def boom() -> None:
        raise raised

    run([], entry=boom)
    assert capsys.readouterr().err.strip() == expected


WINDOW = Window.last(90, now=datetime(2024, 3, 1, tzinfo=UTC))
TEXT = Text.same("a criterion")


def test_metric_advice_names_the_metric_and_the_target_with_its_unit() -> None:
    """unit_test_line_coverage is a ratio: 0.42 shows as 42.0%, the bar 0.6 as ≥ 60.0%; the id only in brackets."""
    criterion = Criterion(
        id="X.L3.1", kind=CriterionKind.METRIC, text=TEXT, metric="unit_test_line_coverage", op=Op.GE, value=0.6
    )
    value = MetricValue(metric="unit_test_line_coverage", value=0.42, unit="ratio", window=WINDOW, sample_size=3)
    evidence = Evidence(metrics={("unit_test_line_coverage", 90): value})
    verdict = judge(criterion, evidence, 90)
    advice = how_to_decide(criterion, verdict, evidence)
    assert advice.zh == "把单元测试行覆盖率（unit_test_line_coverage）提高到 ≥ 60.0%（当前 42.0%）"
    assert advice.en.startswith("Raise ") and "(unit_test_line_coverage) to ≥ 60.0% (now 42.0%)" in advice.en


def test_fact_advice_is_what_to_do_in_words() -> None:
    criterion = Criterion(id="X.L2.1", kind=CriterionKind.FACT, text=TEXT, fact="pipeline.shared_library")
    evidence = Evidence(facts={"pipeline.shared_library": Fact(id="pipeline.shared_library", value=False)})
    advice = how_to_decide(criterion, judge(criterion, evidence, 90), evidence)
    assert advice.zh.startswith("把流水线的公共步骤抽成共享库") and advice.zh.endswith(
        "（pipeline.shared_library）；或在答卷中回答 X.L2.1"
    )
    assert advice.en.startswith("Move the common pipeline steps into a shared library")


def test_every_fact_has_advice_in_both_languages_without_its_id() -> None:
    for spec in FACTS:
        assert spec.advice.zh and spec.advice.en, spec.id
        assert spec.id not in spec.advice.zh and spec.id not in spec.advice.en, spec.id
        assert english_left(spec.advice.zh) == [], (spec.id, spec.advice.zh)


@pytest.mark.parametrize(
    ("reason", "zh"),
    [
        ("no deployments collected", "未收集到部署记录"),
        (
            "only long-lived branches (2 merge(s)) were merged into trunk in the window",
            "窗口内合并回主干的只有长期分支（2 次合并）",
        ),
        ("no pipeline runs evidence collected for this project", "本项目未收集到 流水线运行 类证据"),
        (
            "CodeQL: newest scan (report 3, 2026-02-28) failed; its last successful scan (report 2, 2026-02-01) is used",
            "CodeQL：最新扫描（报告 3，2026-02-28）失败；采用其最近一次成功的扫描（报告 2，2026-02-01）",
        ),
        ("no open critical findings", "没有未关闭的严重问题"),
    ],
)
def test_metric_reasons_have_a_zh_form(reason: str, zh: str) -> None:
    assert reason_text(reason) == Text(zh=zh, en=reason)


def test_every_literal_metric_reason_is_in_the_zh_table() -> None:
    """Every reason string written in metrics/*.py (the literals passed as a reason or an `empty` text) is
    translated; a new reason without a zh form fails here."""
    src = Path(__file__).parents[1] / "src" / "devmaturity" / "metrics"
    # literals that are not reasons: fact details of git.py (facts name themselves in zh) and a reason's prefix
    not_reasons = {
        "no release tags",
        "no merges into trunk in the window",
        "no successful security scan in the window: ",
        "the first and last value in the window",  # a catalogue description (model/metric_catalogue.py), bilingual there
    }
    found = set()
    for path in src.glob("*.py"):
        if path.name == "values.py":
            continue
        found |= set(re.findall(r'"((?:no|the|only|manual) [^"{}]+)"', path.read_text(encoding="utf-8")))
    assert len(found) > 30
    untranslated = sorted(r for r in found - not_reasons if reason_text(r).zh == r)
    assert untranslated == []


def test_a_schema_1_report_with_english_reasons_still_renders() -> None:
    """Reports written before reasons were bilingual (devmaturity.report/1) give reasons as strings; the renderers
    show them as written instead of failing."""
    import json

    from devmaturity.reports.markdown import render_markdown

    report = json.loads((Path(__file__).parent / "data" / "gold" / "tiny-report.json").read_text(encoding="utf-8"))
    report["schema"] = "devmaturity.report/1"
    for part in report["parts"]:
        for sub in part["subdomains"]:
            for item in sub["items"]:
                for level in item["levels"]:
                    for crit in level["criteria"]:
                        crit["reason"] = "old reason " + crit["id"]
    assert "old reason T.A.ONE.L2.1" in render_markdown(report, "zh")
