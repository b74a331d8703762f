"""The layout is a contract: imports go one way, SimPy's internals stay in the kernel.

Read from the source with ``ast`` (nothing is imported), so a forbidden
import fails here even inside a function or a branch. Only imports under
``if TYPE_CHECKING:`` may point anywhere within their own package (they
never run).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Layers, bottom to top: a module may import from its own layer's package
#: and from any layer below, never from one above. Packages in one layer
#: (``sim.kernel`` and ``sim.log``...) do not import each other unless
#: ``SIDEWAYS`` says so.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("rules",),
    ("sim.kernel", "sim.log"),
    ("sim.staff", "sim.inputs"),
    ("sim.cases",),
    ("sim.runs",),
    ("sim.analysis",),
    ("sim.plan",),
    ("sim.views",),
    ("sim.report",),
    ("sim.cli",),
)
#: Allowed imports between packages of the same layer.
SIDEWAYS: set[tuple[str, str]] = set()
#: The facades: ``sim/__init__.py`` and ``sim/__main__.py`` re-export the
#: public API and may import any layer; no module may import them back
#: (``from sim import ...`` inside the package would run the facade first).
FACADES = {"sim", "sim.__main__"}

#: Where SimPy's internals may be touched.
KERNEL = "sim.kernel"
SIMPY_PRIVATE_MODULES = {"simpy.core", "simpy.events", "simpy.resources", "simpy.util"}
#: Private fields of SimPy's events and environment (``_value``, ``_ok``,
#: ``_queue``, ``_now``, ``_eid``...), and the scheduler's own call.
SIMPY_PRIVATE_ATTRIBUTES = {"_value", "_ok", "_defused", "_queue", "_now", "_eid",
                            "_active_proc", "_target", "_generator", "schedule"}


@dataclass(frozen=True)
class Import:
    module: str      # the importing module, e.g. ``sim.cases.rows``
    target: str      # what it imports, e.g. ``sim.log.records``
    line: int
    type_only: bool  # under ``if TYPE_CHECKING:``


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> list[Path]:
    return sorted([*ROOT.glob("sim/**/*.py"), *ROOT.glob("rules/**/*.py")])


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> list[Import]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: list[Import] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.body:
                    visit_one(sub, True)
                for sub in child.orelse:
                    visit_one(sub, type_only)
                continue
            visit_one(child, type_only)

    def visit_one(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.Import):
            out.extend(Import(module, a.name, node.lineno, type_only) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base in ("sim", "rules") or (node.module is None and node.level):
                # ``from sim import log`` imports the submodule ``sim.log``.
                out.extend(Import(module, f"{base}.{a.name}", node.lineno, type_only)
                           for a in node.names)
            else:
                out.append(Import(module, base, node.lineno, type_only))
        visit(node, type_only)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return out


def _layer(name: str) -> tuple[int, str] | None:
    """The layer index and package of module ``name`` (None: not ours or a facade)."""
    for i, packages in enumerate(LAYERS):
        for package in packages:
            if name == package or name.startswith(package + "."):
                return i, package
    return None


def _own(name: str) -> bool:
    return name.split(".")[0] in ("sim", "rules")


ALL_IMPORTS = [imp for path in _sources() for imp in _imports(path)]


def test_the_sources_are_found() -> None:
    assert len(_sources()) > 50
    assert any(imp.target == "sim.log.records" for imp in ALL_IMPORTS)


def test_every_module_belongs_to_a_layer() -> None:
    lost = [_module_name(p) for p in _sources()
            if _module_name(p) not in FACADES and _layer(_module_name(p)) is None]
    assert lost == [], "add these packages to LAYERS (and to DESIGN.md's picture)"


def test_imports_only_go_down() -> None:
    wrong = []
    for imp in ALL_IMPORTS:
        if imp.module in FACADES or not _own(imp.target):
            continue
        if imp.target in FACADES:
            wrong.append(f"{imp.module}:{imp.line} imports the facade {imp.target!r}")
            continue
        here, there = _layer(imp.module), _layer(imp.target)
        if here is None or there is None:
            continue
        (mine, my_package), (theirs, their_package) = here, there
        if imp.type_only and my_package == their_package:
            continue  # annotations within a package: never executed
        if theirs > mine or (theirs == mine and my_package != their_package
                             and (my_package, their_package) not in SIDEWAYS):
            wrong.append(f"{imp.module}:{imp.line} imports {imp.target} (upward)")
    assert wrong == []


def test_no_cycles_between_modules() -> None:
    """Runtime imports between modules form no cycle (type-only ones aside)."""
    graph: dict[str, set[str]] = {}
    modules = {_module_name(p) for p in _sources()}
    for imp in ALL_IMPORTS:
        if imp.type_only or imp.module in FACADES:
            continue
        target = imp.target
        while target and target not in modules:  # ``from sim.log.records import X``
            target = target.rpartition(".")[0]
        if target and target != imp.module and target not in FACADES:
            graph.setdefault(imp.module, set()).add(target)
    # Package __init__ files are run by importing anything below them; an
    # edge into a package's own __init__ from inside the package is fine.
    for module, targets in graph.items():
        graph[module] = {t for t in targets if not module.startswith(t + ".")}
    seen: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in seen:
                walk(nxt)
        stack.pop()
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            walk(node)
    assert cycles == []


def test_simpy_internals_stay_in_the_kernel() -> None:
    """Only ``sim/kernel`` may reach into SimPy's private modules and fields;
    the rest of the code uses SimPy's public API (``Environment``,
    ``timeout``, ``process``, ``event``, ``all_of``) and the kernel's."""
    wrong = []
    for path in _sources():
        module = _module_name(path)
        if module == KERNEL or module.startswith(KERNEL + "."):
            continue
        for imp in _imports(path):
            if imp.target in SIMPY_PRIVATE_MODULES or imp.target.startswith("simpy._"):
                wrong.append(f"{module}:{imp.line} imports {imp.target}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in SIMPY_PRIVATE_ATTRIBUTES:
                wrong.append(f"{module}:{node.lineno} uses .{node.attr}")
    assert wrong == []


def test_the_fence_catches_a_reach(tmp_path: Path) -> None:
    """The check above would fail on a module outside the kernel that sets
    an event's value or imports ``simpy.events``."""
    src = "from simpy.events import PENDING\n\ndef f(e):\n    e._value = PENDING\n"
    tree = ast.parse(src)
    attrs = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
    mods = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert "_value" in SIMPY_PRIVATE_ATTRIBUTES & set(attrs)
    assert "simpy.events" in SIMPY_PRIVATE_MODULES & set(mods)


@pytest.mark.parametrize("package", sorted({p for layer in LAYERS for p in layer} - {"rules"}))
def test_every_package_says_what_it_holds_and_may_import(package: str) -> None:
    init = ROOT / package.replace(".", "/") / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc is not None and len(doc) > 120, f"{init}: a paragraph on what it holds"
    assert "import" in doc, f"{init}: say what it may import"


def test_modules_stay_small() -> None:
    """One concept per module: none grows past about 400 lines."""
    big = {_module_name(p): n for p in _sources()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 420}
    assert big == {}


def test_simpy_is_pinned_to_the_major_version_the_kernel_relies_on() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"simpy>=4.1,<5"' in text
