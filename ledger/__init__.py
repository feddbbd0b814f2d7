"""Backoffice core: config, books I/O, calendars, settlement, cash, matching, close, CLI."""

__version__ = "0.1.0"
