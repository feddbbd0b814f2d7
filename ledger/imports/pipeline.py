"""``backoffice import``: identify → extract → dedupe → check balances → archive → write.

Any ``beangulp.Importer`` plugs in (``importers.registry.importers_for``).
The pipeline owns what is common to every format:

1. identify: exactly one importer must claim each file;
2. extract, files in registry order (trades before the statements settling
   them), each importer seeing the books plus the batch so far as ``existing``;
3. provenance: ``source`` becomes the archived document's path, ``source-sha256``
   its hash;
4. dedupe exactly by identity (:mod:`ledger.imports.dedupe`) against the books
   and within the batch: re-importing a document adds nothing;
5. check every extracted ``balance`` against the books plus the batch
   (:mod:`ledger.imports.balances`);
6. write the archived documents, the month files and the ``include`` lines,
   all or nothing.

Everything from the first read of the books to the last rename happens under
the books' lock (:class:`~ledger.writer.BooksWriter`): two imports of the same
statement, or an import racing ``close``, run one after the other, each
deduplicating against and checking the books the other left.

The books are read once per batch (:mod:`ledger.imports.view`): a batch of
bank statements only from an index of their text, any other batch loaded in
full. Any problem in any file stops the whole batch before a byte is written.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from beancount.core import data
from beangulp import Importer
from beangulp.exceptions import Error as BeangulpError

from importers.bank.base import BankImporter
from importers.common import ImportFailure, InputWarning, UnknownBroker, UnknownStatementAccount
from importers.registry import importers_for
from importers.trades.settle_dates import UnknownCycle
from ledger import meta as keys
from ledger.close.sealed_periods import sealed_periods
from ledger.config import CONFIG_NAME, Config, StatementAccount
from ledger.documents import document_sha256
from ledger.imports import new_accounts, output
from ledger.imports.balances import check_balances
from ledger.imports.created import (
    broker_opens,
    config_text,
    distinct_brokers,
    distinct_cycles,
    with_brokers,
    with_cycles,
)
from ledger.imports.dedupe import split_new
from ledger.imports.holdings import adjusted_holdings
from ledger.imports.opening import opening_entries
from ledger.imports.result import FileImport, ImportErrors, ImportResult
from ledger.imports.view import BooksView, InexactBalance, books_view
from ledger.writer import BooksWriter, complete_interrupted

ImporterFactory = Callable[[Config], Sequence[Importer]]


def _bank_only(claimed: Sequence[tuple[Path, Importer]]) -> bool:
    """Whether every file is a bank statement: those need only the books' index."""
    return bool(claimed) and all(isinstance(imp, BankImporter) for _, imp in claimed)


def _default_importers(config: Config) -> Sequence[Importer]:
    return importers_for(config)


def _identify(path: Path, importers: Sequence[Importer]) -> Importer:
    if not path.is_file():
        raise ImportFailure(path, None, "no such file", hint="check the path")
    found = [importer for importer in importers if importer.identify(str(path))]
    if len(found) == 1:
        return found[0]
    if not found:
        names = ", ".join(importer.name for importer in importers) or "none configured"
        raise ImportFailure(
            path,
            None,
            f"no importer recognises this file ({_looks_like(path)})",
            hint=f"the importers are: {names}; for a bank CSV add an [imports.csv.<name>] format",
        )
    names = ", ".join(importer.name for importer in found)
    raise ImportFailure(
        path,
        None,
        f"more than one importer claims this file: {names}",
        hint="make the CSV formats' 'filename' globs or headers tell the files apart",
    )


def _looks_like(path: Path) -> str:
    """What the content looked like, for the user to tell what the file is."""
    with open(path, "rb") as handle:
        start = handle.read(512)
    if not start.strip():
        return "it is empty"
    text = start.decode("latin-1")
    first = next(line.strip() for line in text.splitlines() if line.strip())
    looks = f"it starts with {first[:60]!r}"
    if "OFXHEADER" in text.upper() or "<OFX>" in text.upper():
        return f"{looks}: OFX, but no bank, card or investment statement in it"
    if re.match(r":\d\d[A-Z]?:", first):
        return f"{looks}: SWIFT fields, but no statement (:20:, :25: and balances)"
    return looks


