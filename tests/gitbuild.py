"""Builds git repositories with fixed dates for tests and benchmarks (real git, no mocks)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class RepoBuilder:
    """A real git repository whose commits, merges and tags carry the dates the test chooses."""

    def __init__(self, path: Path, branch: str = "main") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)
        self.git("config", "user.name", "Builder")
        self.git("config", "user.email", "builder@example.com")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "tag.gpgsign", "false")

    def _env(self, date: str | None, author: tuple[str, str] | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["HOME"] = str(self.path)
        if date is not None:
            env["GIT_AUTHOR_DATE"] = date
            env["GIT_COMMITTER_DATE"] = date
        if author is not None:
            env["GIT_AUTHOR_NAME"], env["GIT_AUTHOR_EMAIL"] = author
            env["GIT_COMMITTER_NAME"], env["GIT_COMMITTER_EMAIL"] = author
        return env

    def git(self, *args: str, date: str | None = None, author: tuple[str, str] | None = None) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.path, env=self._env(date, author), capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def write(self, rel: str, content: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")

    def commit(
        self, message: str, files: dict[str, str], date: str, author: tuple[str, str] = ("Ann", "ann@example.com")
    ) -> str:
        for rel, content in files.items():
            self.write(rel, content)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, date=date, author=author)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str) -> None:
        self.git("checkout", "-q", "-b", name)

    def checkout(self, name: str) -> None:
        self.git("checkout", "-q", name)

    def merge(
        self, name: str, date: str, author: tuple[str, str] = ("Ann", "ann@example.com"), message: str | None = None
    ) -> str:
        self.git("merge", "-q", "--no-ff", "-m", message or f"Merge branch '{name}'", name, date=date, author=author)
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, date: str | None = None, annotated: bool = True) -> None:
        if annotated:
            self.git("tag", "-a", name, "-m", f"release {name}", date=date)
        else:
            self.git("tag", name)
