"""HTML pages with beautifulsoup4 and lxml, decoded by explicit rules.

The charset is chosen in a fixed order and recorded (``encoding_source``):
the HTTP-declared charset, then a byte-order mark, then ``<meta charset>`` or
http-equiv, then UTF-8 with replacement characters. bs4's own guessing is never
used (docs/reliability.md E17-E18). A BOM wins over a declared charset, as in
browsers (WHATWG "decode"), because it is in the bytes themselves.

Saved WhatDoTheyKnow (Alaveteli) request pages are read as the FOI thread they
show (shared/corpus/listings/FORMATS.md §3), in the same shape as the Sheffield
exports: one ``----- Request from requester, DATE -----`` or
``----- Response from authority, DATE -----`` heading a message.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import date
from typing import Any

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ingest.extract.extracted import MAX_TEXT_CHARS, Extracted, ExtractionError
from ingest.extract.plaintext import decode_declared, normalise_charset
from ingest.extract.titles import choose_title, clean_title

log = logging.getLogger(__name__)

# 4 MB of HTML took about 0.5 GB in lxml; a saved request page is ~50 KB (reliability.md E19).
MAX_HTML_BYTES = 5 * 1024 * 1024
# Replacement characters beyond this share of the text flag a wrong charset.
SUSPECT_REPLACEMENT_SHARE = 0.01

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_WDTK_TITLE = re.compile(
    r"^(?P<title>.*?)\s+-\s+an?\s+(?P<law>.+?)\s+request\s+to\s+(?P<authority>.+?)\s+-\s+WhatDoTheyKnow\s*$",
    re.S,
)

_DROP_TAGS = (
    "script", "style", "noscript", "template", "nav", "form", "iframe", "svg",
    "button", "input", "select", "textarea", "object", "embed", "canvas", "head",
)
_BOILERPLATE = re.compile(r"cookie|consent|gdpr|skip-?link|breadcrumb|site-?header|site-?footer|banner", re.I)
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "ol", "p", "pre", "section", "table", "ul", "caption", "body", "html", "center", "details", "summary",
}
_CELL_TAGS = {"td", "th"}


def meta_charset(data: bytes) -> str | None:
    """The charset named by a ``<meta>`` tag near the top of the page, if any."""
    match = _META_CHARSET.search(data[:8192])
    if not match:
        return None
    encoding = normalise_charset(match.group(1).decode("ascii", errors="replace"))
    if encoding and encoding.startswith("utf-16"):
        # Bytes we could read the meta tag from as ASCII are not UTF-16 (WHATWG).
        return "utf-8"
    return encoding


def decode_html(data: bytes, declared_charset: str | None = None) -> tuple[str, str, str]:
    """Decode HTML bytes by the fixed precedence: (text, encoding, encoding_source)."""
    decided = decode_declared(data, declared_charset)
    if decided:
        return decided
    encoding = meta_charset(data)
    if encoding:
        return data.decode(encoding, errors="replace"), encoding, "meta"
    return data.decode("utf-8", errors="replace"), "utf-8", "default"


def _is_boilerplate(tag: Tag, in_content: bool) -> bool:
    """``in_content``: the tag stands inside an <article> or <main>."""
    if tag.name in ("header", "footer", "aside") and not in_content:
        return True
    if tag.get("role") in ("navigation", "banner", "contentinfo"):
        return True
    marks = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
    return bool(_BOILERPLATE.search(marks))


def strip_boilerplate(soup: BeautifulSoup | Tag) -> None:
    """Remove scripts, styles, navigation, forms and cookie banners in place."""
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    # Whether each tag is inside <article>/<main>, worked out from its parent's (tags come in
    # document order), not by a walk up every tag's ancestors: deep pages stay linear.
    in_content: dict[int, bool] = {}
    for tag in soup.find_all(True):
        # Not ``tag.decomposed``: a Tag's missing attribute is a search of its subtree
        # (bs4's tag.name shorthand), which made deeply nested pages quadratic.
        if tag.__dict__.get("_decomposed"):
            continue
        parent = tag.parent
        inside = parent is not None and (in_content.get(id(parent), False) or parent.name in ("article", "main"))
        in_content[id(tag)] = inside
        if _is_boilerplate(tag, inside):
            tag.decompose()


def _walk(node: Tag, out: list[str]) -> None:
    """Append the text of ``node``'s children to ``out``, blocks and cells marked. Iterative,
    with its own stack: a page of 200,000 nested <div>s must not recurse 200,000 deep."""
    # The stack holds children iterators, each with its "in <pre>" flag, and the strings
    # to append once an element's children are done (the block's closing line break).
    stack: list[tuple[Any, bool, str]] = [(iter(node.children), False, "")]
    while stack:
        children, pre, after = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if after:
                out.append(after)
            continue
        if isinstance(child, NavigableString):
            if not isinstance(child, Comment):
                text = str(child)
                out.append(text if pre else re.sub(r"\s+", " ", text))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name == "br":
            out.append("\n")
        elif name in _CELL_TAGS:
            out.append("\t")
            stack.append((iter(child.children), pre, ""))
        elif name == "tr":
            # One line a row, with no blank line between rows.
            stack.append((iter(child.children), pre, "\n"))
        elif name in _BLOCK_TAGS:
            out.append("\n")
            stack.append((iter(child.children), pre or name == "pre", "\n"))
        else:
            stack.append((iter(child.children), pre, ""))


def node_text(node: Tag) -> str:
    """The visible text of a node with blocks, line breaks and table cells kept apart."""
    out: list[str] = []
    _walk(node, out)
    lines = []
    for line in "".join(out).split("\n"):
        # Cells open with a tab; a row's first cell should not.
        line = re.sub(r"[ \t]*\t[ \t]*", "\t", line.strip(" ")).strip("\t ").replace("\xa0", " ")
        lines.append(line.rstrip())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


_INVISIBLE = re.compile(r"<(script|style|head|template|noscript|svg)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BLOCK_TAG = re.compile(r"</?(?:" + "|".join(sorted(_BLOCK_TAGS | {"br", "tr"})) + r")\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"<[^>]*>")


def _stripped(data: bytes, filename: str, declared_charset: str | None) -> Extracted:
    """A large page's text without a parse tree: tags dropped, blocks as line breaks, in one
    linear pass each, on at most the first 4 x MAX_TEXT_CHARS bytes."""
    hints: dict[str, Any] = {"degraded": f"{len(data)} bytes of HTML read without the parser"}
    decoded, encoding, source = decode_html(data[:4 * MAX_TEXT_CHARS], declared_charset)
    if len(data) > 4 * MAX_TEXT_CHARS:
        hints["truncated"] = {"bytes": len(data)}
    text = _ANY_TAG.sub("", _BLOCK_TAG.sub("\n", _INVISIBLE.sub(" ", decoded)))
    lines = (" ".join(html.unescape(line).split()) for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return Extracted(format="html", text=_CONTROL.sub("", text), title=choose_title(None, text, filename),
                     method="html-stripped", encoding=encoding, encoding_source=source, hints=hints)


def _soup(text: str) -> BeautifulSoup:
    # Already decoded, so bs4 has nothing to guess; NULs and C0 controls are
    # corruption, and lxml refuses them.
    return BeautifulSoup(_CONTROL.sub("", text), "lxml")


# The names a page's own date goes by in <meta> (Dublin Core, Open Graph, schema.org, CMSs).
_DATE_META = re.compile(r"^(?:date|dc\.date(?:\.\w+)?|dcterms\.(?:date|created|issued|modified)|article:published_time"
                        r"|article:modified_time|og:published_time|datepublished|datecreated|published|created|pubdate"
                        r"|last-modified)$", re.IGNORECASE)
# The same given in parts: "created-day" 14, "created-month" December, "created-year" 2015.
_DATE_PART = re.compile(r"^(?P<what>created|published|date)[-_.](?P<part>day|month|year)$", re.IGNORECASE)


def page_date(soup: BeautifulSoup) -> str | None:
    """The date a page gives itself in its <meta> tags (ISO), else None."""
    parts: dict[str, str] = {}
    for meta in soup.find_all("meta", content=True):
        name = str(meta.get("name") or meta.get("property") or meta.get("itemprop") or "")
        content = str(meta["content"]).strip()
        if _DATE_META.match(name):
            m = re.match(r"(\d{4})-(\d{2})-(\d{2})", content)
            if m:
                return m.group(0)
        part = _DATE_PART.match(name)
        if part:
            parts[part["part"].lower()] = content
    if {"day", "month", "year"} <= set(parts):
        month = parts["month"].strip().lower()[:3]
        number = _MONTHS.index(month) + 1 if month in _MONTHS else int(month) if month.isdigit() else 0
        try:
            return date(int(parts["year"]), number, int(parts["day"])).isoformat()
        except ValueError:  # "148" for a day: no date
            return None
    return None


_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def _iso_date(tag: Tag | None) -> str | None:
    time = tag.find("time") if tag else None
    stamp = (time.get("datetime") or "") if time else ""
    return stamp[:10] if re.match(r"\d{4}-\d{2}-\d{2}", stamp) else None


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _wdtk_thread(soup: BeautifulSoup) -> tuple[str, dict[str, Any], str] | None:
    """Read a saved WhatDoTheyKnow request page as its thread, or None if it is not one."""
    title_tag = soup.find("title")
    match = _WDTK_TITLE.match(_clean(title_tag.get_text()) if title_tag else "")
    messages = soup.find_all("div", class_="correspondence", id=re.compile(r"^(incoming|outgoing)-"))
    if not match or not messages:
        return None
    request_title = match.group("title").strip()
    authority = match.group("authority").strip()
    law = match.group("law").lower()
    hints: dict[str, Any] = {"authority": authority, "request_title": request_title}
    if "environmental" in law:
        hints["law_used"] = "eir"
    elif "freedom of information" in law:
        hints["law_used"] = "foi"
    status = soup.find(id="request_status")
    for cls in (status.get("class") or []) if status else []:
        if cls.startswith("request-status-message--"):
            hints["wdtk_status"] = cls.split("--", 1)[1]

    parts = [f"Subject: {request_title}", f"Freedom of Information request to {authority}"]
    found: list[dict[str, Any]] = []
    for message in messages:
        incoming = message["id"].startswith("incoming-")
        header = message.find(class_="correspondence__header")
        author = header.find(class_="correspondence__header__author") if header else None
        date = _iso_date(header)
        record = {
            "direction": "response" if incoming else "request",
            "date": date,
            "author": _clean(author.get_text() if author else "").rstrip(","),
        }
        found.append(record)
        heading = "Response from authority" if incoming else "Request from requester"
        parts.append(f"\n----- {heading}, {date or 'undated'} -----")
        body = message.find(class_="correspondence_text")
        if body is None:
            continue
        names = [_clean(p.get_text()) for p in body.find_all(class_="attachment__name")]
        for attachments in body.find_all(class_="attachments"):
            attachments.decompose()
        parts.append(node_text(body))
        parts.extend(f"Attachment: {name}" for name in names if name)
    hints["messages"] = found
    replies = [m["date"] for m in found if m["direction"] == "response" and m["date"]]
    if replies:
        hints["date"] = max(replies)
    return "\n".join(parts).strip() + "\n", hints, request_title


def extract_html(data: bytes, filename: str = "", declared_charset: str | None = None) -> Extracted:
    """Read an HTML page: a WhatDoTheyKnow thread if it is one, else the page's main text.
    A page too large for the parser is read by stripping its tags (``method`` "html-stripped")."""
    if len(data) > MAX_HTML_BYTES:
        return _stripped(data, filename, declared_charset)
    decoded, encoding, source = decode_html(data, declared_charset)
    soup = _soup(decoded)
    hints: dict[str, Any] = {}
    replaced = decoded.count("\ufffd")
    if replaced > max(3, len(decoded) * SUSPECT_REPLACEMENT_SHARE):
        hints["encoding_suspect"] = True
        log.info("%s: %d replacement characters after decoding as %s", filename, replaced, encoding)

    page_title = _clean(soup.title.get_text()) if soup.title else ""
    published = page_date(soup)
    if published:
        hints["published"] = published  # the source's date, for a response that states none
    thread = _wdtk_thread(soup)
    if thread:
        text, wdtk_hints, title = thread
        hints.update(wdtk_hints)
        method = "wdtk-html"
    else:
        strip_boilerplate(soup)
        root = soup.find("main") or soup.find("article") or soup.body or soup
        text = node_text(root)
        heading = root.find("h1") if isinstance(root, Tag) else None
        title = choose_title(clean_title(page_title) or (_clean(heading.get_text()) if heading else None), text, filename)
        method = "html"
    return Extracted(
        format="html",
        text=text,
        title=title,
        method=method,
        encoding=encoding,
        encoding_source=source,
        hints=hints,
    )
