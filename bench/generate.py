"""Synthetic back-office books of the demo firm, for benchmarks.

    python bench/generate.py --size 100k --seed 1 -o bench/out/books-100k

writes a books directory that ``bean-check`` and ``backoffice check`` load
clean: ``main.beancount`` (the demo's options and ``plugin`` lines, then the
includes), the demo's ``accounts.beancount`` and ``commodities.beancount``
copied as they are, ``opening.beancount`` (opening cash), one
``imported/YYYY-MM.beancount`` per month and a ``backoffice.toml``.

The books hold exactly ``--size`` transactions (``10k``, ``30k``, ``100k``, ``300k`` or
a number), about 70 per business day from the first business day after the
chart of accounts opens:

- trades, dated T, with ``trade-id``, ``trade-date``, ``settle-date``,
  ``isin``, ``side``, ``counterparty`` and the link ``^trade-<id>``; the
  securities leg at cost (sells reduce ``{}`` FIFO and book the realized
  result), the cash leg against ``Assets:Unsettled:<Counterparty>``. S is
  T plus the cycle of :mod:`ledger.settlement.cycles`, the rules the
  settlement plugin checks: US listings T+1 on the exchange's and the Fed's
  business days, EU listings T+2 on the exchange's and TARGET's (T+1 from
  2027-10-11); a sell never sells more than is held;
- settlements on S: the counterparty's clearing account against its cash
  account at the custodian, linked to the trade (every counterparty is
  configured without ``auto-settle``, so the books carry every settlement and
  ``--no-plugins`` books balance too);
- bank fees, custody fees, bank interest, dividends on held positions, and
  transfers between each bank account and the custody cash account of its
  currency that keep every cash account at or above its ``cash-floor`` at the
  end of every day, counting every payment already due;
- what the firm's statements give at every month end, as balance assertions
  on the 1st of the next month: each cash account's balance (the banks' and
  the custodian's cash statements) and each security's position (the
  custodian's statement, which counts settled trades: under the trade-date
  policy of ``backoffice.toml``, or without the plugins that re-date trades
  to S, the books count a trade from T, so the assertion does too); the cash
  accounts also on the 16th. Trades stay
  pending across month ends, as they do in a firm's books.

So every month closes clean (``backoffice close``'s checklist: a passing
assertion per reconciled account and currency at the period end, no fail, no
open break, nothing in suspense). Every trade is settled by the last day;
``as-of`` in ``backoffice.toml`` is that day. The same seed, size and demo
books give byte-identical output.
"""

from __future__ import annotations

import argparse
import datetime
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from beancount.core import data
from beancount.parser import parser

from ledger.calendars import Calendars, add_business_days, calendar_for_currency, is_business_day
from ledger.config import Config, parse_config
from ledger.meta import get_cash_floor, stable_id, trade_link
from ledger.settlement.cycles import EU_MARKETS, US_MARKETS, CycleBook

REPO = Path(__file__).resolve().parent.parent
DEMO_BOOKS = REPO / "books"
SIZES = {"10k": 10_000, "30k": 30_000, "100k": 100_000, "300k": 300_000}
# The currency a listing trades in, by market (ISO 10383 MIC).
MARKET_CURRENCY = {**dict.fromkeys(US_MARKETS, "USD"), **dict.fromkeys(EU_MARKETS, "EUR")}

TRADES_PER_DAY = (25, 45)
OPENING_BANK = 100_000_000_00  # cents, per bank account
OPENING_CUSTODY = 20_000_000_00  # cents, per custody cash account
TOP_UP_BELOW = 5_000_000_00  # custody cash below this is topped up from the bank ...
TOP_UP = 10_000_000_00
SWEEP_ABOVE = 40_000_000_00  # ... and swept back above this
SWEEP = 20_000_000_00
TARGET_POSITION = 2_000_000_00  # value held per security the trading drifts towards


class GenerateError(Exception):
    """The demo books lack something the generator needs."""