def _provenance(
    entries: Sequence[data.Directive], archive: str, sha256: str
) -> list[data.Directive]:
    """Point ``source`` at the archived document; fill in ``source-sha256``."""
    out = []
    for entry in entries:
        if keys.SOURCE in entry.meta or keys.SOURCE_REF in entry.meta:
            meta = dict(entry.meta)
            meta[keys.SOURCE] = archive
            meta[keys.SOURCE_SHA256] = sha256
            entry = entry._replace(meta=meta)
        out.append(entry)
    return out


def _claim(
    paths: Sequence[Path], importers: Sequence[Importer]
) -> tuple[list[tuple[Path, Importer]], list[BaseException]]:
    """Each file with the one importer that claims it, in extraction order."""
    failures: list[BaseException] = []
    claimed: list[tuple[int, Path, Importer]] = []
    for path in paths:
        try:
            importer = _identify(path, importers)
        except ImportFailure as exc:
            failures.append(exc)
            continue
        claimed.append((list(importers).index(importer), path, importer))
    claimed.sort(key=lambda item: (item[0], str(item[1])))
    return [(path, importer) for _, path, importer in claimed], failures


def _extract_all(
    claimed: Sequence[tuple[Path, Importer]], view: BooksView, config: Config
) -> tuple[list[FileImport], list[BaseException]]:
    failures: list[BaseException] = []
    index = set(view.keys)
    seen = list(view.entries)
    batch: list[data.Directive] = []
    results: list[FileImport] = []
    statements = frozenset(mapping.account for mapping in config.statement_accounts)
    for path, importer in claimed:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", InputWarning)
                extracted = list(importer.extract(str(path), seen))
            if view.loaded:
                extracted = adjusted_holdings(extracted, seen, batch, config, view.balance)
            account = importer.account(str(path))
            day = importer.date(str(path)) or max((entry.date for entry in extracted), default=None)
        except BeangulpError as exc:
            failures.append(exc)
            continue
        accepted = _input_warnings(caught)
        oversized = _oversized(path, extracted)
        if oversized:
            failures.extend(oversized)
            continue
        sha256 = document_sha256(path)
        name = importer.filename(str(path)) or path.name
        archive = output.archive_path(config.documents, account, day, name)
        new, duplicates = split_new(_provenance(extracted, archive, sha256), index)
        earlier = len(batch)
        seen.extend(new)
        batch.extend(new)
        balances = [entry for entry in extracted if isinstance(entry, data.Balance)]
        openings, refused = _checked_balances(balances, view, batch, earlier, config)
        failures.extend(refused)
        if openings:
            new = [*openings, *new]
            seen.extend(openings)
            batch.extend(openings)
        accounts = sorted(
            {entry.postings[0].account for entry in new if isinstance(entry, data.Transaction)}
            | {entry.account for entry in extracted if isinstance(entry, data.Balance)}
        )
        results.append(
            FileImport(
                path=path,
                importer=importer.name,
                sha256=sha256,
                archive=archive,
                accounts=tuple(accounts) or (account,),
                new=new,
                duplicates=len(duplicates),
                warnings=accepted,
                account=account,
                statement_accounts=statements,
            )
        )
    return results, failures


