"""The layers of the code, as data, and the check that keeps them.

Every module of ``ledger``, ``importers`` and ``plugins`` belongs to one layer.
A module imports only from its own layer or a lower one; ``importers`` and
``plugins`` sit side by side and import neither each other nor anything above
them. No two modules import each other, directly or round a longer cycle.
The graph holds every import: at the top of a module and inside functions,
plus the package ``__init__`` each import runs. An import inside a function
is there on purpose (a lazy import) and says why in a comment.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("ledger", "importers", "plugins")

# (layer, rank, modules), lowest first. Exact names win over patterns; a module
# must match exactly one entry. Layers of equal rank may not import each other.
LAYERS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    (
        "primitives",
        0,
        (
            # package docstrings only (importing ledger.cash.config runs ledger/cash/__init__.py)
            "ledger",
            "ledger.breaks",
            "ledger.cash",
            "ledger.close",
            "ledger.imports",
            "ledger.matching",
            "ledger.recon",
            "ledger.records",
            "ledger.settlement",
            # errors, metadata keys, paths and document hashes, writes, calendars
            "ledger.errors",
            "ledger.meta",
            "ledger.documents",
            "ledger.posting",
            "ledger.writer",
            "ledger.cache",
            "ledger.gcpause",
            "ledger.isin",
            "ledger.calendars",
            "ledger.books",
            "ledger.cli_output",
            "ledger.gitlog",
            "ledger.close.canonical",
        ),
    ),
    (
        "config",
        1,
        (
            "ledger.config_base",
            "ledger.csv_format",
            "ledger.config",
            "ledger.trades_config",
            "ledger.prices_config",
            "ledger.corporate_actions_config",
            "ledger.cash.config",
            "ledger.close.config",
            "ledger.imports.config",
            "ledger.matching.config",
            "ledger.as_of",
            "ledger.plugin_env",
        ),
    ),
    (
        # what the plugins compute over entries, shared with the reports
        "core",
        2,
        (
            "ledger.securities",
            "ledger.settlement.cycles",
            "ledger.settlement.model",
            "ledger.settlement.scan",
            "ledger.settlement.state",
            "ledger.cash.days",
            "ledger.cash.positions",
            "ledger.cash.sufficiency",
            "ledger.cash.ladder",
            "ledger.cash.transfers",
            "ledger.close.hashes",
            "ledger.close.seal",
            "ledger.close.sealed_periods",
            "ledger.close.new_seal",
            "ledger.breaks.model",
            "ledger.matching.model",
            "ledger.corporate_actions",
        ),
    ),
    ("importers", 3, ("importers", "importers.*")),
    ("plugins", 3, ("plugins", "plugins.*")),
    (
        # the import pipeline, matching, reconciliation, the close, the reports
        "pipeline and reports",
        4,
        (
            "ledger.imports.*",
            "ledger.matching.*",
            "ledger.recon.*",
            "ledger.records.*",
            "ledger.close.*",
            "ledger.settlement.*",
            "ledger.cash.*",
            "ledger.breaks.*",
            "ledger.check",
            "ledger.init",
        ),
    ),
    (
        "commands and Fava",
        5,
        (
            "ledger.cli",
            "ledger.serve",
            "ledger.fava_edit",
            "ledger.fava_import",
            "ledger.templates.fava_import",  # what init writes as the books' fava_import.py
            "ledger.context",
            "ledger.breaks.cli",
            "ledger.cash.cli",
            "ledger.close.cli",
            "ledger.imports.cli",
            "ledger.matching.cli",
            "ledger.recon.cli",
            "ledger.records.cli",
            "ledger.settlement.cli",
            "ledger.fava_ext",
            "ledger.fava_ext.*",
        ),
    ),
)


@dataclass(frozen=True)
class Import:
    """``module`` imports ``target`` at ``line``."""

    module: str
    target: str
    line: int


def module_files(root: Path = REPO) -> dict[str, Path]:
    """Module name -> file, for every module of our packages."""
    out = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _has_comment(lines: Sequence[str], node: ast.stmt) -> bool:
    """A comment on the import's line, or above the run of imports it ends."""
    if "#" in lines[node.lineno - 1]:
        return True
    at = node.lineno - 2
    while at >= 0 and lines[at].strip().startswith(("from ", "import ")):
        if "#" in lines[at]:
            return True
        at -= 1
    return at >= 0 and lines[at].strip().startswith("#")


def imports_of(name: str, source: str, modules: Iterable[str], is_package: bool) -> list[Import]:
    """The imports of ``name`` (whose text is ``source``) among ``modules``."""
    known = set(modules)
    tree = ast.parse(source)
    out: list[Import] = []

    def add(target: str, node: ast.stmt) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if not target or target == name:
            return
        for each in [*_parents(target), target]:
            if each != name and not name.startswith(each + "."):
                out.append(Import(name, each, node.lineno))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                full = f"{module}.{alias.name}"
                add(full if full in known else module, node)
    return out


@functools.cache
def import_graph(root: Path = REPO) -> dict[str, list[Import]]:
    files = module_files(root)
    return {
        name: imports_of(name, path.read_text(encoding="utf-8"), files, path.stem == "__init__")
        for name, path in files.items()
    }


def layer_of(
    module: str, layers: Sequence[tuple[str, int, Sequence[str]]] = LAYERS
) -> tuple[str, int]:
    """The one layer ``module`` belongs to (exact names before patterns)."""
    exact = [(layer, rank) for layer, rank, names in layers if module in names]
    if exact:
        assert len(exact) == 1, f"{module} is named in several layers: {exact}"
        return exact[0]
    matches = [
        (layer, rank)
        for layer, rank, names in layers
        if any("*" in pattern and fnmatch.fnmatchcase(module, pattern) for pattern in names)
    ]
    assert len(matches) == 1, f"{module} matches {len(matches)} layers of LAYERS: {matches}"
    return matches[0]


