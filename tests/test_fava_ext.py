"""The review pages' machinery, through Fava's Flask test client (no browser)."""

from __future__ import annotations

import datetime
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.context import AS_OF_ENV
from ledger.fava_ext import ageing, charts, page
from ledger.gcpause import CollectorPause
from ledger.init import init_books
from ledger.serve import create_fava_app, has_review_pages

PAGES = ["Settlements", "Cash", "Breaks", "Reconciliation", "Close", "Imports"]
PAGES += ["Valuation", "StockRecord", "Blotter"]  # the records (issue 21)
TITLES = {name: name for name in PAGES} | {"StockRecord": "Stock record"}


@pytest.fixture
def client(demo_books: Path) -> Any:
    app = create_fava_app(demo_books, read_only=True)
    app.testing = True
    return app.test_client()


def slug(client: Any) -> str:
    location = client.get("/").headers["Location"]
    return str(location).strip("/").split("/")[0]


def test_every_page_is_an_extension_of_the_demo_books(client: Any) -> None:
    books = slug(client)
    ledger_data = client.get(f"/{books}/api/ledger_data").get_json()["data"]
    titles = {ext["name"]: ext["report_title"] for ext in ledger_data["extensions"]}
    # Backoffice and OpenPeriod are no pages: one serves the pages' script, the
    # other answers a time filter before the snapshot.
    assert titles == TITLES | {"Backoffice": None, "OpenPeriod": None}


def test_report_json_writes_decimals_as_strings_and_dates_as_iso() -> None:
    report = {"b": Decimal("-1.50"), "a": [datetime.date(2026, 11, 27)]}
    assert page.report_json(report) == '{"a": ["2026-11-27"], "b": "-1.50"}'
    assert json.loads(page.report_json({})) == {}


def test_new_books_enable_the_review_pages(tmp_path: Path, demo_books: Path) -> None:
    init_books(tmp_path / "new", title="New Firm", currency="USD", start=datetime.date(2026, 1, 1))
    assert has_review_pages(create_fava_app(tmp_path / "new" / "main.beancount", read_only=True))

    main = demo_books.read_text(encoding="utf-8")
    demo_books.write_text(main.replace('custom "fava-extension"', 'custom "other"'), "utf-8")
    assert not has_review_pages(create_fava_app(demo_books, read_only=True))


