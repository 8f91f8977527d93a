"""core/'s packages import one way, top to bottom, and no module takes part in an import cycle.

Read from the source (every `import`, those inside functions included), not from what happens to
be loaded, so a lazy import cannot hide an arrow that points up. The order is the one
core/__init__.py describes; `modules` is the room for annotation modules.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "just_dna_desktop"
CORE = PACKAGE / "core"

# Rank of each place in core: a module may import its own package and anything ranked lower.
BASICS = {"errors", "cancel", "housekeeping", "publish", "layout", "hub"}
RANK = {"readers": 1, "reference": 1, "engine": 2, "modules": 3, "results": 4, "workspace": 5}
OUTSIDE_CORE = ("just_dna_desktop.gui", "just_dna_desktop.cli", "just_dna_desktop.pipelines",
                "PySide6", "shiboken6", "qasync", "dagster")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, absolute (`from . import x` counted as the module x)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names
                      if (PACKAGE.parent / f"{target}.{alias.name}".replace(".", "/")).is_dir()
                      or (PACKAGE.parent / (f"{target}.{alias.name}".replace(".", "/") + ".py"))
                      .is_file()}
    return found


def place(module: str) -> str | None:
    """'readers', 'basics', ... for a module of core; None for anything else."""
    parts = module.split(".")
    if parts[:2] != ["just_dna_desktop", "core"] or len(parts) < 3:
        return None
    return "basics" if parts[2] in BASICS else parts[2]


def rank(where: str) -> int:
    return 0 if where == "basics" else RANK[where]


CORE_MODULES = {module_name(p): imports_of(p) for p in sorted(CORE.rglob("*.py"))}


def test_every_place_in_core_has_a_rank():
    places = {place(m) for m in CORE_MODULES} - {None}
    assert places <= {"basics"} | set(RANK), places - {"basics"} - set(RANK)
    assert {"readers", "reference", "engine", "results", "workspace"} <= places


@pytest.mark.parametrize("module", sorted(CORE_MODULES))
def test_imports_point_down(module):
    here = place(module)
    wrong = []
    for target in sorted(CORE_MODULES[module]):
        if target.startswith(OUTSIDE_CORE):
            wrong.append(f"{target} (outside core)")
        there = place(target)
        if there is None or here is None or there == here:
            continue
        if rank(there) >= rank(here):
            wrong.append(f"{target} ({there} is not below {here})")
    assert not wrong, f"{module} imports " + "; ".join(wrong)


def test_no_import_cycles_in_core():
    graph = defaultdict(set)
    for module, targets in CORE_MODULES.items():
        # A package's __init__ is imported by each of its modules' imports: not an arrow back.
        graph[module] = {t for t in targets if t in CORE_MODULES and t != module and
                         not module.startswith(t + ".")}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_checker_sees_an_arrow_up_and_a_cycle(tmp_path):
    """The rules above can fail: an upward import inside a function is seen."""
    fake = tmp_path / "just_dna_desktop" / "core" / "readers"
    fake.mkdir(parents=True)
    source = fake / "vcf.py"
    source.write_text("def f():\n    from ..workspace.settings import load_settings\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "just_dna_desktop"
    try:
        found = imports_of(source)
    finally:
        PACKAGE = saved
    assert "just_dna_desktop.core.workspace.settings" in found
    assert rank(place("just_dna_desktop.core.workspace.settings")) > rank("readers")
