"""What a collection stored, read back for commands that read (compare, trend, deployments preview): the project and
its trunk, found in the store alone. Reading never collects: no git, no new commits, no run."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devmaturity.collectors.git import TRUNK_CANDIDATES
from devmaturity.config import Config
from devmaturity.errors import UsageError
from devmaturity.model.evidence import Ref, RefKind
from devmaturity.store.db import Store


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredProject:
    """A project as its last collection left it: the trunk's name and tip then ("" and None when never collected)."""

    project_id: int
    name: str
    trunk: str
    trunk_tip: str | None


def project_name(config: Config, path: Path) -> str:
    """The name a command's PATH stands for: --project / the config's project, else the folder's name."""
    return config.project or path.resolve().name


def find_stored(store: Store, config: Config, path: Path) -> StoredProject | None:
    """The project PATH names, as stored, or None when the store holds no such project; changes nothing."""
    name = project_name(config, path)
    project_id = store.find_project(name)
    if project_id is None:
        return None
    trunk, tip = _trunk(store.runs(project_id), store.load_refs(project_id), config.trunk)
    return StoredProject(project_id=project_id, name=name, trunk=trunk, trunk_tip=tip)


def require_stored(store: Store, config: Config, path: Path, where: str) -> StoredProject:
    """As find_stored, but a project never collected is a usage error saying how to collect it."""
    found = find_stored(store, config, path)
    if found is None:
        name = project_name(config, path)
        raise UsageError(
            f"project {name!r} has nothing collected in {where}: run `devmaturity collect {path}` (or assess) first, "
            "or name the project with --project",
            zh=f"{where} 中没有项目 {name!r} 的已收集数据：请先运行 `devmaturity collect {path}`（或 assess），"
            "或用 --project 指明项目",
        )
    return found


def _trunk(runs: Sequence[Mapping[str, Any]], refs: Sequence[Ref], preferred: str | None) -> tuple[str, str | None]:
    """The trunk the newest successful collection named; for a store collected before runs recorded it, the first
    stored branch among the configured trunk and the usual names (as collecting chooses it)."""
    for run in reversed(runs):
        if run["kind"] != "collect" or run["status"] != "ok" or not run["summary"]:
            continue
        summary = json.loads(run["summary"])
        if "trunk" in summary:
            return str(summary["trunk"]), summary.get("trunk_tip")
    branches = {r.name: r.target for r in refs if r.kind is RefKind.BRANCH}
    names = [*([preferred] if preferred else []), *TRUNK_CANDIDATES, *(f"origin/{n}" for n in TRUNK_CANDIDATES)]
    return next(((n, branches[n]) for n in names if n in branches), ("", None))
