"""Bank statements: MT940/MT942, camt.05x, OFX and CSV readers over one builder.

Each reader turns its format into :mod:`importers.bank.statement` rows;
:mod:`importers.bank.builder` makes the entries, :mod:`importers.bank.rules`
chooses the other posting, :class:`importers.bank.base.BankImporter` is the
importer protocol they share.
"""
