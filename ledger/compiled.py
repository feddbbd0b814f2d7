"""The settlement plugin and its scan, compiled with mypyc, used while they match their sources.

``plugins.settlement`` reads every trade and settlement of the books on each
``backoffice check``; compiled, it costs about a fifth less (README,
"Performance"). ``python -m ledger.compiled`` (run by ``make``) compiles
:data:`MODULES` with mypyc into ``build/compiled/`` of the checkout and writes
a manifest of the SHA-256 of each source it compiled. Each package of a
compiled module puts that directory first on its ``__path__``
(:func:`package_path`) only while every one of its sources still has the
digest the manifest records, for the Python that built them: a source edited
since, another interpreter, or ``BACKOFFICE_PURE=1`` leaves the package on its
Python sources alone, so a stale build is never run. Without a C compiler the
build says so and the Python sources are used; they are tested both ways.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

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


def _digest(source: str) -> str:
    return hashlib.sha256((ROOT / source).read_bytes()).hexdigest()


def _manifest() -> dict[str, Any] | None:
    try:
        manifest = json.loads(MANIFEST.read_bytes())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def active(package: str) -> bool:
    """Whether the compiled modules of ``package`` are built from its sources as they are."""
    if os.environ.get(PURE_ENV):
        return False
    manifest = _manifest()
    if manifest is None or manifest.get("python") != sys.version:
        return False
    digests = manifest.get("modules")
    if not isinstance(digests, dict):
        return False
    ours = [name for name in MODULES if name.rpartition(".")[0] == package]
    try:
        return bool(ours) and all(digests.get(name) == _digest(MODULES[name]) for name in ours)
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
    digests = {}
    for name, source in MODULES.items():
        digests[name] = _digest(source)
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
    MANIFEST.write_text(json.dumps({"python": sys.version, "modules": digests}, indent=1) + "\n")
    return 0


def clean() -> None:
    shutil.rmtree(BUILD, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(build())
