"""The engine seam: Whoosh's private names are used in archive/segments.py only, and that
module was written for the Whoosh installed."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import whoosh
import whoosh.codec.whoosh3
import whoosh.query
import whoosh.reading
import whoosh.writing

from archive import segments

ROOT = Path(__file__).resolve().parents[1]
SEAM = ROOT / "archive" / "segments.py"


def whoosh_private_names() -> set[str]:
    """Every underscore name Whoosh defines or assigns (attributes, methods, functions)."""
    import warnings

    names: set[str] = set()
    for path in Path(whoosh.__file__).parent.rglob("*.py"):
        with warnings.catch_warnings():  # Whoosh's invalid escape sequences (README)
            warnings.simplefilter("ignore")
            tree = ast.parse(path.read_bytes())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
    return {n for n in names if n.startswith("_") and not n.endswith("__")}


def project_private_names() -> set[str]:
    """Underscore names the project defines itself (its own attributes and helpers)."""
    names: set[str] = set()
    for package in ("archive", "ingest", "cli"):
        for path in (ROOT / package).rglob("*.py"):
            if path == SEAM:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                    names.add(node.attr)
                elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif isinstance(node, ast.arg):
                    names.add(node.arg)
    return names


def test_whoosh_is_the_release_the_seam_was_written_for() -> None:
    assert tuple(whoosh.__version__[:3]) == segments.WRITTEN_FOR, (
        f"Whoosh {whoosh.versionstring()} is installed; archive/segments.py reads and writes the "
        f"internals of Whoosh {segments.WRITTEN_FOR}: pin it (pyproject.toml) or port the seam")


def test_no_private_whoosh_name_outside_the_seam() -> None:
    theirs = whoosh_private_names() - project_private_names()
    used: dict[str, list[str]] = {}
    for package in ("archive", "ingest", "cli", "bench"):
        for path in (ROOT / package).rglob("*.py"):
            if path == SEAM:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = None
                if isinstance(node, ast.Attribute) and node.attr in theirs:
                    name = node.attr
                elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                    name = next((a.name for a in node.names if a.name.startswith("_")), None)
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                      and node.func.id in ("getattr", "hasattr") and len(node.args) > 1
                      and isinstance(node.args[1], ast.Constant) and node.args[1].value in theirs):
                    name = node.args[1].value
                if name:
                    used.setdefault(str(path.relative_to(ROOT)), []).append(f"{name} (line {node.lineno})")
    assert used == {}, f"private Whoosh names outside archive/segments.py: {used}"


def test_the_private_names_the_seam_uses_are_there() -> None:
    """Each private name archive/segments.py touches exists in the installed Whoosh."""
    source = SEAM.read_text(encoding="utf-8")
    used = {node.attr for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and node.attr.startswith("_")
            and not node.attr.endswith("__")}
    theirs = whoosh_private_names()
    ours = {node.attr for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)}
    ours |= {node.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef)}
    missing = {n for n in used - ours if n not in theirs}
    assert missing == set(), f"archive/segments.py uses names this Whoosh lacks: {sorted(missing)}"
    assert used & theirs, "the seam reads Whoosh's internals: the check above must see some"
    # The ones the read side relies on, by where they live.
    assert inspect.isfunction(whoosh.query.terms.PatternQuery._btexts)
    assert hasattr(whoosh.reading.SegmentReader, "_perdoc") or "_perdoc" in inspect.getsource(
        whoosh.reading.SegmentReader.__init__)
    assert "_postfile" in inspect.getsource(whoosh.codec.whoosh3.W3TermsReader.__init__)
    assert inspect.isfunction(whoosh.writing.SegmentWriter._check_state)


def test_the_project_compiles_without_warnings() -> None:
    """Invalid escape sequences and the like warn at compile time (a SyntaxWarning from
    Python 3.12 on, a DeprecationWarning before): the project's own files have none."""
    import warnings

    for package in ("archive", "ingest", "cli", "bench"):
        for path in (ROOT / package).rglob("*.py"):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                compile(path.read_bytes(), str(path), "exec")


def _leaves_of(folder: Path, docs: list[dict], per_segment: int):
    """An index of ``docs`` (make_doc's keywords) committed ``per_segment`` at a time: a reader."""
    from archive.index import IndexWriter
    from archive.reader import IndexReader
    from tests.conftest import make_doc

    writer = IndexWriter(folder)
    for n, doc in enumerate(docs):
        writer.update(make_doc(n, **doc))
        if n % per_segment == per_segment - 1:
            writer.commit()
    writer.commit()
    return IndexReader(folder)


def test_numeric_columns_read_at_once_equal_whooshs_one_at_a_time(tmp_path) -> None:
    from archive.segments import column_values, length_column

    # Some undated, the last ones of a segment among them.
    docs = [dict(title="title " * (n % 7), text="word " * (n * 13 % 300),
                 date=f"20{10 + n % 12}-03-0{1 + n % 9}" if n % 5 else None) for n in range(40)]
    reader = _leaves_of(tmp_path, docs, 15)
    try:
        with reader.searcher() as searcher:
            leaves = searcher.reader().leaf_readers()
            assert len(leaves) >= 3
            for leaf, _ in leaves:
                n = leaf.doc_count_all()
                for column in [length_column(leaf, "text"), length_column(leaf, "title"),
                               leaf.column_reader("date", translate=False)]:
                    values = column_values(column, n)
                    assert values is not None
                    assert values.tolist() == list(column)
    finally:
        reader.close()


def test_a_prefix_read_in_one_piece_gives_whooshs_terms(tmp_path) -> None:
    from archive.segments import prefix_terms

    words = ["parking", "penalty", "pelican", "zebra", "écoles", "éclair", "apple", "p", "q1"]
    docs = [dict(title="x", text=" ".join(words[n % len(words):] + [f"pz{n}"])) for n in range(30)]
    reader = _leaves_of(tmp_path, docs, 10)
    try:
        with reader.searcher() as searcher:
            name = searcher.schema["text"].spelling_fieldname("text")
            leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
            assert len(leaves) >= 3
            for leaf in leaves:
                for field in (name, "text", "authority"):
                    for prefix in ("p", "pe", "é", "z", "a", "0", "\uffff", "q"):
                        ours = prefix_terms(leaf, field, prefix.encode("utf-8"))
                        assert ours == list(leaf.expand_prefix(field, prefix)), (field, prefix)
                assert prefix_terms(leaf, name, b"p")  # not vacuous
    finally:
        reader.close()
