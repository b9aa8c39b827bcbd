"""The one safe file writer: atomic replace, no following of symlinks at the target, parent folders made."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from devmaturity.errors import UnreadablePathError


def write_text(path: Path, content: str) -> Path:
    """Write `content` to `path` atomically (temp file + rename), so a crash never leaves half a report."""
    return write_bytes(path, content.encode("utf-8"))


def write_bytes(path: Path, content: bytes) -> Path:
    """Write `content` to `path` atomically (temp file + rename), as `write_text` does for text."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            raise UnreadablePathError(
                f"{path} is a symbolic link; refusing to write through it",
                path=str(path),
                zh=f"{path} 是符号链接；拒绝通过它写入",
            )
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except PermissionError as exc:
        raise UnreadablePathError(
            f"cannot write {path}: permission denied", path=str(path), zh=f"无法写入 {path}：没有权限"
        ) from exc
    except OSError as exc:
        raise UnreadablePathError(f"cannot write {path}: {exc.strerror}", path=str(path)) from exc
    return path
