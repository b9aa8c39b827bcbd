"""devmaturity.toml: the [devmaturity.sarif] table and the issue_key_pattern setting read, bad values refused naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from devmaturity.config import load_config
from devmaturity.errors import ConfigError


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "devmaturity.toml"
    path.write_text("[devmaturity]\n" + body, encoding="utf-8")
    return path


def test_exclude_tools_are_read_and_default_to_none(tmp_path: Path) -> None:
    assert load_config(tmp_path, env={}).sarif_exclude_tools == ()
    _write(tmp_path, '[devmaturity.sarif]\nexclude_tools = ["ruff", " ESLint "]\n')
    assert load_config(tmp_path, env={}).sarif_exclude_tools == ("ruff", "ESLint")


BAD = [
    ("sarif = 1\n", "[sarif] must be a table with exclude_tools = [tool names]"),
    ('[devmaturity.sarif]\nexclude_tool = ["ruff"]\n', "[sarif]: unknown key(s) exclude_tool; use exclude_tools"),
    ('[devmaturity.sarif]\nexclude_tools = "ruff"\n', "[sarif].exclude_tools: a list of tool names"),
    ('[devmaturity.sarif]\nexclude_tools = ["ruff", ""]\n', "[sarif].exclude_tools: a list of tool names"),
]


@pytest.mark.parametrize(("body", "expected"), BAD)
def test_bad_sarif_table_is_a_config_error_naming_the_file(tmp_path: Path, body: str, expected: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, env={})
    assert str(caught.value).startswith(f"{path}: {expected}")


def test_issue_key_pattern_is_read_and_a_bad_one_names_the_file(tmp_path: Path) -> None:
    assert load_config(tmp_path, env={}).issue_key_pattern is None
    _write(tmp_path, 'issue_key_pattern = "\\\\bREQ-\\\\d+"\n')
    assert load_config(tmp_path, env={}).issue_key_pattern == r"\bREQ-\d+"
    path = _write(tmp_path, 'issue_key_pattern = "REQ-(\\\\d+"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, env={})
    assert str(caught.value).startswith(f"{path}: setting issue_key_pattern='REQ-(\\\\d+': not a valid regular")
