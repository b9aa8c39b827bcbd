"""The `devmaturity` command: parses input, calls a service, and maps errors to one line and an exit code."""

from __future__ import annotations

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
    from devmaturity.cli import answers, assess, collect, delivery, ingest, model, runs, serve, sync, worker

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
        collect.collect,
        worker.worker,
    ):
        cli.add_command(command)


_register()


def run(args: Sequence[str] | None = None, entry: click.Command = cli) -> int:
    """Run the CLI and return its exit code; never lets a traceback reach the user for known errors."""
    try:
        entry.main(args=list(args) if args is not None else None, prog_name="devmaturity", standalone_mode=False)
    except DevmaturityError as exc:
        err_console.print(exc.one_line(), markup=False, soft_wrap=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        err_console.print(f"error[usage]: {exc.format_message()}", markup=False, soft_wrap=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        err_console.print("interrupted", markup=False)
        return EXIT_INTERRUPTED
    except PermissionError as exc:
        err_console.print(f"error[unreadable-path]: {exc.filename or ''}: permission denied", markup=False)
        return 77
    except OSError as exc:
        err_console.print(f"error[io]: {exc.filename or ''}: {exc.strerror or exc}", markup=False)
        return 74
    except KeyboardInterrupt:
        err_console.print("interrupted; what was stored before stays consistent", markup=False)
        return EXIT_INTERRUPTED
    return EXIT_OK


def main() -> None:
    sys.exit(run())
