"""Cash management: cash accounts and their floors, value-dated flows, the
projected ladder, suggested transfers and the ``backoffice cash`` report.

``ledger.config`` is imported first on purpose: it imports
``ledger.cash.config`` for the ``[cash]`` table, whose model subclasses
``ledger.config._Model``; loading ``ledger.config`` first keeps that cycle in
one order whichever module a caller imports first.
"""

import ledger.config  # noqa: F401
