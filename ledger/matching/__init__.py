"""Confirmation matching: our trades in the books against the counterparty's confirmations.

Readers turn each source (the books, a broker confirmation CSV, FIX execution
reports, MT544-547) into :class:`ledger.matching.model.TradeRecord` rows in one
vocabulary; :mod:`ledger.matching.pairing` pairs them with hash joins;
:mod:`ledger.matching.compare` applies the per-field tolerance rules;
:mod:`ledger.matching.report` puts it together for the CLI and the Fava page.
"""