def test_books_given_as_a_relative_path_load(
    demo_books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `make demo` runs `backoffice --books books/main.beancount serve`.
    monkeypatch.chdir(demo_books.parent.parent)
    app = create_fava_app(Path("books/main.beancount"), read_only=True, load=True)
    [ledger] = app.config["LEDGERS"].ledgers
    assert ledger.load_errors == []


def test_ladder_chart_draws_each_day_and_the_floor() -> None:
    bars = [
        charts.Bar(datetime.date(2026, 11, 27), Decimal("100")),
        charts.Bar(datetime.date(2026, 11, 30), Decimal("-50")),
    ]
    svg = ElementTree.fromstring(str(charts.ladder_svg("USD total", "USD", bars, Decimal("-20"))))
    assert svg.tag == "svg"
    rects = [
        (r.get("class"), r.get("data-date"), r.get("y"), r.get("height"))
        for r in svg.iter()
        if r.tag == "rect"
    ]
    # Plot 16..212 px spans 100 .. -50: zero at 146.7, floor -20 at 172.8.
    assert rects == [
        ("day", "2026-11-27", "16.0", "130.7"),
        ("day below-floor", "2026-11-30", "146.7", "65.3"),
    ]
    floor = next(e for e in svg.iter() if e.tag == "line" and e.get("class") == "floor")
    assert (floor.get("y1"), floor.get("y2"), floor.get("data-floor")) == ("172.8", "172.8", "-20")
    labels = [e.text for e in svg.iter() if e.tag == "text"]
    assert labels == ["-50.00", "0.00", "50.00", "100.00", "11-27", "11-30", "floor -20.00"]


def test_ladder_chart_axis_spans_the_balances_not_zero() -> None:
    """5.9M falling to 4.7M fills the chart: ticks 4.5M to 6.5M, bars from 4.5M; the
    floor, far below, is drawn at the bottom edge and said to be below the axis."""
    bars = [
        charts.Bar(datetime.date(2026, 11, 27), Decimal("5900000")),
        charts.Bar(datetime.date(2026, 11, 30), Decimal("4700000")),
    ]
    svg = ElementTree.fromstring(
        str(charts.ladder_svg("Assets:Bank:USD", "USD", bars, Decimal("-500000")))
    )
    ticks = [e.text for e in svg.iter() if e.tag == "text" and e.get("class") == "tick"]
    assert ticks == [
        "4,500,000.00",
        "5,000,000.00",
        "5,500,000.00",
        "6,000,000.00",
        "6,500,000.00",
    ]
    # Plot 16..212 px spans 6.5M .. 4.5M.
    rects = [(r.get("y"), r.get("height")) for r in svg.iter() if r.tag == "rect"]
    assert rects == [("74.8", "137.2"), ("192.4", "19.6")]
    floor = next(e for e in svg.iter() if e.tag == "line" and e.get("class") == "floor")
    assert (floor.get("y1"), floor.get("data-floor")) == ("212.0", "-500000")
    label = next(e for e in svg.iter() if e.tag == "text" and e.get("class") == "floor-label")
    assert label.text == "floor -500,000.00 (below the axis)"


def test_ticks_are_round_numbers_around_the_range() -> None:
    assert charts.ticks(Decimal("-61275"), Decimal("129035")) == [
        Decimal(-100000), Decimal(-50000), Decimal(0), Decimal(50000), Decimal(100000),
        Decimal(150000),
    ]  # fmt: skip
    assert charts.ticks(Decimal(0), Decimal(3), whole=True) == [Decimal(n) for n in range(4)]
    assert charts.ticks(Decimal(0), Decimal("0.4"), whole=True) == [Decimal(0), Decimal(1)]


def test_failed_trades_are_aged_in_buckets_per_currency() -> None:
    def trade(link: str, status: str, age: int, remaining: str, currency: str = "USD") -> Any:
        return {"link": link, "status": status, "age": age, "remaining": remaining,
                "currency": currency}  # fmt: skip

    rows = [
        trade("trade-A", "failed", 4, "129035.00"),
        trade("trade-B", "failed", 3, "-10.00"),
        trade("trade-C", "failed", 25, "5.00", "EUR"),
        trade("trade-D", "pending", 0, "-1.00"),
        trade("trade-E", "failed", 1, "2.00"),
    ]
    # Gross: what we pay and what we receive, and the net beside them.
    assert ageing.ageing(rows) == [
        {"bucket": "1-2 days", "currency": "USD", "trades": 1, "pay": Decimal(0),
         "receive": Decimal("2.00"), "net": Decimal("2.00"), "links": ["trade-E"]},
        {"bucket": "3-5 days", "currency": "USD", "trades": 2, "pay": Decimal("-10.00"),
         "receive": Decimal("129035.00"), "net": Decimal("129025.00"),
         "links": ["trade-A", "trade-B"]},
        {"bucket": "over 20 days", "currency": "EUR", "trades": 1, "pay": Decimal(0),
         "receive": Decimal("5.00"), "net": Decimal("5.00"), "links": ["trade-C"]},
    ]  # fmt: skip


def import_inbox(books: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Import the demo's inbox, as ``make demo`` does; leave no as-of date behind."""
    inbox = sorted(str(p) for p in (books.parent / "inbox").iterdir())
    imported = runner.invoke(main, ["--books", str(books), "import", *inbox])
    assert imported.exit_code == 0, imported.output
    monkeypatch.delenv(AS_OF_ENV, raising=False)


@pytest.mark.parametrize(
    ("page_name", "query", "command"),
    [
        ("Settlements", "", ["settlements", "--json"]),
        (
            "Settlements",
            "?as_of=2026-11-20&counterparty=AlphaSec",
            ["settlements", "--json", "--as-of", "2026-11-20", "--counterparty", "AlphaSec"],
        ),
        ("Cash", "", ["cash", "--json"]),
        ("Cash", "?days=3&currency=EUR", ["cash", "--json", "--days", "3", "--currency", "EUR"]),
        ("Breaks", "", ["breaks", "--json"]),
        ("Reconciliation", "", ["recon", "--json", "--dry-run"]),
    ],
)
def test_report_endpoint_serves_what_the_cli_prints(
    demo_books: Path,
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    page_name: str,
    query: str,
    command: list[str],
) -> None:
    monkeypatch.delenv(AS_OF_ENV, raising=False)
    import_inbox(demo_books, runner, monkeypatch)

    app = create_fava_app(demo_books, read_only=True)
    client = app.test_client()
    response = client.get(f"/{slug(client)}/extension/{page_name}/report{query}")
    assert response.status_code == 200, response.get_data(as_text=True)

    printed = runner.invoke(main, ["--books", str(demo_books), *command])
    assert printed.exit_code in (0, 1), printed.output
    assert response.get_json() == json.loads(printed.stdout)


def test_a_bad_filter_is_not_available_with_the_reason(
    demo_books: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(AS_OF_ENV, raising=False)
    import_inbox(demo_books, runner, monkeypatch)
    client = create_fava_app(demo_books, read_only=True).test_client()
    books = slug(client)

    page_html = client.get(f"/{books}/extension/Cash/?days=ten&partial=true")
    assert "Not available:</strong> days=&#39;ten&#39; is not a valid value" in page_html.text
    unknown = client.get(f"/{books}/extension/Cash/report?currency=CHF")
    assert unknown.status_code == 503
    assert unknown.get_json() == {
        "error": "not available: no cash account holds CHF; the cash currencies are EUR, USD"
    }
    bad_date = client.get(f"/{books}/extension/Settlements/report?as_of=27.11.2026")
    assert bad_date.get_json() == {
        "error": "not available: as_of='27.11.2026' is not a date; write YYYY-MM-DD"
    }


class FakeCollector:
    """The garbage collector's switch, without touching the real one (other tests' Fava
    apps may be computing reports in their background thread)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.frozen = False

    def isenabled(self) -> bool:
        return self.enabled

    def enable(self) -> None:
        self.enabled = True

    def disable(self) -> None:
        self.enabled = False

    def freeze(self) -> None:
        self.frozen = True


def test_the_collector_is_paused_while_any_report_is_computed() -> None:
    """Two computations overlap: the collector stays paused until both are done, and
    then runs again; one that fails resumes it too; a paused collector stays paused."""
    collector = FakeCollector(enabled=True)
    pause = CollectorPause(collector)
    first_inside, second_done = threading.Event(), threading.Event()
    seen = []

    def first() -> None:
        with pause():
            first_inside.set()
            second_done.wait(timeout=10)
            seen.append(collector.enabled)

    thread = threading.Thread(target=first)
    thread.start()
    first_inside.wait(timeout=10)
    with pause():
        seen.append(collector.enabled)
    seen.append(collector.enabled)  # the first one still computes
    second_done.set()
    thread.join(timeout=10)
    assert seen == [False, False, False]
    assert collector.enabled

    with pytest.raises(ZeroDivisionError), pause():
        1 / 0  # noqa: B018
    assert collector.enabled

    collector.enabled = False
    with pause():
        pass
    assert not collector.enabled
    assert not collector.frozen

    with pause(freeze=True):  # as a load does
        pass
    assert collector.frozen


def test_the_configuration_is_read_again_only_when_its_file_changes(
    demo_books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Settlements page asks for each counterparty's clearing account, once per row.
    monkeypatch.delenv(AS_OF_ENV, raising=False)
    reads: list[Path] = []
    real = page.load_config

    def counting(path: Path) -> Any:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(page, "load_config", counting)
    client = create_fava_app(demo_books, read_only=True).test_client()
    books = slug(client)
    html = client.get(f"/{books}/extension/Settlements/").text
    assert "Assets:Unsettled:AlphaSec" in html
    assert len(reads) == 1
    client.get(f"/{books}/extension/Settlements/")
    client.get(f"/{books}/extension/Cash/")
    assert len(reads) == 1
    config = demo_books.parent / "backoffice.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'name = "Alpha Securities LLC"', 'name = "Alpha Securities, LLC"'
        ),
        encoding="utf-8",
    )
    client.get(f"/{books}/extension/Settlements/")
    assert len(reads) == 2  # edited: read again, once
