"""Reads a local git repository through `git` itself: commits (streamed from one `git log`), refs, trunk."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from devmaturity.errors import (
    EmptyRepositoryError,
    GitError,
    InputError,
    NotARepositoryError,
    UnreadablePathError,
)
from devmaturity.model.evidence import Commit, Ref, RefKind
from devmaturity.settings import child_environment

try:
    import fcntl
except ImportError:  # Windows: pipes keep their size
    fcntl = None  # type: ignore[assignment]

_RS, _US = "\x1e", "\x1f"
_RS_BYTE = _RS.encode()
_RECORD_START = b"\n" + _RS_BYTE
# one record per commit: fields split by US, records started by RS; numstat lines follow the header line
LOG_FORMAT = _RS + _US.join(["%H", "%P", "%aN", "%aE", "%ad", "%cN", "%cE", "%cd", "%s"])
LOG_ARGS = ("log", "--numstat", "--date=raw", "--no-renames", f"--format={LOG_FORMAT}")
TRUNK_CANDIDATES = ("main", "master", "trunk", "develop")
_READ_BYTES = 1 << 16
_PIPE_BYTES = 1 << 20


def git_env() -> dict[str, str]:
    """A predictable environment for git: no pager, no prompts, C locale, no user config surprises. The rest
    (PATH, HOME) is the process's, handed over by settings.child_environment: collectors read no environment."""
    return child_environment({"GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"})


