"""The package's structure: data flows one way (no import cycles) and modules stay short."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "market_sim"
MAX_LINES = 600


def modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports, at any level (function-level imports count)."""
    mods = modules()
    graph = {m: set() for m in mods}
    for m, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in mods]
                targets = subs if len(subs) == len(node.names) else [node.module, *subs]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph[m] |= {t for t in targets if t in mods and t != m}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_a_planted_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "market_sim.strategies.registry" in graph["market_sim.scenario"]  # the graph sees imports
    assert cycles(graph) == []


def test_schema_does_not_import_the_strategies():
    assert not any(t.startswith("market_sim.strategies") for t in import_graph()["market_sim.schema"])


def test_modules_stay_under_the_size_guideline():
    long = {
        str(p.relative_to(ROOT)): n
        for p in ROOT.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_only_the_cli_imports_the_studies():
    """Data flows scenario -> model -> results -> studies -> reports: the studies may import the model, never the
    reverse."""
    graph = import_graph()
    outside = {
        m: sorted(t for t in targets if t.startswith("market_sim.studies"))
        for m, targets in graph.items()
        if not m.startswith("market_sim.studies") and m != "market_sim.cli"
    }
    assert not {m: t for m, t in outside.items() if t}
    assert any(t.startswith("market_sim.studies.calibration") for t in graph["market_sim.cli"])  # the graph sees them
