"""Trades: the blotter CSV, FIX execution reports and broker OFX over one builder.

Each reader gives :class:`importers.trades.builder.Trade` rows;
:mod:`importers.trades.builder` makes the trade entries; :mod:`importers.securities`
resolves their securities.
"""
