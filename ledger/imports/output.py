"""Where imported entries and documents go in the books, and their text.

- entries: ``<year>/<month>/<account-slug>.beancount`` by the entry's month
  and its statement account (``Assets:Bank:FirstHarbor:USD`` →
  ``2026/11/assets-bank-firstharbor-usd.beancount``), appended in date order,
  each file included once from the books' main file;
- accounts opened by ``--create-accounts``: appended to ``accounts.beancount``,
  and the ``commodity`` directives of unknown securities to
  ``commodities.beancount`` (each included from the main file if it is not yet);
- documents: ``<documents>/<Account/path>/<date>.<name>``, read-only.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from beancount.core import data

from importers.printing import format_entry

ACCOUNTS_FILE = "accounts.beancount"
COMMODITIES_FILE = "commodities.beancount"

_HEADER = (
    "; Entries written by 'backoffice import', each traceable through its source,\n"
    "; source-ref and source-sha256 to an archived document; re-importing it adds nothing.\n"
    "; Move a suspense line with 'backoffice reclassify' (a correcting entry), not by editing it.\n"
)

_TYPE_ORDER = {data.Open: 0, data.Balance: 1}


def account_slug(account: str) -> str:
    """``Assets:Bank:FirstHarbor:USD`` → ``assets-bank-firstharbor-usd``."""
    return account.lower().replace(":", "-")


def month_file(day: datetime.date, account: str) -> str:
    """The file of ``account``'s entries of ``day``'s month, relative to the books."""
    return f"{day:%Y}/{day:%m}/{account_slug(account)}.beancount"


def archive_path(documents: str, account: str, day: datetime.date | None, name: str) -> str:
    """The archived document's path relative to the books (beangulp's layout)."""
    if day is not None and not re.match(r"^\d{4}-\d{2}-\d{2}\.", name):
        name = f"{day.isoformat()}.{name}"
    return "/".join([documents.strip("/"), *account.split(":"), _short_name(name)])


# bytes: file systems allow 255, less the writer's temporary ".<name>.XXXXXXXX.tmp"
_NAME_MAX = 200


def _short_name(name: str) -> str:
    """``name``, or when too long for a file system its first characters, a hash of
    the whole name (stable: the same document gets the same archive) and its suffix."""
    if len(name.encode("utf-8")) <= _NAME_MAX:
        return name
    stem, dot, suffix = name.rpartition(".")
    suffix = suffix[:16] if dot else ""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    keep = _NAME_MAX - len(digest) - len(suffix.encode("utf-8")) - 3
    head = (stem or name).encode("utf-8")[:keep].decode("utf-8", "ignore")
    return f"{head}~{digest}" + (f".{suffix}" if suffix else "")


def render(entries: Iterable[data.Directive]) -> str:
    """Entries as Beancount text, in a stable order, one blank line between them."""
    ordered = sorted(
        enumerate(entries),
        key=lambda item: (item[1].date, _TYPE_ORDER.get(type(item[1]), 2), item[0]),
    )
    return "\n".join(format_entry(entry) for _, entry in ordered)


def by_month(
    entries: Iterable[tuple[str, data.Directive]],
) -> dict[str, list[data.Directive]]:
    """``(account, entry)`` pairs grouped by their month file, files in path order."""
    groups: dict[str, list[data.Directive]] = defaultdict(list)
    for account, entry in entries:
        groups[month_file(entry.date, account)].append(entry)
    return dict(sorted(groups.items()))


def block(existing: str, entries: Sequence[data.Directive]) -> str:
    """The text to append to a file whose current content is ``existing``."""
    text = render(entries)
    if not existing:
        return _HEADER + "\n" + text
    return "\n" + text


def missing_includes(main_text: str, files: Iterable[str]) -> list[str]:
    """``include`` lines for ``files`` the main file does not include yet."""
    included = set(re.findall(r'^\s*include\s+"([^"]+)"', main_text, re.M))
    return [f'include "{name}"\n' for name in sorted(set(files)) if name not in included]
