"""The architecture's rules, read from the source (docs/reliability.md I4, W3, W5, W7):
data flows one way, only ingest writes the index, Flask stays in the web layer, and
nothing calls Searcher.refresh() or uses AsyncWriter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("archive", "ingest", "cli", "samplegen")


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module name imported anywhere in the file (top level or inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def calls(path: Path, attribute: str) -> list[int]:
    """Lines where ``something.<attribute>(...)`` is called."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == attribute]


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_packages_are_where_the_design_card_puts_them() -> None:
    for package in PACKAGES:
        assert (ROOT / package / "__init__.py").is_file(), package
    assert modules("archive") and modules("ingest")


@pytest.mark.parametrize("path", modules("archive"), ids=rel)
def test_archive_never_imports_ingest(path: Path) -> None:
    bad = [name for name in imported(path) if name == "ingest" or name.startswith("ingest.")]
    assert bad == [], f"{rel(path)} imports {bad}: data flows from ingest to archive, not back"


@pytest.mark.parametrize("path", modules("archive") + modules("ingest") + modules("cli"), ids=rel)
def test_flask_stays_in_the_web_layer(path: Path) -> None:
    if path.is_relative_to(ROOT / "archive" / "web"):
        return
    bad = [name for name in imported(path) if name.split(".")[0] in ("flask", "werkzeug", "jinja2")]
    assert bad == [], f"{rel(path)} imports {bad}"


@pytest.mark.parametrize("path", modules("archive"), ids=rel)
def test_the_site_side_never_asks_for_a_writer_except_the_ingest_writer_class(path: Path) -> None:
    lines = calls(path, "writer")
    if path == ROOT / "archive" / "index.py":
        return  # IndexWriter lives here; ingest is its only user (checked below)
    assert lines == [], f"{rel(path)} asks for an index writer at lines {lines}"


#: Where the index is written: IndexWriter (index.py) and the segment writer under it.
WRITER_MODULES = (ROOT / "archive" / "index.py", ROOT / "archive" / "segments.py")


def names_from(path: Path, module: str) -> set[str]:
    """The names a file imports from ``module``."""
    return {alias.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module == module for alias in node.names}


def test_only_ingest_and_the_cli_use_the_index_writer() -> None:
    from archive.segments import READING

    # The read side may take the reading functions of archive/segments.py, nothing else.
    users = [rel(p) for p in modules("archive") if p not in WRITER_MODULES
             and ("IndexWriter" in p.read_text() or "BulkWriter" in p.read_text()
                  or not names_from(p, "archive.segments") <= set(READING))]
    assert users == [], f"the site side must not write the index: {users}"


@pytest.mark.parametrize("path", modules("archive") + modules("ingest") + modules("cli"), ids=rel)
def test_no_searcher_refresh_and_no_async_writer(path: Path) -> None:
    assert calls(path, "refresh") == [], f"{rel(path)}: reopen on a new generation, never refresh()"
    assert "AsyncWriter" not in imported(path) and "AsyncWriter" not in path.read_text(), rel(path)


EXTRACT = ROOT / "ingest" / "extract"
#: The format readers and their helpers: below the dispatcher, never importing it.
READERS = sorted(p for p in EXTRACT.glob("*.py") if p.name not in ("__init__.py", "dispatch.py"))


@pytest.mark.parametrize("path", READERS, ids=rel)
def test_format_readers_do_not_import_the_dispatcher_or_the_package(path: Path) -> None:
    """The records live in extracted.py, so no reader needs the package's __init__ (which
    imports the dispatcher, which imports every reader): no import circle to work around."""
    submodules = {p.stem for p in EXTRACT.glob("*.py")}
    bad = sorted(name for name in imported(path) if name == "ingest.extract.dispatch")
    bad += sorted(f"ingest.extract.{name}" for name in names_from(path, "ingest.extract")
                  if name not in submodules)
    assert bad == [], f"{rel(path)} imports {bad}"


@pytest.mark.parametrize("path", sorted((ROOT / "ingest" / "sources").glob("*.py")), ids=rel)
def test_sources_hand_their_finds_to_the_intake_not_the_pipeline(path: Path) -> None:
    """A source finds responses and hands them to ingest.intake; ingest/runs.py runs them
    through the pipeline (and rebuild, verify and the rest are tasks beside it)."""
    bad = [name for name in imported(path) if name in ("ingest.pipeline", "ingest.runs")
           or name.startswith("ingest.tasks")]
    assert bad == [], f"{rel(path)} imports {bad}: flow goes one way"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the project modules it imports anywhere (in functions too). ``from package
    import submodule`` is an import of the submodule."""
    paths = {module_name(p): p for package in PACKAGES for p in modules(package)}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = {f"{node.module}.{a.name}" for a in node.names} & set(paths)
                found.update(subs or {node.module})
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles_even_inside_functions() -> None:
    """An import inside a function that closes a circle hides it from Python, not from a
    reader: every module can be read knowing only what it imports."""
    assert cycles(import_graph()) == []


def test_the_circle_check_sees_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_metadata_package_holds_only_what_reads_a_response() -> None:
    """Build tools (the registry's, from ../shared/registries) are tasks, not readers."""
    tools = [rel(p) for p in modules("ingest") if p.is_relative_to(ROOT / "ingest" / "metadata")
             and ("argparse" in imported(p) or "__main__" in p.read_text(encoding="utf-8"))]
    assert tools == []


@pytest.mark.parametrize("path", modules("ingest") + modules("samplegen"), ids=rel)
def test_the_sample_generator_and_ingest_do_not_know_each_other(path: Path) -> None:
    """Ingest reads the samples as it reads any folder; the generator writes files."""
    other = "samplegen" if path.is_relative_to(ROOT / "ingest") else "ingest"
    bad = [name for name in imported(path) if name.split(".")[0] == other]
    assert bad == [], f"{rel(path)} imports {bad}"


@pytest.mark.parametrize("name", ["folder.py", "walk.py", "settings.py"])
def test_local_sources_need_nothing_from_the_web(name: str) -> None:
    path = ROOT / "ingest" / "sources" / name
    bad = [n for n in imported(path) if n in ("ingest.sources.crawling", "ingest.fetch", "ingest.warc")]
    assert bad == [], f"{rel(path)} imports {bad}"


def test_no_module_reaches_into_another_modules_private_names() -> None:
    """``from x import _name`` couples a module to another's insides (it was fetch's
    _host_port); the engine seam, archive/segments.py, is the one place allowed to."""
    found = []
    for path in modules("archive") + modules("ingest") + modules("cli") + modules("samplegen"):
        if path == ROOT / "archive" / "segments.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PACKAGES:
                found += [f"{rel(path)}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert found == []
