"""The import pipeline: identify → extract → dedupe → check balances → archive → write.

``ledger.config`` is imported first on purpose: it imports
``ledger.imports.config`` for the ``[imports]`` table, whose models subclass
``ledger.config._Model``; loading ``ledger.config`` first keeps that cycle in
one order whichever module a caller imports first.
"""

import ledger.config  # noqa: F401
