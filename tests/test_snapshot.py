"""The open-period load gives the full load's answers (issue 18).

Books are generated month by month (trades with a broker settling on S, some
partly, some late with a settlement-fail break; auto-settled trades in EUR; bank
interest with a later value date; prices; month-end balance assertions), random
months are closed, the open period is edited and "imported" into (a new month
file included from main.beancount, as the writer does), and every report is
compared, byte for byte, between the load from the latest snapshot and the full
load (``--full``).
"""

from __future__ import annotations

import datetime
import json
import random
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader as beancount_loader
from beancount.ops import summarize
from beancount.parser import printer
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.breaks import model as breaks_model
from ledger.calendars import add_business_days, is_business_day
from ledger.cli import main
from ledger.close import snapshot
from ledger.close.hashes import OPEN_PERIOD
from ledger.close.seal import read_seals
from ledger.close.snapshot_load import FULL_ENV, load_books
from ledger.config import load_config
from ledger.serve import create_fava_app
from ledger.settlement.cycles import CycleBook
from tests.conftest import write_books

AS_OF = datetime.date(2026, 5, 20)
MONTHS = 4  # January to April 2026

MAIN = """\
option "title" "Snapshot test"
option "operating_currency" "USD"
option "booking_method" "FIFO"
plugin "plugins.period_lock"
plugin "plugins.settlement"
plugin "plugins.cash"
plugin "plugins.breaks"

2026-01-01 custom "fava-extension" "ledger.fava_ext"

include "accounts.beancount"
include "prices.beancount"
include "breaks.beancount"
"""

ACCOUNTS = """\
2026-01-01 open Assets:Bank:First:USD USD
  cash-floor: "-900000000 USD"
2026-01-01 open Assets:Custody:Custodia:Securities "FIFO"
2026-01-01 open Assets:Custody:Custodia:Cash:USD USD
  cash-floor: "-900000000 USD"
2026-01-01 open Assets:Custody:Custodia:Cash:EUR EUR
  cash-floor: "-900000000 EUR"
2026-01-01 open Assets:Unsettled:AlphaSec
2026-01-01 open Assets:Unsettled:BetaMarkets
2026-01-01 open Assets:Suspense
2026-01-01 open Expenses:Fees:Bank
2026-01-01 open Income:Interest
2026-01-01 open Income:Trading:Realized
2026-01-01 open Equity:Opening
2026-01-01 commodity XYZ
  isin: "US8522341036"
  asset-class: "equity"
  market: "XNYS"
2026-01-01 commodity SAP
  isin: "DE0007164600"
  asset-class: "equity"
  market: "XETR"

2026-01-01 * "Opening balances"
  Assets:Bank:First:USD              1000000.00 USD
  Assets:Custody:Custodia:Cash:USD    500000.00 USD
  Assets:Custody:Custodia:Cash:EUR    400000.00 EUR
  Assets:Custody:Custodia:Securities      1000 XYZ {40.00 USD}
  Assets:Custody:Custodia:Securities       200 SAP {200.00 EUR}
  Equity:Opening                    -1540000.00 USD
  Equity:Opening                     -440000.00 EUR
"""

CONFIG = """\
as-of = 2026-05-20

[settlement]
fail-warning-days = 3

[counterparties.AlphaSec]
name = "Alpha Securities LLC"
cash-account = "Assets:Custody:Custodia:Cash:USD"

[counterparties.BetaMarkets]
name = "Beta Markets GmbH"
auto-settle = true
cash-account = "Assets:Custody:Custodia:Cash:EUR"

[matching.break-tolerance]
settlement-fail = 200

[close]
reconciled-accounts = ["Assets:Bank"]
"""


class Month:
    """The entries of one generated month, by file."""

    def __init__(self, year: int, month: int) -> None:
        self.first = datetime.date(year, month, 1)
        self.files: dict[str, list[str]] = {}

    @property
    def end(self) -> datetime.date:
        return add_months(self.first, 1) - datetime.timedelta(days=1)

    def add(self, name: str, text: str) -> None:
        self.files.setdefault(f"{self.first:%Y/%m}/{name}.beancount", []).append(text)


