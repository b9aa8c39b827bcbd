"""The catalogue of metric ids, units and meanings that model files may name (docs/metrics.md explains each)."""

from __future__ import annotations

from devmaturity.model.metric import Better, EvidenceKind, MetricSpec
from devmaturity.model.text import Text

_H = Better.HIGHER
_L = Better.LOWER
_K = EvidenceKind


def _m(mid: str, unit: str, better: Better, kind: EvidenceKind, zh: str, en: str, dzh: str, den: str) -> MetricSpec:
    return MetricSpec(
        id=mid, unit=unit, better=better, evidence=kind, name=Text(zh=zh, en=en), description=Text(zh=dzh, en=den)
    )


METRICS: tuple[MetricSpec, ...] = (
    # --- from git history (collectors/git.py) ---
    _m("commit_frequency", "commits/day", _H, _K.COMMITS, "提交频率", "Commit frequency",
       "窗口内非合并提交数 ÷ 窗口天数", "Non-merge commits in the window divided by the window's days"),
    _m("integration_frequency", "integrations/developer/workday", _H, _K.COMMITS, "集成频率", "Integration frequency",
       "每位活跃开发者每个工作日向主干集成的次数（取各开发者的中位数）",
       "Integrations into trunk per active developer per working day (median over developers)"),
    _m("branch_lifetime", "days", _L, _K.COMMITS, "分支生命周期", "Branch lifetime",
       "合并入主干的分支从第一次提交到合并的时长中位数",
       "Median time from a merged branch's first commit to its merge into trunk"),
    _m("release_frequency", "releases/week", _H, _K.REFS, "发布频率", "Release frequency",
       "窗口内发布标签数 ÷ 窗口周数", "Release tags in the window divided by the window's weeks"),
    _m("reviewed_change_share", "ratio", _H, _K.COMMITS, "经评审合并的变更占比", "Share of changes merged through review",
       "主干上经合并请求（合并提交、squash 合并或评审标记）进入的变更占比",
       "Share of trunk changes that arrived through a merge/pull request (merge commit, squash merge or review trailer)"),
    _m("active_developers", "developers", _H, _K.COMMITS, "活跃开发者数", "Active developers",
       "窗口内有提交的不同作者数", "Distinct commit authors in the window"),
    # --- from test and coverage reports ---
    _m("unit_test_line_coverage", "ratio", _H, _K.COVERAGE, "单元测试行覆盖率", "Unit-test line coverage",
       "被覆盖行数 ÷ 可执行行数", "Covered lines divided by executable lines"),
    _m("unit_test_branch_coverage", "ratio", _H, _K.COVERAGE, "单元测试分支覆盖率", "Unit-test branch coverage",
       "被覆盖分支数 ÷ 分支总数", "Covered branches divided by all branches"),
    _m("automated_test_count", "tests", _H, _K.TEST_REPORTS, "自动化测试用例数", "Automated test cases",
       "测试报告中的自动化用例数", "Automated test cases found in test reports"),
    _m("unit_test_count", "tests", _H, _K.TEST_REPORTS, "单元测试用例数", "Unit test cases",
       "分类为单元测试的用例数", "Test cases classified as unit tests"),
    _m("interface_test_count", "tests", _H, _K.TEST_REPORTS, "接口/集成测试用例数", "Interface/integration test cases",
       "分类为接口或集成测试的用例数", "Test cases classified as interface or integration tests"),
    _m("ui_test_count", "tests", _H, _K.TEST_REPORTS, "UI 自动化用例数", "UI automation test cases",
       "分类为 UI/端到端测试的用例数", "Test cases classified as UI or end-to-end tests"),
    _m("automated_test_ratio", "ratio", _H, _K.TEST_REPORTS, "自动化测试率", "Automated-test ratio",
       "自动化用例数 ÷ 全部用例数（手工用例数来自配置或评估答复）",
       "Automated cases divided by all cases (manual case count from config or assessor answers)"),
    _m("test_pass_rate", "ratio", _H, _K.TEST_REPORTS, "测试通过率", "Test pass rate",
       "通过用例数 ÷ 执行用例数（不含跳过）", "Passed cases divided by executed cases (skipped excluded)"),
    _m("automation_success_rate", "ratio", _H, _K.TEST_REPORTS, "自动化执行成功率", "Automation success rate",
       "窗口内全部通过的自动化测试运行 ÷ 全部运行", "Automated test runs that were fully green divided by all runs"),
    _m("flaky_test_rate", "ratio", _L, _K.TEST_REPORTS, "不稳定用例比例", "Flaky-test rate",
       "同一版本中既失败又通过的用例占比", "Share of cases that both failed and passed on the same revision"),
    _m("ui_automation_success_rate", "ratio", _H, _K.TEST_REPORTS, "UI 自动化成功率", "UI automation success rate",
       "全部通过的 UI 自动化运行 ÷ 全部 UI 自动化运行", "UI automation runs fully green divided by all UI runs"),
    # --- from security scans ---
    _m("open_critical_findings", "findings", _L, _K.SECURITY_FINDINGS, "未关闭的严重安全问题",
       "Open critical security findings", "最近一次扫描中未抑制的严重级安全问题数",
       "Unsuppressed critical findings in the latest scans"),
    _m("open_high_findings", "findings", _L, _K.SECURITY_FINDINGS, "未关闭的高危安全问题",
       "Open high security findings", "最近一次扫描中未抑制的高危安全问题数",
       "Unsuppressed high-severity findings in the latest scans"),
    _m("security_scan_run_share", "ratio", _H, _K.PIPELINE_RUNS, "包含安全扫描的流水线占比",
       "Share of pipeline runs with a security scan", "含安全扫描的流水线运行 ÷ 全部运行",
       "Pipeline runs that included a security scan divided by all runs"),
    _m("critical_finding_age", "days", _L, _K.SECURITY_FINDINGS, "严重安全问题平均存续天数",
       "Mean age of open critical findings", "未关闭严重问题从首次发现至今的平均天数",
       "Mean days since first detection of the open critical findings"),
    # --- from CI/CD, deployments, incidents, work items ---
    _m("deployment_frequency", "deployments/day", _H, _K.DEPLOYMENTS, "部署频率", "Deployment frequency",
       "窗口内成功的生产部署次数 ÷ 窗口天数", "Successful production deployments per day in the window"),
    _m("lead_time_for_changes", "hours", _L, _K.DEPLOYMENTS, "变更前置时间", "Lead time for changes",
       "提交到该提交成功部署到生产的时长中位数", "Median time from commit to its successful production deployment"),
    _m("change_failure_rate", "ratio", _L, _K.DEPLOYMENTS, "变更失败率", "Change failure rate",
       "需要立即干预（回滚、热修复、事件）的部署 ÷ 全部生产部署",
       "Deployments needing immediate intervention divided by all production deployments"),
    _m("failed_deployment_recovery_time", "hours", _L, _K.DEPLOYMENTS, "失败部署恢复时间",
       "Failed deployment recovery time", "失败部署到恢复的时长中位数",
       "Median time from a failed deployment to its recovery"),
    _m("deployment_rework_rate", "ratio", _L, _K.DEPLOYMENTS, "部署返工率", "Deployment rework rate",
       "因生产事件而进行的计划外部署 ÷ 全部部署",
       "Unplanned deployments made because of a production incident divided by all deployments"),
    _m("release_frequency_deployments", "releases/week", _H, _K.DEPLOYMENTS, "版本发布频率（按发布记录）",
       "Release frequency (from releases)", "每周发布到生产的版本数", "Production releases per week"),
    _m("requirement_delivery_cycle", "days", _L, _K.WORK_ITEMS, "需求交付周期", "Requirement delivery cycle",
       "需求创建到发布的天数中位数", "Median days from a requirement's creation to its release"),
    _m("pipeline_duration_p50", "minutes", _L, _K.PIPELINE_RUNS, "流水线时长（中位数）", "Pipeline duration (p50)",
       "流水线运行时长的中位数", "Median pipeline run duration"),
    _m("pipeline_duration_p90", "minutes", _L, _K.PIPELINE_RUNS, "流水线时长（P90）", "Pipeline duration (p90)",
       "流水线运行时长的第 90 百分位", "90th percentile of pipeline run duration"),
    _m("build_success_rate", "ratio", _H, _K.PIPELINE_RUNS, "构建成功率", "Build success rate",
       "成功的构建 ÷ 全部构建", "Successful builds divided by all builds"),
    _m("integration_feedback_cycle", "minutes", _L, _K.PIPELINE_RUNS, "集成反馈周期", "Integration feedback cycle",
       "失败构建到同一分支下一次成功构建的时长中位数",
       "Median time from a failed build to the next green build of the same branch"),
    _m("deployment_success_rate", "ratio", _H, _K.DEPLOYMENTS, "部署成功率", "Deployment success rate",
       "成功部署 ÷ 全部部署", "Successful deployments divided by all deployments"),
    _m("production_defect_escape_rate", "ratio", _L, _K.WORK_ITEMS, "生产缺陷逃逸率", "Production defect escape rate",
       "生产缺陷数 ÷ 全部缺陷数", "Production defects divided by all defects"),
    _m("mttr", "hours", _L, _K.INCIDENTS, "平均修复时间", "Mean time to restore",
       "事件从开始到恢复的平均时长", "Mean time from an incident's start to its resolution"),
    _m("availability", "ratio", _H, _K.INCIDENTS, "可用性", "Availability",
       "1 − 事件中断时长 ÷ 窗口时长", "1 minus incident downtime divided by the window's length"),
    _m("incident_auto_recovery_share", "ratio", _H, _K.INCIDENTS, "事件自动恢复比例",
       "Share of incidents recovered automatically", "自动恢复的事件 ÷ 全部事件",
       "Incidents recovered automatically divided by all incidents"),
    _m("change_first_time_failure_rate", "ratio", _L, _K.DEPLOYMENTS, "首次变更失败率", "First-time change failure rate",
       "首次执行即失败的生产变更 ÷ 全部生产变更", "Production changes that failed at first attempt divided by all"),
)

METRIC_IDS: frozenset[str] = frozenset(spec.id for spec in METRICS)


def metric_spec(metric_id: str) -> MetricSpec:
    for spec in METRICS:
        if spec.id == metric_id:
            return spec
    raise KeyError(metric_id)
