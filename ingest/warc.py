"""Web archives out and in: every fetch written as WARC records, and WARC files made by
other tools read back as captures (docs/ingest.md, "Web archives").

Out: ``WarcRecorder`` is the fetcher's recorder. Each HTTP exchange becomes a response
record and the request record that asked for it (WARC 1.1, ISO 28500), appended to one
gzipped file a source run under ``<store>/warc/``, so a crawl opens in replay tools
(pywb, ReplayWeb.page) as a standard web archive. The body is stored as the fetcher
decoded it: its Content-Encoding is removed and kept as ``X-Archive-Orig-Content-Encoding``,
as pywb writes it, with Content-Length set to the bytes stored.

In: ``read_captures`` runs in a child process with a time and memory limit
(ingest/infra/isolation.py): a WARC is untrusted input, its gzip members may be bombs and its
lengths may lie. It writes each 200 response's payload, at most ``max_bytes``, to a
folder and returns what it found: the URL, the capture time, the headers and the file.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.fetch import Exchange

#: Headers that describe how the bytes travelled, not what they are: the body is stored decoded.
_TRAVEL = {"content-encoding", "transfer-encoding", "content-length"}


class WarcRecorder:
    """Appends each exchange a fetcher makes to one WARC file (gzipped, a member a record)."""

    def __init__(self, path: Path, software: str) -> None:
        self.path = path
        self.software = software
        self.records = 0
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            with open(self.path, "ab") as fh:
                writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
                if new:
                    writer.write_record(writer.create_warcinfo_record(
                        self.path.name, {"software": self.software, "format": "WARC File Format 1.1",
                                         "isPartOf": self.path.parent.name}))
                response = self._response(writer, exchange)
                writer.write_record(response)
                writer.write_record(self._request(writer, exchange, response))
            self.records += 2

    @staticmethod
    def _date(exchange: Exchange) -> str:
        return exchange.at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _response(self, writer: WARCWriter, exchange: Exchange) -> Any:
        body = exchange.body or b""
        headers = []
        for name, value in exchange.response_headers:
            if name.lower() == "content-encoding" and exchange.body is not None:
                headers.append(("X-Archive-Orig-Content-Encoding", value))
            elif name.lower() not in _TRAVEL:
                headers.append((name, value))
        headers.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{exchange.status} {exchange.reason}".strip(), headers, protocol="HTTP/1.1")
        return writer.create_warc_record(
            exchange.url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict={"WARC-Date": self._date(exchange), "WARC-IP-Address": exchange.ip})

    def _request(self, writer: WARCWriter, exchange: Exchange, response: Any) -> Any:
        parts = urlsplit(exchange.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        http = StatusAndHeaders(f"GET {target} HTTP/1.1", exchange.request_headers, is_http_request=True)
        return writer.create_warc_record(
            exchange.url, "request", payload=BytesIO(b""), length=0, http_headers=http,
            warc_headers_dict={"WARC-Date": self._date(exchange),
                               "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")})


def warc_path(store_path: Path, source: str, started: datetime) -> Path:
    """Where a source run's WARC goes: ``<store>/warc/<source>/<source>-<UTC time>.warc.gz``."""
    return store_path / "warc" / source / f"{source}-{started.strftime('%Y%m%dT%H%M%SZ')}.warc.gz"


@dataclass
class Capture:
    """A 200 response found in a WARC: its URL, when it was captured, its headers, and the
    file its payload was written to (at most ``max_bytes`` of it)."""

    url: str
    at: str  # WARC-Date, ISO 8601
    headers: dict[str, str]
    path: str
    size: int
    sha256: str
    warc: str  # the WARC file's name
    offset: int  # the record's offset in it, for a replay tool


class WarcError(Exception):
    """A WARC that cannot be read (truncated, not a WARC, lengths that lie)."""


def read_captures(warc: str, out_dir: str, max_bytes: int) -> list[Capture]:
    """The 200 responses of a WARC, each payload written to ``out_dir``.

    Meant to run in a limited child process. A payload over ``max_bytes`` (after its
    Content-Encoding, if any, is undone) is left out, named in no capture. Revisit
    records carry no payload and are skipped. Raises WarcError on a broken file.
    """
    captures: list[Capture] = []
    name = os.path.basename(warc)
    _check_gzip(warc)
    try:
        with open(warc, "rb") as fh:
            records = ArchiveIterator(fh, arc2warc=True, check_digests=False)
            for record in records:
                if record.rec_type not in ("response", "resource"):
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                if urlsplit(uri).scheme not in ("http", "https"):
                    continue
                status = record.http_headers.get_statuscode() if record.http_headers else "200"
                if record.rec_type == "response" and status != "200":
                    continue
                stream = record.content_stream()
                payload = stream.read(max_bytes + 1)
                # Read the record to its end: a record shorter than its Content-Length (a
                # truncated file, a length that lies) is a broken WARC, not a capture.
                while record.raw_stream.read(1 << 16):
                    pass
                if getattr(record.raw_stream, "limit", 0) > 0:
                    raise WarcError(f"record at offset {records.get_record_offset()} ends "
                                    f"{record.raw_stream.limit} bytes before its Content-Length")
                if len(payload) > max_bytes:
                    continue
                headers = {k.lower(): v for k, v in (record.http_headers.headers if record.http_headers else [])}
                digest = hashlib.sha256(payload).hexdigest()
                path = os.path.join(out_dir, f"{len(captures):06d}-{digest[:16]}")
                with open(path, "wb") as out:
                    out.write(payload)
                captures.append(Capture(uri.split("#", 1)[0], record.rec_headers.get_header("WARC-Date") or "",
                                        headers, path, len(payload), digest, name,
                                        records.get_record_offset()))
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, TypeError) as exc:
        raise WarcError(f"{type(exc).__name__}: {exc}") from None
    return captures


def _check_gzip(warc: str) -> None:
    """A gzipped WARC must end where its last member ends: warcio stops quietly at a cut
    member, so a truncated file would pass for a shorter one. The check streams the whole
    file through zlib, a megabyte at a time (a bomb costs time, bounded by the limit)."""
    with open(warc, "rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return
        fh.seek(0)
        try:
            with gzip.GzipFile(fileobj=fh) as unzipped:
                while unzipped.read(1 << 20):
                    pass
        except (EOFError, OSError, zlib.error) as exc:
            raise WarcError(f"the gzip stream is cut or corrupt ({exc})") from None