class GitRepository:
    """A checked, readable git work tree or bare repository at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = _check_path(path)
        top = self._run("rev-parse", "--show-toplevel", check=False)
        if top.returncode != 0:
            bare = self._run("rev-parse", "--is-bare-repository", check=False)
            if bare.returncode != 0 or bare.stdout.strip() != "true":
                raise NotARepositoryError(
                    f"{path} is not a git repository (git rev-parse found none)",
                    path=str(path),
                    zh=f"{path} 不是 git 版本库（git rev-parse 没有找到）",
                )
            self.root = self.path
        else:
            self.root = Path(top.stdout.strip())
        if not self._run("for-each-ref", "--count=1", "--format=%(refname)").stdout.strip():
            head = self._run("rev-parse", "--verify", "--quiet", "HEAD", check=False)
            if head.returncode != 0:
                raise EmptyRepositoryError(
                    f"{path} is an empty git repository: it has no commits",
                    path=str(path),
                    zh=f"{path} 是空的 git 版本库：还没有任何提交",
                )

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        try:
            done = subprocess.run(
                ["git", "-C", str(self.path), *args],
                capture_output=True,
                text=True,
                env=git_env(),
                encoding="utf-8",
                errors="replace",
                check=False,
            )
        except FileNotFoundError as exc:
            raise GitError(
                "the git command was not found on PATH; install git", zh="PATH 中找不到 git 命令；请安装 git"
            ) from exc
        if check and done.returncode != 0:
            first = (done.stderr.strip().splitlines() or ["no message"])[0]
            raise GitError(f"git {args[0]} failed in {self.path}: {first}", path=str(self.path))
        return done

    def head(self) -> str | None:
        done = self._run("rev-parse", "--verify", "--quiet", "HEAD", check=False)
        return done.stdout.strip() or None

    def refs(self) -> list[Ref]:
        """Local branches, remote-tracking branches and tags, with tag dates."""
        fmt = _US.join(
            [
                "%(refname)",
                "%(objecttype)",
                "%(objectname)",
                "%(*objectname)",
                "%(taggerdate:raw)",
                "%(committerdate:raw)",
                "%(*committerdate:raw)",
            ]
        )
        out = self._run("for-each-ref", f"--format={fmt}", "refs/heads", "refs/remotes", "refs/tags").stdout
        refs: list[Ref] = []
        for line in out.splitlines():
            name, otype, obj, peeled, tagger, cdate, peeled_date = line.split(_US)
            if name.endswith("/HEAD"):
                continue
            if name.startswith("refs/tags/"):
                annotated = otype == "tag"
                target = peeled or obj
                when = _raw_date(tagger) if annotated and tagger else _raw_date(peeled_date or cdate)
                refs.append(
                    Ref(kind=RefKind.TAG, name=name[len("refs/tags/") :], target=target, time=when, annotated=annotated)
                )
            else:
                short = name.split("/", 2)[2]
                refs.append(Ref(kind=RefKind.BRANCH, name=short, target=obj, time=_raw_date(cdate)))
        return refs

    def trunk(self, preferred: str | None = None) -> tuple[str, str] | None:
        """(trunk branch name, tip sha): the configured one, origin/HEAD, a usual name, or HEAD's branch."""
        names: list[str] = []
        if preferred:
            names.append(preferred)
        origin_head = self._run("symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", check=False).stdout.strip()
        if origin_head:
            names.append(origin_head.removeprefix("refs/remotes/"))
        names.extend(TRUNK_CANDIDATES)
        names.extend(f"origin/{n}" for n in TRUNK_CANDIDATES)
        current = self._run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()
        if current:
            names.append(current)
        for name in names:
            tip = self._run("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}", check=False).stdout.strip()
            if tip:
                return name, tip
        head = self.head()
        return ("HEAD", head) if head else None

    def existing(self, shas: Iterable[str]) -> list[str]:
        """The subset of `shas` that are still commits in this repository (history may have been rewritten)."""
        wanted = list(shas)
        if not wanted:
            return []
        try:
            done = subprocess.run(
                ["git", "-C", str(self.path), "cat-file", "--batch-check=%(objectname) %(objecttype)"],
                input="\n".join(wanted) + "\n",
                capture_output=True,
                text=True,
                env=git_env(),
                check=False,
            )
        except FileNotFoundError as exc:
            raise GitError(
                "the git command was not found on PATH; install git", zh="PATH 中找不到 git 命令；请安装 git"
            ) from exc
        return [line.split()[0] for line in done.stdout.splitlines() if line.endswith(" commit")]

    def tracked_files(self, rev: str | None = None) -> list[str]:
        """The files git tracks: in the index (the work tree's), or in the tree of commit `rev`."""
        args = ("ls-tree", "-r", "-z", "--name-only", rev) if rev else ("ls-files", "-z")
        out = self._run(*args).stdout
        return [p for p in out.split("\0") if p]

    def read_blob(self, rev: str, path: str, max_bytes: int) -> str | None:
        """A file's text as committed in `rev`; None when it is not a file there or is larger than max_bytes."""
        size = self._run("cat-file", "-s", f"{rev}:{path}", check=False)
        if size.returncode != 0 or not size.stdout.strip().isdigit() or int(size.stdout) > max_bytes:
            return None
        done = self._run("cat-file", "blob", f"{rev}:{path}", check=False)
        return done.stdout if done.returncode == 0 else None

    def commit_before(self, ref: str, moment: datetime) -> str | None:
        """The newest commit of `ref` committed before `moment` (what the branch was then), if any."""
        stamp = str(int(moment.timestamp()))
        done = self._run("rev-list", "-1", f"--before={stamp}", ref, "--", check=False)
        return done.stdout.strip() or None

    def is_shallow(self) -> bool:
        """A shallow clone lacks the history before its graft points: lead times and branch ages are cut short."""
        return self._run("rev-parse", "--is-shallow-repository", check=False).stdout.strip() == "true"

    def identity(self) -> str:
        """What makes this repository the same one across folders and clones: its origin's URL without scheme,
        credentials and `.git` (ssh and https of one repository agree), else the first root commit."""
        url = self._run("config", "--get", "remote.origin.url", check=False).stdout.strip()
        if url:
            return normalise_remote(url)
        roots = self._run("rev-list", "--max-parents=0", "--all", check=False).stdout.split()
        return f"root:{sorted(roots)[0]}" if roots else f"path:{self.root}"

    def log_command(self, exclude: Iterable[str] = ()) -> list[str]:
        excluded = [f"^{sha}" for sha in exclude]
        return ["git", "-C", str(self.path), *LOG_ARGS, "--all", *excluded]

    def commits(self, exclude: Iterable[str] = ()) -> Iterator[Commit]:
        """Every commit reachable from any ref but not from `exclude`, streamed from one `git log`."""
        cmd = self.log_command(exclude)
        # GIT_FLUSH=0: fully buffered output. Writing to a pipe, git otherwise flushes after every commit, and this
        # process woke up for each ~600 bytes: 10-15k reads costing 0.35 s of CPU on pytest's history, 0.1 s now
        env = {**git_env(), "GIT_FLUSH": "0"}
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        except FileNotFoundError as exc:
            raise GitError(
                "the git command was not found on PATH; install git", zh="PATH 中找不到 git 命令；请安装 git"
            ) from exc
        assert proc.stdout is not None and proc.stderr is not None
        _widen_pipe(proc.stdout.fileno())
        stdout = proc.stdout
        try:
            yield from parse_log(iter(lambda: stdout.read(_READ_BYTES), b""))
        finally:
            proc.stdout.close()
            err = proc.stderr.read().decode("utf-8", "replace")
            proc.stderr.close()
            code = proc.wait()
        if code != 0:
            first = (err.strip().splitlines() or ["no message"])[0]
            raise GitError(f"git log failed in {self.path}: {first}", path=str(self.path))


def _widen_pipe(fd: int) -> None:
    """Let git run up to a megabyte ahead of us (Linux pipes hold 64 KiB), so it does not wait while a batch of
    commits is stored; where the pipe cannot grow, it stays as it is."""
    setter = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if setter is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, setter, _PIPE_BYTES)


