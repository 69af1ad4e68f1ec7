"""Choose a human title for a document: from its metadata if that is meaningful,
else from its first substantial line, else from its file name."""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath

# Metadata titles that authoring tools fill in themselves and that say nothing
# about the document ("Microsoft Word - letter.doc", "Normal.dot 15/07/2007").
_TOOL_PREFIX = re.compile(r"^(microsoft\s+(word|excel|powerpoint)\s*-\s*)", re.I)
_FILE_EXT = re.compile(r"\.(docx?|dotx?|pdf|rtf|xlsx?|txt|html?|odt|msg|eml)\b", re.I)
_JUNK_TITLES = re.compile(
    r"^(untitled|document\d*|title|no title|slide \d+|page \d+|new document|"
    r"(new )?normal(\.dot)?|template|default|pdf|print|scan\w*|img[_ ]?\d*|dok\w*)$",
    re.I,
)
_PLACEHOLDER = re.compile(r"^\[.*\]$|^<.*>$|^\{.*\}$")
# Page furniture that is often the first line of a letter but is not its title.
_FURNITURE = re.compile(
    r"^(official(\s*[-:]?\s*sensitive)?|restricted|unclassified|not protectively marked|"
    r"page \d+( of \d+)?|\d+|private (and|&) confidential|confidential|by email( only)?)$",
    re.I,
)
# Letterhead contact lines ("Email: foi@...", "Our ref: 123") come first in many
# replies but are not titles.
_CONTACT = re.compile(
    r"^(name|dept|department|e-?mail|tel(ephone)?|phone|fax|website|web|our ref(erence)?|"
    r"your ref(erence)?|my ref(erence)?|ref(erence)?|date|direct dial|address|from|to|sent|cc)\b\s*(no\.?)?\s*:",
    re.I,
)
_DATE_LINE = re.compile(
    r"^(\w+day,?\s+)?\d{1,2}(st|nd|rd|th)?\s+[A-Za-z]+,?\s+\d{4}$|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$"
)
# A letter's subject line: "Re: ...", or the "Freedom of Information request 123" heading.
_SUBJECT_LINE = re.compile(r"^(re|subject)\s*:\s*\S|freedom of information|information request|request for information", re.I)
_SENTENCE_START = re.compile(r"^(thank|if|i|we|you|your|please|the|this|as|in|on|under)\b", re.I)
MAX_TITLE = 200


def clean_title(raw: str | None) -> str | None:
    """Return a metadata title tidied up, or None when it is tool noise."""
    if not raw:
        return None
    title = " ".join(raw.replace("\x00", " ").split())
    title = _TOOL_PREFIX.sub("", title)
    if _FILE_EXT.search(title) and len(title.split()) <= 4:
        # A bare file name ("FOI 1234 response.docx") or a template name.
        return None
    title = title.strip(" -_.:")
    if not is_meaningful_title(title):
        return None
    return title[:MAX_TITLE]


def is_meaningful_title(title: str) -> bool:
    """Whether a candidate title would tell a reader something."""
    letters = sum(map(str.isalpha, title))
    if letters < 3 or len(title) > MAX_TITLE:
        return False
    if any(p.match(title) for p in (_JUNK_TITLES, _PLACEHOLDER, _FURNITURE, _CONTACT, _DATE_LINE)):
        return False
    return True


def _candidate(line: str) -> str | None:
    line = " ".join(line.split())
    if len(line) > 150:
        line = line[:150].rsplit(" ", 1)[0] + "…"
    letters = sum(map(str.isalpha, line))
    if letters >= 8 and (len(line.split()) >= 2 or letters >= 12) and is_meaningful_title(line):
        return line
    return None


def first_substantial_line(text: str, max_lines: int = 40) -> str | None:
    """Return a letter's subject line near the top, else its first line that reads like a heading."""
    first = None
    for line in filter(None, map(_candidate, text.splitlines()[:max_lines])):
        first = first or line
        # A heading, not a sentence of the letter that mentions the Act.
        if _SUBJECT_LINE.search(line) and len(line.split()) <= 10 and not _SENTENCE_START.match(line):
            return re.sub(r"^(re|subject)\s*:\s*", "", line, flags=re.I)
    return first


def title_from_filename(filename: str) -> str:
    """The file name's stem with underscores as spaces: the title of last resort."""
    # Names may come from Windows attachments ("C:\\docs\\x.doc") or URLs.
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    stem = " ".join(stem.replace("_", " ").split())
    return stem or "Untitled document"


def choose_title(metadata_title: str | None, text: str, filename: str) -> str:
    """Metadata title if meaningful, else the first substantial line, else the file name."""
    return clean_title(metadata_title) or first_substantial_line(text) or title_from_filename(filename)
