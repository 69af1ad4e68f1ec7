"""Settings from config.toml, read once into a typed object and passed down."""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from archive.logs import LOG_FORMATS

ENV_VAR = "FOI_ARCHIVE_CONFIG"
DEFAULT_NAME = "config.toml"


class ConfigError(Exception):
    """The configuration file is missing or says something we cannot use."""


@dataclass(frozen=True)
class SiteConfig:
    title: str = "FOI Archive"
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    timeout: int = 30
    page_size: int = 20
    max_page_size: int = 100
    # Requests per client per window, "N/second|minute|hour"; "" turns the limit off.
    # Counted in one file shared by every worker (archive/web/ratelimit.py).
    rate_limit: str = ""
    # Peer addresses (or networks) of reverse proxies whose X-Forwarded-For is believed.
    trusted_proxies: tuple[str, ...] = ()
    # The shared counter file; "" means ratelimit.sqlite beside the store folder.
    rate_limit_file: str = ""
    # Origins whose pages may read the data API from a browser ("*" for any); none by default.
    cors_origins: tuple[str, ...] = ()
    # "text" or "json" (one object per line) for `foi-archive serve`'s logs.
    log_format: str = "text"
    # The site's public address ("https://archive.example.org"): every absolute link (sitemap,
    # feeds, robots.txt, OpenSearch, JSON "url") is made from it, never from a request's Host.
    # Unset, only requests naming `host` (or localhost) are answered (archive/web/__init__.py).
    base_url: str = ""


RATE_WINDOWS = {"second": 1, "minute": 60, "hour": 3600}


def parse_rate(text: str) -> tuple[int, int] | None:
    """``"120/minute"`` → (120, 60); ``""`` or ``"off"`` → None (no limit)."""
    text = text.strip().lower()
    if text in ("", "off", "none"):
        return None
    count, _, unit = text.partition("/")
    window = RATE_WINDOWS.get(unit.strip().rstrip("s"))
    if not count.strip().isdigit() or int(count) < 1 or window is None:
        raise ConfigError(f"[site] rate_limit: {text!r} is not like \"120/minute\"")
    return int(count), window


@dataclass(frozen=True)
class IngestConfig:
    workers: int = 2
    timeout: float = 60.0
    memory_mb: int = 1024
    max_file_mb: int = 200
    user_agent: str = "FOI-Archive/0.1"
    # "text" or "json" for `foi-archive ingest`'s logs and report lines.
    log_format: str = "text"
    # A Dask scheduler ("tcp://HOST:PORT") whose workers extract; "" extracts here.
    scheduler: str = ""
    # A commit every this many documents or this many seconds of work, whichever comes
    # first: what an interrupted run can lose (docs/reliability.md, "Interrupted runs").
    commit_documents: int = 1000
    commit_seconds: float = 60.0
    # A file that ran out of time is tried once more with this limit (0: three times
    # ``timeout``) before it is recorded as failed or read with less: a busy machine.
    retry_timeout: float = 0.0
    # Seconds between the progress lines a long run logs (0: none).
    progress_seconds: float = 30.0