def add_months(day: datetime.date, n: int) -> datetime.date:
    month = day.month - 1 + n
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


class Generator:
    """Random books, month by month; every month closes clean."""

    def __init__(self, rng: random.Random, config_path: Path) -> None:
        self.rng = rng
        self.cycles = CycleBook(load_config(config_path, required=True).settlement)
        self.held = {"XYZ": 1000, "SAP": 200}
        self.bought: dict[str, int] = {}
        self.trades = 0
        self.breaks: list[str] = []  # text of break entries, in order
        self.prices: list[str] = []
        self.late: list[tuple[datetime.date, str, str]] = []  # (day, file, text) for later

    def cycle(self, security: str, currency: str, day: datetime.date) -> tuple[int, object]:
        market = "XNYS" if security == "XYZ" else "XETR"
        cycle = self.cycles.cycle(market, "equity", [currency], day)
        return cycle.days, cycle.calendars

    def trade(self, month: Month, last_month: bool) -> None:
        rng = self.rng
        security, currency, broker = rng.choice(
            [("XYZ", "USD", "AlphaSec"), ("SAP", "EUR", "BetaMarkets")]
        )
        days, calendars = self.cycle(security, currency, month.first)
        day = month.first + datetime.timedelta(days=rng.randrange(1, month.end.day))
        while not is_business_day(calendars, day):  # type: ignore[arg-type]
            day += datetime.timedelta(days=1)
        settle = add_business_days(calendars, day, days)  # type: ignore[arg-type]
        self.trades += 1
        trade_id = f"T{self.trades}"
        price = Decimal(rng.randrange(3000, 6000)) / 100
        quantity = rng.randrange(1, 20) * 10
        # sell only what was held when the month began: the days come in any order
        side = "sell" if rng.random() < 0.4 and self.held[security] > quantity else "buy"
        amount = (price * quantity).quantize(Decimal("0.01"))
        if side == "buy":
            self.bought[security] = self.bought.get(security, 0) + quantity
            cost = f"{{{price} {currency}}}"
            legs = (
                f"  Assets:Custody:Custodia:Securities  {quantity} {security} {cost}\n"
                f"  Assets:Unsettled:{broker}  -{amount} {currency}\n"
            )
        else:
            self.held[security] -= quantity
            legs = (
                f"  Assets:Custody:Custodia:Securities  -{quantity} {security} {{}} "
                f"@ {price} {currency}\n"
                f"  Assets:Unsettled:{broker}  {amount} {currency}\n"
                "  Income:Trading:Realized\n"
            )
        month.add(
            "trades",
            f'{day} * "{broker}" "{side} {quantity} {security}" ^trade-{trade_id}\n'
            f'  trade-id: "{trade_id}"\n  trade-date: {day}\n  settle-date: {settle}\n'
            f'  side: "{side}"\n{legs}',
        )
        if broker == "BetaMarkets":
            return  # auto-settled by plugins.settlement
        cash = amount if side == "buy" else -amount
        flow = rng.random()
        if last_month and flow < 0.3:
            return  # still pending, or a fail, in the open period
        if flow < 0.25:  # late, within fail-warning-days; a break explains it until it comes
            late = add_business_days(calendars, settle, rng.randrange(1, 3))  # type: ignore[arg-type]
            break_id = f"B-{trade_id}"
            self.breaks.append(
                f'{settle} custom "break" "{break_id}" "settlement-fail"\n'
                f'  link: "trade-{trade_id}"\n  description: "not delivered"\n'
            )
            self.settlement(late, trade_id, broker, cash, currency)
            self.breaks.append(f'{late} custom "break-resolved" "{break_id}" "settled late"\n')
        elif flow < 0.45:  # in two parts, the second one business day later
            half = (cash / 2).quantize(Decimal("0.01"))
            self.settlement(settle, trade_id, broker, half, currency, partial=True)
            second = add_business_days(calendars, settle, 1)  # type: ignore[arg-type]
            if second <= settle.replace(day=28) or rng.random() < 0.5:
                self.settlement(second, trade_id, broker, cash - half, currency)
            else:  # the rest after a break: the trade is alive across the month end
                self.breaks.append(
                    f'{settle} custom "break" "B-{trade_id}" "settlement-fail"\n'
                    f'  link: "trade-{trade_id}"\n  description: "half delivered"\n'
                )
                self.settlement(second, trade_id, broker, cash - half, currency)
        else:
            self.settlement(settle, trade_id, broker, cash, currency)

    def settlement(
        self,
        day: datetime.date,
        trade_id: str,
        broker: str,
        cash: Decimal,
        currency: str,
        partial: bool = False,
    ) -> None:
        flag = "  partial: TRUE\n" if partial else ""
        text = (
            f'{day} * "Custodia" "Settlement of {trade_id}" ^trade-{trade_id}\n{flag}'
            f"  Assets:Unsettled:{broker}  {cash} {currency}\n"
            f"  Assets:Custody:Custodia:Cash:{currency}  {-cash} {currency}\n"
        )
        self.late.append((day, "custody", text))

    def month(self, month: Month, last_month: bool) -> None:
        rng = self.rng

        for _ in range(rng.randrange(2, 6)):
            self.trade(month, last_month)
        for security, quantity in self.bought.items():
            self.held[security] += quantity
        self.bought.clear()
        for _ in range(rng.randrange(1, 3)):
            day = month.first + datetime.timedelta(days=rng.randrange(0, month.end.day))
            cents = Decimal(rng.randrange(100, 100000)) / 100
            value = day + datetime.timedelta(days=rng.randrange(0, 4))
            month.add(
                "bank",
                f'{day} * "First Bank" "Interest"\n  value-date: {value}\n'
                f"  Assets:Bank:First:USD  {cents} USD\n  Income:Interest\n",
            )
        if rng.random() < 0.5:
            day = month.first + datetime.timedelta(days=rng.randrange(0, 20))
            month.add(
                "bank",
                f'{day} ! "First Bank" "Unknown line"\n'
                "  Assets:Suspense  15.00 USD\n  Assets:Bank:First:USD  -15.00 USD\n"
                f'{day + datetime.timedelta(days=3)} * "First Bank" "Unknown line: a bank fee"\n'
                "  Assets:Suspense  -15.00 USD\n  Expenses:Fees:Bank  15.00 USD\n",
            )
        for security, currency in (("XYZ", "USD"), ("SAP", "EUR")):
            day = month.first + datetime.timedelta(days=rng.randrange(0, month.end.day))
            price = Decimal(rng.randrange(3000, 6000)) / 100
            self.prices.append(f"{day} price {security}  {price} {currency}\n")


