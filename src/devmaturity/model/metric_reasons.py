"""A metric's reason for being unknown (or a note on its value) in zh and en: the one table of translations."""

from __future__ import annotations

import re

from devmaturity.model.text import Text

# The zh form of every reason a metric gives for being unknown (or for a note on its value), keyed by the English
# reason as a pattern; named groups are values carried over unchanged (tool names, dates, report numbers).
_REASONS_ZH: tuple[tuple[str, str], ...] = (
    (r"metric not computed", "该度量未计算"),
    (r"no drill records collected", "未收集到演练记录"),
    (r"no defect resolved in the window", "窗口内没有已解决的缺陷"),
    (r"no estimates", "没有估算"),
    (
        r"no requirement created in the window records whether it has acceptance criteria",
        "窗口内创建的需求都没有记录是否有验收标准",
    ),
    (r"no requirement planned in an iteration ending in the window", "没有需求被计划在窗口内结束的迭代中"),
    (
        r"no pull or merge request merged in the window had its approvals read",
        "窗口内合并的拉取/合并请求都没有读到审批记录",
    ),
    (r"no requirements among the work items collected", "收集到的工作项中没有需求"),
    (r"no work item names a dated iteration ending in the window", "没有工作项指明在窗口内结束、有起止日期的迭代"),
    (r"no finished restore, failover or DR drill in the window", "窗口内没有已完成的恢复、切换或容灾演练"),
    (r"no finished rollbacks in the window", "窗口内没有已完成的回退"),
    (r"no incident resolved in the window", "窗口内没有已解决的故障"),
    (
        r"no incident resolved in the window records a post-mortem \(or none\)",
        "窗口内已解决的故障都没有记录是否复盘",
    ),
    (r"no trunk change in the window touched production code files", "窗口内主干上的变更都没有修改生产代码"),
    (r"no git history collected", "未收集到 git 历史"),
    (r"no git history to attribute commits to deployments", "没有 git 历史，无法把提交归属到部署"),
    (r"no test reports \(JUnit XML\) collected for this project", "本项目未收集到测试报告（JUnit XML）"),
    (r"no coverage reports collected for this project", "本项目未收集到覆盖率报告"),
    (r"no security scans \(SARIF\) collected for this project", "本项目未收集到安全扫描结果（SARIF）"),
    (r"no delivery data \(CI/CD, deployments, incidents, work items\)", "没有交付数据（CI/CD、部署、故障、工作项）"),
    (r"no (?P<kind>[a-z ]+) evidence collected for this project", "本项目未收集到 {kind} 类证据"),
    (r"no coverage reports in the window", "窗口内没有覆盖率报告"),
    (r"the latest coverage reports have no branch data", "最新的覆盖率报告没有分支数据"),
    (r"the latest coverage reports have no executable lines", "最新的覆盖率报告没有可执行行"),
    (r"no deployments collected", "未收集到部署记录"),
    (r"no production deployments collected", "未收集到生产部署记录"),
    (
        r"no commit shipped by a production deployment in the window after the first observed one",
        "窗口内除首次观测到的生产部署外，没有生产部署发布过提交",
    ),
    (r"no failed deployment in the window: nothing to recover", "窗口内没有失败的部署，无需恢复"),
    (r"no production deployments in the window", "窗口内没有生产部署"),
    (r"no failed production deployment recovered in the window", "窗口内没有已恢复的失败生产部署"),
    (r"no finished production deployments in the window", "窗口内没有已完成的生产部署"),
    (r"no production changes in the window", "窗口内没有生产变更"),
    (r"no incidents collected", "未收集到故障记录"),
    (r"no incident started and resolved in the window", "窗口内没有既发生又解决的故障"),
    (r"no incidents in the window", "窗口内没有故障"),
    (r"no work items collected", "未收集到工作项"),
    (r"no requirement released in the window", "窗口内没有发布的需求"),
    (r"no defects recorded in the window", "窗口内没有记录缺陷"),
    (r"no releases collected", "未收集到发布记录"),
    (r"the window is shorter than a week", "窗口不足一周"),
    (r"the window holds no working day", "窗口内没有工作日"),
    (r"no finished pipeline runs with times in the window", "窗口内没有带时间的已完成流水线运行"),
    (r"no finished pipeline runs in the window", "窗口内没有已完成的流水线运行"),
    (r"no red-to-green sequence in the window", "窗口内没有由失败转为成功的构建序列"),
    (
        r"no successful environment provisioning run \(terraform apply, 环境搭建, provision\) in the window",
        "窗口内没有成功的环境准备运行（terraform apply、环境搭建、provision）",
    ),
    (
        r"the pipeline runs were stored without their provisioning times; sync them again",
        "流水线运行记录保存时没有环境准备时长，请重新同步",
    ),
    (r"no red-to-green sequence of builds in the window", "窗口内没有由失败转为成功的构建序列"),
    (
        r"no pipeline runs \(devmaturity sync\) and no test reports collected",
        "没有流水线运行记录（devmaturity sync），也没有收集到测试报告",
    ),
    (r"no SonarQube analyses synced for this project", "本项目尚未同步 SonarQube 分析"),
    (r"no SonarQube analysis in the window", "窗口内没有 SonarQube 分析"),
    (r"no analysis in the window has a gate status", "窗口内没有带质量门禁状态的分析"),
    (r"no analysis in the window has coverage", "窗口内没有带覆盖率的分析"),
    (r"no analysis in the window has duplicated lines", "窗口内没有带重复行数据的分析"),
    (r"no analysis in the window has a technical debt ratio", "窗口内没有带技术债比率的分析"),
    (r"no analysis in the window has a vulnerability count", "窗口内没有带漏洞数的分析"),
    (r"no performance test results \(JMeter JTL\) ingested", "尚未导入性能测试结果（JMeter JTL）"),
    (r"no performance test run in the window", "窗口内没有性能测试运行"),
    (r"no commits collected", "未收集到提交"),
    (r"no trunk branch found", "未找到主干分支"),
    (r"no commits authored in the window", "窗口内没有提交"),
    (r"no branch was merged into trunk in the window", "窗口内没有分支合并回主干"),
    (
        r"only long-lived branches \((?P<n>\d+) merge\(s\)\) were merged into trunk in the window",
        "窗口内合并回主干的只有长期分支（{n} 次合并）",
    ),
    (r"no tag matches the release pattern (?P<pattern>.+)", "没有标签匹配发布标签模式 {pattern}"),
    (r"no trunk commits in the window", "窗口内没有主干提交"),
    (r"no test reports in the window", "窗口内没有测试报告"),
    (
        r"manual test case count not given \(set manual_test_cases in devmaturity.toml\)",
        "未给出手工测试用例数（在 devmaturity.toml 中设置 manual_test_cases）",
    ),
    (r"no test cases at all", "没有任何测试用例"),
    (r"no executed test cases in the window", "窗口内没有执行过的测试用例"),
    (r"no UI test runs in the window", "窗口内没有 UI 测试运行"),
    (r"no security scan \(SARIF\) in the window", "窗口内没有安全扫描（SARIF）"),
    (r"no successful security scan in the window: (?P<rest>.+)", "窗口内没有成功的安全扫描：{rest}"),
    (r"no open critical findings", "没有未关闭的严重问题"),
    (
        r"(?P<tool>[^:;]+): newest scan \(report (?P<report>\d+), (?P<date>[0-9-]+)\) (?P<said>failed|produced no "
        r"results)(?: \((?P<why>.*)\))?(?P<tail>, and no successful scan in the window)?",
        "{tool}：最新扫描（报告 {report}，{date}）{said}{why}{tail}",
    ),
    (
        r"its last successful scan \(report (?P<report>\d+), (?P<date>[0-9-]+)\) is used",
        "采用其最近一次成功的扫描（报告 {report}，{date}）",
    ),
)
_COMPILED = tuple((re.compile(pattern), zh) for pattern, zh in _REASONS_ZH)
_SAID_ZH = {"failed": "失败", "produced no results": "没有产生结果"}
_KIND_ZH = {
    "commits": "提交",
    "refs": "引用",
    "tree": "代码树",
    "test reports": "测试报告",
    "coverage": "覆盖率",
    "security findings": "安全问题",
    "pipeline runs": "流水线运行",
    "deployments": "部署",
    "incidents": "故障",
    "work items": "工作项",
    "quality analyses": "质量分析",
    "performance tests": "性能测试",
}


