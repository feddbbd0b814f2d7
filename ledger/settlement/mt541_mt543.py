"""MT541 (receive against payment) and MT543 (deliver against payment), ISO 15022.

One FIN message per instruction, as the SWIFT User Handbook, Category 5,
MT541/MT543 lays them out (mandatory sequences and the optional fields we
fill; the same reader, :mod:`importers.custody.iso15022`, parses them back)::

    {1:F01<sender LT address>0000000000}{2:I541<receiver address>N}{4:
    :16R:GENL                       A    General information
    :20C::SEME//<reference>              sender's message reference (16x)
    :23G:NEWM                            function: new message
    :16S:GENL
    :16R:TRADDET                    B    Trade details
    :98A::SETT//YYYYMMDD                 settlement date
    :98A::TRAD//YYYYMMDD                 trade date
    :35B:ISIN <isin>                     identification of the financial instrument
    <description>                        (35x)
    :16S:TRADDET
    :16R:FIAC                       C    Financial instrument/account
    :36B::SETT//UNIT/<quantity>          quantity to be settled
    :97A::SAFE//<account>                our safekeeping account
    :97A::CASH//<account>                our cash account (optional)
    :16S:FIAC
    :16R:SETDET                     E    Settlement details
    :22F::SETR//TRAD                     type of settlement transaction: trade
    :16R:SETPRTY                    E1   the counterparty's agent, DEAG (541) or REAG (543)
    :95P::DEAG//<BIC>
    :97A::SAFE//<account>                its account (optional)
    :16S:SETPRTY
    :16R:SETPRTY                    E1   place of settlement
    :95P::PSET//<BIC>
    :16S:SETPRTY
    :16R:AMT                        E3   settlement amount
    :19A::SETT//<CCY><amount>
    :16S:AMT
    :16S:SETDET
    -}

Field formats (Category 5 general field definitions): decimals with a comma
and no thousands separator (``1000,``, ``61275,5``), dates ``YYYYMMDD``,
BIC ``4!a2!a2!c[3!c]``. The output is the same bytes for the same instruction.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from ledger.settlement.instructions import Instruction


def swift_decimal(value: Decimal) -> str:
    """An ISO 15022 decimal: ``1000,`` / ``61,25``, at most 15 digits with the comma."""
    whole, _, fraction = format(value, "f").partition(".")
    result = f"{whole},{fraction.rstrip('0')}"
    if len(result) > 15 or value < 0:
        raise ValueError(f"{value} does not fit an ISO 15022 decimal (15d, unsigned)")
    return result


def _date(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def _lt_address(bic: str, terminal: str) -> str:
    """A 12-character logical terminal address: BIC8, terminal code, branch (XXX)."""
    branch = bic[8:11] if len(bic) == 11 else "XXX"
    return f"{bic[:8]}{terminal}{branch}"


def mt541_mt543(instruction: Instruction) -> str:
    """The MT541 or MT543 of ``instruction``, CRLF line ends as FIN carries them."""
    agent = "DEAG" if instruction.receive else "REAG"
    lines = [
        ":16R:GENL",
        f":20C::SEME//{instruction.reference}",
        ":23G:NEWM",
        ":16S:GENL",
        ":16R:TRADDET",
        f":98A::SETT//{_date(instruction.settle_date)}",
        f":98A::TRAD//{_date(instruction.trade_date)}",
        f":35B:ISIN {instruction.isin}",
    ]
    if instruction.description:
        lines.append(instruction.description)
    lines += [
        ":16S:TRADDET",
        ":16R:FIAC",
        f":36B::SETT//UNIT/{swift_decimal(instruction.quantity)}",
        f":97A::SAFE//{instruction.safekeeping_account}",
    ]
    if instruction.cash_account:
        lines.append(f":97A::CASH//{instruction.cash_account}")
    lines += [
        ":16S:FIAC",
        ":16R:SETDET",
        ":22F::SETR//TRAD",
        ":16R:SETPRTY",
        f":95P::{agent}//{instruction.agent_bic}",
    ]
    if instruction.agent_account:
        lines.append(f":97A::SAFE//{instruction.agent_account}")
    lines += [
        ":16S:SETPRTY",
        ":16R:SETPRTY",
        f":95P::PSET//{instruction.place_of_settlement}",
        ":16S:SETPRTY",
        ":16R:AMT",
        f":19A::SETT//{instruction.currency}{swift_decimal(instruction.amount)}",
        ":16S:AMT",
        ":16S:SETDET",
    ]
    header = (
        f"{{1:F01{_lt_address(instruction.sender_bic, 'A')}0000000000}}"
        f"{{2:I{instruction.message_type}{_lt_address(instruction.custodian_bic, 'X')}N}}"
        "{4:"
    )
    return "\r\n".join([header, *lines, "-}"]) + "\r\n"
