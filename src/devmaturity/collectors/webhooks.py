"""GitHub deployment_status and GitLab Deployment Hook payloads as Deployment records (docs/webhooks.md)."""

from __future__ import annotations

import re

from devmaturity.collectors import github, gitlab
from devmaturity.collectors.payload import Obj, as_object
from devmaturity.model.delivery import Deployment, RunStatus

# "https://gitlab.example.com/group/app/-/commit/<sha>": the Deployment Hook's only full commit sha
_COMMIT_URL = re.compile(r"/-/commit/([0-9a-fA-F]{40}|[0-9a-fA-F]{64})/?$")


def github_deployment(payload: object) -> Deployment | None:
    """The deployment a deployment_status event reports, with the same source, id and state mapping as the REST
    sync, so both write the same row. None for "inactive": that state only says a newer deployment superseded
    this one, and storing it would drop the finish time the earlier "success" event recorded."""
    event = as_object(payload, "github deployment_status", "")
    status = event.child("deployment_status")
    state = status.text("state")
    if state == "inactive":
        return None
    repo = event.child("repository").text("full_name")
    finished = status.time("created_at") if state in github.FINISHED_STATES else None
    return github.deployment_record(github.source_name(repo), event.child("deployment"), status, finished)


def gitlab_deployment(payload: object) -> Deployment:
    """The deployment a Deployment Hook reports. The hook carries no creation time, so `created_at` is when the
    status last changed; a later event for the same deployment replaces the row (docs/webhooks.md)."""
    event = as_object(_utc_times(payload), "gitlab Deployment Hook", "")
    status = event.choice("status", gitlab.DEPLOYMENT_STATUS)
    changed = event.time("status_changed_at")
    return Deployment(
        source=gitlab.source_name(event.child("project").text("path_with_namespace")),
        id=event.ident("deployment_id"),
        environment=event.text("environment"),
        status=status,
        created_at=changed,
        commit=_commit(event),
        finished_at=changed if status is not RunStatus.RUNNING else None,
        url=event.opt_text("deployable_url") or "",
    )


def _utc_times(payload: object) -> object:
    """GitLab writes hook times as "2021-04-28 21:50:00 +0200" (ISO enough) or "2021-04-28 19:50:00 UTC" (not)."""
    if not isinstance(payload, dict):
        return payload
    changed = payload.get("status_changed_at")
    if isinstance(changed, str) and changed.endswith(" UTC"):
        return {**payload, "status_changed_at": changed.removesuffix(" UTC") + "+00:00"}
    return payload


def _commit(event: Obj) -> str | None:
    """`sha` when given; else the full sha at the end of `commit_url`; else `short_sha`."""
    sha = event.opt_text("sha")
    if sha:
        return sha.lower()
    match = _COMMIT_URL.search(event.opt_text("commit_url") or "")
    if match:
        return match.group(1).lower()
    short = event.opt_text("short_sha")
    return short.lower() if short else None
