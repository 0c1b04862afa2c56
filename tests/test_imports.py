"""The package's imports: no circle between modules, and `core` imports no domain.

Every `import` counts, also one inside a function: a circle broken only by importing late is
still two modules that cannot be understood, tested or changed apart."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
# Not domains: the shared plumbing, and what the application factory puts together.
NOT_DOMAINS = {"core", "migrations", "templates", "static"}


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in APP.rglob("*.py")
        if "migrations" not in path.relative_to(APP).parts
    }


def imported(name: str, path: Path, node: ast.Import | ast.ImportFrom, known: set[str]) -> set:
    """The app modules an import statement reaches (a package's submodule where it names one)."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        if node.level:
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            base = ".".join(package[: len(package) - node.level + 1])
            module = f"{base}.{node.module}" if node.module else base
        else:
            module = node.module or ""
        targets = [f"{module}.{alias.name}" for alias in node.names]
        targets = [target if target in known else module for target in targets]
    found = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph = {}
    for name, path in known.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= imported(name, path, node, set(known))
        graph[name] = edges
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def domain_of(module: str) -> str | None:
    """The domain (a sub-package of app/ such as accounts) a module belongs to, if any."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in NOT_DOMAINS or not (APP / parts[1]).is_dir():
        return None  # app itself, app.config, app.extensions, core
    return parts[1]


def test_the_walker_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_the_app_takes_part_in_an_import_circle():
    found = circles(import_graph())
    assert found == [], f"import circles: {found}"


def test_core_imports_no_domain():
    graph = import_graph()
    reaching = sorted(
        (module, target)
        for module, targets in graph.items()
        if module.startswith("app.core")
        for target in targets
        if domain_of(target)
    )
    assert reaching == [], f"core reaches into domains: {reaching}"
    assert "app.core.security" in graph and "app.core.audit" in graph["app.core.security"]


def test_accounts_reaches_into_no_other_domain():
    """Export and erasure go through the providers, mail through the core outbox, demo data
    through app/demo.py: accounts imports nothing of another domain."""
    reaching = sorted(
        (module, target)
        for module, targets in import_graph().items()
        if domain_of(module) == "accounts"
        for target in targets
        if domain_of(target) not in (None, "accounts")
    )
    assert reaching == [], f"accounts reaches into other domains: {reaching}"
