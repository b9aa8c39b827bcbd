"""`devmaturity --version` and `--help` start light: no command module, store, NumPy, web or model files loaded.

The import check runs a fresh interpreter with `-X importtime` (CPython writes one stderr line per module it
imports: `import time: self | cumulative | name`) and reads the module names from it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from devmaturity.cli.main import COMMANDS, LazyGroup, cli, run

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = (
    "sqlalchemy",
    "alembic",
    "numpy",
    "lxml",
    "httpx",
    "fastapi",
    "uvicorn",
    "rich.table",
    "jinja2",
    "openpyxl",
    "devmaturity.frameworks",
)


def _imported(*args: str) -> tuple[set[str], str]:
    """The modules a fresh `python -X importtime -m devmaturity ARGS` imports, and what it printed."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "devmaturity", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")} - {
        "package"
    }  # the header line reads "self [us] | cumulative | imported package"
    return names, done.stdout


def _heavy(names: set[str]) -> list[str]:
    return sorted(n for n in names if any(n == h or n.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("assess", "--help")])
def test_light_commands_import_no_heavy_module(args: tuple[str, ...]) -> None:
    """`click` must be seen (the parsing works) and none of HEAVY: their absence is the point of lazy commands."""
    names, out = _imported(*args)
    assert "click" in names
    assert "devmaturity.cli.main" in names
    assert _heavy(names) == []
    assert out.strip()


def test_the_import_check_sees_a_heavy_module() -> None:
    """The control: `metrics` lists which metrics are computed, so it must load NumPy (via the metric registry)
    and rich tables; the same parsing that finds nothing above finds them here."""
    names, out = _imported("metrics")
    assert {"numpy", "rich.table"} <= set(_heavy(names))
    assert "commit_frequency" in out


def test_version_is_printed() -> None:
    _, out = _imported("--version")
    assert out.strip() == "devmaturity, version 0.1.0"


def _help_text(group: click.Group) -> str:
    ctx = click.Context(group, info_name="devmaturity", terminal_width=100, max_content_width=110)
    return group.get_help(ctx)


def test_help_lists_every_command_as_click_would_without_loading_any() -> None:
    """A fresh lazy group prints its command list from COMMANDS; a plain click group holding every command,
    imported, prints the same text (click shortens each help line to the same width)."""
    fresh = LazyGroup(name="devmaturity", help=cli.help, params=list(cli.params))
    lazy_text = _help_text(fresh)
    assert fresh.commands == {}  # nothing was imported to print it
    eager = click.Group(
        name="devmaturity",
        help=cli.help,
        params=list(cli.params),
        commands={name: entry.load() for name, entry in COMMANDS.items()},
    )
    assert lazy_text == _help_text(eager)
    for name in COMMANDS:
        assert f"\n  {name} " in lazy_text


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_table_entry_is_the_command_with_its_own_help_line(name: str) -> None:
    """The summary in COMMANDS is the command's help first line, untruncated, so the listing cannot drift."""
    command = COMMANDS[name].load()
    assert command.name in (name, name.replace("-", "_"))
    wide = 10_000
    assert COMMANDS[name].short_help(wide) == command.get_short_help_str(wide)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_loads_and_answers_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([name, "--help"]) == 0
    assert f"Usage: devmaturity {name}" in capsys.readouterr().out


def test_kinds_and_facts_still_run() -> None:
    """Smoke test of two light commands end to end in a fresh process (kind `tests`, fact `ci.present`)."""
    _, kinds = _imported("kinds")
    assert "tests" in kinds
    _, facts = _imported("facts")
    assert "ci.present" in facts


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["asess"]) == 64
    assert "error[usage]: No such command 'asess'" in capsys.readouterr().err
