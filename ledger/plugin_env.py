"""What every Backoffice plugin needs before it looks at an entry: the config and the as-of date.

Beancount hands a plugin only ``options_map``; the books' ``backoffice.toml`` sits
beside ``options_map["filename"]``. Books loaded from a string have no directory,
so they get the default config. Problems come back as one error tuple, never an
exception (plugins never raise).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

from beancount.core import data

from ledger.as_of import UsageError, resolve_as_of
from ledger.config import Config, ConfigError, load_config
from ledger.errors import BooksError


def plugin_settings(
    options_map: dict[str, Any], what: str
) -> tuple[Config, datetime.date] | BooksError:
    """``(config, as_of)`` for a plugin, or the error that says why there are none.

    ``what`` names the plugin in the error (``plugins.cash``).
    """
    filename = options_map.get("filename") or "<string>"
    try:
        config = Config() if filename.startswith("<") else load_config(Path(filename))
        as_of = resolve_as_of(None, config)
    except ConfigError as exc:
        return BooksError(data.new_metadata(filename, 0), f"{what}: {exc}", None)
    except UsageError as exc:
        return BooksError(data.new_metadata(filename, 0), f"{what}: {exc.message}", None)
    return config, as_of


def line_of(path: Path, pattern: str) -> int:
    """The first line of ``path`` matching the regex ``pattern``, or 0 (for error locations)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    match = re.search(pattern, text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def plugin_line(filename: str, plugin: str) -> int:
    """The line of the books file ``filename`` that loads ``plugin``, or 0."""
    return line_of(Path(filename), rf'^\s*plugin\s+"{re.escape(plugin)}"')
