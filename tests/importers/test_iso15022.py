"""The shared ISO 15022 parser: envelope, sequences, qualifiers, field
formats, and errors that name the message and line."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.common import ImportFailure
from importers.custody import iso15022
from tests.importers.trade_books import CUSTODY

MESSAGE = """\
{1:F01GAINUS33AXXX0000000000}{2:O5451545261125CSTDUS33XXXX00000000002611251545N}{3:{108:X}}{4:
:16R:GENL
:20C::SEME//REF1
:23G:NEWM
:16R:LINK
:20C::RELA//T1
:16S:LINK
:16S:GENL
:16R:TRADDET
:98A::ESET//20261125
:35B:ISIN US8522341036
BLOCK INC
CL A
:90B::DEAL//ACTU/USD61,25
:16S:TRADDET
:16R:FIAC
:36B::ESTT//UNIT/1000,
:93B::AGGR/XISS/FAMT/N12,5
:19A::ESTT//NUSD61275,
:16S:FIAC
-}{5:{CHK:0}}
"""


def test_blocks_sequences_and_fields() -> None:
    [message] = iso15022.parse(MESSAGE, "m.txt")
    assert (message.message_type, message.sender, message.reference) == ("545", "CSTDUS33", "REF1")
    assert [child.name for child in message.body.children] == ["GENL", "TRADDET", "FIAC"]
    genl = message.body.children[0]
    assert genl.get("23G") == iso15022.Field("23G", None, None, "NEWM", 4)
    assert genl.sequences("LINK")[0].get("20C", "RELA") == iso15022.Field(
        "20C", "RELA", "", "T1", 6
    )
    traddet = message.body.children[1]
    security = traddet.get("35B")
    assert security is not None
    assert message.isin(security) == "US8522341036"
    assert message.description(security) == "BLOCK INC CL A"
    price = traddet.get("90B", "DEAL")
    assert price is not None and message.price(price) == ("USD", Decimal("61.25"))
    fiac = message.body.children[2]
    quantity = fiac.get("36B", "ESTT")
    assert quantity is not None and message.quantity(quantity) == ("UNIT", Decimal(1000))
    issuer = fiac.get("93B", "AGGR")
    assert issuer is not None and issuer.issuer == "XISS"
    assert message.quantity(issuer) == ("FAMT", Decimal("-12.5"))
    amount = fiac.get("19A", "ESTT")
    assert amount is not None and message.amount(amount) == ("USD", Decimal("-61275"))
    assert [s.name for s in message.body.walk("LINK")] == ["LINK"]


def test_several_messages_in_one_file() -> None:
    messages = iso15022.parse((CUSTODY / "mt545.txt").read_text(encoding="latin-1"), "f")
    assert [(m.message_type, m.reference, m.line) for m in messages] == [
        ("545", "CUS2611250117", 1),
        ("547", "CUS2611250118", 31),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (":16S:LINK", ":16S:LINX"),
            "m.txt:7: MT545: :16S:LINX closes nothing: the open sequence is LINK (line 5)",
        ),
        ((":16S:FIAC\n", ""), "m.txt:16: MT545: sequence :16R:FIAC is never closed with :16S:FIAC"),
        (("-}{5", "}{5"), "m.txt:1: MT545: block 4 does not end with a line '-}'"),
        (("{2:O545", "{2:X545"), "m.txt:1: application header {2:X545"),
        (("{4:\n:16R:GENL", "{4:\n16R:GENL"), "m.txt:2: MT545: '16R:GENL' is not a field"),
        (("{1:F01", "1:F01"), "m.txt:1: expected a SWIFT block"),
    ],
)
def test_errors_name_the_line_and_message(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ImportFailure) as caught:
        iso15022.parse(MESSAGE.replace(*change), "m.txt")
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        (":98A::ESET//2026112", "m.txt:10: MT545 REF1: :98A::ESET: '2026112' is not a date"),
        (
            ":36B::ESTT//UNIT/1000",
            "m.txt:17: MT545 REF1: :36B: value '1000' is not an ISO 15022 decimal",
        ),
        (
            ":36B::ESTT//PCS/1000,",
            "m.txt:17: MT545 REF1: :36B::ESTT: 'PCS/1000,' is not a quantity",
        ),
    ],
)
def test_field_format_errors(field: str, text: str) -> None:
    original = field.split("//")[0]
    source = next(line for line in MESSAGE.splitlines() if line.startswith(original))
    [message] = iso15022.parse(MESSAGE.replace(source, field), "m.txt")
    tag = field[1:4]
    qualifier = field[6:10]
    item = next(
        f
        for seq in message.body.children
        for f in seq.fields
        if f.tag == tag and f.qualifier == qualifier
    )
    with pytest.raises(ImportFailure) as caught:
        if tag == "98A":
            message.date(item)
        else:
            message.quantity(item)
    assert str(caught.value).startswith(text)


def test_an_empty_file_is_an_error() -> None:
    with pytest.raises(ImportFailure, match="no SWIFT message"):
        iso15022.parse("\n\n", "e.txt")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("{}:1245-/\nABC16RS9,")), max_size=300))
def test_fuzz_only_import_failures(text: str) -> None:
    with contextlib.suppress(ImportFailure):
        iso15022.parse(text, "fuzz")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(MESSAGE)), st.text(max_size=5))
def test_fuzz_edits_of_a_valid_message(position: int, insert: str) -> None:
    with contextlib.suppress(ImportFailure):
        iso15022.parse(MESSAGE[:position] + insert + MESSAGE[position:], "fuzz")
