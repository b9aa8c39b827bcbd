"""The `devmaturity` command: parses input, calls a service, and maps errors to one line and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click
from rich.console import Console

from devmaturity import __version__
from devmaturity.errors import DevmaturityError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130

err_console = Console(stderr=True, highlight=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="devmaturity")
def cli() -> None:
    """devmaturity: evidence-based DevOps maturity against the CAICT model and DORA."""


def _register() -> None:
    from devmaturity.cli import answers, assess, delivery, ingest, model, runs, serve, sync

    for command in (
        assess.assess,
        assess.gate,
        ingest.ingest,
        model.model,
        model.metrics,
        model.facts,
        model.kinds,
        answers.answers,
        delivery.compare,
        delivery.trend,
        delivery.deployments,
        sync.sync,
        serve.serve,
        runs.runs,
    ):
        cli.add_command(command)


_register()


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
        err_console.print(exc.one_line(lang), markup=False, soft_wrap=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        shown = f"错误[usage]：{_click_zh(exc)}" if lang == "zh" else f"error[usage]: {exc.format_message()}"
        err_console.print(shown, markup=False, soft_wrap=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        err_console.print(_line("interrupted", lang), markup=False)
        return EXIT_INTERRUPTED
    except PermissionError as exc:
        err_console.print(_line("denied", lang, name=exc.filename or ""), markup=False)
        return 77
    except OSError as exc:
        err_console.print(
            _line("io", lang, name=exc.filename or "", why=exc.strerror or exc, errno=exc.errno), markup=False
        )
        return 74
    except KeyboardInterrupt:
        err_console.print(_line("interrupted_kept", lang), markup=False)
        return EXIT_INTERRUPTED
    return EXIT_OK


def main() -> None:
    sys.exit(run())
