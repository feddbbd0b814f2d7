"""Confirmation matching: our trades in the books against the counterparty's confirmations.

Readers turn each source (the books, a broker confirmation CSV, FIX execution
reports, MT544-547) into :class:`ledger.matching.model.TradeRecord` rows in one
vocabulary; :mod:`ledger.matching.pairing` pairs them with hash joins;
:mod:`ledger.matching.compare` applies the per-field tolerance rules;
:mod:`ledger.matching.report` puts it together for the CLI and the Fava page.
"""

# ledger.config holds [matching], whose model (ledger.matching.config) subclasses
# ledger.config._Model: load ledger.config first, so that importing
# ledger.matching.config on its own does not meet a half-initialised module.
import ledger.config  # noqa: F401