def normalise_remote(url: str) -> str:
    """`git@host:group/repo.git`, `https://user:token@host/group/repo` and `ssh://git@host:22/group/repo.git` all
    become `host/group/repo`; a local path stays a path."""
    text = url.strip()
    scp = re.fullmatch(r"(?:[^@/]+@)?([^:/]+):(?!//)(.+)", text)
    if "://" in text:
        rest = text.split("://", 1)[1]
        rest = rest.rsplit("@", 1)[-1] if "@" in rest.split("/", 1)[0] else rest
        host, _, path = rest.partition("/")
        host = host.split(":", 1)[0]
        text = f"{host.lower()}/{path}"
    elif scp and not text.startswith("/"):
        text = f"{scp.group(1).lower()}/{scp.group(2)}"
    return text.rstrip("/").removesuffix(".git")


def _check_path(path: Path) -> Path:
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", path=str(path), zh=f"{path} 不存在") from None
    except PermissionError:
        raise UnreadablePathError(
            f"{path} cannot be read (permission denied)", path=str(path), zh=f"{path} 无法读取（没有权限）"
        ) from None
    except (OSError, RuntimeError) as exc:
        raise UnreadablePathError(
            f"{path} cannot be read: {exc}", path=str(path), zh=f"{path} 无法读取（{type(exc).__name__}）"
        ) from None
    if not resolved.is_dir():
        raise NotARepositoryError(
            f"{path} is not a directory, so not a git repository",
            path=str(path),
            zh=f"{path} 不是文件夹，因此不是 git 版本库",
        )
    if not os.access(resolved, os.R_OK | os.X_OK):
        raise UnreadablePathError(
            f"{path} cannot be read (permission denied)", path=str(path), zh=f"{path} 无法读取（没有权限）"
        )
    return resolved


_TZ_CACHE: dict[str, timezone] = {}


def _tz(offset: str) -> timezone:
    tz = _TZ_CACHE.get(offset)
    if tz is None:
        sign = -1 if offset.startswith("-") else 1
        digits = offset.lstrip("+-").rjust(4, "0")
        minutes = sign * (int(digits[:2]) * 60 + int(digits[2:4]))
        tz = UTC if minutes == 0 else timezone(timedelta(minutes=minutes))
        _TZ_CACHE[offset] = tz
    return tz


def _raw_date(raw: str) -> datetime | None:
    """Parse git's raw date "1700000000 +0800" into an aware datetime in the author's own offset."""
    raw = raw.strip()
    if not raw:
        return None
    stamp, _, offset = raw.partition(" ")
    return datetime.fromtimestamp(int(stamp), _tz(offset or "+0000"))


def parse_log(stream: Iterable[bytes]) -> Iterator[Commit]:
    """Turn the output of `git log` with LOG_ARGS, in pieces of any size (lines or large blocks), into Commit
    records, one at a time. A record starts with RS at the start of a line; pieces are joined only when one
    holds an RS, so a long record read line by line is not copied again for every line."""
    pending: list[bytes] = [b"\n"]  # so that the first record, too, follows a "\n"
    started = False
    for piece in stream:
        pending.append(piece)
        if _RS_BYTE not in piece:
            continue
        records = b"".join(pending).split(_RECORD_START)
        pending = [records.pop()]
        if not started and records:
            before = records.pop(0)
            if before.strip():
                raise GitError(f"unexpected git log output before the first commit: {before[:80]!r}")
            started = True
        for record in records:
            yield _record(record)
    rest = b"".join(pending)
    if started:
        yield _record(rest)
    elif rest.strip():
        raise GitError(f"unexpected git log output: {rest[:80]!r}")


def _record(record: bytes) -> Commit:
    """One commit: the header line (fields split by US) and its numstat lines ("added\tdeleted\tpath")."""
    head, _, body = record.partition(b"\n")
    files: list[str] = []
    ins = dels = 0
    for line in body.split(b"\n"):
        if not line:
            continue
        added, _, rest = line.partition(b"\t")
        deleted, _, path = rest.partition(b"\t")
        if added != b"-":
            ins += int(added)
            dels += int(deleted)
        files.append(path.decode("utf-8", "replace"))
    return _commit(head.decode("utf-8", "replace").split(_US), files, ins, dels)


def _commit(h: list[str], files: list[str], ins: int, dels: int) -> Commit:
    if len(h) < 9:
        raise GitError(f"unexpected git log record: {_US.join(h)[:80]!r}")
    subject = h[8] if len(h) == 9 else _US.join(h[8:])
    return Commit(
        sha=h[0],
        parents=tuple(h[1].split()) if h[1] else (),
        author_name=h[2],
        author_email=h[3].lower(),
        author_time=_raw_date(h[4]) or datetime.fromtimestamp(0, UTC),
        committer_name=h[5],
        committer_email=h[6].lower(),
        committer_time=_raw_date(h[7]) or datetime.fromtimestamp(0, UTC),
        subject=subject,
        files=tuple(files),
        insertions=ins,
        deletions=dels,
    )