def layer_violations(
    graph: Mapping[str, Sequence[Import]],
    layers: Sequence[tuple[str, int, Sequence[str]]] = LAYERS,
) -> list[str]:
    """Each import that goes up a layer or across to a sibling layer."""
    out = []
    for module in sorted(graph):
        layer, rank = layer_of(module, layers)
        for imp in graph[module]:
            target_layer, target_rank = layer_of(imp.target, layers)
            if target_rank > rank or (target_rank == rank and target_layer != layer):
                out.append(
                    f"{module}:{imp.line}: imports {imp.target}, "
                    f"layer {target_layer!r} is not below {layer!r}"
                )
    return out


def cycles(graph: Mapping[str, Sequence[Import]]) -> list[str]:
    """Each import cycle (Tarjan's strongly connected components), with its lines."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imp in graph.get(module, ()):
            if imp.target not in index:
                visit(imp.target)
                low[module] = min(low[module], low[imp.target])
            elif imp.target in on_stack:
                low[module] = min(low[module], index[imp.target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    out = []
    for component in sorted(found):
        members = set(component)
        edges = [
            f"{imp.module}:{imp.line} -> {imp.target}"
            for module in component
            for imp in graph[module]
            if imp.target in members
        ]
        out.append(f"cycle between {', '.join(component)}: {'; '.join(edges)}")
    return out


def _catches_import_error(node: ast.Try) -> bool:
    names = {"ImportError", "ModuleNotFoundError"}
    return any(
        isinstance(handler.type, ast.Name) and handler.type.id in names for handler in node.handlers
    )


def unexplained_lazy_imports(name: str, source: str) -> list[str]:
    """Imports (of any module) inside a function with no comment saying why;
    one inside ``try: ... except ImportError`` is an optional dependency."""
    lines = source.splitlines()
    optional: set[int] = set()
    lazy: list[ast.stmt] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Try) and _catches_import_error(node):
            optional.update(id(child) for stmt in node.body for child in ast.walk(stmt))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lazy.extend(
                child for child in ast.walk(node) if isinstance(child, (ast.Import, ast.ImportFrom))
            )
    return sorted(
        {
            f"{name}:{node.lineno}: import inside a function without a comment saying why"
            for node in lazy
            if id(node) not in optional and not _has_comment(lines, node)
        }
    )


def test_every_module_has_one_layer() -> None:
    for module in import_graph():
        layer_of(module)


def test_no_import_goes_up_a_layer() -> None:
    assert layer_violations(import_graph()) == []


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_imports_inside_functions_say_why() -> None:
    assert [
        problem
        for name, path in module_files().items()
        for problem in unexplained_lazy_imports(name, path.read_text(encoding="utf-8"))
    ] == []


def test_no_noqa_on_imports() -> None:
    offending = [
        f"{path.relative_to(REPO)}:{number}"
        for path in module_files().values()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.lstrip().startswith(("import ", "from ")) and "noqa" in line
    ]
    assert offending == []


# The checker itself, on a tiny package tree it must find fault with.
TINY_LAYERS = (
    ("bottom", 0, ("app", "app.base", "app.util")),
    ("left", 1, ("app.left",)),
    ("right", 1, ("app.right",)),
    ("top", 2, ("app.cmd",)),
)
TINY = {
    "app/__init__.py": "",
    "app/base.py": "import os\nfrom app import util\n",
    "app/util.py": "from app.base import thing\n",
    "app/left.py": "from app.base import thing\nfrom app.right import other\n",
    "app/right.py": (
        "def lazy():\n    from app.cmd import main\n\n"
        "def optional():\n    try:\n        import yaml\n    except ImportError:\n        pass\n"
    ),
    "app/cmd.py": (
        "from . import left\n\n"
        "def run():\n    # lazy: only the run needs it\n    from app import right\n"
    ),
}


@pytest.fixture
def tiny_graph(tmp_path: Path) -> dict[str, list[Import]]:
    for name, text in TINY.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    files = {
        ".".join(Path(name).with_suffix("").parts).removesuffix(".__init__"): tmp_path / name
        for name in TINY
    }
    return {
        module: imports_of(module, path.read_text(), files, path.stem == "__init__")
        for module, path in files.items()
    }


def test_checker_finds_upward_and_sideways_imports(tiny_graph: dict[str, list[Import]]) -> None:
    assert layer_violations(tiny_graph, TINY_LAYERS) == [
        "app.left:2: imports app.right, layer 'right' is not below 'left'",
        "app.right:2: imports app.cmd, layer 'top' is not below 'right'",
    ]


def test_checker_finds_cycles(tiny_graph: dict[str, list[Import]]) -> None:
    assert cycles(tiny_graph) == [
        "cycle between app.base, app.util: app.base:2 -> app.util; app.util:1 -> app.base",
        "cycle between app.cmd, app.left, app.right: app.cmd:1 -> app.left; "
        "app.cmd:5 -> app.right; app.left:2 -> app.right; app.right:2 -> app.cmd",
    ]


def test_checker_wants_a_comment_on_lazy_imports() -> None:
    found = [
        problem for name, text in TINY.items() for problem in unexplained_lazy_imports(name, text)
    ]
    assert found == ["app/right.py:2: import inside a function without a comment saying why"]


def test_checker_wants_every_module_placed() -> None:
    with pytest.raises(AssertionError, match=r"app\.extra matches 0 layers"):
        layer_of("app.extra", TINY_LAYERS)
