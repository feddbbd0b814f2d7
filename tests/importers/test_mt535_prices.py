"""MT535 prices (SWIFT MT535 sequence B1 FIN, field 90a): a market or indicative
price per unit (:90B: ACTU), a percentage of the face amount (:90A: PRCT, in the
currency of :19A::HOLD//), and a yield (:90A: YIEL), which is not a price."""

from __future__ import annotations

from pathlib import Path

from importers.custody.mt535 import Mt535Importer
from ledger.imports.output import render
from tests.importers.trade_books import base_books, trades_config

MT535 = """{1:F01GAINUS33AXXX0000000000}{2:O5352300261030CSTDUS33XXXX00000000002610302300N}{4:
:16R:GENL
:28E:1/ONLY
:20C::SEME//CUS535PRICES
:23G:NEWM
:98A::STAT//20261030
:22F::STBA//SETT
:97A::SAFE//GAISAFE001
:17B::ACTI//Y
:16S:GENL
:16R:SUBSAFE
:16R:FIN
:35B:ISIN US0378331005
APPLE INC
:90B::MRKT//ACTU/USD230,10
:98A::PRIC//20261029
:93B::AGGR//UNIT/2000,
:16S:FIN
:16R:FIN
:35B:ISIN US5949181045
MICROSOFT CORP
:90B::INDC//ACTU/USD418,
:93B::AGGR//UNIT/1500,
:16S:FIN
:16R:FIN
:35B:ISIN US91282CJL55
US TREASURY N/B 4.5 11/15/33
:90A::MRKT//PRCT/101,25
:93B::AGGR//FAMT/1000000,
:19A::HOLD//USD1012500,
:16S:FIN
:16R:FIN
:35B:ISIN DE0007164600
SAP SE
:90A::MRKT//YIEL/3,2
:93B::AGGR//UNIT/800,
:16S:FIN
:16S:SUBSAFE
-}"""


def test_prices_per_unit(tmp_path: Path) -> None:
    books = base_books(tmp_path)
    statement = tmp_path / "custodia-mt535.txt"
    statement.write_text(MT535, encoding="latin-1")
    importer = Mt535Importer(trades_config())
    assert importer.identify(str(statement))
    entries = importer.extract(str(statement), books.entries)
    text = render(entries).replace(str(statement), "custodia-mt535.txt")
    sha = entries[0].meta["source-sha256"]
    assert text.replace(sha, "<sha256>") == (
        "2026-10-29 price AAPL                               230.10 USD\n"
        '  source: "custodia-mt535.txt"\n'
        '  source-ref: "CUS535PRICES/AAPL/price"\n'
        '  source-sha256: "<sha256>"\n'
        "\n"
        "2026-10-30 price MSFT                                  418 USD\n"
        '  source: "custodia-mt535.txt"\n'
        '  source-ref: "CUS535PRICES/MSFT/price"\n'
        '  source-sha256: "<sha256>"\n'
        "\n"
        "2026-10-30 price UST33                              1.0125 USD\n"
        '  source: "custodia-mt535.txt"\n'
        '  source-ref: "CUS535PRICES/UST33/price"\n'
        '  source-sha256: "<sha256>"\n'
        "\n"
        "2026-10-31 balance Assets:Custody:Custodia:Securities              2000 AAPL\n"
        '  source: "custodia-mt535.txt"\n'
        '  source-ref: "CUS535PRICES/GAISAFE001/AAPL"\n'
        '  source-sha256: "<sha256>"\n'
        "\n"
        "2026-10-31 balance Assets:Custody:Custodia:Securities              1500 MSFT\n"
        '  source: "custodia-mt535.txt"\n'
        '  source-ref: "CUS535PRICES/GAISAFE001/MSFT"\n'
        '  source-sha256: "<sha256>"\n'
        "\n"
        "2026-10-31 balance Assets:Custody:Custodia:Securities              1000000 UST33\n"
        '  source: "custodia-mt535.txt"\n'
        '  source-ref: "CUS535PRICES/GAISAFE001/UST33"\n'
        '  source-sha256: "<sha256>"\n'
        "\n"
        "2026-10-31 balance Assets:Custody:Custodia:Securities              800 SAP\n"
        '  source: "custodia-mt535.txt"\n'
        '  source-ref: "CUS535PRICES/GAISAFE001/SAP"\n'
        '  source-sha256: "<sha256>"\n'
    )