def _checked_balances(
    balances: Sequence[data.Balance],
    view: BooksView,
    batch: Sequence[data.Directive],
    earlier: int,
    config: Config,
) -> tuple[list[data.Transaction], list[ImportFailure]]:
    """``(openings, failures)``: a file's balances against the books plus the batch
    (the file's own entries from ``batch[earlier:]`` on). A new account's first
    statement books its opening (:mod:`ledger.imports.opening`), or with ``[imports]
    opening-from-statement = false`` is refused with the entry to add."""
    policy = config.settlement.on_settlement
    failures = check_balances(balances, view.balance, batch, settlement_date=policy)
    if not failures:
        return [], []
    openings = opening_entries(
        batch[earlier:], view.keys, batch[:earlier], view.balance, config.accounts.opening
    )
    if not openings:
        return [], failures
    if not config.imports.opening_from_statement:
        return [], [
            ImportFailure(
                entry.meta.get("filename", "<unknown>"),
                entry.meta.get("lineno"),
                f"the books hold nothing on {entry.postings[0].account} before this statement, "
                f"which starts it at {entry.postings[0].units}; [imports] "
                "opening-from-statement is false",
                hint="add this entry to the books, then retry:\n" + output.render([entry]),
            )
            for entry in openings
        ]
    with_openings = [*batch, *openings]
    return openings, check_balances(balances, view.balance, with_openings, settlement_date=policy)


# A text field of the books: far above any bank's or broker's field, far below a
# line that makes the books unwieldy (a damaged file can put megabytes in one)
TEXT_MAX = 4096


def _oversized(path: Path, entries: Sequence[data.Directive]) -> list[ImportFailure]:
    """A failure for the first entry with a text longer than :data:`TEXT_MAX`."""
    for entry in entries:
        texts = [(key, value) for key, value in entry.meta.items() if isinstance(value, str)]
        if isinstance(entry, data.Transaction):
            texts += [("payee", entry.payee or ""), ("narration", entry.narration or "")]
        for key, value in texts:
            if len(value) > TEXT_MAX:
                return [
                    ImportFailure(
                        path,
                        entry.meta.get("lineno"),
                        f"the {key} is {len(value)} characters long, more than the "
                        f"{TEXT_MAX} a field of the books may hold",
                        value=value[:40] + "…",
                        hint="the file is damaged; ask its sender to resend it",
                    )
                ]
    return []


def _input_warnings(caught: Sequence[warnings.WarningMessage]) -> tuple[str, ...]:
    """The importer's :class:`InputWarning` texts; any other warning is shown as usual."""
    accepted = []
    for caught_warning in caught:
        if issubclass(caught_warning.category, InputWarning):
            accepted.append(str(caught_warning.message))
        else:
            warnings.warn_explicit(
                caught_warning.message,
                caught_warning.category,
                caught_warning.filename,
                caught_warning.lineno,
            )
    return tuple(accepted)


def _lenient(config: Config) -> Config:
    """``--lenient``: the config with ``[trades.fix] lenient = true``."""
    fix = config.trades.fix.model_copy(update={"lenient": True})
    return config.model_copy(update={"trades": config.trades.model_copy(update={"fix": fix})})


