"""Files and folders given on the command line or by a folder source, walked recursively.

A folder is often an incoming directory other people write to, so nothing outside it
is read unless the operator says so (``follow_symlinks``): links that lead out of the
folder, names hard-linked from outside it, other mounts inside it, and special files
(pipes, sockets, devices) are skipped with a reason. A file is read through the inode
the walk approved, so one swapped for a link after the walk is refused, not read.
See docs/ingest.md, "What a folder may hold".
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

#: Names never taken as responses: hidden files, editor leftovers, JSON side files.
DEFAULT_IGNORE = (".*", "*~", "*.tmp", "*.part", "*.json", "Thumbs.db", "desktop.ini")

_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


@dataclass
class FoundFile:
    path: Path  # absolute
    display: str  # as the user gave it (or below what they gave)
    inode: tuple[int, int] = (0, 0)  # (st_dev, st_ino) the walk approved; (0, 0): not checked


@dataclass
class Skipped:
    """A name the walk did not take, and why (shown to the operator, never published)."""

    display: str
    reason: str  # link_outside, link_broken, link_to_folder, hard_link, mount, special_file, loop
    detail: str


@dataclass
class Walk:
    files: list[FoundFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class WalkError(Exception):
    """A path given does not exist or cannot be read."""


def find_files(paths: Iterable[str | os.PathLike[str]], ignore: Iterable[str] = DEFAULT_IGNORE,
               *, follow_symlinks: bool = False) -> Walk:
    """Every regular file under the given paths, in a stable order, skipping ignored names
    and (unless ``follow_symlinks``) anything that leads outside the folder given."""
    walk = Walk()
    patterns = tuple(ignore)
    found: list[tuple[FoundFile, os.stat_result | None]] = []
    for given in paths:
        path = Path(given)
        try:
            info = path.stat()
        except FileNotFoundError:
            raise WalkError(f"no such file or folder: {given}") from None
        except OSError as exc:
            raise WalkError(f"cannot read {given}: {exc.strerror}") from None
        if stat.S_ISDIR(info.st_mode):
            found += _walk_folder(path, str(given), patterns, follow_symlinks, walk)
        elif stat.S_ISREG(info.st_mode):
            # A file named on the command line is the operator's choice, link or not.
            found.append((FoundFile(path.resolve(), str(given), _inode(info)), None))
        else:
            walk.skipped.append(Skipped(str(given), "special_file", f"{_kind(info.st_mode)}, not a file"))
    if not follow_symlinks:
        found = _without_outside_links(found, walk)
    walk.files.extend(f for f, _ in found)
    return walk


def _walk_folder(top: Path, display: str, patterns: tuple[str, ...], follow: bool,
                 walk: Walk) -> list[tuple[FoundFile, os.stat_result]]:
    """The regular files under ``top`` with their stat; what is skipped goes to ``walk``."""
    root = os.path.realpath(top)
    mounts = set() if follow else _mount_points()
    seen_dirs = {_inode(os.stat(root))}
    found: list[tuple[FoundFile, os.stat_result]] = []
    stack = [(root, display)]
    while stack:
        real_dir, shown_dir = stack.pop()
        try:
            with os.scandir(real_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            walk.skipped.append(Skipped(shown_dir, "unreadable", exc.strerror or str(exc)))
            continue
        subdirs = []
        for entry in entries:
            if any(fnmatch.fnmatch(entry.name, p) for p in patterns):
                continue
            shown = os.path.join(shown_dir, entry.name)
            try:
                lst = entry.stat(follow_symlinks=False)
            except OSError as exc:
                walk.skipped.append(Skipped(shown, "unreadable", exc.strerror or str(exc)))
                continue
            real = entry.path
            st = lst
            if stat.S_ISLNK(lst.st_mode):
                real = os.path.realpath(entry.path)
                try:
                    st = os.stat(entry.path)
                except OSError:
                    walk.skipped.append(Skipped(shown, "link_broken", "a link to nothing, or a loop"))
                    continue
                if not follow and not _within(real, root):
                    walk.skipped.append(Skipped(
                        shown, "link_outside",
                        f"a link to {real}, outside {root} (set follow_symlinks = true to take it)"))
                    continue
                if stat.S_ISDIR(st.st_mode) and not follow:
                    # Its target is inside the folder and is walked under its own name.
                    walk.skipped.append(Skipped(shown, "link_to_folder",
                                                f"a link to {real}, walked there"))
                    continue
            if stat.S_ISDIR(st.st_mode):
                if real in mounts:
                    walk.skipped.append(Skipped(
                        shown, "mount", "another file system mounted inside the folder "
                                        "(set follow_symlinks = true to take it)"))
                    continue
                if _inode(st) in seen_dirs:
                    walk.skipped.append(Skipped(shown, "loop", "a folder already walked"))
                    continue
                seen_dirs.add(_inode(st))
                subdirs.append((real, shown))
            elif stat.S_ISREG(st.st_mode):
                found.append((FoundFile(Path(real), shown, _inode(st)), st))
            else:
                walk.skipped.append(Skipped(shown, "special_file", f"{_kind(st.st_mode)}, not a file"))
        stack.extend(reversed(subdirs))
    return found


def _without_outside_links(found: list[tuple[FoundFile, os.stat_result | None]],
                           walk: Walk) -> list[tuple[FoundFile, os.stat_result | None]]:
    """Drop files found in a folder with more hard links than the names the walk saw:
    another name of theirs is outside (a hard link planted to a file kept elsewhere)."""
    names: dict[tuple[int, int], set[str]] = {}
    for f, st in found:
        if st is not None and st.st_nlink > 1:
            names.setdefault(f.inode, set()).add(str(f.path))
    kept = []
    for f, st in found:
        if st is not None and st.st_nlink > 1 and len(names[f.inode]) < st.st_nlink:
            walk.skipped.append(Skipped(
                f.display, "hard_link",
                f"{st.st_nlink} names, {len(names[f.inode])} of them in the folder "
                "(set follow_symlinks = true to take it)"))
        else:
            kept.append((f, st))
    return kept


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _inode(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _mount_points() -> set[str]:
    """Where file systems are mounted (Linux; elsewhere none are told apart)."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return set()
    points = set()
    for line in lines:
        fields = line.split(" ")
        if len(fields) > 4:
            # mountinfo escapes space, tab, newline and backslash as octal (\040 ...).
            points.add(fields[4].encode("latin-1", "replace").decode("unicode_escape"))
    return points


def locator(path: Path) -> str:
    """How the folder source knows a file: its absolute file:// URL."""
    return path.resolve().as_uri()


def read_limited(file: FoundFile | Path, limit_bytes: int) -> bytes:
    """A file's bytes, refused (OSError) when it is over the size limit, is no longer a
    regular file, or is no longer the file the walk approved."""
    path = file.path if isinstance(file, FoundFile) else file
    # O_NONBLOCK: a pipe swapped in after the walk must not hang the open.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(f"{_kind(st.st_mode)}, not a file")
        if isinstance(file, FoundFile) and file.inode != (0, 0) and _inode(st) != file.inode:
            raise OSError("replaced by another file after the folder was walked")
        if st.st_size > limit_bytes:
            raise OSError(f"larger than the {limit_bytes // (1024 * 1024)} MB limit")
        data = fh.read(limit_bytes + 1)
    if len(data) > limit_bytes:
        raise OSError(f"larger than the {limit_bytes // (1024 * 1024)} MB limit")
    return data
