"""The settlement plugin and its scan, compiled with mypyc, used while they match their sources.

``plugins.settlement`` reads every trade and settlement of the books on each
``backoffice check``; compiled, it costs about a quarter less (README,
"Performance"). ``python -m ledger.compiled`` (run by ``make``) compiles
:data:`MODULES` with mypyc into ``build/compiled/`` of the checkout and writes
a manifest of the SHA-256 of each source it compiled and of every project
module they import, directly or not (mypyc builds what it knows of those into
the compiled code: a named tuple's field order, for one). The packages of the
compiled modules put that directory first on their ``__path__``
(:func:`package_path`) only while every one of those sources still has the
digest the manifest records, for the Python that built them: a source edited
since, another interpreter, or ``BACKOFFICE_PURE=1`` leaves them on their
Python sources, so a stale build is never run. Without a C compiler the build
says so and the Python sources are used; they are tested both ways.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from ledger.cache import write_atomic

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "compiled"
MANIFEST = BUILD / "manifest.json"
PURE_ENV = "BACKOFFICE_PURE"
# Module -> its source, relative to ROOT. Each is compiled on its own (its own
# shared library beside it, found through its package's __path__).
MODULES = {
    "ledger.settlement.trades": "ledger/settlement/trades.py",
    "plugins.settlement": "plugins/settlement.py",
}
PROJECT = ("ledger", "plugins", "importers")  # the packages whose modules are digested


def _source_of(module: str) -> str | None:
    """The project source of ``module``, relative to ROOT, or None (not the project's)."""
    if module.partition(".")[0] not in PROJECT:
        return None
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.relative_to(ROOT).as_posix()
    return None


def imported_sources(sources: list[str]) -> list[str]:
    """``sources`` and every project source they import, directly or not (relative to ROOT)."""
    seen: set[str] = set()
    todo = list(sources)
    while todo:
        source = todo.pop()
        if source in seen:
            continue
        seen.add(source)
        for node in ast.walk(ast.parse((ROOT / source).read_bytes())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            todo.extend(found for found in map(_source_of, names) if found is not None)
    return sorted(seen)


def _digest(source: str) -> str:
    return hashlib.sha256((ROOT / source).read_bytes()).hexdigest()


def _manifest() -> dict[str, Any] | None:
    try:
        manifest = json.loads(MANIFEST.read_bytes())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def active(package: str) -> bool:
    """Whether ``package`` has compiled modules, built from the sources as they are."""
    if os.environ.get(PURE_ENV):
        return False
    return any(name.rpartition(".")[0] == package for name in MODULES) and _built_as_they_are()


@lru_cache(maxsize=1)
def _built_as_they_are() -> bool:
    """The manifest's Python is this one and each source it names has its digest
    (read once per process: about 20 files, 1 ms)."""
    manifest = _manifest()
    if manifest is None or manifest.get("python") != sys.version:
        return False
    digests = manifest.get("sources")
    if not isinstance(digests, dict) or not digests:
        return False
    try:
        return all(_digest(source) == digest for source, digest in digests.items())
    except OSError:
        return False


def package_path(package: str, path: list[str]) -> list[str]:
    """``path`` (a package's ``__path__``) with its compiled modules' directory first,
    when they are built from its sources as they are (:func:`active`)."""
    if not active(package):
        return path
    return [str(BUILD.joinpath(*package.split("."))), *path]


def build() -> int:
    """Compile :data:`MODULES` into :data:`BUILD`; 0 when done, 1 (with the reason) when not."""
    try:
        from mypyc.build import mypycify
        from setuptools import Distribution  # type: ignore[import-untyped]
    except ImportError as exc:
        print(f"compiled modules not built: {exc}; the Python sources are used", file=sys.stderr)
        return 1
    if MANIFEST.exists():
        MANIFEST.unlink()  # a build that fails half-way leaves no manifest: nothing is used
    sources = imported_sources(list(MODULES.values()))
    digests = {source: _digest(source) for source in sources}
    for name, source in MODULES.items():
        with tempfile.TemporaryDirectory() as temp:
            # mypyc names the module from the path (the packages above it); setuptools
            # runs in the temporary directory, away from the project's pyproject.toml.
            cwd = os.getcwd()
            os.chdir(temp)
            try:
                extensions = mypycify(
                    ["--config-file", str(ROOT / "pyproject.toml"), str(ROOT / source)],
                    opt_level="3",
                )
                distribution = Distribution({"name": "compiled", "ext_modules": extensions})
                command = distribution.get_command_obj("build_ext")
                command.build_lib = str(BUILD)
                command.build_temp = str(Path(temp) / "objects")
                distribution.run_command("build_ext")
            except (Exception, SystemExit) as exc:  # a compiler error is a SystemExit
                print(
                    f"compiled modules not built ({name}: {exc}); the Python sources are used",
                    file=sys.stderr,
                )
                return 1
            finally:
                os.chdir(cwd)
    manifest = {"python": sys.version, "sources": digests}
    if not write_atomic(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n"):
        print(f"compiled modules built, but {MANIFEST} cannot be written", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(build())
