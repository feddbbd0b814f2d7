"""``backoffice close``, ``verify`` and ``audit``."""

from __future__ import annotations

import datetime
import sys
from typing import TYPE_CHECKING, Any

import click

from ledger.as_of import UsageError
from ledger.cli_output import echo_json
from ledger.context import DATE, AppContext, pass_app
from ledger.gitlog import GitError, commit_books_change
from ledger.writer import LockTimeout

if TYPE_CHECKING:
    from beancount.core import data


@click.command("close")
@click.argument("period", required=False)
@click.option(
    "--through",
    metavar="YYYY-MM",
    help="Close every month not yet sealed up to this one, from one load of the books.",
)
@click.option("--dry-run", is_flag=True, help="Run the checklist and show the seal; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--commit", is_flag=True, help="Commit what the close wrote to the books' git repository."
)
@click.option("--as-of", "as_of_option", type=DATE, help="Today, for 'has the period ended'.")
@pass_app
def close(
    app: AppContext,
    period: str | None,
    through: str | None,
    dry_run: bool,
    as_json: bool,
    commit: bool,
    as_of_option: datetime.date | None,
) -> None:
    """Close PERIOD (YYYY-MM): run the checklist, write the reports, seal it.

    With --through YYYY-MM instead of PERIOD: every month not yet sealed up to
    that one, in order, stopping at the first refused month."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.close.run import run_close, run_close_through
    from ledger.close.seal import PeriodError, period_bounds

    path = app.require_books()
    config = app.config
    as_of = app.as_of(as_of_option)
    if (period is None) == (through is None):
        raise UsageError("give either PERIOD or --through YYYY-MM (e.g. close 2026-10)")
    last = period or through or ""
    try:
        period_bounds(last)
    except PeriodError as exc:
        raise UsageError(str(exc)) from None
    if commit and dry_run:
        raise UsageError("--commit and --dry-run exclude each other: a dry run writes nothing")
    try:
        if period is not None:
            results = [run_close(path, config, period, as_of, dry_run=dry_run)]
        else:
            results = run_close_through(path, config, last, as_of, dry_run=dry_run)
    except LockTimeout as exc:
        raise click.ClickException(str(exc)) from None
    reports = [result.to_json(path.parent) for result in results]
    problem = None
    closed = [result for result in results if result.closed and result.seal is not None]
    if closed and commit:
        title = ", ".join(f"{r.period}: seal {r.seal.digest}" for r in closed if r.seal)
        written = sorted({target for result in closed for target in result.written})
        try:
            reports[-1]["commit"] = commit_books_change(path.parent, written, f"close {title}")
        except GitError as exc:
            problem = f"the period is closed but not committed: {exc}"
    if as_json:
        echo_json(reports[0] if period is not None else {"through": last, "periods": reports})
    else:
        for report in reports:
            _print_close(report)
    if problem:
        click.echo(problem, err=True)
    sys.exit(0 if results[-1].checklist.ok and problem is None else 1)


def _print_close(report: dict[str, Any]) -> None:
    for check in report["checks"]:
        click.echo(f"{'ok  ' if check['ok'] else 'FAIL'}  {check['check']}")
        for blocker in check["blockers"]:
            where = f"{blocker['file']}:{blocker['line']}" if blocker["line"] else blocker["file"]
            click.echo(f"      {where or 'books'}: {blocker['message']}")
    seal = report["seal"]
    if seal is not None:
        click.echo(
            f"seal {seal['period']}: {seal['from'] or 'start'}..{seal['to']}, "
            f"{seal['entries']} entries, digest {seal['digest']}"
        )
    for name in report["written"]:
        click.echo(f"wrote {name}")
    if "commit" in report:
        click.echo(f"committed {report['commit']}")
    if report["closed"]:
        click.echo(f"period {report['period']} is closed")
    elif report["dry_run"]:
        click.echo("dry run: nothing written")
    else:
        blockers = sum(len(check["blockers"]) for check in report["checks"])
        click.echo(
            f"period {report['period']} not closed: {blockers} blocker(s); nothing written",
            err=True,
        )


@click.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def verify(app: AppContext, as_json: bool) -> None:
    """Recompute every seal from the files and check every archived document's SHA-256."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.close.hashes import FileHashes, share_hashes
    from ledger.close.verify import verify_books

    booked: list[tuple[list[data.Directive], dict[str, Any]]] = []
    hashes: list[list[FileHashes]] = []

    def keep(entries: list[data.Directive], options: dict[str, Any]) -> None:
        booked.append((list(entries), options))
        # hashed once: plugins.period_lock takes these hashes in the same load
        hashes.append(share_hashes(entries, options))

    # the seals' hashes and the snapshots from this one load: no second parse, no
    # second hashing
    opened = app.open_books(guard=False, full=True, before_plugins=keep)
    result = verify_books(opened.books, opened.config, booked[0], hashes[0])
    if as_json:
        echo_json(result.to_json())
    else:
        for line in result.lines():
            click.echo(line)
    sys.exit(0 if result.ok else 1)


@click.command("audit")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def audit(app: AppContext, ref: str, as_json: bool) -> None:
    """Where the entries linked REF (or with source-ref REF) came from."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.close.audit import audit as trails_of

    trails = trails_of(app.open_books(full=True).books, ref)
    if as_json:
        echo_json({"ref": ref, "entries": [trail.to_json() for trail in trails]})
    else:
        for trail in trails:
            click.echo("\n".join(trail.lines()))
    if not trails:
        click.echo(f"no entry is linked ^{ref.removeprefix('^')} or has source-ref {ref}", err=True)
        sys.exit(1)


@click.command("sign-off")
@click.argument("period")
@click.option("--by", "by", required=True, help="Who signs the period off.")
@click.option("--as-of", "as_of_option", type=DATE, help="The day of the sign-off.")
@pass_app
def sign_off(app: AppContext, period: str, by: str, as_of_option: datetime.date | None) -> None:
    """Sign PERIOD (YYYY-MM) off before its close: who, and when (the as-of date),
    written to sign-offs.beancount. [close] sign-off = true makes the close wait for it."""
    # lazy: a command loads only the code it runs, so the CLI starts fast
    from ledger.close.sign_off import SignOffError, write_sign_off

    try:
        with app.writing(as_of_option) as ((path, _, day, books), writer):
            assert writer is not None
            text = write_sign_off(writer, path, books.entries, period, by, day)
    except SignOffError as exc:
        raise UsageError(str(exc)) from None
    except LockTimeout as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(text, nl=False)
