"""Turn the bytes of one original into text.

``extract_bytes(data, filename)`` sniffs the type from the bytes (the file name is
only a hint), hands the bytes to the module for that format and returns an
``Extracted``. Every library error is turned into ``ExtractionError`` here, at
the edge, with a short machine-readable ``reason``.

This runs inside a child process with a time and memory limit (see
``ingest.infra.isolation``): it may be slow or blow up on a hostile file, and that is
the child's problem, not the run's.
"""

from __future__ import annotations

#: Bumped whenever extraction output changes, so stored text can be redone.
EXTRACTOR_VERSION = "4"  # 2: scans read by OCR; 3: long texts kept to MAX_TEXT_CHARS, deep HTML;
# 4: PDFs whose text layer is glyph codes read by OCR

from ingest.extract.dispatch import extract_bytes
from ingest.extract.extracted import MAX_TEXT_CHARS, REASONS, Extracted, ExtractionError
from ingest.extract.sniff import sniff

__all__ = ["EXTRACTOR_VERSION", "MAX_TEXT_CHARS", "REASONS", "Extracted", "ExtractionError", "extract_bytes",
           "sniff"]
