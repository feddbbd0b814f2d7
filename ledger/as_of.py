"""The as-of date every command and plugin works to, and the usage error they share."""

from __future__ import annotations

import datetime
import os

import click

from ledger.config import Config

AS_OF_ENV = "BACKOFFICE_AS_OF"


class UsageError(click.ClickException):
    """A usage or configuration problem: printed as it is, exit code 2."""

    exit_code = 2


def parse_date(value: str, what: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{what}: {value!r} is not a date; write it as YYYY-MM-DD") from None


def resolve_as_of(option: datetime.date | None, config: Config | None) -> datetime.date:
    """``--as-of``, else ``BACKOFFICE_AS_OF``, else the config's ``as-of``, else today."""
    if option is not None:
        return option
    env = os.environ.get(AS_OF_ENV)
    if env:
        return parse_date(env, AS_OF_ENV)
    if config is not None and config.as_of is not None:
        return config.as_of
    return datetime.date.today()
