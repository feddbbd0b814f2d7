"""The ``backoffice`` command line (click).

Exit codes: 0 clean; 1 the books or the input have problems, each printed as
``file:line: message``; 2 a usage or configuration error.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import click

from ledger import __version__
from ledger.as_of import AS_OF_ENV, UsageError, parse_date
from ledger.breaks.cli import breaks
from ledger.cash.cli import cash
from ledger.close.cli import audit, close, sign_off, verify
from ledger.close.snapshot_load import FULL_ENV
from ledger.context import BOOKS_ENV, DATE, AppContext, pass_app
from ledger.errors import errors_json, format_error, sort_errors
from ledger.imports.cli import import_, imports, reclassify
from ledger.matching.cli import match
from ledger.recon.cli import recon
from ledger.records.cli import blotter, prices, stock_record, valuation
from ledger.settlement.cli import instructions, settlements
from ledger.writer import LockTimeout, UnfinishedWrite


class _Commands(click.Group):
    """The command group: books a user cannot load as they stand are a usage error
    (exit 2, the message as it is), not a traceback; books another process keeps
    locked past the wait are an error (exit 1)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UnfinishedWrite as exc:
            raise UsageError(str(exc)) from None
        except LockTimeout as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--books",
    "books_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=BOOKS_ENV,
    default="books/main.beancount",
    show_default=True,
    help=f"The books' main file (or set {BOOKS_ENV}).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Load the books' whole history, not the latest close's snapshot and the open "
    f"period after it (or set {FULL_ENV}=1). close, verify, audit and import always do.",
)
@click.version_option(__version__, prog_name="backoffice")
@click.pass_context
def main(ctx: click.Context, books_path: Path, full: bool) -> None:
    """Back-office accounting and cash management on Beancount books."""
    ctx.obj = AppContext(books_path=books_path, full=full)
    # Commands publish the as-of date to the plugins through the environment;
    # put it back when the command ends, so one invocation never leaks into the next.
    previous = os.environ.get(AS_OF_ENV)
    ctx.call_on_close(lambda: _restore_env(AS_OF_ENV, previous))


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="New Firm", show_default=True, help="The books' title.")
@click.option("--currency", default="USD", show_default=True, help="Operating currency.")
@click.option(
    "--start",
    default="2026-01-01",
    show_default=True,
    help="Date of the open directives (YYYY-MM-DD).",
)
@click.option(
    "--git/--no-git",
    "git_repository",
    default=True,
    show_default=True,
    help="Make DIRECTORY a git repository with a first commit (skipped when it is "
    "already inside a git work tree).",
)
def init(directory: Path, title: str, currency: str, start: str, git_repository: bool) -> None:
    """Create new books in DIRECTORY: every Backoffice plugin, a chart of accounts,
    opening balances, a starter backoffice.toml, a git repository."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.gitlog import repo_root
    from ledger.init import InitError, init_books

    enclosing = repo_root(directory) if directory.exists() else repo_root(directory.parent)
    try:
        written = init_books(
            directory,
            title=title,
            currency=currency,
            start=parse_date(start, "--start"),
            git_repository=git_repository,
        )
    except InitError as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        click.echo(f"wrote {path}")
    if git_repository and enclosing is not None:
        click.echo(f"no git repository made: {directory} is inside the git work tree {enclosing}")
    elif git_repository:
        click.echo("made a git repository with a first commit")
    click.echo(f"check them with: backoffice --books {directory / 'main.beancount'} check")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print errors as JSON.")
@click.option(
    "--timings",
    is_flag=True,
    help="Print how long each step of the load took (parsing, booking, each plugin, "
    "the validations) to stderr, as bean-check --verbose does.",
)
@click.option(
    "--as-of",
    "as_of_option",
    type=DATE,
    help="The date the plugins check against: fails, pending settlements (YYYY-MM-DD).",
)
@pass_app
def check(
    app: AppContext, as_json: bool, timings: bool, as_of_option: datetime.date | None
) -> None:
    """Load the books, run every plugin and validation, print each problem."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.check import fail_warnings, run_check

    path = app.require_books()
    config = app.config
    as_of = app.as_of(as_of_option)

    def log(line: str) -> None:
        click.echo(line, err=True)

    books, errors = run_check(
        path, config, log_timings=log if timings else None, full=app.full, since=as_of
    )
    errors = sort_errors(errors)
    # Young fails are warnings: printed, but the exit status stays 0. Only the settlement
    # plugin flags them: books without it are not read again for them.
    plugins = {name for name, _ in books.options.get("plugin", [])}
    found = fail_warnings(books.entries, config) if "plugins.settlement" in plugins else []
    warnings = sort_errors(found)
    if as_json:
        click.echo(errors_json(errors, len(books.entries), warnings))
    else:
        for error in [*errors, *warnings]:
            click.echo(format_error(error))
        summary = (
            f"{len(books.entries)} entries, {len(errors)} error(s), {len(warnings)} warning(s)"
        )
        click.echo(summary, err=True)
    sys.exit(1 if errors else 0)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--read-only/--edit",
    default=True,
    show_default=True,
    help="Serve read-only (default), or let Fava's editor write to the books (under the "
    "books' lock, never into a sealed period).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host other than 127.0.0.1, ::1 or localhost. Fava has no "
    "authentication: anyone who reaches the address reads (with --edit, writes) the books.",
)
@pass_app
def serve(app: AppContext, host: str, port: int, read_only: bool, allow_remote: bool) -> None:
    """Serve the books in Fava with the Backoffice pages."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.serve import LOCAL_HOSTS, REMOTE_WARNING
    from ledger.serve import serve as run

    if host not in LOCAL_HOSTS:
        if not allow_remote:
            raise UsageError(
                f"--host {host}: Fava has no authentication, so serving beyond this machine "
                "lets anyone who reaches it read the books; pass --allow-remote to do it "
                "anyway, or keep the default 127.0.0.1"
            )
        edit = "" if read_only else " and change them"
        click.echo(REMOTE_WARNING.format(host=host, port=port, edit=edit), err=True)
    path = app.require_books()
    _ = app.config
    app.as_of(None)
    click.echo(f"Serving {path} on http://{host}:{port} ({'read-only' if read_only else 'edit'})")
    run(path, host=host, port=port, read_only=read_only, full=app.full)


main.add_command(import_)
main.add_command(imports)
main.add_command(reclassify)
main.add_command(match)
main.add_command(breaks)
main.add_command(recon)
main.add_command(settlements)
main.add_command(instructions)
main.add_command(close)
main.add_command(sign_off)
main.add_command(verify)
main.add_command(audit)
main.add_command(cash)
main.add_command(blotter)
main.add_command(stock_record)
main.add_command(valuation)
main.add_command(prices)