def run_import(
    books_path: Path,
    config: Config,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    create_accounts: bool = False,
    adjust: bool = False,
    lenient: bool = False,
    importers_factory: ImporterFactory = _default_importers,
    reload_config: Callable[[], Config] | None = None,
    after_write: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import ``paths`` into the books at ``books_path``; raise :class:`ImportErrors`
    (and write nothing) when any file has a problem. The books are read, checked and
    written under their lock; a dry run, which writes nothing, reads them without it.
    Under the lock, ``reload_config`` reads the config again (another import may have
    mapped an account meanwhile) and ``after_write`` runs once the write is committed
    (``--commit``'s git commit, so no other writer's change slips into it)."""
    options = _Options(create_accounts, adjust, lenient, importers_factory)
    if dry_run:
        # the text index does not go through books.load: finish a killed import first
        complete_interrupted(books_path.parent)
        return _import(books_path, config, paths, options, None)
    with BooksWriter(books_path.parent) as writer:
        if reload_config is not None:
            config = reload_config()
        result = _import(books_path, config, paths, options, writer)
        writer.commit()
        if after_write is not None and result.written:
            after_write(result)
        return result


@dataclass(frozen=True)
class _Options:
    create_accounts: bool
    adjust: bool
    lenient: bool
    importers_factory: ImporterFactory


def _import(
    books_path: Path,
    config: Config,
    paths: Sequence[Path],
    options: _Options,
    writer: BooksWriter | None,
) -> ImportResult:
    create_accounts, adjust = options.create_accounts, options.adjust
    importers_factory = options.importers_factory
    if options.lenient:
        config = _lenient(config)
    importers = importers_factory(config)
    claimed, failures = _claim(paths, importers)
    try:
        view = books_view(books_path, config, fast=_bank_only(claimed))
        results, more = _extract_all(claimed, view, config)
    except InexactBalance:
        view = books_view(books_path, config, fast=False)
        results, more = _extract_all(claimed, view, config)
    failures += more
    unknown = [failure for failure in failures if isinstance(failure, UnknownStatementAccount)]
    brokers = distinct_brokers(failures)
    cycles = distinct_cycles(failures) if create_accounts else []
    created: list[StatementAccount] = []
    opens: list[data.Open] = []
    commodities = new_accounts.new_commodities(failures) if create_accounts else []
    if create_accounts and (unknown or commodities or brokers or cycles):
        books = books_view(books_path, config, fast=False, base=view)
        # an importer stops at a file's first unknown account or broker: map it, extract
        # again, until a round finds no account, broker or security not known yet
        while True:
            unknown = new_accounts.distinct_accounts(unknown, config)
            extended = with_brokers(new_accounts.with_accounts(config, unknown), brokers)
            extended = with_cycles(extended, cycles)
            opens = new_accounts.open_entries(unknown, books.opened)
            opens += broker_opens(brokers, config, books.opened)
            extra: list[data.Directive] = [*commodities, *opens]
            view = books_view(books_path, extended, fast=False, extra=extra, base=books)
            claimed, failures = _claim(paths, importers_factory(extended))
            results, more = _extract_all(claimed, view, extended)
            failures += more
            mapped = {failure.statement_id for failure in unknown}
            found = [
                failure
                for failure in failures
                if isinstance(failure, UnknownStatementAccount)
                and failure.statement_id not in mapped
            ]
            more_brokers = distinct_brokers(failures)
            made = {commodity.currency for commodity in commodities}
            securities = [
                c for c in new_accounts.new_commodities(failures) if c.currency not in made
            ]
            known = {(c.market, c.asset_class) for c in cycles}
            more_cycles = [
                c for c in distinct_cycles(failures) if (c.market, c.asset_class) not in known
            ]
            if not found and not more_brokers and not securities and not more_cycles:
                break
            cycles = [*cycles, *more_cycles]
            unknown = [*unknown, *found]
            brokers = [*brokers, *more_brokers]
            commodities = sorted([*commodities, *securities], key=lambda c: c.currency)
        failures += [f for c in commodities if (f := new_accounts.without_market(c)) is not None]
        created = extended.statement_accounts[len(config.statement_accounts) :]
        opens = new_accounts.dated_in_time(opens, results)
        opens = new_accounts.overdraft_floors(opens, results)
        commodities += new_accounts.new_currencies(results, opens, view.entries, commodities)
    if not failures:
        booked = new_accounts.booking_accounts(
            results, config, view.opened | {o.account for o in opens}
        )
        if create_accounts:
            opens = sorted([*opens, *booked.values()], key=lambda e: (e.date, e.account))
        else:
            failures += [new_accounts.unopened(account, entry) for account, entry in booked.items()]
    if failures:
        raise ImportErrors(failures)
    results = _outside_sealed(results, view.entries, adjust)
    opens, commodities = new_accounts.in_open_period(opens, commodities, view.entries)
    if writer is None:
        files = _files(results, opens, commodities)
        planned = [r.archive for r in results if r.new] + list(files)
        return ImportResult(
            results,
            planned,
            created,
            True,
            commodities,
            brokers if create_accounts else [],
            cycles,
        )
    written = _write(
        writer, books_path, results, opens, commodities, unknown if created else [], brokers, cycles
    )
    return ImportResult(results, written, created, False, commodities, list(brokers), cycles)


def _outside_sealed(
    results: Sequence[FileImport], existing: Sequence[data.Directive], adjust: bool
) -> list[FileImport]:
    """Refuse entries dated in a sealed period, or with ``adjust`` move them into the
    open period with ``original-date`` (:meth:`ledger.close.sealed_periods.SealedPeriods.admit`)."""
    sealed = sealed_periods(existing)
    if not sealed.seals:
        return list(results)
    kept: list[FileImport] = []
    failures: list[BaseException] = []
    for result in results:
        admitted, refused = sealed.admit(result.new, adjust=adjust)
        admitted = _after_moved_entries(admitted, {id(entry) for entry in result.new})
        if not adjust:
            failures += [
                ImportFailure(result.path, keys.get_source_ref(entry.meta), why)
                for entry, why in refused
            ]
        kept.append(replace(result, new=admitted))
    if failures:
        raise ImportErrors(failures)
    return kept


def _after_moved_entries(admitted: list[data.Directive], unmoved: set[int]) -> list[data.Directive]:
    """``admitted`` less each balance assertion on an account that entries moved into
    the open period's first day post to, dated that day: it asserts the start of the
    day, which no longer includes them (a first statement's opening balance booked the
    day before its first line, in the sealed month)."""
    moved = {
        (leg.account, entry.date)
        for entry in admitted
        if id(entry) not in unmoved and isinstance(entry, data.Transaction)
        for leg in entry.postings
    }
    return [
        entry
        for entry in admitted
        if not (isinstance(entry, data.Balance) and (entry.account, entry.date) in moved)
    ]


def _files(
    results: Sequence[FileImport],
    opens: Sequence[data.Open],
    commodities: Sequence[data.Commodity] = (),
) -> dict[str, list[data.Directive]]:
    """The books files to append to, with their new entries."""
    files = output.by_month(pair for result in results for pair in result.placed())
    if commodities:
        files = {output.COMMODITIES_FILE: list(commodities), **files}
    if opens:
        files = {output.ACCOUNTS_FILE: list(opens), **files}
    return files


def _write(
    writer: BooksWriter,
    books_path: Path,
    results: Sequence[FileImport],
    opens: Sequence[data.Open],
    commodities: Sequence[data.Commodity],
    unknown: Sequence[UnknownStatementAccount],
    brokers: Sequence[UnknownBroker] = (),
    cycles: Sequence[UnknownCycle] = (),
) -> list[str]:
    books_dir = books_path.parent
    files = _files(results, opens, commodities)
    touched: list[str] = []
    for result in results:
        if not result.new:
            continue
        target = books_dir / result.archive
        content = result.path.read_bytes()
        if target.exists():
            if target.read_bytes() != content:
                raise ImportErrors(
                    [
                        ImportFailure(
                            result.path,
                            None,
                            f"{result.archive} already holds a different document",
                            hint="rename the file before importing it",
                        )
                    ]
                )
            continue
        writer.write_bytes(target, content, mode=0o444)
        touched.append(result.archive)
    main_text = books_path.read_text(encoding="utf-8")
    includes = output.missing_includes(main_text, files)
    for name, entries in files.items():
        path = books_dir / name
        # A file the main file does not include yet is new (a killed import's
        # files were completed by the journal): its content never counted.
        included = f'include "{name}"\n' not in includes
        current = path.read_text(encoding="utf-8") if included and path.exists() else ""
        writer.write_text(path, current + output.block(current, entries))
        touched.append(name)
    if includes:
        writer.append_text(books_path, "".join(includes))
        touched.append(books_path.name)
    if unknown or brokers or cycles:
        config_path = books_dir / CONFIG_NAME
        seen: set[str] = set()
        lines = []
        for failure in unknown:
            if failure.statement_id in seen:
                continue
            seen.add(failure.statement_id)
            lines.append(failure.config_lines())
        current = config_path.read_text(encoding="utf-8")
        writer.write_text(config_path, config_text(current, lines, brokers, config_path, cycles))
        touched.append(CONFIG_NAME)
    return touched