def parse_size(text: str) -> int:
    """``10k``, ``30k``, ``100k``, ``300k`` or a number of transactions (at least 10)."""
    size = SIZES.get(text.lower())
    if size is None:
        if not text.isdigit() or int(text) < 10:
            raise argparse.ArgumentTypeError(
                f"size {text!r}: expected one of {', '.join(SIZES)} or a number of at least 10"
            )
        size = int(text)
    return size


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def posting(account: str, amount: str) -> str:
    return f"  {account:<44} {amount}"


@dataclass(frozen=True)
class Security:
    symbol: str
    isin: str
    market: str
    asset_class: str
    currency: str
    exchange: Calendars  # the days it trades


@dataclass(frozen=True)
class Desk:
    """One currency: the bank account, the custody cash account, the counterparty."""

    currency: str
    bank: str
    custody: str
    counterparty: str
    cash: Calendars  # the days the currency's payment system is open


@dataclass(frozen=True)
class Firm:
    """What the generator takes from the demo books."""

    options: list[str]
    plugins: list[str]
    accounts_text: str
    commodities_text: str
    config_text: str
    config: Config
    securities_account: str
    securities: list[Security]
    desks: dict[str, Desk]
    floors: dict[str, int]
    start: datetime.date


def read_firm(demo: Path) -> Firm:
    """The demo firm: its options, plugins, chart of accounts, securities, config."""
    main_text = (demo / "main.beancount").read_text(encoding="utf-8")
    lines = [line.strip() for line in main_text.splitlines()]
    options = [line for line in lines if line.startswith("option ") and '"title"' not in line]
    plugins = [line for line in lines if line.startswith("plugin ")]
    accounts_text = (demo / "accounts.beancount").read_text(encoding="utf-8")
    commodities_text = (demo / "commodities.beancount").read_text(encoding="utf-8")
    config_text = (demo / "backoffice.toml").read_text(encoding="utf-8")
    config = parse_config(config_text, demo / "backoffice.toml")
    opens = {
        e.account: e for e in parser.parse_string(accounts_text)[0] if isinstance(e, data.Open)
    }

    def require(account: str) -> data.Open:
        if account not in opens:
            raise GenerateError(f"{demo / 'accounts.beancount'}: {account} is never opened")
        return opens[account]

    accounts = config.accounts
    used = [accounts.realized, accounts.dividends, accounts.interest, accounts.commissions]
    used += [f"{accounts.fees}:Bank", f"{accounts.fees}:Custody", accounts.opening]
    custody = [a for a in opens if a.startswith("Assets:Custody:") and a.endswith(":Securities")]
    if not custody:
        raise GenerateError(f"{demo}: no Assets:Custody:<Custodian>:Securities account")
    used.append(custody[0])

    desks: dict[str, Desk] = {}
    for name, counterparty in sorted(config.counterparties.items()):
        if counterparty.cash_account is None:
            continue
        currency = (require(counterparty.cash_account).currencies or [""])[0]
        banks = [
            a
            for a, o in opens.items()
            if a.startswith("Assets:Bank:") and o.currencies == [currency]
        ]
        cash_calendar = calendar_for_currency(currency)
        if not banks or cash_calendar is None or currency in desks:
            continue
        desks[currency] = Desk(
            currency, banks[0], counterparty.cash_account, name, (cash_calendar,)
        )
        used += [banks[0], counterparty.cash_account, config.unsettled_account(name)]
    for account in used:
        require(account)

    cycles = CycleBook(config.settlement)
    securities: list[Security] = []
    for entry in parser.parse_string(commodities_text)[0]:
        if not isinstance(entry, data.Commodity):
            continue
        market = str(entry.meta.get("market", ""))
        if MARKET_CURRENCY.get(market) in desks:
            securities.append(
                Security(
                    entry.currency,
                    str(entry.meta["isin"]),
                    market,
                    str(entry.meta["asset-class"]),
                    MARKET_CURRENCY[market],
                    cycles.exchange_calendar(market),
                )
            )
    if not securities:
        raise GenerateError(f"{demo / 'commodities.beancount'}: no security the generator trades")
    floors = {}
    for desk in desks.values():
        for account in (desk.bank, desk.custody):
            floors[account] = int(get_cash_floor(opens[account].meta)[0] * 100)
    return Firm(
        options,
        plugins,
        accounts_text,
        commodities_text,
        config_text,
        config,
        custody[0],
        securities,
        desks,
        floors,
        start=max(opens[a].date for a in used) + datetime.timedelta(days=1),
    )


