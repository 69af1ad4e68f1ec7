"""Where a source hands over what it found: each original kept write-once in the store
(by sha256) and given the document it belongs to (a new one, or one already known by its
place or by its bytes), before the pipeline extracts it."""

from __future__ import annotations

import json
from typing import Any

from archive.store import Store, document_id
from ingest.records import Item, Summary


class Intake:
    """One run's intake: the store, the run's summary, and the documents new in this run."""

    def __init__(self, store: Store, summary: Summary) -> None:
        self.store = store
        self.summary = summary
        self._new_in_run: dict[str, str] = {}  # sha256 -> doc id, for documents not yet saved

    def add_bytes(self, data: bytes, *, source: str, locator: str, name: str,
                  display: str = "", provenance: dict[str, Any] | None = None) -> Item:
        """Keep an original write-once and say which document it belongs to."""
        sha = self.store.put_object(data)
        item = Item(source=source, locator=locator, name=name, sha256=sha, size=len(data),
                    display=display or locator)
        known = self.store.document_by_locator(source, locator)
        if known is None:
            same = self.store.document_by_sha256(sha)
            if same is not None:
                # The same bytes under another name: one document, one more place it was seen.
                item.doc_id = same.id
                if not any(p.locator == locator for p in self.store.provenance(same.id)):
                    self.store.add_provenance(source=source, locator=locator, event="also_at",
                                              doc_id=same.id, sha256=sha, size=len(data),
                                              **(provenance or {}))
                return item
            # The same bytes twice in one run, before either is saved: still one document.
            item.doc_id = self._new_in_run.setdefault(sha, document_id(source, locator))
        else:
            item.doc_id = known.id
        return item

    def add_bundle(self, main: bytes, *, name: str, attachments: list[tuple[bytes, str, str]],
                   source: str, locator: str, display: str = "",
                   provenance: dict[str, Any] | None = None) -> Item:
        """A response page and the files it links to (bytes, name, url), as one document.

        Each original is kept under its own sha256; a small manifest naming them
        all is kept too, and its sha256 is the version: a change to any part is a
        new version of the document.
        """
        if not attachments:
            return self.add_bytes(main, source=source, locator=locator, name=name,
                                  display=display, provenance=provenance)
        main_sha = self.store.put_object(main)
        parts = tuple((att_name, self.store.put_object(data)) for data, att_name, _ in attachments)
        manifest = {
            "kind": "bundle",
            "main": {"name": name, "sha256": main_sha},
            "attachments": [{"name": att_name, "sha256": sha, "url": url}
                            for (att_name, sha), (_, _, url) in zip(parts, attachments)],
        }
        data = json.dumps(manifest, sort_keys=True).encode()
        item = self.add_bytes(data, source=source, locator=locator, name=name, display=display,
                              provenance=provenance)
        item.main_name, item.main_sha256, item.parts = name, main_sha, parts
        return item

    def saved(self, item: Item) -> None:
        """The pipeline recorded ``item``: from now on the store knows its document."""
        self._new_in_run.pop(item.sha256, None)
