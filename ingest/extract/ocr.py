"""OCR for scanned PDFs: poppler's pdftoppm draws each page, Tesseract reads it.

pdfminer.six reads only a PDF's text layer, so a scanned letter gives no text
(docs/reliability.md E11). When Debian's ``tesseract-ocr`` and
``poppler-utils`` are installed, the page images are read instead and the
document is marked as OCR'd; without them it stays ``needs_ocr`` and is indexed
by what is known of it.

This runs inside the extraction child, under its memory limit (the tools
inherit RLIMIT_AS). Each tool call has its own timeout, and the whole document
has a time budget below the child's deadline: a long scan is read as far as the
budget allows and marked incomplete, rather than lost to a timeout.

Welsh bodies write bilingual letters. Pages are read in English first; a page whose
text shows Welsh is read again with Tesseract's Welsh model as well (``cym+eng``), and
so is every page after it, where Debian's ``tesseract-ocr-cym`` is installed.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: Resolution pages are drawn at. 200 dpi reads typed letters as well as 300 here
#: (258 against 262 words on the corpus's scanned CIPFA form) in half the time.
DPI = 200
#: Seconds one document may spend in OCR; below the default 60 s child deadline. A task run
#: under another deadline sets its own share of it (``time_budget``).
BUDGET = 45.0
#: The share of a task's deadline OCR may take; the rest is for the reading around it.
BUDGET_SHARE = 0.75
_budget: contextvars.ContextVar[float] = contextvars.ContextVar("ocr_budget", default=BUDGET)
#: Pages read at most; a 300-page scanned bundle is read in part and says so.
MAX_PAGES = 50
LANGUAGE = "eng"
#: Welsh and English together: a bilingual letter keeps its English words right.
WELSH = "cym+eng"

#: Welsh words frequent in any letter and not English words, as English OCR reads them.
WELSH_WORDS = frozenset("""
yn yr mae wedi eich ein gan ac neu hwn hon sydd dan gyda ddim bod ei eu nid yw oes ond
fod mewn drwy wrth rhwng yng ym hefyd fel ydych dylech gallwch gallaf diolch cais
gwybodaeth wybodaeth rhyddid heddlu deddf ddeddf adran ymateb i'r a'r o'r ni chi
""".split())
#: A page is Welsh when at least this share of its words (and 5 words) are Welsh ones:
#: about 0.2 on Welsh prose, under 0.01 on English letters (docs/ingest.md, "OCR").
WELSH_SHARE = 0.05
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# Tesseract's OpenMP threads would fight the other extraction workers for cores.
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


@dataclass
class OcrResult:
    text: str
    pages_read: int
    pages: int
    #: The Tesseract languages of the last page read: "eng", or "cym+eng" once Welsh was seen.
    languages: str = LANGUAGE
    #: Why reading stopped before the last page: "time" (the budget ran out: a busy machine
    #: reads further on a second try), "pages" (MAX_PAGES), "error" (a tool failed); "" if not.
    stopped: str = ""

    @property
    def complete(self) -> bool:
        return self.pages_read >= self.pages


def available() -> bool:
    """Whether OCR can run here; ``FOI_ARCHIVE_OCR=off`` turns it off."""
    if os.environ.get("FOI_ARCHIVE_OCR", "").lower() in ("0", "off", "false", "no"):
        return False
    return shutil.which("tesseract") is not None and shutil.which("pdftoppm") is not None


def looks_welsh(text: str) -> bool:
    """Whether OCR'd text holds Welsh, by the share of frequent Welsh words in it."""
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    hits = sum(1 for w in words if w in WELSH_WORDS)
    return hits >= 5 and hits >= WELSH_SHARE * len(words)


@functools.lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """Tesseract's installed models, asked once a process (an empty set if it cannot say)."""
    try:
        done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, timeout=10,
                              env=_ENV, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    # The first line is a heading ("List of available languages in ..."); the rest, names.
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def welsh_available() -> bool:
    return "cym" in installed_languages()


class OcrFailed(Exception):
    """OCR could not read any page (a tool failed, or ran out of time: ``timed_out``)."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


@contextlib.contextmanager
def time_budget(deadline: float | None):  # type: ignore[no-untyped-def]
    """Within the block, OCR of a document may take ``BUDGET_SHARE`` of ``deadline`` seconds
    (the task's time limit; None: the default ``BUDGET``)."""
    token = _budget.set(BUDGET if deadline is None else deadline * BUDGET_SHARE)
    try:
        yield
    finally:
        _budget.reset(token)


def _run(args: list[str], timeout: float) -> bytes:
    try:
        done = subprocess.run(args, capture_output=True, timeout=max(timeout, 0.1),
                              env=_ENV, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TimeoutError(f"{Path(args[0]).name} ran past {timeout:.0f} s") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrFailed(f"{Path(args[0]).name} exited {done.returncode}: {message[-1] if message else ''}")
    return done.stdout


def ocr_pdf(data: bytes, pages: int, *, budget: float | None = None,
            max_pages: int | None = None) -> OcrResult:
    """Read up to ``max_pages`` pages of a PDF by OCR within ``budget`` seconds (default: the
    ``time_budget`` in force).

    Pages are joined with form feeds, as pdfminer joins them. Raises ``OcrFailed``
    when not even the first page could be read.
    """
    budget = _budget.get() if budget is None else budget
    max_pages = MAX_PAGES if max_pages is None else max_pages
    deadline = time.monotonic() + budget
    stopped = "pages" if pages > max_pages else ""
    texts: list[str] = []
    language = LANGUAGE
    wanted = max(1, min(pages, max_pages))
    with tempfile.TemporaryDirectory(prefix="foi-ocr-") as tmp:
        pdf = Path(tmp, "in.pdf")
        pdf.write_bytes(data)
        for number in range(1, wanted + 1):
            left = deadline - time.monotonic()
            if left <= 0:
                if not texts:
                    raise OcrFailed(f"no time left in the {budget:.0f} s budget", timed_out=True)
                stopped = "time"
                break
            stem = Path(tmp, f"p{number}")
            try:
                _run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-singlefile",
                      "-f", str(number), "-l", str(number), str(pdf), str(stem)], left)
                left = deadline - time.monotonic()
                out = _run(["tesseract", f"{stem}.png", "-", "-l", language], left)
                if language == LANGUAGE and welsh_available() \
                        and looks_welsh(out.decode("utf-8", "replace")):
                    language = WELSH
                    left = deadline - time.monotonic()
                    try:
                        out = _run(["tesseract", f"{stem}.png", "-", "-l", language], left)
                    except (TimeoutError, OcrFailed):
                        pass  # the English reading of this page stands
            except (TimeoutError, OcrFailed) as exc:
                if not texts:
                    raise OcrFailed(str(exc), timed_out=isinstance(exc, TimeoutError)) from exc
                stopped = "time" if isinstance(exc, TimeoutError) else "error"
                break
            finally:
                Path(f"{stem}.png").unlink(missing_ok=True)
            texts.append(out.decode("utf-8", "replace").strip())
    return OcrResult(text="\f".join(texts), pages_read=len(texts), pages=pages, languages=language,
                     stopped=stopped)
