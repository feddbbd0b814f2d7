"""Every module of ``ledger``, ``importers`` and ``plugins`` imports on its own,
first, in a fresh interpreter: no import cycle that only works in one order
(``importers.trades_config`` before ``ledger.config`` once failed).

One subprocess loads the third-party libraries, then forks a child per module:
each child starts with none of our modules imported, as a fresh interpreter
would, without paying the interpreter's start-up a hundred times.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

PACKAGES = ("ledger", "importers", "plugins")

DRIVER = """
import json, os, sys, traceback
import beancount.loader, beangulp, click, lxml.etree, pydantic  # third party only
modules = json.loads(sys.argv[1])
failed = {}
for module in modules:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            __import__(module)
            status = 0
        except BaseException:
            os.write(write, traceback.format_exc(limit=-3).encode())
            status = 1
        os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        output = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    if status:
        failed[module] = output or f"exit status {status}"
print(json.dumps(failed))
"""


def our_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(parts))
    return names


def test_our_modules_are_found() -> None:
    modules = our_modules()
    assert {"ledger.config", "importers.trades_config", "ledger.close.config"} <= set(modules)
    assert "plugins.settlement" in modules


def test_each_module_imports_first_in_a_fresh_interpreter() -> None:
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(our_modules())],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {}
