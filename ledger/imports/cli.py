"""The ``backoffice import`` and ``backoffice imports`` commands."""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledger import meta as keys
from ledger.as_of import UsageError
from ledger.cli_output import echo_json
from ledger.context import DATE, AppContext, pass_app
from ledger.gitlog import GitError, commit_books_change
from ledger.writer import LockTimeout

if TYPE_CHECKING:
    from ledger.config import Config
    from ledger.imports.result import ImportResult


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
@click.option(
    "--create-accounts",
    is_flag=True,
    help="Map unknown statement accounts in backoffice.toml and open them; add the "
    "commodity directives of unknown securities (ISINs).",
)
@click.option(
    "--lenient",
    is_flag=True,
    help="Accept FIX messages whose BodyLength or CheckSum is wrong (logs edited by hand), "
    "with a warning each.",
)
@click.option(
    "--adjust",
    is_flag=True,
    help="Book items dated in a sealed period on its first open day, with original-date.",
)
@click.option(
    "--commit",
    is_flag=True,
    help="Commit what the import wrote to the books' git repository, listing each SHA-256.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_app
def import_(
    app: AppContext,
    files: tuple[Path, ...],
    dry_run: bool,
    create_accounts: bool,
    adjust: bool,
    lenient: bool,
    commit: bool,
    as_json: bool,
) -> None:
    """Import bank, broker and custody statements (FILES) into the books."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.config import ConfigError, load_config
    from ledger.imports.pipeline import run_import
    from ledger.imports.result import ImportErrors

    path = app.require_books()
    config = app.config
    app.as_of(None)
    committed: dict[str, str] = {}

    def reload_config() -> Config:
        try:
            return load_config(path, required=True)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None

    def commit_written(result: ImportResult) -> None:
        title = "import: " + ", ".join(item.path.name for item in result.files)
        try:
            written = [path.parent / name for name in result.written]
            committed["id"] = commit_books_change(path.parent, written, title)
        except GitError as exc:
            committed["error"] = str(exc)

    try:
        result = run_import(
            path,
            config,
            files,
            dry_run=dry_run,
            create_accounts=create_accounts,
            adjust=adjust,
            lenient=lenient,
            reload_config=reload_config,
            after_write=commit_written if commit else None,
        )
    except ImportErrors as exc:
        if as_json:
            click.echo(json.dumps({"errors": [str(f) for f in exc.failures]}, indent=2))
        for failure in exc.failures:
            click.echo(str(failure).replace("\n", "\n    "), err=True)
        click.echo(f"{len(exc.failures)} error(s); nothing was written", err=True)
        sys.exit(1)
    except LockTimeout as exc:
        raise click.ClickException(str(exc)) from None
    if "error" in committed:
        click.echo(f"imported but not committed: {committed['error']}", err=True)
        sys.exit(1)
    commit_id = committed.get("id")
    for item in result.files:
        for warning in item.warnings:
            click.echo(f"warning: {warning}", err=True)
    if as_json:
        summary = result.to_json()
        if commit_id:
            summary["commit"] = commit_id
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    for item in result.files:
        summary = item.to_json()
        prices = f"{summary['prices']} price(s), " if summary["prices"] else ""
        click.echo(
            f"{item.path}: {item.importer} -> {', '.join(item.accounts)}: "
            f"{summary['transactions']} transaction(s) ({summary['suspense']} to suspense), "
            f"{summary['balances']} balance(s), {prices}{item.duplicates} duplicate(s)"
        )
    for item in result.files:
        for opening in item.openings():
            posting = opening.postings[0]
            click.echo(
                f"opening balance {posting.units} of {posting.account} on {opening.date} "
                "booked from the first statement"
            )
    for made in result.created:
        click.echo(f"mapped {made.id} to {made.account} in backoffice.toml")
    for broker in result.brokers:
        click.echo(f"mapped broker {broker.broker_id} to counterparty {broker.counterparty}")
    for cycle in result.cycles:
        click.echo(
            f"added settlement cycle T+{cycle.days} for {cycle.asset_class} on {cycle.market} "
            "to backoffice.toml (the broker's own settle dates)"
        )
    for security in result.commodities:
        isin = security.meta.get(keys.COMMODITY_ISIN)
        click.echo(f"added commodity {security.currency}" + (f" (ISIN {isin})" if isin else ""))
    verb = "would write" if result.dry_run else "wrote"
    for name in result.written:
        click.echo(f"{verb} {name}")
    if not result.written and not result.dry_run:
        click.echo("nothing new to write")
    if commit_id:
        click.echo(f"committed {commit_id}")


@click.command("imports")
@click.option("--as-of", "as_of_option", type=DATE, help="Only what is dated up to this day.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def imports(app: AppContext, as_of_option: datetime.date | None, as_json: bool) -> None:
    """The documents imported and the lines in suspense awaiting review
    (the Fava Imports page's report)."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.imports.report import imports_report

    _, config, as_of, books = app.open_books(as_of_option, hardcore=False)
    report = imports_report(books, config, as_of)
    if as_json:
        echo_json(report)
        return
    for row in report["documents"]:
        flags = "" if row["archived"] else "  (archived file missing)"
        prices = f"{row['prices']} price(s), " if row["prices"] else ""
        click.echo(
            f"{row['source']}  {row['first_date']}..{row['last_date']}  "
            f"{', '.join(row['accounts'])}: {row['transactions']} transaction(s), "
            f"{row['balances']} balance(s), {prices}{row['suspense']} in suspense{flags}"
        )
    for line in report["suspense"]:
        click.echo(
            f"suspense  {line['date']}  {line['account']}  {line['amount']} {line['currency']}  "
            f"{line['payee'] or ''} {line['narration']}  ({line['source_ref']}, "
            f"{line['age_days']} day(s) old)"
        )
    totals = report["totals"]
    click.echo(
        f"{totals['documents']} document(s), {totals['transactions']} transaction(s), "
        f"{totals['suspense']} line(s) in suspense; as of {as_of}"
    )


@click.command("reclassify")
@click.argument("source_ref", metavar="SOURCE_REF")
@click.argument("account")
@click.option("--source", help="The document of the line, when its SOURCE_REF is not unique.")
@pass_app
def reclassify(app: AppContext, source_ref: str, account: str, source: str | None) -> None:
    """Move the suspense line SOURCE_REF to ACCOUNT with a correcting entry (the
    imported line stays as the document gave it); written to reclassified.beancount."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.imports.reclassify import ReclassifyError, write_reclassification

    try:
        with app.writing() as ((path, config, _, books), writer):
            assert writer is not None
            text = write_reclassification(
                writer, path, books.entries, config.accounts.suspense, source_ref, account, source
            )
    except ReclassifyError as exc:
        raise UsageError(str(exc)) from None
    except LockTimeout as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(text, nl=False)