@dataclass
class Lot:
    date: datetime.date
    price: int  # cents
    quantity: int


@dataclass(frozen=True)
class Pending:
    """A trade's settlement, due on S."""

    trade_id: str
    desk: Desk
    side: str
    quantity: int
    symbol: str
    cash: int  # cents, firm's view: negative = we pay


@dataclass
class Generator:
    """Walks the calendar day by day, writing entries until the budget is spent."""

    firm: Firm
    seed: int
    size: int
    from_trade_date: bool  # the books count a trade's securities from T, not S
    cycles: CycleBook = field(init=False)
    rng: random.Random = field(init=False)
    files: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    written: int = 0  # transactions
    pending: int = 0  # settlements due, not yet written
    actual: dict[str, int] = field(default_factory=dict)  # flows dated up to today
    committed: dict[str, int] = field(default_factory=dict)  # actual + outflows due later
    due: defaultdict[datetime.date, list[Pending]] = field(
        default_factory=lambda: defaultdict(list)
    )
    lots: dict[str, list[Lot]] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)  # traded, from T
    settled: dict[str, int] = field(default_factory=dict)  # from S: the custodian's figure
    prices: dict[str, int] = field(default_factory=dict)
    monthly: dict[str, tuple[int, int]] = field(default_factory=dict)
    trades: int = 0
    refs: int = 0
    last_day: datetime.date = datetime.date.min

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.cycles = CycleBook(self.firm.config.settlement)
        for security in self.firm.securities:
            self.lots[security.symbol] = []
            self.held[security.symbol] = 0
            self.settled[security.symbol] = 0
            self.prices[security.symbol] = self.rng.randint(20_00, 400_00)

    # Writing ---------------------------------------------------------------

    def emit(self, day: datetime.date, text: str, file: str | None = None) -> None:
        """Add an entry to ``file``, by default ``imported/YYYY-MM.beancount``."""
        self.files[file or f"imported/{day:%Y-%m}.beancount"].append(text)
        self.last_day = max(self.last_day, day)

    def source_ref(self) -> str:
        self.refs += 1
        return stable_id("bench", str(self.seed), str(self.refs))

    def transaction(
        self,
        day: datetime.date,
        payee: str,
        narration: str,
        postings: Iterable[tuple[str, str]],
        meta: Iterable[tuple[str, str]] = (),
        link: str | None = None,
        file: str | None = None,
    ) -> None:
        head = f'{day} * "{payee}" "{narration}"' + (f" ^{link}" if link else "")
        lines = [head, *(f"  {key}: {value}" for key, value in meta)]
        lines += [posting(account, amount) for account, amount in postings]
        self.emit(day, "\n".join(lines) + "\n", file)
        self.written += 1

    def cash_entry(
        self,
        day: datetime.date,
        payee: str,
        narration: str,
        moves: Sequence[tuple[str, int]],
        currency: str,
    ) -> None:
        """A statement line: cash movements (cents) that sum to zero, applied at once."""
        for account, cents in moves:
            if account in self.actual:
                self.actual[account] += cents
                self.committed[account] += cents
        self.transaction(
            day,
            payee,
            narration,
            [(account, f"{money(cents)} {currency}") for account, cents in moves],
            [("source-ref", f'"{self.source_ref()}"')],
        )

    @property
    def free(self) -> int:
        """How many more transactions there is room for, besides the settlements due."""
        return self.size - self.written - self.pending

    def can_pay(self, account: str, cents: int) -> bool:
        return self.committed[account] - cents >= self.firm.floors[account]

    # The books -------------------------------------------------------------

    def run(self) -> None:
        self.opening()
        day = self.firm.start
        while self.free > 0 or self.due:
            day += datetime.timedelta(days=1)
            self.assertions(day)
            self.settle(day)
            if self.free > 0 and day.weekday() < 5:
                self.cash_events(day)
                self.dividends(day)
                self.trading(day)

    def opening(self) -> None:
        day = self.firm.start
        equity = self.firm.config.accounts.opening
        for desk in self.firm.desks.values():
            for account, cents in ((desk.bank, OPENING_BANK), (desk.custody, OPENING_CUSTODY)):
                self.actual[account] = self.committed[account] = cents
                self.transaction(
                    day,
                    "Opening balance",
                    account.split(":")[2],
                    [
                        (account, f"{money(cents)} {desk.currency}"),
                        (equity, f"{money(-cents)} {desk.currency}"),
                    ],
                    file="opening.beancount",
                )

    def assertions(self, day: datetime.date) -> None:
        """The statements' balances at the start of ``day`` (Beancount's balance is
        checked before the day's entries): on the 1st, the month-end statements."""
        if day.day in (1, 16):
            for desk in self.firm.desks.values():
                for account in (desk.bank, desk.custody):
                    cash = money(self.actual[account])
                    self.emit(day, f"{day} balance {account:<40} {cash} {desk.currency}\n")
        if day.day == 1:
            position = self.held if self.from_trade_date else self.settled
            account = self.firm.securities_account
            for security in self.firm.securities:
                units = position[security.symbol]
                self.emit(day, f"{day} balance {account:<40} {units} {security.symbol}\n")

    def settle(self, day: datetime.date) -> None:
        for item in self.due.pop(day, []):
            self.pending -= 1
            self.settled[item.symbol] += item.quantity if item.side == "buy" else -item.quantity
            desk = item.desk
            self.actual[desk.custody] += item.cash
            if item.cash > 0:
                self.committed[desk.custody] += item.cash
            unsettled = self.firm.config.unsettled_account(desk.counterparty)
            self.transaction(
                day,
                desk.custody.split(":")[2],
                f"Settlement {item.trade_id} {item.side} {item.quantity} {item.symbol}",
                [
                    (desk.custody, f"{money(item.cash)} {desk.currency}"),
                    (unsettled, f"{money(-item.cash)} {desk.currency}"),
                ],
                [("source-ref", f'"{self.source_ref()}"')],
                link=trade_link(item.trade_id),
            )

    def cash_events(self, day: datetime.date) -> None:
        accounts = self.firm.config.accounts
        for desk in self.firm.desks.values():
            if not is_business_day(desk.cash, day):
                continue
            bank, custody, ccy = desk.bank, desk.custody, desk.currency
            bank_name, custodian = bank.split(":")[2], custody.split(":")[2]
            if self.monthly.get(ccy) != (day.year, day.month) and self.free > 1:
                self.monthly[ccy] = (day.year, day.month)
                interest = max(self.actual[bank], 0) * 2 // 1200
                self.cash_entry(
                    day,
                    bank_name,
                    "Interest",
                    [(bank, interest), (accounts.interest, -interest)],
                    ccy,
                )
                fee = self.rng.randint(1000_00, 5000_00)
                if self.can_pay(custody, fee):
                    self.cash_entry(
                        day,
                        custodian,
                        "Custody fee",
                        [(custody, -fee), (f"{accounts.fees}:Custody", fee)],
                        ccy,
                    )
            fee = self.rng.randint(5_00, 75_00)
            if self.free > 0 and self.rng.random() < 0.3 and self.can_pay(bank, fee):
                self.cash_entry(
                    day, bank_name, "Bank fee", [(bank, -fee), (f"{accounts.fees}:Bank", fee)], ccy
                )
            if self.free == 0:
                continue
            if self.committed[custody] < TOP_UP_BELOW and self.can_pay(bank, TOP_UP):
                self.cash_entry(
                    day, bank_name, "Transfer to custody", [(custody, TOP_UP), (bank, -TOP_UP)], ccy
                )
            elif self.committed[custody] > SWEEP_ABOVE:
                self.cash_entry(
                    day, custodian, "Transfer to bank", [(bank, SWEEP), (custody, -SWEEP)], ccy
                )

    def dividends(self, day: datetime.date) -> None:
        for i, security in enumerate(self.firm.securities):
            desk = self.firm.desks[security.currency]
            key = f"dividend {security.symbol}"
            held = self.held[security.symbol]
            if (
                self.free > 0
                and held > 0
                and day.month % 3 == i % 3
                and day.day >= 15
                and is_business_day(desk.cash, day)
                and self.monthly.get(key) != (day.year, day.month)
            ):
                self.monthly[key] = (day.year, day.month)
                per_share = max(1, self.prices[security.symbol] * 4 // 1000)
                cents = held * per_share
                custody = desk.custody
                self.cash_entry(
                    day,
                    custody.split(":")[2],
                    f"Dividend {security.symbol} {held} x {money(per_share)} {desk.currency}",
                    [(custody, cents), (self.firm.config.accounts.dividends, -cents)],
                    desk.currency,
                )

    def trading(self, day: datetime.date) -> None:
        open_today = [s for s in self.firm.securities if is_business_day(s.exchange, day)]
        for security in open_today:
            price = self.prices[security.symbol]
            self.prices[security.symbol] = max(
                100, price + price * self.rng.randint(-150, 150) // 10000
            )
        for _ in range(self.rng.randint(*TRADES_PER_DAY) if open_today else 0):
            if self.free < 2:
                return
            self.trade(day, self.rng.choice(open_today))

    def trade(self, day: datetime.date, security: Security) -> None:
        desk = self.firm.desks[security.currency]
        cycle = self.cycles.cycle(security.market, security.asset_class, [desk.currency], day)
        settle = add_business_days(cycle.calendars, day, cycle.days)
        symbol = security.symbol
        held = self.held[symbol]
        price = self.prices[symbol]
        price += price * self.rng.randint(-20, 20) // 10000
        quantity = self.rng.randint(1, 100) * 10
        sell = held > 0 and self.rng.randrange(2 * TARGET_POSITION) < held * price
        if desk.currency == "USD":
            commission = max(1_00, quantity // 2)
        else:
            commission = max(5_00, quantity * price * 5 // 10000)
        if not sell and not self.can_pay(desk.custody, quantity * price + commission):
            if held == 0:
                return
            sell = True
        if sell:
            quantity = min(quantity, held)
        self.trades += 1
        trade_id = f"T{self.trades:07d}"
        unsettled = self.firm.config.unsettled_account(desk.counterparty)
        accounts = self.firm.config.accounts
        ccy = desk.currency
        if sell:
            cost = self.reduce(symbol, quantity)
            cash = quantity * price - commission
            legs = [
                (self.firm.securities_account, f"{-quantity} {symbol} {{}} @ {money(price)} {ccy}"),
                (accounts.commissions, f"{money(commission)} {ccy}"),
                (accounts.realized, f"{money(cost - quantity * price)} {ccy}"),
                (unsettled, f"{money(cash)} {ccy}"),
            ]
        else:
            self.add_lot(symbol, day, price, quantity)
            cash = -(quantity * price + commission)
            self.committed[desk.custody] += cash
            legs = [
                (self.firm.securities_account, f"{quantity} {symbol} {{{money(price)} {ccy}}}"),
                (accounts.commissions, f"{money(commission)} {ccy}"),
                (unsettled, f"{money(cash)} {ccy}"),
            ]
        side = "sell" if sell else "buy"
        self.transaction(
            day,
            desk.counterparty,
            f"{side.capitalize()} {quantity} {symbol} @ {money(price)} {ccy}",
            legs,
            [
                ("trade-id", f'"{trade_id}"'),
                ("trade-date", str(day)),
                ("settle-date", str(settle)),
                ("isin", f'"{security.isin}"'),
                ("side", f'"{side}"'),
                ("counterparty", f'"{desk.counterparty}"'),
            ],
            link=trade_link(trade_id),
        )
        self.pending += 1
        self.due[settle].append(Pending(trade_id, desk, side, quantity, symbol, cash))

    def add_lot(self, symbol: str, day: datetime.date, price: int, quantity: int) -> None:
        """Beancount keeps one position per (cost, date): today's lot at this price grows."""
        self.held[symbol] += quantity
        lots = self.lots[symbol]
        for lot in reversed(lots):
            if lot.date != day:
                break
            if lot.price == price:
                lot.quantity += quantity
                return
        lots.append(Lot(day, price, quantity))

    def reduce(self, symbol: str, quantity: int) -> int:
        """Take ``quantity`` FIFO off the lots (as Beancount books it); their cost in cents."""
        lots = self.lots[symbol]
        cost = 0
        while quantity:
            lot = lots[0]
            take = min(lot.quantity, quantity)
            cost += take * lot.price
            lot.quantity -= take
            quantity -= take
            self.held[symbol] -= take
            if lot.quantity == 0:
                lots.pop(0)
        return cost


def config_text(firm: Firm, as_of: datetime.date, command: str) -> str:
    """The demo's ``backoffice.toml`` with ``as-of`` at the last day, no auto-settle
    (the generated books carry every settlement) and no month-end revaluation (they
    carry no prices: it would book nothing, at the cost of a valuation per close)."""
    text = re.sub(r"(?m)^as-of\s*=.*$", "", firm.config_text)
    text = re.sub(
        r"(?m)^(auto-settle\s*=\s*)true\b.*$",
        r"\1false  # the synthetic books carry every settlement",
        text,
    )
    text = re.sub(
        r"(?m)^(revaluation\s*=\s*)true\b.*$",
        r"\1false  # the synthetic books carry no prices",
        text,
    )
    return f"# Synthetic books: {command}\nas-of = {as_of}\n{text}"


def render(firm: Firm, size: int, seed: int, *, plugins: bool = True) -> dict[str, str]:
    """The books as file name -> text."""
    trade_date = not plugins or firm.config.settlement.policy == "trade-date"
    generator = Generator(firm, seed, size, trade_date)
    generator.run()
    flags = "" if plugins else " --no-plugins"
    command = f"bench/generate.py --size {size} --seed {seed}{flags}"
    main = [
        f"; Synthetic books of {firm.config.firm.name}, written by {command}",
        f"; {size} transactions, {generator.trades} of them trades; do not edit.",
        "",
        f'option "title" "{firm.config.firm.name} (synthetic, {size} transactions, seed {seed})"',
        *firm.options,
        "",
        *(firm.plugins if plugins else []),
        "",
        'include "accounts.beancount"',
        'include "commodities.beancount"',
        'include "opening.beancount"',
        *(f'include "{name}"' for name in sorted(generator.files) if name != "opening.beancount"),
    ]
    files = {
        "main.beancount": "\n".join(main) + "\n",
        "accounts.beancount": firm.accounts_text,
        "commodities.beancount": firm.commodities_text,
        "backoffice.toml": config_text(firm, generator.last_day, command),
    }
    for name, entries in sorted(generator.files.items()):
        files[name] = "\n".join(entries)
    return files


def write(files: dict[str, str], out: Path) -> None:
    """Write the books into ``out``, which must not exist or be empty."""
    if out.exists() and any(out.iterdir()):
        raise GenerateError(f"{out}: exists and is not empty; pick a new directory")
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument(
        "--size",
        type=parse_size,
        default=SIZES["10k"],
        help="10k, 30k, 100k, 300k or a number of transactions (default 10k)",
    )
    args.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="the books directory to write (new or empty)",
    )
    args.add_argument(
        "--no-plugins", action="store_true", help="leave out the demo books' plugin lines"
    )
    args.add_argument(
        "--demo",
        type=Path,
        default=DEMO_BOOKS,
        help="the demo books to take the firm from (default: books/)",
    )
    opts = args.parse_args(argv)
    try:
        files = render(read_firm(opts.demo), opts.size, opts.seed, plugins=not opts.no_plugins)
        write(files, opts.output)
    except GenerateError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {opts.output / 'main.beancount'} ({opts.size} transactions, seed {opts.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
