"""Reads CI definitions (GitHub Actions, GitLab CI, Jenkinsfile) into jobs with stages, triggers and facts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from devmaturity.model.evidence import Problem
from devmaturity.model.facts import Fact
from devmaturity.model.stages import PipelineVocabulary

MAX_CI_FILE_BYTES = 1024 * 1024

TEST_STAGES = ("unit_test", "integration_test", "ui_test")
TRIGGERS = ("commit", "pull_request", "schedule")

# What a repository cannot show, per provider: trigger -> why it may still happen (None: the file shows it all).
_JENKINS_TRIGGER = (
    "Jenkins triggers may be configured on the server (job config / webhook / multibranch indexing); "
    "not visible in the Jenkinsfile"
)
_UNSEEN_TRIGGERS: dict[str, dict[str, str]] = {
    "jenkins": {"commit": _JENKINS_TRIGGER, "pull_request": _JENKINS_TRIGGER, "schedule": _JENKINS_TRIGGER},
    "gitlab_ci": {"schedule": "GitLab schedules are set in the project's CI/CD settings, not in .gitlab-ci.yml"},
    "github_actions": {},
}
# Where a deploy's approval may live outside the repository, per provider.
_SERVER_APPROVAL = {
    "jenkins": "approvals may be configured on the Jenkins server (job config, promotions, role strategy)",
    "gitlab_ci": "GitLab protected environments can require approvals; they are set in the project settings",
    "github_actions": "GitHub environment protection rules (required reviewers) are set in the repository settings",
}
# Deploy targets named in commands: kubectl/helm namespaces and contexts, Ansible inventories and limits.
_TARGET = re.compile(r"(?:--namespace|-n|--kube-context|--context|-i|--inventory|--limit|-l)[ =]\s*['\"]?([\w./-]+)")


@dataclass(slots=True, kw_only=True)
class Job:
    """One job (or Jenkins stage) of one pipeline, and what it was found to do.

    `names` are the job's own names (job, stage, step names) and `commands` what its steps run; classification
    reads only these two, never conditions, variables or the repository's name."""

    file: str
    name: str
    line: int = 1
    names: tuple[str, ...] = ()
    commands: str = ""
    needs: tuple[str, ...] = ()
    order: int = 0
    environment: str | None = None
    env: str | None = None
    manual: bool = False
    stages: set[str] = field(default_factory=set)

    @property
    def text(self) -> str:
        return "\n".join((*self.names, self.commands))

    @property
    def ref(self) -> str:
        """`file:line#name`, the evidence entry naming this job."""
        return f"{self.file}:{self.line}#{self.name}"


@dataclass(slots=True, kw_only=True)
class Pipeline:
    file: str
    provider: str
    jobs: list[Job] = field(default_factory=list)
    triggers: set[str] = field(default_factory=set)
    trigger_lines: dict[str, int] = field(default_factory=dict)
    shared: list[str] = field(default_factory=list)
    opaque: dict[str, str] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    manual_start: bool = False
    declares_triggers: bool = False
    param_envs: set[str] = field(default_factory=set)

    @property
    def shared_library(self) -> bool:
        return bool(self.shared)

    def share(self, line: int) -> None:
        """Line `line` reuses shared templates, workflows or libraries."""
        self.shared.append(f"{self.file}:{line}")

    def trigger(self, kind: str, line: int) -> None:
        self.triggers.add(kind)
        self.trigger_lines.setdefault(kind, line)


Parser = Callable[[str, str, list[Problem], PipelineVocabulary], "Pipeline | None"]


def classify(job: Job, vocabulary: PipelineVocabulary) -> None:
    """Stages, approval and environment of `job`, from its names, commands and declared environment."""
    found = vocabulary.classify(job.names, job.commands)
    job.stages = set(found.stages)
    job.manual = job.manual or found.approval
    if job.environment and "publish" not in job.stages:
        job.stages.add("deploy")  # a job bound to an environment deploys to it, unless it only publishes
    if "deploy" in job.stages or job.environment:
        targets = " ".join(m.group(1) for m in _TARGET.finditer(job.commands))
        job.env = next(
            (env for env in map(vocabulary.environment_of, (job.environment or "", *job.names, targets)) if env),
            None,
        )


