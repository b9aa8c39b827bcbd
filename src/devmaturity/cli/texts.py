"""The lines the commands print, in zh and en, and the `--lang` option that picks one (default: the config's lang)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from devmaturity.config import Config, load_config
from devmaturity.model.text import Lang

LANG = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Output language (default: lang in devmaturity.toml or DEVMATURITY_LANG, else en).",
)

# key -> (zh, en); values in braces are filled in as given (paths, ids, numbers).
LINES: dict[str, tuple[str, str]] = {
    "store": ("存储：{store}", "store: {store}"),
    "sync_done": (
        "{source}：{how}同步，{pages} 页，{records} 条记录",
        "{source}: {how} sync, {pages} page(s), {records} record(s)",
    ),
    "sync_full": ("全量", "full"),
    "sync_incremental": ("增量", "incremental"),
    "sync_warning": ("警告：{source}：{message}", "warning: {source}: {message}"),
    "no_sources": (
        "没有配置数据源：请在 {file} 中添加 [[devmaturity.sources]]",
        "no sources configured: add [[devmaturity.sources]] to {file}",
    ),
    "wrote": ("已写入 {path}", "wrote {path}"),
    "stored_assessment": (
        "已存储评估 {id}（devmaturity report {id} 生成文档报告）",
        "stored assessment {id} (devmaturity report {id} renders the document)",
    ),
    "pack_wrote": (
        "已写入 {path}：{files} 个文件，签名密钥指纹 {fingerprint}",
        "wrote {path}: {files} files, signed by {fingerprint}",
    ),
    "pack_ok": (
        "证据包完好：{files} 个文件的 SHA-256 与清单一致，清单签名有效，签名者 {fingerprint}（核对依据：{by}）；"
        "评估 #{assessment}，项目 {project}",
        "pack intact: {files} files match the manifest's sha256, the manifest's signature holds, signer "
        "{fingerprint} (checked against the {by}); assessment #{assessment}, project {project}",
    ),
    "by_fingerprint": ("给出的指纹", "fingerprint given"),
    "by_service_key": ("本服务的密钥", "service key"),
    "format_missing": (
        "格式 {format} 需要 Python 包 {package}：pip install 'devmaturity[pdf]'",
        "the {format} format needs the Python package {package}: pip install 'devmaturity[pdf]'",
    ),
    "problem": ("问题：{source}：{message}", "problem: {source}: {message}"),
    "warning": ("警告：{path}：{message}", "warning: {path}: {message}"),
    "note": ("注意：{text}", "note: {text}"),
    "progress_start": ("正在收集 git 历史", "collecting git history"),
    "progress_commits": ("正在读取 git 历史：{count:,} 个提交", "reading git history: {count:,} commits"),
    "progress_attribute": ("正在把提交归属到部署：{count:,}", "attributing commits to deployments: {count:,}"),
    "progress_other": ("正在读取 {stage}", "reading {stage}"),
    "collected": (
        "已收集 {new:,} 个新提交（共存储 {total:,} 个）、{facts} 个事实、{reports} 个新报告文件；主干",
        "collected {new:,} new commits ({total:,} stored), {facts} facts, {reports} new report file(s); trunk",
    ),
    "no_trunk": ("（无）", "(none)"),
    "gate_line": ("{part}：级别 {level}（门槛 {bar}）{verdict}", "{part}: level {level} (bar {bar}) {verdict}"),
    "gate_ok": ("达标", "ok"),
    "gate_below": ("未达标", "BELOW"),
    "gate_failed": ("门禁未通过：{listed} 低于级别 {bar}", "gate failed: {listed} below level {bar}"),
    "no_part": ("没有选中任何能力域", "no part selected"),
    "metric": ("度量", "metric"),
    "before": ("之前 {window}", "before {window}"),
    "after": ("之后 {window}", "after {window}"),
    "change": ("变化", "change"),
    "better": ("改善", "better"),
    "worse": ("变差", "worse"),
    "unknown": ("未知", "unknown"),
    "nothing_known": ("两个窗口中都没有已知的度量", "no metric is known in both windows"),
    "window": ("窗口", "window"),
    "no_delivery": (
        "本项目尚未收集到部署或流水线运行记录：请用 `devmaturity ingest --kind deployments` 或 `devmaturity sync` "
        "添加（见 docs/deployments.md）",
        "no deployments or pipeline runs collected for this project yet: add them with "
        "`devmaturity ingest --kind deployments` or `devmaturity sync` (docs/deployments.md)",
    ),
    "preview_heads": (
        "创建时间|来源|编号|环境|状态|提交|计入|原因",
        "created|source|id|environment|status|commit|counted|why",
    ),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "counted": (
        "{window} 内的 {total} 次部署中，有 {counted} 次计为生产部署",
        "these {counted} of {total} deployments in {window} count as production deployments",
    ),
    "incident_heads": (
        "开始时间|故障|服务|严重级别|关联的部署|原因",
        "started|incident|service|severity|linked deployment|why",
    ),
    "linked": (
        "{window} 内的 {total} 个故障中，有 {linked} 个关联到生产变更，该变更因此记为失败变更"
        "（incident_link = {rule}）",
        "{linked} of {total} incidents in {window} are linked to a production change, which makes it a failed change "
        "(incident_link = {rule})",
    ),
    "ingested": ("已导入 {path}：{summary}", "ingested {path}: {summary}"),
    "already": ("已导入过（内容相同）：{path}", "already ingested (same content): {path}"),
    "ingest_total": (
        "导入 {ingested} 个，已存在 {already} 个，拒绝 {rejected} 个",
        "{ingested} ingested, {already} already present, {rejected} rejected",
    ),
    "ingest_failed": (
        "{problems} 个问题，{files} 个文件中有 {rejected} 个被拒绝；其余文件均已导入",
        "{problems} problem(s), {rejected} of {files} file(s) rejected; everything else was ingested",
    ),
    "wrote_answers": (
        "已写入 {path}：从 {source} 读到 {count} 个回答",
        "wrote {path}: {count} answer(s) from {source}",
    ),
}


# zh names of the counts `ingest` prints per file (keys of the store's summaries)
SUMMARY_ZH: dict[str, str] = {
    "tests": "用例",
    "passed": "通过",
    "failed": "失败",
    "error": "错误",
    "skipped": "跳过",
    "flaky": "不稳定",
    "retried": "重试过",
    "attempts": "执行次数",
    "suites": "套件",
    "lines_covered": "已覆盖行",
    "lines_valid": "可执行行",
    "branches_covered": "已覆盖分支",
    "branches_valid": "分支",
    "files": "文件",
    "note": "提示",
    "low": "低危",
    "medium": "中危",
    "high": "高危",
    "critical": "严重",
    "suppressed": "已抑制",
    "quality": "质量问题",
    "runs": "扫描运行",
    "ok": "成功",
    "no_results": "无结果",
    "records": "记录",
    "bad_rows": "坏行",
}


def counts(summary: dict[str, Any], lang: str) -> str:
    """A file's summary as "tests 11, passed 6" (en) or "用例 11，通过 6" (zh); lists (tool names) left out."""

    def name(key: str) -> str:
        return SUMMARY_ZH.get(key, key) if lang == "zh" else key

    def shown(value: Any) -> str:
        if isinstance(value, dict):
            inner = ("、" if lang == "zh" else ", ").join(f"{name(k)} {v}" for k, v in value.items())
            return f"（{inner}）" if lang == "zh" else f"({inner})"
        return str(value)

    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{name(k)} {shown(v)}" for k, v in summary.items() if not isinstance(v, list))


def say(key: str, lang: str, **values: Any) -> str:
    zh, en = LINES[key]
    return (zh if lang == "zh" else en).format(**values)


def pick(config: Config) -> Lang:
    return "zh" if config.lang == "zh" else "en"


def lang_of(flag: str | None, project_dir: Path | None = None) -> Lang:
    """`--lang` when given, else the lang of the config (devmaturity.toml in `project_dir`, DEVMATURITY_LANG)."""
    if flag is not None:
        return "zh" if flag == "zh" else "en"
    return pick(load_config(project_dir=project_dir))
