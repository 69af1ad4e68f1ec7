"""Files inside other files (an e-mail's attachments, a response page's linked files):
how one that could not be read is kept, and how each one's text joins its parent's."""

from __future__ import annotations

from ingest.extract.extracted import Extracted, ExtractionError
from ingest.extract.titles import title_from_filename


def failed_attachment(name: str, error: ExtractionError) -> Extracted:
    """An attached file that could not be read: kept, with the reason, and no text."""
    return Extracted(
        format="unknown",
        text="",
        title=title_from_filename(name),
        method="failed",
        hints={"error": error.reason, "error_detail": error.detail},
        attachment_name=name,
    )


def attachment_section(attachment: Extracted) -> str:
    """An attachment's text under the heading line that joins it to its parent's text.

    The metadata reader finds attachments by this heading (ingest/metadata/passages.py).
    """
    text = attachment.text or f"[not extracted: {attachment.hints.get('error', 'no text')}]"
    return f"----- Attachment: {attachment.attachment_name} -----\n{text}"
