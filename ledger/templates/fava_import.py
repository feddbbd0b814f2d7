"""Fava's Import page for these books: Backoffice's importers, each through the
pipeline of 'backoffice import' (deduplicated, archived, in month files)."""

from pathlib import Path

from ledger.fava_import import importers_of

CONFIG = importers_of(Path(__file__).with_name("main.beancount"))
