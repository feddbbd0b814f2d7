"""ledger.compiled: the compiled settlement modules are used only while they match
their sources, and the settlement tests pass on the Python sources too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger import compiled
from tests.conftest import REPO


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A checkout of a compiled module in ``pkg.sub`` and one in ``other``, the first
    importing a third module, and a build of them, as ``python -m ledger.compiled``
    leaves it (the manifest; no shared libraries are needed to decide)."""
    monkeypatch.setattr(compiled, "ROOT", tmp_path)
    monkeypatch.setattr(compiled, "BUILD", tmp_path / "build" / "compiled")
    monkeypatch.setattr(compiled, "MANIFEST", tmp_path / "build" / "compiled" / "manifest.json")
    monkeypatch.setattr(compiled, "PROJECT", ("pkg", "other"))
    monkeypatch.setattr(
        compiled, "MODULES", {"pkg.sub.fast": "pkg/sub/fast.py", "other.fast": "other/fast.py"}
    )
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    files = {
        "pkg/sub/fast.py": "from pkg.shapes import Shape\nimport json\n",
        "pkg/shapes.py": "from typing import NamedTuple\n",
        "other/fast.py": "X = 1\n",
    }
    for source, text in files.items():
        (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / source).write_text(text)
    sources = compiled.imported_sources(list(compiled.MODULES.values()))
    assert sources == ["other/fast.py", "pkg/shapes.py", "pkg/sub/fast.py"]
    compiled.BUILD.mkdir(parents=True)
    digests = {source: compiled._digest(source) for source in sources}
    compiled.MANIFEST.write_text(json.dumps({"python": sys.version, "sources": digests}))
    compiled._built_as_they_are.cache_clear()
    yield tmp_path
    compiled._built_as_they_are.cache_clear()


def test_a_build_of_the_sources_as_they_are_comes_first(checkout: Path) -> None:
    assert compiled.package_path("pkg.sub", ["src"]) == [
        str(checkout / "build" / "compiled" / "pkg" / "sub"),
        "src",
    ]
    assert compiled.active("other")
    assert not compiled.active("pkg")  # no compiled module of its own


@pytest.mark.parametrize("edited", ["pkg/sub/fast.py", "pkg/shapes.py", "other/fast.py"])
def test_any_source_edited_since_the_build_leaves_every_package_on_its_sources(
    checkout: Path, edited: str
) -> None:
    """An imported module counts as much as a compiled one: mypyc builds what it
    knows of it (a named tuple's field order) into the compiled code."""
    (checkout / edited).write_text("X = 2\n")
    assert compiled.package_path("pkg.sub", ["src"]) == ["src"]
    assert not compiled.active("other")


@pytest.mark.parametrize(
    "manifest",
    [None, "not json", "[]", "python", '{"sources": 1}', '{"sources": {}}'],
)
def test_no_build_another_python_or_a_broken_manifest_use_the_sources(
    checkout: Path, manifest: str | None
) -> None:
    if manifest is None:
        compiled.MANIFEST.unlink()
    elif manifest == "python":
        digests = json.loads(compiled.MANIFEST.read_text())["sources"]
        compiled.MANIFEST.write_text(json.dumps({"python": "2.7", "sources": digests}))
    else:
        compiled.MANIFEST.write_text(manifest)
    assert not compiled.active("pkg.sub")
    assert compiled.package_path("other", ["src"]) == ["src"]


def test_backoffice_pure_uses_the_sources(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compiled.PURE_ENV, "1")
    assert compiled.package_path("pkg.sub", ["src"]) == ["src"]


def test_the_build_digests_what_the_settlement_modules_import() -> None:
    sources = compiled.imported_sources(list(compiled.MODULES.values()))
    for needed in ("ledger/settlement/cycles.py", "ledger/meta.py", "ledger/config.py"):
        assert needed in sources


def test_this_checkouts_build_is_what_runs_when_it_matches() -> None:
    """After ``make`` (which builds them), the settlement modules imported are the
    compiled ones; edited since, the sources."""
    import ledger.settlement.trades
    import plugins.settlement

    for package, module in (
        ("ledger.settlement", ledger.settlement.trades),
        ("plugins", plugins.settlement),
    ):
        built = compiled.active(package)
        assert (module.__file__ or "").endswith(".so") == built, (package, module.__file__)


@pytest.mark.skipif(
    not compiled.active("plugins") and not compiled.active("ledger.settlement"),
    reason="the compiled modules are not in use: this run tests the Python sources already",
)
def test_the_settlement_tests_pass_on_the_python_sources_too() -> None:
    tests = sorted(str(path) for path in (REPO / "tests").glob("test_settlement*.py"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=REPO,
        env={**os.environ, compiled.PURE_ENV: "1"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
