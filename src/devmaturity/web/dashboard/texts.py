"""Every text of the dashboard's pages, in zh and en: one catalogue, looked up by key from templates and views."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from devmaturity.model.text import LANGS, Lang, Text

LANG_COOKIE = "devmaturity_lang"

_T = Text

TEXTS: Mapping[str, Text] = MappingProxyType(
    {
        # frame
        "app": _T(zh="DevOps 能力成熟度", en="DevOps maturity"),
        "skip": _T(zh="跳到正文", en="Skip to content"),
        "nav": _T(zh="主导航", en="Main navigation"),
        "nav.portfolio": _T(zh="项目组合", en="Portfolio"),
        "nav.compare": _T(zh="对比", en="Compare"),
        "nav.admin": _T(zh="管理", en="Administration"),
        "nav.sign_out": _T(zh="退出登录", en="Sign out"),
        "lang.switch": _T(zh="语言", en="Language"),
        "signed_in_as": _T(zh="当前用户", en="Signed in as"),
        "footer": _T(
            zh="依据《研发运营一体化（DevOps）能力成熟度模型》（YD/T 3763）与 DORA 指标评估。",
            en="Assessed against the CAICT DevOps Capability Maturity Model (YD/T 3763) and the DORA keys.",
        ),
        "none": _T(zh="无", en="none"),
        "unknown": _T(zh="未知", en="unknown"),
        "no_data": _T(zh="无数据", en="no data"),
        "save": _T(zh="保存", en="Save"),
        "apply": _T(zh="应用", en="Apply"),
        "reset": _T(zh="重置", en="Reset"),
        "all": _T(zh="全部", en="all"),
        "back": _T(zh="返回", en="Back"),
        "level": _T(zh="级别", en="Level"),
        "level_n": _T(zh="{n} 级", en="level {n}"),
        "chart.table": _T(zh="图表数据（表格）", en="Chart data as a table"),
        # sign-in
        "sign_in.title": _T(zh="登录", en="Sign in"),
        "sign_in.name": _T(zh="用户名", en="User name"),
        "sign_in.password": _T(zh="密码", en="Password"),
        "sign_in.submit": _T(zh="登录", en="Sign in"),
        "sign_in.failed": _T(
            zh="用户名或密码错误，或登录已被暂时锁定。",
            en="Wrong user name or password, or sign-in locked for a while.",
        ),
        "sign_in.intro": _T(
            zh="登录后查看你所在组织的项目评估。", en="Sign in to see the assessments of your organisations' projects."
        ),
        # portfolio
        "portfolio.title": _T(zh="项目组合", en="Portfolio"),
        "portfolio.intro": _T(
            zh="各项目的能力域级别、DORA 分组，以及与上一期相比的变化。",
            en="Every project's part levels, its DORA cluster and the movement since the previous period.",
        ),
        "portfolio.filter": _T(zh="筛选", en="Filter"),
        "portfolio.org": _T(zh="组织", en="Organisation"),
        "portfolio.team": _T(zh="团队", en="Team"),
        "portfolio.min_level": _T(zh="最低级别", en="Lowest level"),
        "portfolio.project": _T(zh="项目", en="Project"),
        "portfolio.dora": _T(zh="DORA 分组", en="DORA cluster"),
        "portfolio.movement": _T(zh="变化", en="Movement"),
        "portfolio.assessed": _T(zh="评估时间", en="Assessed"),
        "portfolio.empty": _T(zh="没有符合条件的项目。", en="No project matches."),
        "portfolio.not_assessed": _T(zh="尚未评估", en="not assessed yet"),
        "portfolio.heatmap": _T(zh="各项目能力子域级别热力图", en="Subdomain levels across projects (heatmap)"),
        "portfolio.summary": _T(zh="项目组合变化", en="Portfolio movement"),
        "portfolio.up": _T(zh="提升", en="up"),
        "portfolio.down": _T(zh="下降", en="down"),
        "portfolio.same": _T(zh="持平", en="unchanged"),
        "portfolio.first": _T(zh="首次评估", en="first assessment"),
        "portfolio.moved": _T(
            zh="与上一期相比：{up} 个能力域提升，{down} 个下降，{same} 个持平。",
            en="Since the previous period: {up} part levels up, {down} down, {same} unchanged.",
        ),
        "sort.by": _T(zh="按此列排序", en="Sort by this column"),
        "page.next": _T(zh="下一页", en="Next page"),
        "page.prev": _T(zh="上一页", en="Previous page"),
        "page.count": _T(zh="共 {n} 个项目", en="{n} projects"),
        # DORA clusters
        "dora.elite": _T(zh="精英", en="elite"),
        "dora.high": _T(zh="高", en="high"),
        "dora.medium": _T(zh="中", en="medium"),
        "dora.low": _T(zh="低", en="low"),
        "dora.unknown": _T(zh="未知", en="unknown"),
        # project
        "project.title": _T(zh="项目", en="Project"),
        "project.radar_parts": _T(zh="各能力域级别", en="Part levels"),
        "project.radar_subdomains": _T(zh="各能力子域级别", en="Subdomain levels"),
        "project.trends": _T(
            zh="关键指标趋势（虚线为下一级阈值）", en="Key metrics (dashed: the next level's threshold)"
        ),
        "project.threshold": _T(zh="{n} 级阈值", en="level {n} threshold"),
        "project.levels": _T(zh="级别表", en="Level table"),
        "project.gaps": _T(zh="到下一级的待办（按优先级）", en="To do for the next level (by priority)"),
        "project.no_gaps": _T(zh="没有差距：已达到最高级别。", en="No gap: the top level is reached."),
        "project.no_assessment": _T(
            zh="该项目还没有已存储的评估。请先运行一次评估。",
            en="This project has no stored assessment yet. Run an assessment first.",
        ),
        "project.period": _T(zh="评估期", en="Period"),
        "project.framework": _T(zh="模型", en="Framework"),
        "project.workbench": _T(zh="评估工作台", en="Assessor's workbench"),
        "project.download_pdf": _T(zh="下载 PDF 报告", en="Download the PDF report"),
        "project.download_html": _T(zh="下载 HTML 报告", en="Download the HTML report"),
        "report.preparing": _T(zh="报告生成中", en="The report is being prepared"),
        "report.preparing_body": _T(
            zh="报告正在后台生成（PDF 可能需要一分钟）。生成后会自动开始下载；请保持本页打开。",
            en="The report is being rendered in the background (a PDF can take a minute). The download starts by "
            "itself when it is ready; keep this page open.",
        ),
        "report.state": _T(zh="状态", en="Status"),
        "report.state.queued": _T(zh="排队中", en="queued"),
        "report.state.running": _T(zh="生成中", en="rendering"),
        "report.state.ready": _T(zh="已生成，开始下载。", en="ready: the download starts."),
        "report.state.failed": _T(
            zh="生成失败。请稍后重试，或请管理员查看运行记录。",
            en="rendering failed. Try again later, or ask an administrator to look at the run history.",
        ),
        "report.download_now": _T(zh="下载报告", en="Download the report"),
        "project.evidence_pack": _T(zh="导出证据包", en="Export the evidence pack"),
        "project.compare": _T(zh="与其他项目或期次对比", en="Compare with another project or period"),
        "project.part": _T(zh="能力域", en="Part"),
        "project.subdomain": _T(zh="能力子域", en="Subdomain"),
        "project.item": _T(zh="能力项", en="Item"),
        "project.mark": _T(zh="评分", en="Mark"),
        "project.counts": _T(zh="满足 / 不满足 / 未知", en="met / not met / unknown"),
        "project.frozen": _T(zh="已冻结", en="frozen"),
        "project.open": _T(zh="进行中", en="open"),
        "project.no_series": _T(zh="该指标暂无数据", en="no data for this metric yet"),
        "project.team": _T(zh="团队", en="Team"),
        # item drill-down
        "item.criteria": _T(zh="评估项", en="Criteria"),
        "item.criterion": _T(zh="评估项", en="Criterion"),
        "item.status": _T(zh="状态", en="Status"),
        "item.reason": _T(zh="理由", en="Reason"),
        "item.evidence": _T(zh="证据", en="Evidence"),
        "item.decided_by": _T(zh="判定依据", en="Decided by"),
        "item.observed": _T(zh="观测值", en="Observed"),
        "item.no_evidence": _T(zh="无证据", en="no evidence"),
        "item.gap": _T(zh="到下一级的差距", en="Gap to the next level"),
        "item.how": _T(zh="如何判定或改进", en="How to decide or improve"),
        "status.met": _T(zh="满足", en="met"),
        "status.not_met": _T(zh="不满足", en="not met"),
        "status.unknown": _T(zh="未知", en="unknown"),
        "status.empty": _T(zh="标准未规定", en="empty in the standard"),
        "status.not_applicable": _T(zh="不适用", en="not applicable"),
        "decided.metric": _T(zh="度量", en="metric"),
        "decided.fact": _T(zh="事实", en="fact"),
        "decided.assessor": _T(zh="评估师", en="assessor"),
        "decided.nothing": _T(zh="无", en="nothing"),
        "evidence.file": _T(zh="文件", en="file"),
        "evidence.build": _T(zh="构建", en="build"),
        "evidence.commit": _T(zh="提交", en="commit"),
        "evidence.record": _T(zh="记录", en="record"),
        "evidence.link": _T(zh="链接", en="link"),
        "evidence.upload": _T(zh="上传的文件", en="uploaded file"),
        # workbench
        "bench.title": _T(zh="评估工作台", en="Assessor's workbench"),
        "bench.intro": _T(
            zh="回答工具无法判定的问题，附上证据链接或文件；审核后冻结本期评估。",
            en="Answer what no tool can decide, with evidence links or files; review, then freeze this period.",
        ),
        "bench.question": _T(zh="问题", en="Question"),
        "bench.answer": _T(zh="回答", en="Answer"),
        "bench.edit": _T(zh="修改回答", en="Change the answer"),
        "bench.yes": _T(zh="满足", en="met"),
        "bench.no": _T(zh="不满足", en="not met"),
        "bench.na": _T(zh="不适用", en="not applicable"),
        "bench.unanswered": _T(zh="未回答", en="not answered"),
        "bench.note": _T(zh="说明", en="Note"),
        "bench.links": _T(zh="证据链接（每行一个）", en="Evidence links (one per line)"),
        "bench.file": _T(zh="证据文件", en="Evidence file"),
        "bench.submit": _T(zh="保存回答", en="Save the answer"),
        "bench.review": _T(zh="标记为已审核", en="Mark reviewed"),
        "bench.reviewed": _T(zh="已审核：{by}，{at}", en="Reviewed by {by} on {at}"),
        "bench.answered": _T(zh="{by} 于 {at} 回答", en="Answered by {by} on {at}"),
        "bench.not_reviewed": _T(zh="未审核", en="not reviewed"),
        "bench.freeze": _T(zh="冻结本期评估", en="Freeze this assessment"),
        "bench.freeze_confirm": _T(
            zh="冻结后，本期的回答和证据将不能再修改。新的评估期会开始新的评估。",
            en="Once frozen, this period's answers and evidence cannot be edited. A new period starts a new one.",
        ),
        "bench.frozen": _T(
            zh="本期评估已于 {at} 由 {by} 冻结：回答和证据不能再修改。",
            en="This assessment was frozen on {at} by {by}: its answers and evidence can no longer be edited.",
        ),
        "bench.saved": _T(zh="回答已保存。", en="The answer was saved."),
        "bench.reviewed_ok": _T(zh="已标记为审核。", en="Marked reviewed."),
        "bench.frozen_ok": _T(zh="评估已冻结。", en="The assessment is frozen."),
        "bench.refused": _T(zh="操作被拒绝", en="Refused"),
        "bench.filter_part": _T(zh="能力域", en="Part"),
        "bench.levels": _T(zh="显示的级别", en="Levels shown"),
        "bench.levels_next": _T(zh="到下一级为止", en="up to each item's next level"),
        "bench.levels_all": _T(zh="全部级别", en="every level"),
        "bench.files": _T(zh="已上传文件", en="Uploaded files"),
        "bench.empty": _T(zh="没有需要评估师回答的问题。", en="No question needs an assessor's answer."),
        "bench.read_only": _T(zh="你的角色只能查看。", en="Your role may only read."),
        # compare
        "compare.title": _T(zh="对比", en="Compare"),
        "compare.intro": _T(
            zh="并排对比两个项目或同一项目的两个评估期，并与已发布的证券行业案例数据对照。",
            en="Two projects or two periods of one project side by side, and beside the published securities cases.",
        ),
        "compare.left": _T(zh="对比基准", en="Before / left"),
        "compare.right": _T(zh="对比对象", en="After / right"),
        "compare.project": _T(zh="项目", en="Project"),
        "compare.assessment": _T(zh="评估期", en="Assessment"),
        "compare.latest": _T(zh="最新", en="latest"),
        "compare.submit": _T(zh="对比", en="Compare"),
        "compare.metric": _T(zh="指标", en="Metric"),
        "compare.change": _T(zh="变化", en="Change"),
        "compare.sentence": _T(zh="案例式总结", en="In one sentence"),
        "compare.cases": _T(zh="已发布的证券行业案例", en="Published securities cases"),
        "compare.case_firm": _T(zh="机构", en="Firm"),
        "compare.case_before": _T(zh="改进前", en="Before"),
        "compare.case_after": _T(zh="改进后", en="After"),
        "compare.yours": _T(zh="本项目", en="This project"),
        "compare.dora": _T(zh="DORA 分组阈值", en="DORA clusters"),
        "compare.levels": _T(zh="能力域级别", en="Part levels"),
        "compare.pick": _T(zh="请选择两个评估。", en="Choose two assessments."),
        "compare.source": _T(zh="来源", en="Source"),
        # admin
        "admin.title": _T(zh="管理", en="Administration"),
        "admin.orgs": _T(zh="组织", en="Organisations"),
        "admin.projects": _T(zh="项目", en="Projects"),
        "admin.sources": _T(zh="数据源", en="Sources"),
        "admin.users": _T(zh="用户与角色", en="Users and roles"),
        "admin.audit": _T(zh="审计日志", en="Audit log"),
        "admin.runs": _T(zh="运行记录", en="Run history"),
        "admin.name": _T(zh="名称", en="Name"),
        "admin.slug": _T(zh="标识", en="Slug"),
        "admin.kind": _T(zh="类型", en="Kind"),
        "admin.role": _T(zh="角色", en="Role"),
        "admin.created": _T(zh="创建时间", en="Created"),
        "admin.test": _T(zh="测试连接", en="Test connection"),
        "admin.test_ok": _T(zh="连接成功", en="Connection works"),
        "admin.test_failed": _T(zh="连接失败", en="Connection failed"),
        "admin.has_secret": _T(zh="已保存凭据", en="credential stored"),
        "admin.no_secret": _T(zh="无凭据", en="no credential"),
        "admin.at": _T(zh="时间", en="Time"),
        "admin.actor": _T(zh="操作者", en="Actor"),
        "admin.action": _T(zh="操作", en="Action"),
        "admin.target": _T(zh="对象", en="Target"),
        "admin.result": _T(zh="结果", en="Result"),
        "admin.source_addr": _T(zh="来源地址", en="Source address"),
        "admin.status": _T(zh="状态", en="Status"),
        "admin.progress": _T(zh="进度", en="Progress"),
        "admin.started": _T(zh="开始", en="Started"),
        "admin.finished": _T(zh="结束", en="Finished"),
        "admin.run_kind": _T(zh="类型", en="Kind"),
        "admin.create_user": _T(zh="新建用户", en="New user"),
        "admin.create": _T(zh="创建", en="Create"),
        "admin.set_role": _T(zh="设置角色", en="Set role"),
        "admin.empty": _T(zh="暂无记录。", en="Nothing yet."),
        "admin.live": _T(zh="进度每隔几秒自动刷新。", en="Progress refreshes every few seconds."),
        "admin.export": _T(zh="导出（JSON Lines）", en="Export (JSON Lines)"),
        "admin.project": _T(zh="项目", en="Project"),
        "admin.team": _T(zh="团队", en="Team"),
        "admin.password": _T(zh="初始密码", en="Initial password"),
        "admin.done": _T(zh="已完成。", en="Done."),
        "admin.queued": _T(zh="评估已排队，进度见下表。", en="The assessment is queued; its progress shows below."),
        "bench.assess": _T(zh="重新评估", en="Assess again"),
        "bench.assess_hint": _T(
            zh="新的回答要经过一次评估才会计入结果；冻结的是最新一次评估。",
            en="New answers count once an assessment reads them; freezing pins the newest assessment.",
        ),
        # errors
        "error.title": _T(zh="出错了", en="Something went wrong"),
        "error.401": _T(zh="请先登录。", en="Please sign in."),
        "error.403": _T(zh="你的角色不能执行此操作。", en="Your role may not do this."),
        "error.404": _T(zh="未找到该页面或对象。", en="No such page or object."),
        "error.409": _T(zh="操作与当前状态冲突。", en="This conflicts with the current state."),
        "error.422": _T(zh="输入无效。", en="The input is not valid."),
        "error.500": _T(zh="服务器内部错误；详情见服务器日志。", en="Internal error; the server log has the details."),
        "error.home": _T(zh="回到项目组合", en="Back to the portfolio"),
    }
)


def t(key: str, lang: Lang, **values: object) -> str:
    """The text of `key` in `lang`, with `{name}` fields filled in; KeyError for an unknown key (a test walks
    every template so none is missing)."""
    text = TEXTS[key].get(lang)
    return text.format(**values) if values else text


def pick_lang(cookie: str | None, accept_language: str | None) -> Lang:
    """The page language: the remembered choice (cookie), else the first of zh/en the browser prefers, else en."""
    if cookie in LANGS:
        return "zh" if cookie == "zh" else "en"
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"
