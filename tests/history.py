"""The fixed-date history most git tests share; expected metric values are worked out in test_git_metrics.py."""

from __future__ import annotations

from pathlib import Path

from tests.gitbuild import RepoBuilder

ANN = ("Ann", "ann@example.com")
BOB = ("Bob", "bob@example.com")
CAROL = ("Carol", "carol@example.com")


def build_history(path: Path) -> tuple[RepoBuilder, dict[str, str]]:
    """main: c0 (Jan 10) - c1 - m1 (merges feature f1, f2) - c2 "(#12)" - m2 (merges fix x1); tags v0.9, v1.0.0, v1.1.0."""
    r = RepoBuilder(path)
    sha: dict[str, str] = {}
    sha["c0"] = r.commit("initial", {"a.txt": "a\n"}, "2024-01-10T10:00:00+00:00", ANN)
    r.tag("v0.9", "2024-01-10T11:00:00+00:00")
    sha["c1"] = r.commit("direct commit", {"b.txt": "b1\nb2\n"}, "2024-02-05T09:00:00+08:00", ANN)
    r.branch("feature")
    sha["f1"] = r.commit("feature work 1", {"f.txt": "1\n"}, "2024-02-06T10:00:00+00:00", BOB)
    sha["f2"] = r.commit("feature work 2", {"f.txt": "1\n2\n", "g.txt": "g\n"}, "2024-02-07T10:00:00+00:00", BOB)
    r.checkout("main")
    sha["m1"] = r.merge("feature", "2024-02-09T10:00:00+00:00", ANN)
    r.tag("v1.0.0", "2024-02-09T12:00:00+00:00")
    sha["c2"] = r.commit("Add thing (#12)", {"c.txt": "c\n"}, "2024-02-12T12:00:00-05:00", ANN)
    r.branch("fix")
    sha["x1"] = r.commit("fix it", {"a.txt": "a\nfixed\n"}, "2024-02-13T08:00:00+00:00", CAROL)
    r.checkout("main")
    sha["m2"] = r.merge("fix", "2024-02-14T08:00:00+00:00", ANN)
    r.tag("v1.1.0", "2024-02-14T09:00:00+00:00")
    r.tag("nightly", annotated=False)
    return r, sha
