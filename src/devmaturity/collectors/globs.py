"""Matching repository paths against glob lists, compiled once per list (a tree has thousands of paths), and
the line a match in a file lies on (for evidence such as `pom.xml:12`)."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable


@functools.lru_cache(maxsize=512)
def _compiled(globs: tuple[str, ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """One pattern for globs matched on the full path, one for globs without a slash matched on the name too."""
    whole = "|".join(f"(?:{fnmatch.translate(g)})" for g in globs)
    names = "|".join(f"(?:{fnmatch.translate(g)})" for g in globs if "/" not in g)
    return (re.compile(whole) if whole else None, re.compile(names) if names else None)


def match(path: str, globs: Iterable[str]) -> bool:
    """Whether a glob matches the whole path, or (for a glob without a slash) the file name; case-sensitive, as
    fnmatch.fnmatchcase, and `*` crosses folders in the whole-path form."""
    whole, names = _compiled(tuple(globs))
    if whole is not None and whole.match(path):
        return True
    return names is not None and names.match(path.rsplit("/", 1)[-1]) is not None


def line_at(text: str, offset: int) -> int:
    """The 1-based line of `text` that character `offset` lies on."""
    return text.count("\n", 0, offset) + 1
