"""Pausing Python's cyclic garbage collector around allocation-heavy work.

Loading books, reading a large statement, matching 100,000 confirmations: each
allocates millions of small, acyclic objects, and every collection walks all of
them again (docs/performance.md). One pause serves
the loader, the importers, the reports and the Fava pages. Threads overlap in
Fava, so the pause counts its users and resumes the collector (when it was
running) only once none is left.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Collector(Protocol):
    """What :class:`CollectorPause` uses of the ``gc`` module."""

    def isenabled(self) -> bool: ...
    def enable(self) -> None: ...
    def disable(self) -> None: ...
    def freeze(self) -> None: ...


class CollectorPause:
    """Pause ``collector`` while any caller is inside; a count, not a flag."""

    def __init__(self, collector: Collector) -> None:
        self._collector = collector
        self._lock = threading.Lock()
        self._active = 0
        self._resume = False

    @contextmanager
    def __call__(self, *, freeze: bool = False) -> Iterator[None]:
        """Pause the collector for the block (usable as a decorator too).

        ``freeze``: on the way out, move every object tracked so far to the
        permanent generation (``gc.freeze``), so the first collections after the
        pause do not walk what the block built and the caller keeps (the loaded
        books). Cycles among frozen
        objects are never collected, so only a load, which a process does once
        or a few times, asks for it.
        """
        with self._lock:
            if self._active == 0:
                self._resume = self._collector.isenabled()
                self._collector.disable()
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if freeze:
                    self._collector.freeze()
                if self._active == 0 and self._resume:
                    self._collector.enable()


gc_paused = CollectorPause(gc)
