"""ledger.compiled: the compiled settlement modules are used only while they match
their sources, and the settlement tests pass on the Python sources too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import compiled
from tests.conftest import REPO


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout of two sources and a build of them, as ``python -m ledger.compiled``
    leaves it (the manifest; no shared libraries are needed to decide)."""
    monkeypatch.setattr(compiled, "ROOT", tmp_path)
    monkeypatch.setattr(compiled, "BUILD", tmp_path / "build" / "compiled")
    monkeypatch.setattr(compiled, "MANIFEST", tmp_path / "build" / "compiled" / "manifest.json")
    monkeypatch.setattr(
        compiled, "MODULES", {"pkg.sub.fast": "pkg/sub/fast.py", "other.fast": "other/fast.py"}
    )
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    for source in compiled.MODULES.values():
        (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / source).write_text("X = 1\n")
    compiled.BUILD.mkdir(parents=True)
    digests = {name: compiled._digest(source) for name, source in compiled.MODULES.items()}
    compiled.MANIFEST.write_text(json.dumps({"python": sys.version, "modules": digests}))
    return tmp_path


def test_a_build_of_the_sources_as_they_are_comes_first(checkout: Path) -> None:
    assert compiled.package_path("pkg.sub", ["src"]) == [
        str(checkout / "build" / "compiled" / "pkg" / "sub"),
        "src",
    ]
    assert compiled.active("other")
    assert not compiled.active("pkg")  # no compiled module of its own


def test_a_source_edited_since_the_build_is_used_as_it_is(checkout: Path) -> None:
    (checkout / "pkg" / "sub" / "fast.py").write_text("X = 2\n")
    assert compiled.package_path("pkg.sub", ["src"]) == ["src"]
    assert compiled.active("other")  # its own source did not change


@pytest.mark.parametrize(
    "manifest",
    [None, "not json", "[]", '{"python": "2.7", "modules": {}}', '{"modules": 1}'],
)
def test_no_build_another_python_or_a_broken_manifest_use_the_sources(
    checkout: Path, manifest: str | None
) -> None:
    if manifest is None:
        compiled.MANIFEST.unlink()
    elif manifest.startswith('{"python"'):
        digests = json.loads(compiled.MANIFEST.read_text())["modules"]
        compiled.MANIFEST.write_text(json.dumps({"python": "2.7", "modules": digests}))
    else:
        compiled.MANIFEST.write_text(manifest)
    assert not compiled.active("pkg.sub")
    assert compiled.package_path("other", ["src"]) == ["src"]


def test_backoffice_pure_uses_the_sources(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compiled.PURE_ENV, "1")
    assert compiled.package_path("pkg.sub", ["src"]) == ["src"]


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
