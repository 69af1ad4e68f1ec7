"""Word 2007+ ``.docx`` (and simple ``.xlsx``) read straight from the zip.

The zip's declared sizes are checked before anything is decompressed: a 334 KB
DOCX declaring a 301 MB ``document.xml`` took python-docx to 626 MB RSS
(docs/reliability.md E14). XML is parsed by lxml with entities unresolved
and no network, so XXE gives nothing and billion-laughs stops at libxml2's limit.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from typing import Any, Iterator

from lxml import etree

from ingest.extract.extracted import Extracted, ExtractionError
from ingest.extract.titles import choose_title

log = logging.getLogger(__name__)

MAX_DECLARED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200
# Small parts compress far better than 200:1 when they are mostly repeated
# markup; the ratio check is for parts big enough to hurt.
RATIO_MIN_BYTES = 1024 * 1024

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_CORE_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_PART_ORDER = re.compile(r"^word/(header|footnotes|endnotes|footer)(\d*)\.xml$")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def open_checked_zip(data: bytes) -> zipfile.ZipFile:
    """Open an OOXML zip after refusing declared sizes or ratios that mark a zip bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ExtractionError("parse_error", f"BadZipFile: {exc}") from exc
    total = sum(info.file_size for info in infos)
    if total > MAX_DECLARED_BYTES:
        raise ExtractionError("too_large", f"zip declares {total} bytes uncompressed")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise ExtractionError("too_large", f"{info.filename} expands {ratio:.0f}:1")
    return archive


def _read_xml(archive: zipfile.ZipFile, name: str) -> etree._Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    with archive.open(info) as part:
        # The declared size was checked; never read past it even if it lied.
        raw = part.read(info.file_size + 1)[: info.file_size]
    return etree.fromstring(raw, _parser())


def _run_text(node: etree._Element) -> Iterator[str]:
    """The text of a paragraph's own runs; text boxes and fallbacks nested in it come separately."""
    for child in node:
        tag = child.tag
        if tag in (f"{W}txbxContent", MC_FALLBACK):
            continue
        if tag == f"{W}t":
            yield child.text or ""
        elif tag == f"{W}tab":
            yield "\t"
        elif tag in (f"{W}br", f"{W}cr"):
            yield "\n"
        elif tag == f"{W}noBreakHyphen":
            yield "-"
        else:
            yield from _run_text(child)


def _blocks(element: etree._Element) -> Iterator[str]:
    """Paragraphs and table rows in document order, one string each."""
    for child in element:
        tag = child.tag
        if tag == f"{W}p":
            yield "".join(_run_text(child))
            for box in child.iter(f"{W}txbxContent"):
                if not any(a.tag == MC_FALLBACK for a in box.iterancestors()):
                    yield from _blocks(box)
        elif tag == f"{W}tbl":
            for row in child.iter(f"{W}tr"):
                if row.getparent() is not child:
                    continue  # rows of nested tables come through their cell
                cells = [" ".join(b for b in _blocks(cell) if b.strip()) for cell in row.findall(f"{W}tc")]
                yield "\t".join(" ".join(c.split()) for c in cells)
        elif tag in (f"{W}sectPr", MC_FALLBACK):
            continue
        else:
            yield from _blocks(child)  # sdt, sdtContent, customXml, body, ...


def part_text(root: etree._Element | None) -> str:
    """The text of one WordprocessingML part."""
    if root is None:
        return ""
    lines = [line.rstrip() for line in _blocks(root)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _core_properties(archive: zipfile.ZipFile) -> dict[str, str]:
    root = _read_xml(archive, "docProps/core.xml")
    if root is None:
        return {}
    found = {}
    for key, path in (("title", "dc:title"), ("created", "dcterms:created")):
        node = root.find(path, _CORE_NS)
        if node is not None and node.text:
            found[key] = node.text.strip()
    return found


def extract_docx(data: bytes, filename: str = "") -> Extracted:
    """Read a .docx: headers, body paragraphs and tables in order, notes and footers."""
    archive = open_checked_zip(data)
    names = archive.namelist()
    extra = sorted((n for n in names if _PART_ORDER.match(n)), key=lambda n: _PART_ORDER.match(n).groups())
    sections: list[str] = []
    seen: set[str] = set()
    for name in [n for n in extra if "/header" in n] + ["word/document.xml"] + [
        n for n in extra if "/header" not in n
    ]:
        text = part_text(_read_xml(archive, name))
        # First-page, even and default headers often repeat the same letterhead.
        if text.strip() and text not in seen:
            seen.add(text)
            sections.append(text)
    text = "\n\n".join(sections)
    core = _core_properties(archive)
    hints: dict[str, Any] = {}
    if re.match(r"\d{4}-\d{2}-\d{2}", core.get("created", "")):
        hints["created"] = core["created"][:10]
    return Extracted(
        format="docx",
        text=text,
        title=choose_title(core.get("title"), part_text(_read_xml(archive, "word/document.xml")), filename),
        method="docx-xml",
        hints=hints,
    )


def _cell_values(sheet: etree._Element, shared: list[str]) -> Iterator[str]:
    for row in sheet.iter(f"{_SHEET_NS}row"):
        values = []
        for cell in row.iter(f"{_SHEET_NS}c"):
            value = cell.find(f"{_SHEET_NS}v")
            inline = cell.find(f"{_SHEET_NS}is")
            if cell.get("t") == "s" and value is not None and (value.text or "").isdigit():
                index = int(value.text)
                values.append(shared[index] if index < len(shared) else "")
            elif inline is not None:
                values.append("".join(t.text or "" for t in inline.iter(f"{_SHEET_NS}t")))
            elif value is not None:
                values.append(value.text or "")
        if any(v.strip() for v in values):
            yield "\t".join(values)


def extract_xlsx(data: bytes, filename: str = "") -> Extracted:
    """Read the cell values of a simple .xlsx, a sheet after another, a row a line."""
    archive = open_checked_zip(data)
    strings_root = _read_xml(archive, "xl/sharedStrings.xml")
    shared = []
    if strings_root is not None:
        for item in strings_root.iter(f"{_SHEET_NS}si"):
            shared.append("".join(t.text or "" for t in item.iter(f"{_SHEET_NS}t")))
    sheets = sorted(
        (n for n in archive.namelist() if re.match(r"^xl/worksheets/sheet\d+\.xml$", n)),
        key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)),
    )
    text = "\n\n".join("\n".join(_cell_values(_read_xml(archive, name), shared)) for name in sheets)
    core = _core_properties(archive)
    return Extracted(
        format="xlsx",
        text=text.strip("\n"),
        title=choose_title(core.get("title"), text, filename),
        method="xlsx-xml",
    )
