"""Custody: ISO 15022 settlement confirmations and statements, custody CSV, prices.

:mod:`importers.custody.iso15022` parses every MT5xx message;
:mod:`importers.custody.builder` makes settlement entries and holdings balances.
"""