def _line(content: str, pattern: str, start: int = 0, default: int = 1) -> int:
    """1-based line of the first match of `pattern` (multiline) at or after offset `start`; `default` if none."""
    match = re.compile(pattern, re.MULTILINE).search(content, start)
    return content.count("\n", 0, match.start()) + 1 if match else default


def _strings(value: object) -> list[str]:
    """The strings of a YAML script entry: a string, or lists of strings nested (GitLab allows nesting)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _load_yaml(file: str, content: str, problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problems.append(Problem(source=file, message=f"invalid YAML{where}; pipeline ignored"))
        return None


_GITHUB_EVENTS = {
    "push": "commit",
    "merge_group": "commit",
    "pull_request": "pull_request",
    "pull_request_target": "pull_request",
    "schedule": "schedule",
}


def parse_github_workflow(
    file: str, content: str, problems: list[Problem], vocabulary: PipelineVocabulary
) -> Pipeline | None:
    doc = _load_yaml(file, content, problems)
    if not isinstance(doc, dict):
        if doc is not None:
            problems.append(Problem(source=file, message="a workflow must be a mapping; ignored"))
        return None
    pipe = Pipeline(file=file, provider="github_actions")
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads the bare key `on` as true
    events = [on] if isinstance(on, str) else list(on) if isinstance(on, list | dict) else []
    on_line = _line(content, r"^['\"]?on['\"]?\s*:")
    for event in map(str, events):
        if event in _GITHUB_EVENTS:
            pipe.trigger(_GITHUB_EVENTS[event], _line(content, rf"^\s*-?\s*{event}\s*:?\s*$", 0, on_line))
        elif event == "workflow_call":
            pipe.share(_line(content, r"^\s*-?\s*workflow_call\b", 0, on_line))
    pipe.manual_start = bool(events) and {str(e) for e in events} <= {"workflow_dispatch"}
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict):
        return pipe
    jobs_at = content.find("\njobs:")
    for order, (jid, body) in enumerate(jobs.items()):
        if isinstance(body, dict):
            pipe.jobs.append(
                _github_job(
                    pipe,
                    str(jid),
                    body,
                    order,
                    _line(content, rf"^\s+{re.escape(str(jid))}\s*:", max(jobs_at, 0)),
                    vocabulary,
                )
            )
    return pipe


def _github_job(
    pipe: Pipeline, jid: str, body: Mapping[str, Any], order: int, line: int, vocabulary: PipelineVocabulary
) -> Job:
    uses = str(body.get("uses", ""))
    if ".github/workflows/" in uses:
        pipe.share(line)
        if not uses.startswith("./"):
            pipe.opaque[f"reusable workflow {uses}"] = f"{pipe.file}:{line}"
    steps_raw = body.get("steps")
    steps: list[Any] = steps_raw if isinstance(steps_raw, list) else []
    names = [jid, str(body.get("name", ""))]
    commands = [uses] if uses else []
    for step in steps:
        if isinstance(step, dict):
            names.append(str(step.get("name", "")))
            commands.extend(_strings(step.get("run")) + _strings(step.get("uses")))
    env = body.get("environment")
    env_name = env.get("name") if isinstance(env, dict) else env
    needs = body.get("needs", [])
    job = Job(
        file=pipe.file,
        name=jid,
        line=line,
        names=tuple(names),
        commands="\n".join(commands),
        order=order,
        needs=tuple(map(str, needs if isinstance(needs, list) else [needs])),
        environment=str(env_name) if env_name else None,
    )
    classify(job, vocabulary)
    return job


_GITLAB_RESERVED = {
    "stages",
    "variables",
    "include",
    "default",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "types",
    "pages_deploy",
}
_GITLAB_DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"]
_GITLAB_INHERITED = ("script", "before_script", "after_script", "image", "stage", "environment", "when", "rules")


def parse_gitlab_ci(
    file: str, content: str, problems: list[Problem], vocabulary: PipelineVocabulary
) -> Pipeline | None:
    doc = _load_yaml(file, content, problems)
    if not isinstance(doc, dict):
        if doc is not None:
            problems.append(Problem(source=file, message="a GitLab CI file must be a mapping; ignored"))
        return None
    pipe = Pipeline(file=file, provider="gitlab_ci")
    pipe.trigger("commit", 1)  # GitLab runs a pipeline on every push unless told otherwise
    _gitlab_includes(pipe, doc.get("include"), _line(content, r"^include\s*:"))
    stages_raw = doc.get("stages")
    stages = [str(s) for s in stages_raw] if isinstance(stages_raw, list) else _GITLAB_DEFAULT_STAGES
    if "merge_request_event" in content:
        pipe.trigger("pull_request", _line(content, r"merge_request_event"))
    if re.search(r"CI_PIPELINE_SOURCE\s*==\s*['\"]schedule", content):
        pipe.trigger("schedule", _line(content, r"CI_PIPELINE_SOURCE\s*==\s*['\"]schedule"))
    for jid, raw in doc.items():
        name = str(jid)
        if name in _GITLAB_RESERVED or name.startswith(".") or not isinstance(raw, dict):
            continue
        line = _line(content, rf"^['\"]?{re.escape(name)}['\"]?\s*:")
        if "extends" in raw:
            pipe.share(line)
        body = _gitlab_resolved(doc, raw)
        stage = str(body.get("stage", "test"))
        env = body.get("environment")
        env_name = env.get("name") if isinstance(env, dict) else env
        needs_raw = body.get("needs", [])
        needs = [n.get("job") if isinstance(n, dict) else n for n in needs_raw] if isinstance(needs_raw, list) else []
        image = body.get("image")
        image_name = image.get("name") if isinstance(image, dict) else image
        script = [s for key in ("before_script", "script", "after_script") for s in _strings(body.get(key))]
        rules_raw = body.get("rules")
        rules: list[Any] = rules_raw if isinstance(rules_raw, list) else []
        job = Job(
            file=file,
            name=name,
            line=line,
            names=(name, stage if "stage" in body else ""),
            commands="\n".join([*script, *_strings(image_name)]),
            order=stages.index(stage) if stage in stages else len(stages),
            needs=tuple(str(n) for n in needs if n),
            environment=str(env_name) if env_name else None,
            manual=body.get("when") == "manual"
            or any(isinstance(r, dict) and r.get("when") == "manual" for r in rules),
        )
        classify(job, vocabulary)
        pipe.jobs.append(job)
    return pipe


def _gitlab_resolved(doc: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """A job with the keys it inherits through `extends` from templates in the same file: the job's own keys
    win, then the last template listed (with its own templates), then the earlier ones, as GitLab merges them."""
    out: dict[str, Any] = {}
    chain: list[Mapping[str, Any]] = [body]
    seen: set[str] = set()
    while chain and len(seen) < 10:
        current = chain.pop()
        for key, value in current.items():
            out.setdefault(key, value)
        parents = current.get("extends", [])
        for parent in [parents] if isinstance(parents, str) else parents if isinstance(parents, list) else []:
            template = doc.get(parent)
            if isinstance(template, Mapping) and parent not in seen:
                seen.add(parent)
                chain.append({k: v for k, v in template.items() if k in _GITLAB_INHERITED or k == "extends"})
    return out


def _gitlab_includes(pipe: Pipeline, include: object, line: int) -> None:
    """Local includes are files to read too; project, template, remote and component includes are not visible."""
    entries = include if isinstance(include, list) else [include] if include is not None else []
    for entry in entries:
        pipe.share(line)
        if isinstance(entry, str) and "://" not in entry:
            pipe.references.append(entry.lstrip("/"))
        elif isinstance(entry, dict) and isinstance(entry.get("local"), str):
            pipe.references.append(entry["local"].lstrip("/"))
        else:
            shown = ", ".join(f"{k}: {v}" for k, v in entry.items()) if isinstance(entry, dict) else str(entry)
            pipe.opaque[f"GitLab include {shown}"] = f"{pipe.file}:{line}"


_JENKINS_STAGE = re.compile(r"""\bstage\s*\(\s*(['"])(.+?)\1\s*\)""")
_JENKINS_TRIGGERS = (
    ("commit", re.compile(r"pollSCM|githubPush|gitlab\s*\(|GenericTrigger|bitbucketPush|gerrit")),
    ("schedule", re.compile(r"\bcron\s*\(")),
    (
        "pull_request",
        re.compile(r"changeRequest\s*\(|CHANGE_ID|triggerOnMergeRequest\s*:\s*true|ghprbTrigger|gitlabMergeRequest"),
    ),
)
_JENKINS_LIBRARY = re.compile(
    r"""@Library\s*\(\s*\[?\s*['"]([^'"]+)|\blibrary\s*\(\s*(?:identifier\s*:\s*)?['"]([^'"]+)"""
)
_JENKINS_LOAD = re.compile(r"""\bload\s*\(?\s*['"]([^'"$]+\.groovy)['"]""")
_JENKINS_CHOICES = re.compile(r"""choices\s*:\s*(\[[^\]]*\]|'[^']*'|"[^"]*")""")


def parse_jenkinsfile(
    file: str, content: str, problems: list[Problem], vocabulary: PipelineVocabulary
) -> Pipeline | None:
    del problems  # a Jenkinsfile is Groovy: we read it by pattern, nothing to reject
    pipe = Pipeline(file=file, provider="jenkins", declares_triggers=bool(re.search(r"\btriggers\s*\{", content)))
    for kind, pattern in _JENKINS_TRIGGERS:
        match = pattern.search(content)
        if match:
            pipe.trigger(kind, content.count("\n", 0, match.start()) + 1)
    for match in _JENKINS_LIBRARY.finditer(content):
        line = content.count("\n", 0, match.start()) + 1
        pipe.share(line)
        pipe.opaque[f"Jenkins shared library {match.group(1) or match.group(2)}"] = f"{file}:{line}"
    pipe.references.extend(match.group(1).removeprefix("./") for match in _JENKINS_LOAD.finditer(content))
    for match in _JENKINS_CHOICES.finditer(content):
        words = re.split(r"[\s,'\"\[\]]+|\\n", match.group(1))
        pipe.param_envs.update(env for env in map(vocabulary.environment_of, filter(None, words)) if env)
    marks = list(_JENKINS_STAGE.finditer(content))
    for order, match in enumerate(marks):
        end = marks[order + 1].start() if order + 1 < len(marks) else len(content)
        body = content[match.end() : end]
        line = content.count("\n", 0, match.start()) + 1
        job = Job(file=file, name=match.group(2), line=line, names=(match.group(2),), commands=body, order=order)
        classify(job, vocabulary)
        pipe.jobs.append(job)
    if not marks and content.strip():
        job = Job(file=file, name="(script)", commands=content)
        classify(job, vocabulary)
        pipe.jobs.append(job)
    return pipe


def _upstream(pipe: Pipeline, job: Job) -> set[str]:
    """Names of the jobs `job` needs, transitively."""
    by_name = {j.name: j for j in pipe.jobs}
    seen: set[str] = set()
    todo = list(job.needs)
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        todo.extend(by_name[name].needs)
    return seen


def _before(pipe: Pipeline, job: Job, other: Job) -> bool:
    """`other` runs before `job`: a need (transitively), or (GitLab, Jenkins) an earlier stage."""
    if other.name in _upstream(pipe, job):
        return True
    return pipe.provider in ("gitlab_ci", "jenkins") and other.order < job.order


def _tests_before_deploy(pipe: Pipeline) -> list[str]:
    """The deploy jobs that run tests themselves or after test jobs."""
    gated: list[str] = []
    for job in (j for j in pipe.jobs if "deploy" in j.stages):
        if any(stage in job.stages for stage in TEST_STAGES) or any(
            _before(pipe, job, o) and any(s in o.stages for s in TEST_STAGES) for o in pipe.jobs
        ):
            gated.append(job.ref)
    return gated


def pipeline_facts(pipelines: Iterable[Pipeline], vocabulary: PipelineVocabulary) -> list[Fact]:
    """The pipeline.* and ci.* facts over every pipeline found: true if any pipeline shows it, unknown if none
    shows it but some may do it where the repository cannot show, false only when the files show it all."""
    pipes = list(pipelines)
    files = tuple(sorted({p.file for p in pipes}))
    facts: list[Fact] = [_fact("ci.present", files, {}, f"{len(pipes)} pipeline definition(s)")]
    for provider in ("github_actions", "gitlab_ci", "jenkins"):
        own = tuple(p.file for p in pipes if p.provider == provider)
        facts.append(_fact(f"ci.{provider}", own, {}, ", ".join(own)))
    triggers = {t: _trigger(pipes, t) for t in TRIGGERS}
    facts.extend(triggers.values())
    facts.append(_automatic(triggers["commit"], triggers["schedule"]))
    shared = tuple(ref for p in pipes for ref in p.shared)
    facts.append(_fact("pipeline.shared_library", shared, {}, "reusable workflows, includes or libraries"))
    unseen = {
        f"not seen in the pipeline files; steps may come from {what}": ref
        for p in pipes
        for what, ref in p.opaque.items()
    }
    for stage in vocabulary.stage_ids:
        jobs = [j.ref for p in pipes for j in p.jobs if stage in j.stages]
        detail = f"{len(jobs)} job(s): {', '.join(jobs[:5])}" if jobs else "no job does this"
        facts.append(_fact(f"pipeline.stage.{stage}", tuple(jobs[:20]), unseen, detail))
    gated = tuple(ref for p in pipes for ref in _tests_before_deploy(p))
    facts.append(_fact("pipeline.deploy_after_tests", gated, {}, "a deploy job depends on test jobs"))
    facts.append(_multi_environment(pipes))
    facts.append(_manual_approval(pipes))
    return facts


def _trigger(pipes: list[Pipeline], kind: str) -> Fact:
    seen = tuple(f"{p.file}:{p.trigger_lines[kind]}" for p in pipes if kind in p.triggers)
    unseen: dict[str, str] = {}
    for pipe in pipes:
        reason = _UNSEEN_TRIGGERS[pipe.provider].get(kind)
        if kind == "schedule" and pipe.declares_triggers:
            reason = None  # a declarative triggers block sets the job's triggers: no cron there means none
        if reason is not None and kind not in pipe.triggers:
            unseen.setdefault(reason, pipe.file)
    return _fact(f"pipeline.trigger.{kind}", seen, unseen, f"triggered by {kind} in {len(seen)} file(s)")


def _automatic(commit: Fact, schedule: Fact) -> Fact:
    fid = "pipeline.trigger.automatic"
    if commit.value or schedule.value:
        return Fact(
            id=fid, value=True, evidence=commit.evidence + schedule.evidence, detail="commit or schedule triggers"
        )
    if commit.value is None or schedule.value is None:
        why = "; ".join(f.detail for f in (commit, schedule) if f.value is None)
        return Fact(id=fid, value=None, evidence=commit.evidence + schedule.evidence, detail=why)
    return Fact(id=fid, value=False, detail="no commit or schedule trigger in the pipeline files")


def _multi_environment(pipes: list[Pipeline]) -> Fact:
    deploys = [j for p in pipes for j in p.jobs if "deploy" in j.stages]
    named = {j.env for j in deploys if j.env} | {j.environment.lower() for j in deploys if j.environment and not j.env}
    params = {e for p in pipes if any("deploy" in j.stages for j in p.jobs) for e in p.param_envs}
    envs = sorted(named | params)
    refs = tuple(f"{j.ref}={j.env or j.environment}" for j in deploys if j.env or j.environment)
    refs += tuple(f"{p.file}:parameters={','.join(sorted(p.param_envs))}" for p in pipes if p.param_envs)
    raw: dict[str, set[str]] = {}
    for job in deploys:  # the name the pipeline gives it: its environment, else the stage or job it was read from
        given = job.environment or job.name
        if job.env and given.lower() != job.env:
            raw.setdefault(job.env, set()).add(given)
    shown = [f"{env} ({', '.join(sorted(raw[env]))})" if env in raw else env for env in envs]
    detail = f"deploys to environments: {', '.join(shown) or 'none named'}"
    return Fact(id="pipeline.multi_environment", value=len(envs) >= 2, evidence=refs[:20], detail=detail)


def _manual_approval(pipes: list[Pipeline]) -> Fact:
    fid = "pipeline.manual_approval"
    approved: list[str] = []
    unseen: dict[str, str] = {}
    unapproved: list[str] = []
    deploys = [(p, j) for p in pipes for j in p.jobs if "deploy" in j.stages]
    # the approval that matters is before production; without a production deploy, before any deploy
    for pipe, job in [(p, j) for p, j in deploys if j.env == "production"] or deploys:
        gates = [g for g in pipe.jobs if g.manual and (g is job or _before(pipe, job, g))]
        if gates:
            approved.extend(g.ref for g in gates)
        elif pipe.manual_start:
            unseen.setdefault(f"{pipe.file} is started by hand only (workflow_dispatch)", job.ref)
        elif pipe.provider == "jenkins" or job.environment:
            unseen.setdefault(_SERVER_APPROVAL[pipe.provider], job.ref)
        else:
            unapproved.append(job.ref)
    if approved:
        return Fact(id=fid, value=True, evidence=tuple(dict.fromkeys(approved)), detail="approval before deploying")
    if unseen:
        return Fact(id=fid, value=None, evidence=tuple(unseen.values()), detail="; ".join(unseen))
    if unapproved:
        return Fact(
            id=fid, value=False, evidence=tuple(unapproved), detail="deploy jobs run with no manual step or environment"
        )
    opaque = {what: ref for p in pipes for what, ref in p.opaque.items()}
    if opaque:
        why = f"no deploy job seen; steps may come from {'; '.join(opaque)}"
        return Fact(id=fid, value=None, evidence=tuple(opaque.values()), detail=why)
    return Fact(id=fid, value=False, detail="no deploy job in the pipeline files")


def _fact(fid: str, evidence: tuple[str, ...], unseen: Mapping[str, str], detail: str) -> Fact:
    """True with `evidence` when any; else unknown with the reasons in `unseen`; else false."""
    if evidence:
        return Fact(id=fid, value=True, evidence=evidence, detail=detail)
    if unseen:
        return Fact(id=fid, value=None, evidence=tuple(dict.fromkeys(unseen.values()))[:20], detail="; ".join(unseen))
    return Fact(id=fid, value=False, detail=detail or "not found")


PARSERS: dict[str, Parser] = {
    "github_actions": parse_github_workflow,
    "gitlab_ci": parse_gitlab_ci,
    "jenkins": parse_jenkinsfile,
}


def provider_of(path: str) -> str | None:
    """Which CI provider a repository path belongs to, if any."""
    lower = path.lower()
    if lower.startswith(".github/workflows/") and lower.endswith((".yml", ".yaml")):
        return "github_actions"
    if lower == ".gitlab-ci.yml" or (lower.startswith(".gitlab/ci/") and lower.endswith((".yml", ".yaml"))):
        return "gitlab_ci"
    name = lower.rsplit("/", 1)[-1]
    if name == "jenkinsfile" or name.startswith("jenkinsfile.") or name.endswith(".jenkinsfile"):
        return "jenkins"
    return None
