"""A folder source: files and folders given on the command line, walked recursively."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: Names never taken as responses: hidden files, editor leftovers, JSON side files.
DEFAULT_IGNORE = (".*", "*~", "*.tmp", "*.part", "*.json", "Thumbs.db", "desktop.ini")


@dataclass
class FoundFile:
    path: Path  # absolute
    display: str  # as the user gave it (or below what they gave)


class WalkError(Exception):
    """A path given does not exist or cannot be read."""


def find_files(paths: Iterable[str | os.PathLike[str]],
               ignore: Iterable[str] = DEFAULT_IGNORE) -> Iterator[FoundFile]:
    """Every file under the given paths, in a stable order, skipping ignored names."""
    patterns = tuple(ignore)

    def ignored(name: str) -> bool:
        return any(fnmatch.fnmatch(name, p) for p in patterns)

    for given in paths:
        path = Path(given)
        if path.is_file():
            yield FoundFile(path.resolve(), str(given))
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not ignored(d))
                for name in sorted(files):
                    if ignored(name):
                        continue
                    full = Path(root) / name
                    if full.is_file():
                        yield FoundFile(full.resolve(), str(full))
        else:
            raise WalkError(f"no such file or folder: {given}")


def locator(path: Path) -> str:
    """How the folder source knows a file: its absolute file:// URL."""
    return path.resolve().as_uri()


def read_limited(path: Path, limit_bytes: int) -> bytes:
    """A file's bytes, refused (OSError) before reading when it is over the size limit."""
    if path.stat().st_size > limit_bytes:
        raise OSError(f"larger than the {limit_bytes // (1024 * 1024)} MB limit")
    return path.read_bytes()