def generate(directory: Path, seed: int) -> tuple[Path, list[Month]]:
    rng = random.Random(seed)
    books = write_books(
        directory,
        {
            "main.beancount": MAIN,
            "accounts.beancount": ACCOUNTS,
            "backoffice.toml": CONFIG,
            "prices.beancount": "",
            "breaks.beancount": "",
        },
    )
    generator = Generator(rng, books)
    months = [Month(2026, m) for m in range(1, MONTHS + 1)]
    for month in months:
        generator.month(month, month is months[-1])
    for day, name, text in generator.late:
        target = next((m for m in months if m.first <= day <= m.end), months[-1])
        target.add(name, text)
    for month in months:
        month.add(
            "bank-balance",
            f"{month.end + datetime.timedelta(days=1)} balance Assets:Bank:First:USD  0 USD\n",
        )
    (directory / "prices.beancount").write_text("".join(sorted(generator.prices)))
    (directory / "breaks.beancount").write_text("".join(generator.breaks))
    includes = []
    for month in months:
        for name, texts in sorted(month.files.items()):
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(texts))
            includes.append(f'include "{name}"\n')
    with books.open("a") as main_file:
        main_file.write("".join(includes))
    fix_balances(books, months)
    return books, months


def fix_balances(books: Path, months: list[Month]) -> None:
    """Each month-end bank balance assertion says what the books hold (the statement)."""
    loaded = load_books(books, full=True)
    for month in months:
        day = month.end + datetime.timedelta(days=1)
        total = sum(
            (
                posting.units.number
                for entry in loaded.entries
                if getattr(entry, "postings", None) and entry.date < day
                for posting in entry.postings
                if posting.account == "Assets:Bank:First:USD"
            ),
            Decimal(0),
        )
        name = books.parent / f"{month.first:%Y/%m}/bank-balance.beancount"
        name.write_text(f"{day} balance Assets:Bank:First:USD  {total} USD\n")


