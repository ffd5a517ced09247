"""The layer rule of docs/architecture.md: data flows one way, so a module
imports only from its own layer or the layers below it, and nothing but
``indexer.engine`` itself knows which backend runs."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first.  A package listed here holds every module below it unless a
# longer name is listed too.
LAYERS = [
    ("foundation", ("indexer.thaidate", "indexer.analysis")),
    ("content", ("indexer.content",)),
    ("engine", ("indexer.engine",)),
    ("build", ("indexer.build", "indexer")),
    ("search", ("kmsearch.search", "kmsearch.config")),
    ("services", ("kmsearch.km", "kmsearch.publish")),
    ("web", ("kmsearch.web",)),
    ("application", ("kmsearch",)),
]
BACKENDS = ("indexer.engine.whoosh", "indexer.engine.opensearch")


def layer_of(module: str) -> int:
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank is not None, f"{module} belongs to no layer: add it to docs/architecture.md and LAYERS"
    return rank


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path: Path):
    """(line, imported module) for every import of indexer or kmsearch."""
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([node.module] if node.module else []))
            # known() walks up from the name to the module that holds it
            names = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in ("indexer", "kmsearch"):
                yield node.lineno, name


def sources():
    return sorted(p for top in ("indexer", "kmsearch") for p in (ROOT / top).rglob("*.py"))


def known(name: str, modules: set[str]) -> str | None:
    """The module (or package) an imported name refers to."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def violations(this: str, imported: list[tuple[int, str]], modules: set[str]) -> list[str]:
    wrong = []
    for line, name in imported:
        target = known(name, modules)
        if target is None or target == this:
            continue
        if layer_of(target) > layer_of(this):
            wrong.append(
                f"{line}: {this} ({LAYERS[layer_of(this)][0]}) imports "
                f"{target} ({LAYERS[layer_of(target)][0]}), a layer above it"
            )
        inside = next((b for b in BACKENDS if target == b or target.startswith(b + ".")), None)
        if inside and not (this.startswith(inside) or this == "indexer.engine"):
            wrong.append(f"{line}: {this} imports the backend {target}; only indexer.engine chooses one")
    return wrong


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_from_its_layer_or_below(path):
    modules = {module_name(p) for p in sources()}
    wrong = violations(module_name(path), list(project_imports(path)), modules)
    assert not wrong, "\n".join(f"{path.relative_to(ROOT)}:{w}" for w in wrong)


def test_the_rule_catches_an_import_upwards_and_a_backend_named_outside_the_engine():
    modules = {
        "indexer.content.limits",
        "kmsearch.web.views",
        "kmsearch.search.query",
        "indexer.engine.whoosh.backend",
        "indexer.engine.base",
    }
    assert violations("indexer.content.limits", [(3, "kmsearch.web.views")], modules) == [
        "3: indexer.content.limits (content) imports kmsearch.web.views (web), a layer above it"
    ]
    assert violations("kmsearch.search.query", [(7, "indexer.engine.whoosh.backend.SearchIndex")], modules) == [
        "7: kmsearch.search.query imports the backend indexer.engine.whoosh.backend; only indexer.engine chooses one"
    ]
    assert violations("kmsearch.search.query", [(1, "indexer.engine.base.Hit")], modules) == []


def test_every_module_has_a_layer():
    for path in sources():
        layer_of(module_name(path))
