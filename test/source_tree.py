"""The package's modules and who imports whom, read from the source (ast): shared by the layout tests."""
import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "tod_ros"


def _module_name(path):
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path):
    """Every module name imported anywhere in the file (module level or inside functions)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def within(name, *prefixes):
    """True when module ``name`` is one of ``prefixes`` or inside one of them."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def import_graph():
    """{module: modules of the package it imports}. ``tod_ros.cli`` loads the command modules by name
    (commands/_verbs.py's VERBS): those count as imports too."""
    from tod_ros.commands._verbs import VERBS

    graph = {}
    for name, path in MODULES.items():
        found = {_owner(imp) for imp in imports_of(path) if within(imp, "tod_ros")}
        graph[name] = {m for m in found if m and m != name}
    graph["tod_ros.cli"] |= {f"tod_ros.commands.{module}" for module, _ in VERBS.values()}
    return graph


def _owner(imported):
    """The package module an imported name belongs to (``tod_ros.detection.Detector`` -> ``tod_ros.detection``)."""
    while imported and imported not in MODULES:
        imported = imported.rpartition(".")[0]
    return imported


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found
