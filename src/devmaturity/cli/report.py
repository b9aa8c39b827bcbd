"""`devmaturity report` (a stored assessment as PDF, printable HTML, JSON or Markdown) and `devmaturity export`
(the signed evidence pack, and its verification). Both read the store; neither collects."""

from __future__ import annotations

from pathlib import Path

import click

from devmaturity.cli.admin import local_actor
from devmaturity.cli.texts import LANG, lang_of, say
from devmaturity.config import load_config, secret_keys
from devmaturity.errors import ConfigError
from devmaturity.services.reports import DOCUMENT_FORMATS, open_store, render_stored, write_output

_ASSESSMENT_HELP = "ASSESSMENT is an assessment id (see `devmaturity runs`) or `latest` with --project."


@click.command()
@click.argument("assessment")
@click.option("--project", help="The project, for `latest` (and checked against an id when given).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(tuple(DOCUMENT_FORMATS)),
    default="pdf",
    show_default=True,
    help="pdf and html: the printable document report; json, md: the report data.",
)
@LANG
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: a name made of project, assessment id and language, in the current folder).",
)
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def report(
    assessment: str, project: str | None, fmt: str, lang: str | None, out: Path | None, database_url: str | None
) -> None:
    """Render a stored assessment as a document (PDF, printable HTML, JSON, Markdown), without collecting."""
    config = load_config(flags={"database_url": database_url} if database_url else {})
    chosen = lang_of(lang)
    store = open_store(config.database_url)
    try:
        rendered = render_stored(store, local_actor(), assessment, fmt, lang=chosen, project=project)
    finally:
        store.engine.dispose()
    written = write_output(out or Path(rendered.filename), rendered.content)
    click.echo(say("wrote", chosen, path=written), err=True)


@click.group()
def export() -> None:
    """The signed evidence pack of an assessment, and its verification."""


@export.command("evidence")
@click.argument("assessment")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The zip to write.")
@click.option("--project", help="The project, for `latest`.")
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The answers file the assessment used: packed with the documents it names under its folder.",
)
@click.option("--no-pdf", is_flag=True, help="Leave the PDF report out (it takes seconds per page to render).")
@LANG
@click.option("--db", "database_url", help="Store URL (default sqlite:///devmaturity.db).")
def evidence(
    assessment: str,
    out: Path,
    project: str | None,
    answers_file: Path | None,
    no_pdf: bool,
    lang: str | None,
    database_url: str | None,
) -> None:
    """Write the evidence pack of ASSESSMENT: reports, cited records, answers, a signed manifest, index.html."""
    from devmaturity.services.evidence_pack import export_evidence_pack

    config = load_config(flags={"database_url": database_url} if database_url else {})
    chosen = lang_of(lang)
    key = secret_keys()[0]
    store = open_store(config.database_url)
    try:
        pack = export_evidence_pack(
            store,
            local_actor(),
            assessment,
            secret_key=key,
            lang=chosen,
            project=project,
            answers_file=answers_file,
            pdf=not no_pdf,
        )
    finally:
        store.engine.dispose()
    written = write_output(out, pack.content)
    click.echo(say("pack_wrote", chosen, path=written, files=pack.files, fingerprint=pack.fingerprint), err=True)


@export.command("verify")
@click.argument("pack", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--fingerprint",
    help="The signer's fingerprint (sha256:...) to trust; default: this service's key "
    "(DEVMATURITY_SECRET_KEY, and DEVMATURITY_OLD_SECRET_KEYS).",
)
@LANG
def verify(pack: Path, fingerprint: str | None, lang: str | None) -> None:
    """Check an evidence pack: every file's sha256 against the manifest, the manifest's signature and its signer."""
    from devmaturity.services.evidence_pack import verify_evidence_pack

    chosen = lang_of(lang)
    try:
        keys = () if fingerprint else secret_keys()
    except ConfigError:
        keys = ()
    check = verify_evidence_pack(pack, secret_keys=keys, fingerprint=fingerprint)
    by = say("by_fingerprint" if check.trusted_by == "fingerprint" else "by_service_key", chosen)
    click.echo(
        say(
            "pack_ok",
            chosen,
            files=check.files,
            fingerprint=check.fingerprint,
            by=by,
            assessment=check.assessment_id,
            project=check.project,
        )
    )
