"""Reads CI definitions (GitHub Actions, GitLab CI, Jenkinsfile) into jobs with stages, triggers and facts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from devmaturity.model.evidence import Problem
from devmaturity.model.facts import Fact
from devmaturity.model.stages import STAGE_PATTERNS

MAX_CI_FILE_BYTES = 1024 * 1024

TEST_STAGES = ("unit_test", "integration_test", "ui_test")
_PROD = re.compile(r"prod|live|release", re.IGNORECASE)


@dataclass(slots=True, kw_only=True)
class Job:
    """One job (or Jenkins stage) of one pipeline, and what it was found to do."""

    file: str
    name: str
    text: str
    needs: tuple[str, ...] = ()
    order: int = 0
    environment: str | None = None
    manual: bool = False
    stages: set[str] = field(default_factory=set)


@dataclass(slots=True, kw_only=True)
class Pipeline:
    file: str
    provider: str
    jobs: list[Job] = field(default_factory=list)
    triggers: set[str] = field(default_factory=set)
    shared_library: bool = False


def classify(job: Job) -> None:
    job.stages = {name for name, pattern in STAGE_PATTERNS.items() if pattern.search(job.text)}
    if job.environment:
        job.stages.add("deploy")


_NOT_WHAT_A_JOB_DOES = {"needs", "dependencies", "extends"}


def _flatten(value: object) -> str:
    """All strings inside a YAML value, one per line (keys included), for keyword matching.

    Keys naming other jobs (needs, dependencies, extends) are left out: a job that needs `lint` does not lint.
    """
    parts: list[str] = []
    stack: list[object] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            for key, sub in node.items():
                if key in _NOT_WHAT_A_JOB_DOES:
                    continue
                parts.append(str(key))
                stack.append(sub)
        elif isinstance(node, list):
            stack.extend(node)
        elif node is not None:
            parts.append(str(node))
    return "\n".join(parts)


def _load_yaml(file: str, content: str, problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problems.append(Problem(source=file, message=f"invalid YAML{where}; pipeline ignored"))
        return None


def parse_github_workflow(file: str, content: str, problems: list[Problem]) -> Pipeline | None:
    doc = _load_yaml(file, content, problems)
    if not isinstance(doc, dict):
        if doc is not None:
            problems.append(Problem(source=file, message="a workflow must be a mapping; ignored"))
        return None
    pipe = Pipeline(file=file, provider="github_actions")
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads the bare key `on` as true
    events = [on] if isinstance(on, str) else list(on) if isinstance(on, list | dict) else []
    for event in map(str, events):
        if event in ("push", "merge_group"):
            pipe.triggers.add("commit")
        elif event in ("pull_request", "pull_request_target"):
            pipe.triggers.add("pull_request")
        elif event == "schedule":
            pipe.triggers.add("schedule")
        elif event == "workflow_call":
            pipe.shared_library = True
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict):
        return pipe
    for order, (jid, body) in enumerate(jobs.items()):
        if not isinstance(body, dict):
            continue
        uses = str(body.get("uses", ""))
        if ".github/workflows/" in uses:
            pipe.shared_library = True
        env = body.get("environment")
        env_name = env.get("name") if isinstance(env, dict) else env
        needs = body.get("needs", [])
        job = Job(
            file=file,
            name=str(jid),
            text=f"{jid}\n{_flatten(body)}",
            order=order,
            needs=tuple(map(str, needs if isinstance(needs, list) else [needs])),
            environment=str(env_name) if env_name else None,
        )
        classify(job)
        pipe.jobs.append(job)
    return pipe


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


def parse_gitlab_ci(file: str, content: str, problems: list[Problem]) -> Pipeline | None:
    doc = _load_yaml(file, content, problems)
    if not isinstance(doc, dict):
        if doc is not None:
            problems.append(Problem(source=file, message="a GitLab CI file must be a mapping; ignored"))
        return None
    pipe = Pipeline(file=file, provider="gitlab_ci", triggers={"commit"})
    if "include" in doc:
        pipe.shared_library = True
    stages_raw = doc.get("stages")
    stages = [str(s) for s in stages_raw] if isinstance(stages_raw, list) else _GITLAB_DEFAULT_STAGES
    whole = _flatten(doc)
    if "merge_request_event" in whole:
        pipe.triggers.add("pull_request")
    if re.search(r"CI_PIPELINE_SOURCE\s*==\s*['\"]schedule", whole):
        pipe.triggers.add("schedule")
    for jid, body in doc.items():
        name = str(jid)
        if name in _GITLAB_RESERVED or name.startswith(".") or not isinstance(body, dict):
            continue
        if "extends" in body:
            pipe.shared_library = True
        stage = str(body.get("stage", "test"))
        env = body.get("environment")
        env_name = env.get("name") if isinstance(env, dict) else env
        needs_raw = body.get("needs", [])
        needs = [n.get("job") if isinstance(n, dict) else n for n in needs_raw] if isinstance(needs_raw, list) else []
        job = Job(
            file=file,
            name=name,
            text=f"{name}\nstage {stage}\n{_flatten(body)}",
            order=stages.index(stage) if stage in stages else len(stages),
            needs=tuple(str(n) for n in needs if n),
            environment=str(env_name) if env_name else None,
            manual=body.get("when") == "manual" or "manual" in _flatten(body.get("rules", [])).split("\n"),
        )
        classify(job)
        pipe.jobs.append(job)
    return pipe


_JENKINS_STAGE = re.compile(r"""\bstage\s*\(\s*(['"])(.+?)\1\s*\)""")


def parse_jenkinsfile(file: str, content: str, problems: list[Problem]) -> Pipeline | None:
    del problems  # a Jenkinsfile is Groovy: we read it by pattern, nothing to reject
    pipe = Pipeline(file=file, provider="jenkins")
    if re.search(r"pollSCM|githubPush|gitlab\s*\(|GenericTrigger|bitbucketPush|gerrit", content):
        pipe.triggers.add("commit")
    if re.search(r"\bcron\s*\(", content):
        pipe.triggers.add("schedule")
    if re.search(r"changeRequest\s*\(|CHANGE_ID", content):
        pipe.triggers.add("pull_request")
    if re.search(r"@Library\s*\(|\blibrary\s*\(", content):
        pipe.shared_library = True
    marks = list(_JENKINS_STAGE.finditer(content))
    for order, match in enumerate(marks):
        end = marks[order + 1].start() if order + 1 < len(marks) else len(content)
        body = content[match.start() : end]
        job = Job(file=file, name=match.group(2), text=body, order=order, manual=bool(re.search(r"\binput\b", body)))
        classify(job)
        pipe.jobs.append(job)
    if not marks and content.strip():
        job = Job(file=file, name="(script)", text=content)
        classify(job)
        pipe.jobs.append(job)
    return pipe


def _tests_before_deploy(pipe: Pipeline) -> bool:
    by_name = {job.name: job for job in pipe.jobs}
    for job in pipe.jobs:
        if "deploy" not in job.stages:
            continue
        if any(stage in job.stages for stage in TEST_STAGES):
            return True
        seen: set[str] = set()
        todo = list(job.needs)
        while todo:
            dep = by_name.get(todo.pop())
            if dep is None or dep.name in seen:
                continue
            seen.add(dep.name)
            if any(stage in dep.stages for stage in TEST_STAGES):
                return True
            todo.extend(dep.needs)
        if pipe.provider in ("gitlab_ci", "jenkins") and any(
            other.order < job.order and any(s in other.stages for s in TEST_STAGES) for other in pipe.jobs
        ):
            return True
    return False


def pipeline_facts(pipelines: Iterable[Pipeline]) -> list[Fact]:
    """The pipeline.* and ci.* facts over every pipeline found (true if any pipeline shows it)."""
    pipes = list(pipelines)
    files = tuple(sorted({p.file for p in pipes}))
    facts: list[Fact] = [_fact("ci.present", bool(pipes), files, f"{len(pipes)} pipeline definition(s)")]
    for provider in ("github_actions", "gitlab_ci", "jenkins"):
        own = tuple(p.file for p in pipes if p.provider == provider)
        facts.append(_fact(f"ci.{provider}", bool(own), own, ", ".join(own)))
    for trigger in ("commit", "pull_request", "schedule"):
        own = tuple(p.file for p in pipes if trigger in p.triggers)
        facts.append(
            _fact(f"pipeline.trigger.{trigger}", bool(own), own, f"triggered by {trigger} in {len(own)} file(s)")
        )
    auto = tuple(p.file for p in pipes if p.triggers & {"commit", "schedule"})
    facts.append(
        _fact("pipeline.trigger.automatic", bool(auto), auto, f"commit or schedule triggers in {len(auto)} file(s)")
    )
    shared = tuple(p.file for p in pipes if p.shared_library)
    facts.append(_fact("pipeline.shared_library", bool(shared), shared, "reusable workflows, includes or libraries"))
    for stage in STAGE_PATTERNS:
        jobs = [f"{j.file}#{j.name}" for p in pipes for j in p.jobs if stage in j.stages]
        facts.append(
            _fact(
                f"pipeline.stage.{stage}",
                bool(jobs),
                tuple(jobs[:20]),
                f"{len(jobs)} job(s): {', '.join(jobs[:5])}" if jobs else "no job does this",
            )
        )
    gated = tuple(p.file for p in pipes if _tests_before_deploy(p))
    facts.append(_fact("pipeline.deploy_after_tests", bool(gated), gated, "a deploy job depends on test jobs"))
    envs = sorted({j.environment for p in pipes for j in p.jobs if j.environment})
    facts.append(
        _fact(
            "pipeline.multi_environment",
            len(envs) >= 2,
            tuple(files),
            f"environments: {', '.join(envs) or 'none named'}",
        )
    )
    manual = [
        f"{j.file}#{j.name}"
        for p in pipes
        for j in p.jobs
        if j.manual and ("deploy" in j.stages or (j.environment and _PROD.search(j.environment)))
    ]
    facts.append(_fact("pipeline.manual_approval", bool(manual), tuple(manual), ", ".join(manual) or "none found"))
    return facts


def _fact(fid: str, value: bool, evidence: tuple[str, ...], detail: str) -> Fact:
    return Fact(id=fid, value=value, evidence=evidence, detail=detail if value else (detail or "not found"))


PARSERS = {
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
