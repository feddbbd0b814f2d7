"""What of ``backoffice.toml`` the plugins apply to the entries, as one digest.

A snapshot sums up the sealed months as the plugins left them under the
configuration of the close: ``plugins.settlement`` re-dates trades and
generates settlements by ``[settlement]``, ``[counterparties]`` and
``[accounts]``; ``plugins.cash`` checks every day's balance against
``[cash]`` floors; both read ``[firm]``. Change one of these and the full load
would apply the new rules to the sealed months too (a new floor breached on a
sealed day, a cycle that moves a sealed trade), which the snapshot cannot. So
the close records this digest in ``snapshot-files.tsv`` and the open-period
load (:mod:`ledger.close.snapshot_load`) falls back to the full load when it
differs. What only the importers and the reports read (``[[statement-accounts]]``
that ``import --create-accounts`` adds, ``[matching]``, ``[recon]``, ``as-of``,
...) is left out: the reports run on either load alike, and ``plugins.breaks``
ages only the breaks still open, which the snapshot carries as entries.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ledger.config import CONFIG_NAME, Config, load_config

PLUGIN_SECTIONS = frozenset({"firm", "accounts", "settlement", "counterparties", "cash"})


def books_config(books_dir: Path) -> Config:
    """The books' configuration, validated again only when the file's size,
    modification time or inode changed: validating takes longer than a command
    should spend on it, and ``close --through`` asks once per month."""
    path = books_dir.absolute() / CONFIG_NAME
    try:
        found = path.stat()
    except OSError:
        return _config(path, None)
    return _config(path, (found.st_size, found.st_mtime_ns, found.st_ino))


@functools.lru_cache(maxsize=8)
def _config(path: Path, stamp: tuple[int, int, int] | None) -> Config:
    return load_config(path)  # it reads the config beside the path it is given: this one


def plugin_config_digest(books_dir: Path) -> str:
    """SHA-256 of the validated :data:`PLUGIN_SECTIONS` of the books' configuration (so a
    comment or a reordering changes nothing); raises ``ConfigError`` as ``load_config``."""
    config = books_config(books_dir)
    sections = config.model_dump(mode="json", include=set(PLUGIN_SECTIONS))
    text = json.dumps(sections, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# The options of the books that shape their entries as booked and processed: the
# plugin list, booking, tolerances, the root and special account names, the
# documents folders. The rest renders (title, render_commas, display_precision) or
# differs between the two loads by design (include, dcontext, commodities,
# input_hash, filename).
ENTRY_OPTIONS = (
    "plugin",
    "plugin_processing_mode",
    "insert_pythonpath",
    "booking_method",
    "inferred_tolerance_default",
    "inferred_tolerance_multiplier",
    "infer_tolerance_from_cost",
    "tolerance_multiplier",
    "use_precise_interpolation",
    "operating_currency",
    "conversion_currency",
    "documents",
    "name_assets",
    "name_liabilities",
    "name_equity",
    "name_income",
    "name_expenses",
    "account_previous_balances",
    "account_previous_earnings",
    "account_previous_conversions",
    "account_current_earnings",
    "account_current_conversions",
    "account_unrealized_gains",
    "account_rounding",
)


def options_digest(options: Mapping[str, Any]) -> str:
    """SHA-256 of the :data:`ENTRY_OPTIONS` of a load's options (parsed, before any
    plugin): a ``plugin`` line removed or an ``option "booking_method"`` changed in
    ``main.beancount`` would make the full load treat the sealed months otherwise
    than the snapshot records them."""
    chosen = {key: options.get(key) for key in ENTRY_OPTIONS}
    text = json.dumps(chosen, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