def _one_zh(reason: str) -> str | None:
    for pattern, zh in _COMPILED:
        found = pattern.fullmatch(reason)
        if found is None:
            continue
        values = {k: v or "" for k, v in found.groupdict().items()}
        if "said" in values:
            values["said"] = _SAID_ZH[values["said"]]
            values["why"] = f"（{values['why']}）" if values["why"] else ""
            values["tail"] = "，且窗口内没有成功的扫描" if values["tail"] else ""
        if "kind" in values:
            values["kind"] = _KIND_ZH.get(values["kind"], values["kind"])
        if "rest" in values:
            values["rest"] = reason_text(values["rest"]).zh
        if "tool" in values and values["tool"] == "a SARIF file without runs":
            values["tool"] = "没有运行记录的 SARIF 文件"
        return zh.format(**values)
    return None


def reason_text(reason: str) -> Text:
    """A metric's reason in zh and en. Notes joined by "; " are translated one by one; a reason the table does not
    know (from a plugin, say) is shown as given in both languages rather than hidden."""
    if not reason:
        return Text.same("")
    whole = _one_zh(reason)
    if whole is not None:
        return Text(zh=whole, en=reason)
    parts = [_one_zh(part) for part in reason.split("; ")]
    if all(part is not None for part in parts):
        return Text(zh="；".join(p for p in parts if p is not None), en=reason)
    return Text.same(reason)
