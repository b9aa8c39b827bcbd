"""The `devmaturity` command: parses input, calls a service, and maps errors to one line and an exit code."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from devmaturity import __version__
from devmaturity.errors import DevmaturityError

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, slots=True, kw_only=True)
class LazyCommand:
    """Where a command lives and the first line of its help, so `--help` lists it without importing it."""

    module: str
    attr: str
    summary: str

    def short_help(self, limit: int) -> str:
        """The summary shortened to `limit` the way click shortens a loaded command's help."""
        return click.Command(None, help=self.summary).get_short_help_str(limit)

    def load(self) -> click.Command:
        command = getattr(importlib.import_module(f"devmaturity.cli.{self.module}"), self.attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"devmaturity.cli.{self.module}.{self.attr} is not a click command")
        return command


# Every command: name -> module, attribute and its help's first line (tests/cli/test_startup.py holds these to
# the commands' own help). A command module is imported only when its command runs, so `--version`, `--help` and
# a light command do not pay for SQLAlchemy, NumPy, lxml, FastAPI or the model files. Adding a command is a line.
COMMANDS: dict[str, LazyCommand] = {
    "assess": LazyCommand(
        module="assess", attr="assess", summary="Assess the git repository at PATH against a maturity model."
    ),
    "gate": LazyCommand(
        module="assess", attr="gate", summary="Exit 2 when an assessed part is below --min-level (for CI)."
    ),
    "ingest": LazyCommand(
        module="ingest",
        attr="ingest",
        summary="Ingest report FILES (JUnit XML, coverage, SARIF) or delivery event files into a project's evidence.",
    ),
    "model": LazyCommand(module="model", attr="model", summary="Browse and validate maturity models."),
    "metrics": LazyCommand(
        module="model", attr="metrics", summary="List the metric catalogue (ids usable in model files)."
    ),
    "facts": LazyCommand(module="model", attr="facts", summary="List the fact catalogue (ids usable in model files)."),
    "kinds": LazyCommand(
        module="model",
        attr="kinds",
        summary="List the evidence kinds `devmaturity ingest --kind` takes, their formats and discovery patterns.",
    ),
    "answers": LazyCommand(module="answers", attr="answers", summary="Assessor answers: the evidence no tool records."),
    "compare": LazyCommand(
        module="delivery",
        attr="compare",
        summary="Every metric over two windows, with the change and the case-study sentence.",
    ),
    "trend": LazyCommand(module="delivery", attr="trend", summary="Metrics per week or month, oldest first."),
    "deployments": LazyCommand(
        module="delivery",
        attr="deployments",
        summary="The deployment rule: which deployments count as production.",
    ),
    "sync": LazyCommand(
        module="sync",
        attr="sync",
        summary="Sync every [[devmaturity.sources]] of PATH/devmaturity.toml (tokens come from environment variables).",
    ),
    "serve": LazyCommand(
        module="serve",
        attr="serve",
        summary="Run the web service: REST API, sign-in, and webhooks (generic JSON, GitHub, GitLab) into the store.",
    ),
    "admin": LazyCommand(
        module="admin", attr="admin", summary="Users, roles and API tokens of the platform (local owner of the store)."
    ),
    "audit": LazyCommand(module="audit", attr="audit", summary="The tamper-evident audit log."),
    "org": LazyCommand(
        module="projects", attr="org", summary="Organisations of the service (the tenants that own projects)."
    ),
    "project": LazyCommand(
        module="projects", attr="project", summary="Projects of the service: import a CLI project, list them."
    ),
    "collect": LazyCommand(
        module="collect",
        attr="collect",
        summary="Collect each repository PATH (commits, refs, tree facts, reports) as one run; "
        "prints `run <id> <path>`.",
    ),
    "worker": LazyCommand(
        module="worker",
        attr="worker",
        summary="Run jobs queued by `devmaturity collect` (DEVMATURITY_BROKER_URL and DEVMATURITY_DATABASE_URL name "
        "the broker and the store; the store must be the one the jobs were queued in).",
    ),
    "report": LazyCommand(
        module="report",
        attr="report",
        summary="Render a stored assessment as a document (PDF, printable HTML, JSON, Markdown), without collecting.",
    ),
    "export": LazyCommand(
        module="report", attr="export", summary="The signed evidence pack of an assessment, and its verification."
    ),
    "runs": LazyCommand(
        module="runs",
        attr="runs",
        summary="Recorded runs, newest first. Opening the store marks runs whose process is gone as interrupted.",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; its help lists them from COMMANDS alone."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(COMMANDS[cmd_name].load(), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The same list click would print, with each summary shortened the way click shortens a help text."""
        names = [n for n in self.list_commands(ctx) if n not in self.commands or not self.commands[n].hidden]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows: list[tuple[str, str]] = []
        for name in names:
            loaded = self.commands.get(name)
            rows.append((name, loaded.get_short_help_str(limit) if loaded else COMMANDS[name].short_help(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="devmaturity")
def cli() -> None:
    """devmaturity: evidence-based DevOps maturity against the CAICT model and DORA."""


def _err_console() -> Console:
    """The console for error lines, made only when there is an error to print (rich costs time to import)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def error_lang(args: Sequence[str]) -> str:
    """The language of error lines: `--lang` on the command line, else DEVMATURITY_LANG, else en."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return "zh" if args[i + 1] == "zh" else "en"
        if arg.startswith("--lang="):
            return "zh" if arg.removeprefix("--lang=") == "zh" else "en"
    return "zh" if os.environ.get("DEVMATURITY_LANG", "").strip().lower() == "zh" else "en"


# (zh, en) of the lines printed for errors that are not DevmaturityErrors.
_LINES = {
    "interrupted": ("已中断", "interrupted"),
    "interrupted_kept": ("已中断；此前存储的数据保持一致", "interrupted; what was stored before stays consistent"),
    "denied": ("错误[unreadable-path]：{name}：没有权限", "error[unreadable-path]: {name}: permission denied"),
    "io": ("错误[io]：{name}：输入输出错误（errno {errno}）", "error[io]: {name}: {why}"),
}


def _line(key: str, lang: str, **values: object) -> str:
    zh, en = _LINES[key]
    return (zh if lang == "zh" else en).format(**values)


def _click_zh(exc: click.ClickException) -> str:
    """A click usage problem in zh, naming the option or value; click writes its own messages in English."""
    if isinstance(exc, click.NoSuchOption):
        return f"没有这个选项：{exc.option_name}"
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        return f"缺少必需的参数：{'/'.join(exc.param.opts) or exc.param.name}"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        return f"参数 {'/'.join(exc.param.opts) or exc.param.name} 的取值无效（详情请用 --lang en 查看）"
    if isinstance(exc, click.BadOptionUsage):
        return f"选项 {exc.option_name} 的用法有误（详情请用 --lang en 查看）"
    return "命令行用法有误（详情请用 --lang en 查看）"


def run(args: Sequence[str] | None = None, entry: click.Command = cli) -> int:
    """Run the CLI and return its exit code; never lets a traceback reach the user for known errors."""
    argv = list(args) if args is not None else sys.argv[1:]
    lang = error_lang(argv)
    try:
        entry.main(args=argv, prog_name="devmaturity", standalone_mode=False)
    except DevmaturityError as exc:
        _err_console().print(exc.one_line(lang), markup=False, soft_wrap=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        shown = f"错误[usage]：{_click_zh(exc)}" if lang == "zh" else f"error[usage]: {exc.format_message()}"
        _err_console().print(shown, markup=False, soft_wrap=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        _err_console().print(_line("interrupted", lang), markup=False)
        return EXIT_INTERRUPTED
    except PermissionError as exc:
        _err_console().print(_line("denied", lang, name=exc.filename or ""), markup=False)
        return 77
    except OSError as exc:
        _err_console().print(
            _line("io", lang, name=exc.filename or "", why=exc.strerror or exc, errno=exc.errno), markup=False
        )
        return 74
    except KeyboardInterrupt:
        _err_console().print(_line("interrupted_kept", lang), markup=False)
        return EXIT_INTERRUPTED
    return EXIT_OK


def main() -> None:
    sys.exit(run())
