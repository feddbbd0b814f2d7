"""Beancount plugins: settlement-date accounting, cash sufficiency, period lock."""

from ledger.compiled import package_path

# plugins.settlement compiled (ledger.compiled), while it is built from the source as it is.
__path__ = package_path(__name__, __path__)
