"""Metrics from git history: commit and integration frequency, branch lifetime, releases, reviewed changes."""

from __future__ import annotations

import fnmatch
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from devmaturity.model.evidence import Commit, Ref, RefKind
from devmaturity.model.facts import Fact
from devmaturity.model.metric import MetricValue, Window

DEFAULT_RELEASE_TAG = r"^(v|release[-_/]?|rel[-_/]?)?\d+(\.\d+)+([-+.][0-9A-Za-z.\-]+)?$"
# subjects that show a change arrived through a pull/merge request even without a merge commit
REVIEW_SUBJECTS = re.compile(
    r"\(#\d+\)\s*$|^Merge pull request #\d+|^Merged PR \d+|pull request #\d+|^Merged in |See merge request|!\d+\)$"
)
MAX_BRANCH_WALK = 10_000
# branches that live on beside trunk and are merged into it again and again (merge-forward), not feature branches
LONG_LIVED_BRANCHES = (
    "stable",
    "stable/*",
    "stable-*",
    "*-stable",
    "release",
    "release/*",
    "release-*",
    "releases/*",
    "*-maintenance",
    "maintenance/*",
    "maint",
    "maint-*",
    "main",
    "master",
    "develop",
    "trunk",
)
MERGE_SUBJECT = re.compile(
    r"^Merge (?:remote-tracking )?branch '(?:origin/)?(?P<branch>[^']+)'"
    r"|^Merge pull request #\d+ from [^/\s]+/(?P<pr>\S+)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class GitHistory:
    """The part of a repository's history a metric may look at, indexed once."""

    commits: dict[str, Commit]
    refs: tuple[Ref, ...] = ()
    trunk_name: str = ""
    trunk_tip: str | None = None
    release_tag_pattern: str = DEFAULT_RELEASE_TAG
    trunk_chain: tuple[str, ...] = field(default=())
    merged_tips: frozenset[str] = field(default=frozenset())  # the second parents of merges on the trunk chain

    @staticmethod
    def build(
        commits: list[Commit],
        refs: list[Ref],
        trunk_name: str,
        trunk_tip: str | None,
        release_tag_pattern: str = DEFAULT_RELEASE_TAG,
    ) -> GitHistory:
        index = {c.sha: c for c in commits}
        chain: list[str] = []
        sha = trunk_tip
        while sha is not None and sha in index:
            chain.append(sha)
            parents = index[sha].parents
            sha = parents[0] if parents else None
        return GitHistory(
            commits=index,
            refs=tuple(refs),
            trunk_name=trunk_name,
            trunk_tip=trunk_tip,
            release_tag_pattern=release_tag_pattern,
            trunk_chain=tuple(chain),
            merged_tips=frozenset(index[c].parents[1] for c in chain if len(index[c].parents) > 1),
        )

    def trunk_in(self, window: Window) -> list[Commit]:
        """Trunk first-parent commits that landed (committer time) in the window, oldest first."""
        landed = [self.commits[s] for s in self.trunk_chain if window.contains(self.commits[s].committer_time)]
        return landed[::-1]

    def authored_in(self, window: Window) -> list[Commit]:
        return [c for c in self.commits.values() if not c.is_merge and window.contains(c.author_time)]

    def releases(self) -> list[Ref]:
        pattern = re.compile(self.release_tag_pattern)
        return [r for r in self.refs if r.kind is RefKind.TAG and r.time is not None and pattern.search(r.name)]


def _unknown(metric: str, unit: str, window: Window, reason: str) -> MetricValue:
    return MetricValue(metric=metric, value=None, unit=unit, window=window, reason=reason)


def commit_frequency(history: GitHistory, window: Window) -> MetricValue:
    commits = history.authored_in(window)
    if not history.commits:
        return _unknown("commit_frequency", "commits/day", window, "no commits collected")
    return MetricValue(
        metric="commit_frequency",
        value=len(commits) / window.days,
        unit="commits/day",
        window=window,
        sample_size=len(commits),
        evidence=tuple(c.sha for c in commits[:20]),
    )


def active_developers(history: GitHistory, window: Window) -> MetricValue:
    authors = {c.author_email for c in history.authored_in(window)}
    return MetricValue(
        metric="active_developers",
        value=float(len(authors)),
        unit="developers",
        window=window,
        sample_size=len(authors),
        evidence=tuple(sorted(authors)[:20]),
    )


def workdays(window: Window) -> int:
    """Monday-to-Friday calendar dates whose start lies in the window (in the window's own timezone)."""
    count = 0
    day = window.start.replace(hour=0, minute=0, second=0, microsecond=0)
    if day < window.start:
        day += timedelta(days=1)
    while day < window.end:
        if day.weekday() < 5:
            count += 1
        day += timedelta(days=1)
    return count


def integrator(history: GitHistory, commit: Commit) -> str:
    """Who integrated a trunk commit: the author of a direct commit, or of the merged branch's tip."""
    if commit.is_merge:
        tip = history.commits.get(commit.parents[1])
        if tip is not None:
            return tip.author_email
    return commit.author_email


def integration_frequency(history: GitHistory, window: Window) -> MetricValue:
    """Integrations that landed on trunk in the window ÷ developers ÷ workdays: the team's rate per developer,
    so occasional contributors lower it in proportion instead of pulling a median to 0."""
    unit = "integrations/developer/workday"
    if history.trunk_tip is None:
        return _unknown("integration_frequency", unit, window, "no trunk branch found")
    days = workdays(window)
    developers = {c.author_email for c in history.authored_in(window)}
    if not developers or days == 0:
        return _unknown("integration_frequency", unit, window, "no commits authored in the window")
    trunk = history.trunk_in(window)
    per_dev = Counter(integrator(history, c) for c in trunk)
    rates = sorted(per_dev.get(dev, 0) / days for dev in developers)
    direct = sum(1 for c in trunk if not c.is_merge)
    return MetricValue(
        metric="integration_frequency",
        value=len(trunk) / len(developers) / days,
        unit=unit,
        window=window,
        sample_size=len(trunk),
        evidence=tuple(c.sha for c in trunk[-20:]),
        details=(
            ("trunk", history.trunk_name),
            ("workdays", str(days)),
            ("developers", str(len(developers))),
            ("direct_commits", str(direct)),
            ("merges", str(len(trunk) - direct)),
            ("median_developer", f"{statistics.median(rates):.4g}"),
        ),
    )


def branch_start(history: GitHistory, merge: Commit, on_trunk: set[str]) -> tuple[Commit | None, set[str]]:
    """The oldest commit of the branch a merge brought in, walking the branch's first parents to trunk, and the
    shas walked."""
    sha: str | None = merge.parents[1]
    oldest: Commit | None = None
    walked: set[str] = set()
    for _ in range(MAX_BRANCH_WALK):
        if sha is None or sha in on_trunk:
            break
        commit = history.commits.get(sha)
        if commit is None:
            break
        oldest = commit
        walked.add(sha)
        sha = commit.parents[0] if commit.parents else None
    return oldest, walked


def merged_branch(subject: str) -> str:
    """The branch a merge commit's subject names (git, GitHub and GitLab wording), "" when it names none."""
    found = MERGE_SUBJECT.search(subject)
    return (found.group("branch") or found.group("pr")) if found else ""


def long_lived(history: GitHistory, merge: Commit, start: Commit, walked: set[str], window: Window) -> str:
    """Why a merge brought a long-lived branch (release, stable, maintenance) rather than a feature branch, ""
    when it did not: its name, an earlier merge of the same branch into trunk, or a start far before the window."""
    name = merged_branch(merge.subject)
    if name and any(fnmatch.fnmatchcase(name.lower(), g) for g in LONG_LIVED_BRANCHES):
        return f"named {name}"
    earlier = history.merged_tips & walked
    if earlier - {merge.parents[1]}:
        return "merged into trunk before"
    if start.author_time < window.start - timedelta(days=window.days):
        return "started more than a window before the window"
    return ""


def branch_lifetime(history: GitHistory, window: Window) -> MetricValue:
    """Median days from a feature branch's first commit to its merge into trunk; merges of long-lived branches
    (merge-forward of stable or release branches) are left out and counted in the details."""
    on_trunk = set(history.trunk_chain)
    lifetimes: list[float] = []
    shas: list[str] = []
    skipped = 0
    for commit in history.trunk_in(window):
        if not commit.is_merge:
            continue
        start, walked = branch_start(history, commit, on_trunk)
        if start is None:
            continue
        if long_lived(history, commit, start, walked, window):
            skipped += 1
            continue
        lifetimes.append((commit.committer_time - start.author_time).total_seconds() / 86400.0)
        shas.append(commit.sha)
    if not lifetimes:
        reason = "no branch was merged into trunk in the window"
        if skipped:
            reason = f"only long-lived branches ({skipped} merge(s)) were merged into trunk in the window"
        return _unknown("branch_lifetime", "days", window, reason)
    return MetricValue(
        metric="branch_lifetime",
        value=statistics.median(lifetimes),
        unit="days",
        window=window,
        sample_size=len(lifetimes),
        evidence=tuple(shas[-20:]),
        details=(("long_lived_merges", str(skipped)),),
    )


def release_frequency(history: GitHistory, window: Window) -> MetricValue:
    releases = [r for r in history.releases() if r.time is not None and window.contains(r.time)]
    if not history.releases():
        return _unknown(
            "release_frequency",
            "releases/week",
            window,
            f"no tag matches the release pattern {history.release_tag_pattern}",
        )
    return MetricValue(
        metric="release_frequency",
        value=len(releases) / (window.days / 7.0),
        unit="releases/week",
        window=window,
        sample_size=len(releases),
        evidence=tuple(r.name for r in releases[-20:]),
    )


def is_reviewed(commit: Commit) -> bool:
    return commit.is_merge or bool(REVIEW_SUBJECTS.search(commit.subject))


def reviewed_change_share(history: GitHistory, window: Window) -> MetricValue:
    trunk = history.trunk_in(window)
    if not trunk:
        return _unknown("reviewed_change_share", "ratio", window, "no trunk commits in the window")
    reviewed = [c for c in trunk if is_reviewed(c)]
    return MetricValue(
        metric="reviewed_change_share",
        value=len(reviewed) / len(trunk),
        unit="ratio",
        window=window,
        sample_size=len(trunk),
        evidence=tuple(c.sha for c in reviewed[-20:]),
    )


# how a commit subject names a work item: a Jira-style key, an issue closed or referenced by number, ZenTao's
# story/task/bug ids, a Chinese 需求/缺陷/任务 id; a bare "(#12)" is a pull request, not a work item
WORK_ITEM_REF = re.compile(
    r"\b(?!(?:UTF|SHA|ISO|CVE|RFC|HTTP|TLS|SSL|RSA|AES|GB|MD|PEP|JSR|CWE)-)[A-Z][A-Z0-9_]+-\d+\b"
    r"|(?i:\b(?:fix(?:es|ed)?|close[sd]?|resolve[sd]?|refs?|see|issue|story|task|bug)\s*:?\s*#\d+)"
    r"|(?i:\b(?:story|task|bug)\s*#?\d+)"
    r"|(?:需求|缺陷|任务|故障)\s*[#＃:：-]?\s*\d+"
)


def work_item_link_share(history: GitHistory, window: Window) -> MetricValue:
    """Non-merge trunk commits whose subject names a work item, over all of them: requirement to code tracing."""
    trunk = [c for c in history.trunk_in(window) if not c.is_merge]
    if not trunk:
        return _unknown("work_item_link_share", "ratio", window, "no non-merge trunk commits in the window")
    linked = [c for c in trunk if WORK_ITEM_REF.search(c.subject)]
    return MetricValue(
        metric="work_item_link_share",
        value=len(linked) / len(trunk),
        unit="ratio",
        window=window,
        sample_size=len(trunk),
        evidence=tuple(c.sha for c in linked[-20:]),
    )


def history_facts(history: GitHistory, window: Window) -> list[Fact]:
    """vcs.tags and vcs.merges as seen in the history (vcs.git comes from the collection itself)."""
    releases = history.releases()
    merges = [c for c in history.trunk_in(window) if c.is_merge]
    return [
        Fact(
            id="vcs.tags",
            value=bool(releases),
            detail=f"{len(releases)} release tag(s)" if releases else "no release tags",
            evidence=tuple(r.name for r in releases[-10:]),
        ),
        Fact(
            id="vcs.merges",
            value=bool(merges),
            detail=f"{len(merges)} merge(s) into {history.trunk_name} in the window"
            if merges
            else "no merges into trunk in the window",
            evidence=tuple(c.sha for c in merges[-10:]),
        ),
    ]
