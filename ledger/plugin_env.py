"""What every Backoffice plugin needs before it looks at an entry: the config and the as-of date.

Beancount hands a plugin only ``options_map``; the books' ``backoffice.toml`` sits
beside ``options_map["filename"]``. Books loaded from a string have no directory,
so they get the default config. Problems come back as one error tuple, never an
exception (plugins never raise).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from beancount.core import data

from ledger import context
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
        as_of = context.resolve_as_of(None, config)
    except ConfigError as exc:
        return BooksError(data.new_metadata(filename, 0), f"{what}: {exc}", None)
    except context.UsageError as exc:
        return BooksError(data.new_metadata(filename, 0), f"{what}: {exc.message}", None)
    return config, as_of
