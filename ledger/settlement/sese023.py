"""ISO 20022 sese.023.001.09, SecuritiesSettlementTransactionInstructionV09, with lxml.

No XSD for sese.023 could be had from a package registry (pyiso20022 1.6.2, the
ISO 20022 package on PyPI, ships pacs/pain/camt/admi/colr/head/remt only), so
:func:`structure_errors` checks the document against :data:`STRUCTURE`, the
part of the message definition we emit: every element in schema order, which
are mandatory, and the data types of the leaves (ISINs, BICs, ISO dates,
currency codes, decimal amounts, Max35Text). :func:`sese023` checks its own
output with it, so a document that does not conform is never written.

The message, for a buy (a sell swaps RECE/DELI, the parties and DBIT/CRDT)::

    <Document xmlns="urn:iso:std:iso:20022:tech:xsd:sese.023.001.09">
      <SctiesSttlmTxInstr>
        <TxId>T123</TxId>
        <SttlmTpAndAddtlParams><SctiesMvmntTp>RECE</SctiesMvmntTp><Pmt>APMT</Pmt>
        </SttlmTpAndAddtlParams>
        <TradDtls><TradDt><Dt><Dt>2026-11-24</Dt></Dt></TradDt>
          <SttlmDt><Dt><Dt>2026-11-25</Dt></Dt></SttlmDt></TradDtls>
        <FinInstrmId><ISIN>US8522341036</ISIN><Desc>Block, Inc. Class A</Desc></FinInstrmId>
        <QtyAndAcctDtls><SttlmQty><Qty><Unit>1000</Unit></Qty></SttlmQty>
          <SfkpgAcct><Id>GAISAFE001</Id></SfkpgAcct></QtyAndAcctDtls>
        <SttlmParams><SctiesTxTp><Cd>TRAD</Cd></SctiesTxTp></SttlmParams>
        <DlvrgSttlmPties>   place of settlement (Dpstry) and the counterparty's agent (Pty1)
        <RcvgSttlmPties>    place of settlement and our custodian with our account
        <SttlmAmt><Amt Ccy="USD">61275.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></SttlmAmt>
      </SctiesSttlmTxInstr>
    </Document>
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ledger.settlement.instructions import Instruction

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:sese.023.001.09"

_ISIN = r"[A-Z]{2}[A-Z0-9]{9}[0-9]"
_BIC = r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?"
_DATE = r"\d{4}-\d{2}-\d{2}"
_MAX35 = r"[^\n]{1,35}"
_MAX16 = r"[^\n]{1,16}"
_DECIMAL = r"\d{1,18}(\.\d{1,5})?"


@dataclass(frozen=True)
class Node:
    """An element of the message definition: ``name``, whether it must be there,
    a pattern for a leaf's text, the children in schema order, required attributes."""

    name: str
    required: bool = True
    text: str | None = None
    children: tuple[Node, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()


def _date_choice(name: str) -> Node:
    # DateAndDateTime2Choice / TradeDate8Choice: <X><Dt><Dt>YYYY-MM-DD</Dt></Dt></X>
    return Node(name, children=(Node("Dt", children=(Node("Dt", text=_DATE),)),))


def _parties(name: str) -> Node:
    # SettlementParties97: depository (place of settlement) and party 1.
    return Node(
        name,
        children=(
            Node("Dpstry", children=(Node("Id", children=(Node("AnyBIC", text=_BIC),)),)),
            Node(
                "Pty1",
                children=(
                    Node("Id", children=(Node("AnyBIC", text=_BIC),)),
                    Node("SfkpgAcct", required=False, children=(Node("Id", text=_MAX35),)),
                ),
            ),
        ),
    )


STRUCTURE = Node(
    "Document",
    children=(
        Node(
            "SctiesSttlmTxInstr",
            children=(
                Node("TxId", text=_MAX16),
                Node(
                    "SttlmTpAndAddtlParams",
                    children=(
                        Node("SctiesMvmntTp", text="RECE|DELI"),
                        Node("Pmt", text="APMT|FREE"),
                    ),
                ),
                Node("TradDtls", children=(_date_choice("TradDt"), _date_choice("SttlmDt"))),
                Node(
                    "FinInstrmId",
                    children=(Node("ISIN", text=_ISIN), Node("Desc", required=False, text=_MAX35)),
                ),
                Node(
                    "QtyAndAcctDtls",
                    children=(
                        Node(
                            "SttlmQty",
                            children=(Node("Qty", children=(Node("Unit", text=_DECIMAL),)),),
                        ),
                        Node("SfkpgAcct", children=(Node("Id", text=_MAX35),)),
                        Node("CshAcct", required=False, children=(Node("Prtry", text=_MAX35),)),
                    ),
                ),
                Node(
                    "SttlmParams",
                    children=(Node("SctiesTxTp", children=(Node("Cd", text="TRAD"),)),),
                ),
                _parties("DlvrgSttlmPties"),
                _parties("RcvgSttlmPties"),
                Node(
                    "SttlmAmt",
                    children=(
                        Node("Amt", text=_DECIMAL, attributes=(("Ccy", "[A-Z]{3}"),)),
                        Node("CdtDbtInd", text="DBIT|CRDT"),
                    ),
                ),
            ),
        ),
    ),
)


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def _check(element: etree._Element, node: Node, path: str, errors: list[str]) -> None:
    here = f"{path}/{node.name}"
    if etree.QName(element).namespace != NAMESPACE:
        errors.append(f"{here}: namespace is not {NAMESPACE}")
    for attribute, pattern in node.attributes:
        value = element.get(attribute)
        if value is None or not re.fullmatch(pattern, value):
            errors.append(f"{here}: attribute {attribute}={value!r} does not match {pattern}")
    children = [child for child in element if isinstance(child.tag, str)]
    if node.text is not None:
        text = element.text or ""
        if children or not re.fullmatch(node.text, text):
            errors.append(f"{here}: {text!r} does not match {node.text}")
        return
    position = 0
    for expected in node.children:
        if position < len(children) and _local(children[position]) == expected.name:
            _check(children[position], expected, here, errors)
            position += 1
        elif expected.required:
            errors.append(f"{here}: missing {expected.name} (or out of schema order)")
    for extra in children[position:]:
        errors.append(f"{here}: unexpected element {_local(extra)}")


def structure_errors(root: etree._Element) -> list[str]:
    """Where ``root`` departs from :data:`STRUCTURE` (empty when it conforms)."""
    if _local(root) != STRUCTURE.name:
        return [f"root element is {_local(root)}, not {STRUCTURE.name}"]
    errors: list[str] = []
    _check(root, STRUCTURE, "", errors)
    return errors


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    if text is not None:
        element.text = text
    return element


def _path(parent: etree._Element, names: str, text: str) -> None:
    *inner, leaf = names.split("/")
    for name in inner:
        parent = _sub(parent, name)
    _sub(parent, leaf, text)


def _parties_element(
    parent: etree._Element, name: str, place: str, bic: str, account: str | None
) -> None:
    parties = _sub(parent, name)
    _path(parties, "Dpstry/Id/AnyBIC", place)
    party = _sub(parties, "Pty1")
    _path(party, "Id/AnyBIC", bic)
    if account:
        _path(party, "SfkpgAcct/Id", account)


def sese023(instruction: Instruction) -> bytes:
    """The sese.023 document of ``instruction``; raises ValueError if it would not conform."""
    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    body = _sub(root, "SctiesSttlmTxInstr")
    _sub(body, "TxId", instruction.reference)
    params = _sub(body, "SttlmTpAndAddtlParams")
    _sub(params, "SctiesMvmntTp", "RECE" if instruction.receive else "DELI")
    _sub(params, "Pmt", "APMT")
    details = _sub(body, "TradDtls")
    _path(details, "TradDt/Dt/Dt", instruction.trade_date.isoformat())
    _path(details, "SttlmDt/Dt/Dt", instruction.settle_date.isoformat())
    security = _sub(body, "FinInstrmId")
    _sub(security, "ISIN", instruction.isin)
    if instruction.description:
        _sub(security, "Desc", instruction.description)
    quantity = _sub(body, "QtyAndAcctDtls")
    _path(quantity, "SttlmQty/Qty/Unit", format(instruction.quantity, "f"))
    _path(quantity, "SfkpgAcct/Id", instruction.safekeeping_account)
    if instruction.cash_account:
        _path(quantity, "CshAcct/Prtry", instruction.cash_account)
    _path(body, "SttlmParams/SctiesTxTp/Cd", "TRAD")
    counterparty = (
        instruction.place_of_settlement,
        instruction.agent_bic,
        instruction.agent_account,
    )
    ours = (instruction.place_of_settlement, instruction.custodian_bic, None)
    delivering, receiving = (counterparty, ours) if instruction.receive else (ours, counterparty)
    _parties_element(body, "DlvrgSttlmPties", *delivering)
    _parties_element(body, "RcvgSttlmPties", *receiving)
    amount = _sub(body, "SttlmAmt")
    _sub(amount, "Amt", format(instruction.amount, "f")).set("Ccy", instruction.currency)
    _sub(amount, "CdtDbtInd", "DBIT" if instruction.receive else "CRDT")
    errors = structure_errors(root)
    if errors:
        raise ValueError(f"sese.023 for trade {instruction.trade_id}: " + "; ".join(errors))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
