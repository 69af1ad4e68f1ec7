"""Take a response down from the public site, or put it back; both are logged.

Archives of public documents receive takedown requests (personal data published
by mistake) and must act at once. A takedown marks the document hidden in the
store, which the site checks before serving its page or original and which
every later ingest honours (the pipeline never re-indexes a hidden document,
whatever source or name its bytes come back under), and deletes it from the
index, which takes it out of search, feeds, exports, the sitemap and prior
requests. The original and its text are kept: a restore re-indexes the document
from them without fetching anything.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

from archive.config import Config
from archive.index import IndexWriter
from archive.models import Document
from archive.store import Store, StoreError
from ingest.grouping import Grouper
from ingest.document import document_from_store

INDEX_TIMEOUT = 30.0  # seconds to wait for a running ingest's commit


class TakedownError(Exception):
    """The request could not be carried out (in full); the message says what was done."""


@dataclass
class Result:
    doc_id: str
    action: str
    title: str


def current_user() -> str:
    """Who is acting, for the log ($USER, else the login name)."""
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:  # no user database entry in some containers
        return "unknown"


def _set(config: Config, doc_id: str, hidden: bool, reason: str, user: str) -> Store:
    store = Store(config.store_path)
    try:
        store.set_hidden(doc_id, hidden, reason=reason, user=user)
    except StoreError as exc:
        store.close()
        raise TakedownError(str(exc)) from None
    store.commit()  # first: from here on the site refuses it and ingest keeps it out
    return store


def _write(config: Config, change, what: str) -> None:  # type: ignore[no-untyped-def]
    try:
        change()
    except Exception as exc:  # LockError while an ingest commits, or a damaged index
        raise TakedownError(f"{what}, but the index was not changed ({type(exc).__name__}: "
                            f"{exc}); run the command again, or `foi-archive rebuild`") from None


def _delete(config: Config, doc_id: str) -> None:
    writer = IndexWriter(config.index_path, timeout=INDEX_TIMEOUT)
    writer.delete(doc_id)
    # Deleted is not gone: its words stay in the segment's files (and the spelling list)
    # until the segment is rewritten, which this commit does (one lock, one generation).
    writer.commit(purge=[doc_id])


def takedown(config: Config, doc_id: str, reason: str, user: str | None = None) -> Result:
    """Hide a document from the site now and on every later ingest."""
    if not reason.strip():
        raise TakedownError("give the reason for the takedown (--reason)")
    store = _set(config, doc_id, True, reason.strip(), user or current_user())
    try:
        record = store.version_record(doc_id, store.document(doc_id).sha256) or {}  # type: ignore[union-attr]
    finally:
        store.close()
    _write(config, lambda: _delete(config, doc_id),
           "hidden in the store (its page and original are refused)")
    return Result(doc_id, "takedown", str(record.get("title") or ""))


def restore(config: Config, doc_id: str, reason: str, user: str | None = None) -> Result:
    """Put a taken-down document back, re-indexed from its stored text."""
    store = _set(config, doc_id, False, reason.strip() or "restored", user or current_user())
    try:
        row = store.document(doc_id)
        doc = document_from_store(store, row) if row is not None else None
    finally:
        store.close()
    if doc is None:
        raise TakedownError(f"{doc_id} is shown again but has no stored version to index")
    _write(config, lambda: reindex(config, doc), "shown again in the store")
    return Result(doc_id, "restore", doc.title)


def reindex(config: Config, doc: Document) -> None:
    """Index a restored (or corrected) document made from the store, with its request and
    bands, as ingest would, so later requests can still find it. It keeps its stored group,
    or joins one if it had none (a document hidden before it was first indexed); a group
    found here is kept with its version, so that a rebuild gives it the same."""
    had_group = doc.group is not None
    writer = IndexWriter(config.index_path, timeout=INDEX_TIMEOUT)
    grouper = Grouper(writer.ix)
    try:
        grouper.assign(doc)
    finally:
        grouper.close()
    writer.update(doc)
    writer.commit()
    if doc.group is not None and not had_group:
        with Store(config.store_path) as store:
            store.set_group(doc.id, doc.sha256, doc.group)
            store.commit()
