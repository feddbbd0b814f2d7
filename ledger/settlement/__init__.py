"""Settlement: cycles, the state of each trade, reports and settlement instructions."""

from ledger.compiled import package_path

# The scan compiled (ledger.compiled), while it is built from the source as it is.
__path__ = package_path(__name__, __path__)