@dataclass(frozen=True)
class Config:
    store_path: Path
    index_path: Path
    site: SiteConfig = field(default_factory=SiteConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    source_file: Path | None = None

    @property
    def rate_limit_path(self) -> Path:
        """The rate limiter's shared counter file."""
        if self.site.rate_limit_file:
            return Path(os.path.expanduser(self.site.rate_limit_file))
        return self.store_path.parent / "ratelimit.sqlite"

    @classmethod
    def for_directory(cls, root: Path, **overrides: Any) -> "Config":
        """A configuration that keeps everything under one folder (tests, scripts)."""
        root = Path(root)
        values: dict[str, Any] = {
            "store_path": root / "store",
            "index_path": root / "index",
        }
        values.update(overrides)
        return cls(**values)


def resolve_path(explicit: str | os.PathLike[str] | None) -> Path:
    """Which config file to read: --config, else $FOI_ARCHIVE_CONFIG, else ./config.toml."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return Path.cwd() / DEFAULT_NAME


def _section(data: dict[str, Any], name: str, kind: type) -> Any:
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise ConfigError(f"[{name}] must be a table")
    known = set(kind.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"unknown key(s) in [{name}]: {', '.join(sorted(unknown))}")
    try:
        return kind(**raw)
    except TypeError as exc:  # pragma: no cover - dataclass messages are clear enough
        raise ConfigError(f"[{name}]: {exc}") from exc


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the config file; relative paths in it are relative to its folder."""
    file = resolve_path(path)
    try:
        with open(file, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {file}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: {exc}") from None
    base = file.resolve().parent

    def path_of(section: str, default: str) -> Path:
        value = data.get(section, {}).get("path", default)
        p = Path(os.path.expanduser(str(value)))
        return p if p.is_absolute() else base / p

    site = _section(data, "site", SiteConfig)
    parse_rate(site.rate_limit)  # a bad value fails here, not on the first request
    proxies = site.trusted_proxies
    if isinstance(proxies, str) or not all(isinstance(p, str) for p in proxies):
        raise ConfigError("[site] trusted_proxies must be a list of addresses")
    origins = site.cors_origins
    if isinstance(origins, str) or not all(isinstance(o, str) for o in origins):
        raise ConfigError('[site] cors_origins must be a list of origins, like ["https://example.org"] or ["*"]')
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
            raise ConfigError(f"[site] cors_origins: {origin!r} is not an origin (scheme and host, no path)")
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(f"[site] trusted_proxies: {proxy!r} is not an address") from None
    address = re.fullmatch(r"https?://[A-Za-z0-9.-]+(?::(\d{1,5}))?(/[A-Za-z0-9._~/-]*)?",
                        site.base_url) if isinstance(site.base_url, str) else None
    if not isinstance(site.base_url, str) or site.base_url and (
            address is None or address.group(1) and not 0 < int(address.group(1)) < 65536):
        raise ConfigError(f"[site] base_url: {site.base_url!r} is not like \"https://archive.example.org\" "
                          "(scheme, host, an optional port and path; no query)")
    limit_file = site.rate_limit_file
    if limit_file and not os.path.isabs(os.path.expanduser(limit_file)):
        limit_file = str(base / limit_file)
    site = replace(site, trusted_proxies=tuple(proxies), cors_origins=tuple(origins), rate_limit_file=limit_file)
    ingest = _section(data, "ingest", IngestConfig)
    for key in ("workers", "timeout", "max_file_mb", "commit_documents", "commit_seconds"):
        value = getattr(ingest, key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"[ingest] {key} must be a number above 0, not {value!r}")
    if not isinstance(ingest.progress_seconds, (int, float)) or ingest.progress_seconds < 0:
        raise ConfigError(f"[ingest] progress_seconds must be 0 or more, not {ingest.progress_seconds!r}")
    retry = ingest.retry_timeout
    if isinstance(retry, bool) or not isinstance(retry, (int, float)) or (retry and retry < ingest.timeout):
        raise ConfigError("[ingest] retry_timeout must be at least timeout (or 0, three times it): it "
                          "is the longer limit a file that ran out of time is tried once more with")
    if not isinstance(ingest.scheduler, str):
        raise ConfigError('[ingest] scheduler must be an address like "tcp://HOST:PORT", or ""')
    for name, section in (("site", site), ("ingest", ingest)):
        if section.log_format not in LOG_FORMATS:
            raise ConfigError(f"[{name}] log_format: {section.log_format!r} is not "
                              f"{' or '.join(repr(f) for f in LOG_FORMATS)}")
    for name in ("store", "index"):
        extra = set(data.get(name, {})) - {"path"}
        if extra:
            raise ConfigError(f"unknown key(s) in [{name}]: {', '.join(sorted(extra))}")
    sources = data.get("sources", {})
    if not isinstance(sources, dict):
        raise ConfigError("[sources] must be a table of [sources.NAME] tables")
    return Config(
        store_path=path_of("store", "data/store"),
        index_path=path_of("index", "data/index"),
        site=site,
        ingest=ingest,
        sources=sources,
        source_file=file.resolve(),
    )