def run(books: Path, *args: str, full: bool) -> tuple[int, str]:
    prefix = ["--full"] if full else []
    result = CliRunner().invoke(main, ["--books", str(books), *prefix, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def answers(books: Path, as_of: datetime.date, full: bool) -> dict[str, object]:
    """Every report as of ``as_of``, as the command prints it; ``check`` without the
    count of loaded entries (the open-period load holds fewer)."""
    day = as_of.isoformat()
    found: dict[str, object] = {}
    code, output = run(books, "check", "--json", "--as-of", day, full=full)
    report = json.loads(output)
    del report["entries"]
    found["check"] = (code, report)
    for command in (
        ["settlements"],
        ["cash"],
        ["breaks"],
        ["recon", "--dry-run"],
        ["stock-record"],
        ["valuation"],
        ["imports"],
    ):
        found[command[0]] = run(books, *command, "--json", "--as-of", day, full=full)
    return found


def views(books: Path, begin: datetime.date, as_of: datetime.date, full: bool) -> str:
    """What Fava's balance sheet, income statement and journal show from ``begin``:
    the entries clamped to the time filter (Beancount's summarize.clamp_opt, which
    Fava applies), printed."""
    loaded = load_books(books, full=full, hardcore=False)
    end = datetime.date(2026, 12, 31)
    clamped, _ = summarize.clamp_opt(loaded.entries, begin, end, loaded.options)
    return "".join(printer.format_entry(entry) for entry in clamped)


def close(books: Path, period: str) -> None:
    code, output = run(books, "close", period, "--as-of", AS_OF.isoformat(), full=False)
    assert code == 0, output


def edit_open_period(books: Path, months: list[Month], rng: random.Random) -> None:
    """An edit in the open period's files, a new price and a resolution in the mixed
    files, and an "import": a new month's file included from main.beancount."""
    last = months[-1]
    trades = books.parent / f"{last.first:%Y/%m}/trades.beancount"
    day = last.first + datetime.timedelta(days=rng.randrange(1, 20))
    with trades.open("a") as handle:
        handle.write(
            f'\n{day} * "First Bank" "Wire fee"\n  Assets:Bank:First:USD  -25.00 USD\n'
            "  Expenses:Fees:Bank\n"
        )
    with (books.parent / "prices.beancount").open("a") as handle:
        handle.write(f"{last.end} price XYZ  {rng.randrange(40, 60)}.00 USD\n")
    imported = books.parent / "2026/05/bank.beancount"
    imported.parent.mkdir(parents=True, exist_ok=True)
    imported.write_text(
        '2026-05-04 * "First Bank" "Interest"\n  Assets:Bank:First:USD  12.34 USD\n'
        "  Income:Interest\n"
    )
    with books.open("a") as handle:
        handle.write('include "2026/05/bank.beancount"\n')
    fix_balances(books, months)


def compare(books: Path, sealed_end: datetime.date, rng: random.Random) -> None:
    as_of = sealed_end + datetime.timedelta(days=rng.randrange(1, (AS_OF - sealed_end).days + 1))
    assert answers(books, as_of, full=False) == answers(books, as_of, full=True)
    begin = sealed_end + datetime.timedelta(days=1 + rng.randrange(0, 20))
    assert views(books, begin, as_of, full=False) == views(books, begin, as_of, full=True)


@pytest.fixture
def books_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKOFFICE_AS_OF", AS_OF.isoformat())
    monkeypatch.delenv(FULL_ENV, raising=False)
    return tmp_path


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_open_period_load_answers_as_the_full_load(books_dir: Path, seed: int) -> None:
    directory = books_dir / f"books-{seed}"
    shutil.rmtree(directory, ignore_errors=True)
    books, months = generate(directory, seed)
    rng = random.Random(seed)
    sealed = months[: rng.randrange(1, MONTHS)]
    for month in sealed:
        close(books, f"{month.first:%Y-%m}")
    compare(books, sealed[-1].end, rng)
    edit_open_period(books, months, rng)
    compare(books, sealed[-1].end, rng)


def fava_pages(books: Path, time: str, full: bool) -> dict[str, bytes]:
    """Fava's balance sheet, income statement and journal with the time filter ``time``,
    as its API serves them to its pages (the pages' shell also carries data about the
    whole books, such as each account's last entry, which a time filter does not touch)."""
    app = create_fava_app(books, read_only=True, load=True, full=full)
    app.testing = True
    client = app.test_client()
    slug = str(client.get("/").headers["Location"]).strip("/").split("/")[0]
    pages = {
        page: client.get(f"/{slug}/api/{page}?time={time}").data
        for page in ("balance_sheet", "income_statement", "journal")
    }
    pages["page"] = client.get(f"/{slug}/balance_sheet/?time={time}").data
    return pages


def test_fava_answers_from_the_snapshot_date_on_and_asks_for_full_before(
    books_dir: Path,
) -> None:
    books, _ = generate(books_dir / "books", 7)
    close(books, "2026-01")
    close(books, "2026-02")
    time = "2026-03-01 - 2026-04-30"
    fast = fava_pages(books, time, full=False)
    full = fava_pages(books, time, full=True)
    for page in ("balance_sheet", "income_statement", "journal"):
        assert fast[page] == full[page]
    assert b"Assets:Custody:Custodia:Securities" in fast["balance_sheet"]
    earlier = fava_pages(books, "2026-02", full=False)["page"]
    assert (
        b"These books are served from the snapshot of 2026-02 (the close of 2026-02-28): the "
        b"entries up to that day are summed up in it, so the time filter &#39;2026-02&#39;, "
        b"which starts on 2026-02-01, cannot be shown. Choose a time from 2026-03-01 on, or "
        b"serve the whole history: backoffice --full serve (or BACKOFFICE_FULL=1)."
    ) in earlier
    assert b"cannot be shown" not in fava_pages(books, "2026-02", full=True)["page"]


SMALL = {
    "main.beancount": """
        option "operating_currency" "USD"
        option "booking_method" "FIFO"
        plugin "plugins.period_lock"
        plugin "plugins.settlement"
        plugin "plugins.breaks"
        include "accounts.beancount"
        include "prices.beancount"
        include "breaks.beancount"
        include "2026/10/trades.beancount"
        include "2026/11/custody.beancount"
        """,
    "accounts.beancount": """
        2026-01-01 open Assets:Bank:First:USD USD
        2026-01-01 open Assets:Custody:Custodia:Securities "FIFO"
        2026-01-01 open Assets:Custody:Custodia:Cash:USD USD
          cash-floor: "-900000000 USD"
        2026-01-01 open Assets:Unsettled:AlphaSec
        2026-01-01 open Income:Trading:Realized
        2026-01-01 open Equity:Opening
        2026-01-01 commodity XYZ
          isin: "US8522341036"
          asset-class: "equity"
          market: "XNYS"
        """,
    "prices.beancount": """
        2026-10-15 price XYZ  51.00 USD
        2026-10-29 price XYZ  52.00 USD
        2026-11-03 price XYZ  53.00 USD
        """,
    "breaks.beancount": """
        2026-10-30 custom "break" "B-1" "settlement-fail"
          link: "trade-A2"
          description: "half delivered"
        2026-11-03 custom "break-resolved" "B-1" "the rest came"
        """,
    "2026/10/trades.beancount": """
        2026-10-01 * "Opening"
          Assets:Bank:First:USD                100000.00 USD
          Assets:Custody:Custodia:Cash:USD     100000.00 USD
          Assets:Custody:Custodia:Securities       100 XYZ {50.00 USD}
          Equity:Opening                      -205000.00 USD

        2026-10-27 * "AlphaSec" "sell 40 XYZ" ^trade-A1
          trade-id: "A1"
          trade-date: 2026-10-27
          settle-date: 2026-10-28
          side: "sell"
          Assets:Custody:Custodia:Securities       -40 XYZ {} @ 52.00 USD
          Assets:Unsettled:AlphaSec              2080.00 USD
          Income:Trading:Realized

        2026-10-28 * "Custodia" "Settlement of A1" ^trade-A1
          Assets:Unsettled:AlphaSec             -2080.00 USD
          Assets:Custody:Custodia:Cash:USD       2080.00 USD

        2026-10-29 * "AlphaSec" "buy 20 XYZ" ^trade-A2
          trade-id: "A2"
          trade-date: 2026-10-29
          settle-date: 2026-10-30
          side: "buy"
          Assets:Custody:Custodia:Securities        20 XYZ {52.00 USD}
          Assets:Unsettled:AlphaSec             -1040.00 USD

        2026-10-30 * "Custodia" "Settlement of A2" ^trade-A2
          partial: TRUE
          Assets:Unsettled:AlphaSec               520.00 USD
          Assets:Custody:Custodia:Cash:USD       -520.00 USD

        2026-10-30 * "AlphaSec" "buy 10 XYZ" ^trade-A3
          trade-id: "A3"
          trade-date: 2026-10-30
          settle-date: 2026-11-02
          side: "buy"
          Assets:Custody:Custodia:Securities        10 XYZ {52.00 USD}
          Assets:Unsettled:AlphaSec              -520.00 USD

        2026-11-01 balance Assets:Bank:First:USD  100000.00 USD
        """,
    "2026/11/custody.beancount": """
        2026-11-02 * "Custodia" "Settlement of A3" ^trade-A3
          Assets:Unsettled:AlphaSec               520.00 USD
          Assets:Custody:Custodia:Cash:USD       -520.00 USD

        2026-11-03 * "Custodia" "Settlement of A2, the rest" ^trade-A2
          Assets:Unsettled:AlphaSec               520.00 USD
          Assets:Custody:Custodia:Cash:USD       -520.00 USD
        """,
    "backoffice.toml": """
        as-of = 2026-11-27

        [counterparties.AlphaSec]
        name = "Alpha Securities LLC"
        cash-account = "Assets:Custody:Custodia:Cash:USD"

        [matching.break-tolerance]
        settlement-fail = 200

        [close]
        reconciled-accounts = ["Assets:Bank"]
        """,
}


def test_the_snapshot_holds_lots_last_prices_balances_and_what_lives_on(books_dir: Path) -> None:
    books = write_books(books_dir / "books", SMALL)
    code, output = run(books, "close", "2026-10", "--as-of", "2026-11-27", full=False)
    assert code == 0, output
    text = (books.parent / "closes/2026-10/snapshot.beancount").read_text()
    header, body = text.split("\n\n", 1)
    assert header.splitlines()[3:5] == [
        '2026-10-31 custom "snapshot" "2026-10"',
        f'  seal: "{read_seals(load_books(books, full=True).entries)[0][0].digest}"',
    ]
    # The sale of 40 XYZ is summed up; the buy of A2, half settled with a break
    # open, and A3, settling in November, live on, as parsed and booked.
    assert body == SMALL_SNAPSHOT


SMALL_SNAPSHOT = """\
2026-10-29 S "Snapshot 2026-10: balances at 2026-10-31 less the entries carried below"
  Assets:Bank:First:USD                100000.00 USD
  Assets:Custody:Custodia:Cash:USD     102080.00 USD
  Assets:Custody:Custodia:Securities          60 XYZ {50.00 USD, 2026-10-01}
  Equity:Opening                      -205000.00 USD
  Income:Trading:Realized                 -80.00 USD

; the last price of each pair

2026-10-29 price XYZ                                 52.00 USD
  snapshot-from: "prices.beancount:2"

; the last balance assertion of each account and currency that still holds

; the entries alive after 2026-10-31, as parsed and booked

2026-10-29 * "AlphaSec" "buy 20 XYZ" ^trade-A2
  trade-id: "A2"
  trade-date: 2026-10-29
  settle-date: 2026-10-30
  side: "buy"
  snapshot-from: "2026/10/trades.beancount:20"
  Assets:Custody:Custodia:Securities        20 XYZ {52.00 USD, 2026-10-29}
  Assets:Unsettled:AlphaSec           -1040.00 USD

2026-10-30 custom "break" "B-1" "settlement-fail"
  link: "trade-A2"
  description: "half delivered"
  snapshot-from: "breaks.beancount:1"

2026-10-30 * "Custodia" "Settlement of A2" ^trade-A2
  partial: TRUE
  snapshot-from: "2026/10/trades.beancount:28"
  Assets:Unsettled:AlphaSec          520.00 USD
  Assets:Custody:Custodia:Cash:USD  -520.00 USD

2026-10-30 * "AlphaSec" "buy 10 XYZ" ^trade-A3
  trade-id: "A3"
  trade-date: 2026-10-30
  settle-date: 2026-11-02
  side: "buy"
  snapshot-from: "2026/10/trades.beancount:33"
  Assets:Custody:Custodia:Securities       10 XYZ {52.00 USD, 2026-10-30}
  Assets:Unsettled:AlphaSec           -520.00 USD

; for the valuation and the imports: every entry up to 2026-10-31 added up

2026-10-31 custom "snapshot-history" "USD"
2026-10-31 custom "snapshot-historical" Assets:Bank:First:USD "USD" "100000.00"
2026-10-31 custom "snapshot-historical" Assets:Custody:Custodia:Cash:USD "USD" "101560.00"
2026-10-31 custom "snapshot-historical" Assets:Unsettled:AlphaSec "USD" "-520.00"
"""


@pytest.fixture
def small(books_dir: Path) -> Path:
    books = write_books(books_dir / "books", SMALL)
    code, output = run(books, "close", "2026-10", "--as-of", "2026-11-27", full=False)
    assert code == 0, output
    return books


def small_answers(books: Path, full: bool) -> dict[str, object]:
    return answers(books, datetime.date(2026, 11, 27), full=full)


def test_the_open_period_load_starts_from_the_snapshot(small: Path) -> None:
    fast = load_books(small)
    assert {entry.date for entry in fast.entries if entry.date.month == 10} == {
        datetime.date(2026, 10, 29),  # the summary and the price
        datetime.date(2026, 10, 30),  # what lives on
        datetime.date(2026, 10, 31),  # the seal
    }
    assert fast.errors == []
    assert small_answers(small, full=False) == small_answers(small, full=True)


def test_deleting_every_snapshot_only_makes_commands_load_in_full(small: Path) -> None:
    before = small_answers(small, full=False)
    for path in (small.parent / "closes").glob("*/snapshot*"):
        path.unlink()
    assert len(load_books(small).entries) == len(load_books(small, full=True).entries)
    assert small_answers(small, full=False) == before
    code, output = run(small, "verify", full=False)
    assert code == 0, output


def test_main_beancount_still_loads_the_whole_history_without_backoffice(small: Path) -> None:
    entries, errors, options = beancount_loader.load_file(str(small))
    assert errors == []
    assert not any("snapshot" in name for name in options["include"])
    assert len(entries) == len(load_books(small, full=True).entries)


def test_a_change_in_a_sealed_month_falls_back_and_is_reported_as_period_lock_does(
    small: Path,
) -> None:
    trades = small.parent / "2026/10/trades.beancount"
    trades.write_text(trades.read_text().replace("2080.00 USD", "2081.00 USD"))
    code, output = run(small, "check", "--json", full=False)
    assert (code, output) == run(small, "check", "--json", full=True)
    assert code == 1
    assert "period 2026-10 is sealed (closes.beancount:3) but its entries changed" in output
    assert "this entry was changed after the close" in output


def test_an_edit_of_a_sealed_price_in_a_mixed_file_falls_back(small: Path) -> None:
    prices = small.parent / "prices.beancount"
    prices.write_text(prices.read_text().replace("51.00 USD", "51.50 USD"))
    code, output = run(small, "check", "--json", full=False)
    assert (code, output) == run(small, "check", "--json", full=True)
    changed = [e for e in json.loads(output)["errors"] if "changed after the close" in e["message"]]
    assert [(e["file"], e["line"]) for e in changed] == [("books/prices.beancount", 1)]


def test_a_new_entry_in_a_mixed_file_dated_in_the_open_period_keeps_the_fast_load(
    small: Path,
) -> None:
    with (small.parent / "prices.beancount").open("a") as handle:
        handle.write("2026-11-20 price XYZ  54.00 USD\n")
    assert OPEN_PERIOD in load_books(small).options
    assert small_answers(small, full=False) == small_answers(small, full=True)


def test_full_is_forced_by_the_option_and_the_environment(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert OPEN_PERIOD in load_books(small).options
    assert OPEN_PERIOD not in load_books(small, full=True).options
    monkeypatch.setenv(FULL_ENV, "1")
    assert OPEN_PERIOD not in load_books(small).options


def test_verify_proves_the_snapshot_and_names_an_edited_one(small: Path) -> None:
    code, output = run(small, "verify", "--json", full=False)
    assert code == 0, output
    assert json.loads(output)["snapshots"] == [{"period": "2026-10", "ok": True, "problems": []}]
    snapshot = small.parent / "closes/2026-10/snapshot.beancount"
    snapshot.write_text(snapshot.read_text().replace("102080.00 USD", "102081.00 USD"))
    code, output = run(small, "verify", "--json", full=False)
    assert code == 1
    assert json.loads(output)["snapshots"] == [
        {
            "period": "2026-10",
            "ok": False,
            "problems": [
                "closes/2026-10/snapshot.beancount is not the snapshot its seal names; delete "
                "it (commands then load the whole history) or restore it from git"
            ],
        }
    ]
    # the commands do not trust it: they load the whole history
    assert OPEN_PERIOD not in load_books(small).options


def test_an_as_of_date_in_the_sealed_history_loads_it_whole(small: Path) -> None:
    day = datetime.date(2026, 10, 29)
    assert answers(small, day, full=False) == answers(small, day, full=True)
    code, output = run(
        small, "blotter", "--from", "2026-10-01", "--to", "2026-11-30", "--json", full=False
    )
    assert (code, output) == run(
        small, "blotter", "--from", "2026-10-01", "--to", "2026-11-30", "--json", full=True
    )
    assert '"trade_id": "A1"' in output


def test_seals_after_the_latest_snapshot_are_verified_by_period_lock(books_dir: Path) -> None:
    books, _ = generate(books_dir / "books", 11)
    close(books, "2026-01")
    close(books, "2026-02")
    for path in (books.parent / "closes/2026-02").glob("snapshot*"):
        path.unlink()
    loaded = load_books(books)
    assert loaded.options[OPEN_PERIOD].period == "2026-01"
    assert loaded.errors == []
    day = datetime.date(2026, 3, 20)
    assert answers(books, day, full=False) == answers(books, day, full=True)
    # a sealed February entry changed: the open-period load starts from January, and
    # period_lock, verifying February's seal over the entries it holds, reports it
    february = books.parent / "2026/02/trades.beancount"
    february.write_text(february.read_text().replace(" * ", " ! ", 1))
    assert OPEN_PERIOD in load_books(books).options
    assert answers(books, day, full=False) == answers(books, day, full=True)
    code, output = run(books, "check", "--json", full=False)
    assert code == 1 and "period 2026-02 is sealed" in output


def test_the_snapshot_knows_the_break_entries_as_the_breaks_model_writes_them() -> None:
    assert (snapshot.BREAK, snapshot.RESOLVED) == (breaks_model.BREAK, breaks_model.RESOLVED)
