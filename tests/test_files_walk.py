"""A folder nobody trusts: nothing outside it is read (ingest/sources/walk.py).

Links, hard links and special files are planted in an incoming folder next to a
secret kept outside it; no byte of the secret may reach the store, the index or the site.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.config import Config, IngestConfig
from archive.web import create_app
from cli import main
from ingest.runs import ingest_paths
from ingest.sources.walk import FoundFile, find_files, read_limited
from ingest.runs import run_source

SECRET = b"root:$6$zq8SecretShadowLine:19000:0:99999:7:::\n"
TOKEN = b"zq8SecretShadowLine"
GOOD = "Kent Police. FOI 1234/23. The information is attached.\n"


def plant(tmp_path: Path) -> tuple[Path, Path]:
    """An incoming folder with one real response and every way of pointing outside it."""
    outside = tmp_path / "private"
    outside.mkdir()
    secret = outside / "shadow"
    secret.write_bytes(SECRET)
    (outside / "notes.txt").write_bytes(SECRET)
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "good.txt").write_text(GOOD)
    (inbox / "shadow.txt").symlink_to(secret)  # absolute link to a file
    (inbox / "sub" / "relative.txt").symlink_to(Path("..") / ".." / "private" / "shadow")
    (inbox / "private_dir").symlink_to(outside, target_is_directory=True)  # link to a folder
    (inbox / "sub" / "up").symlink_to(Path(".."), target_is_directory=True)  # a loop inside
    (inbox / "chain.txt").symlink_to(inbox / "sub" / "relative.txt")  # via a link inside
    os.link(outside / "notes.txt", inbox / "hardlinked.txt")  # another name outside
    os.mkfifo(inbox / "pipe.txt")
    return inbox, secret


def assert_secret_nowhere(config: Config) -> None:
    for root in (config.store_path, config.index_path):
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                assert TOKEN not in path.read_bytes(), path
    app = create_app(config)
    app.testing = True
    client = app.test_client()
    found = client.get("/search.json", query_string={"q": TOKEN.decode()}).get_json()
    assert found["total"] == 0
    everything = client.get("/search.json").get_json()
    assert [r["title"] for r in everything["results"]] and all(
        TOKEN.decode() not in str(r) for r in everything["results"])


def test_walk_takes_the_response_and_skips_every_way_out(tmp_path: Path) -> None:
    inbox, _ = plant(tmp_path)
    walk = find_files([inbox])
    assert [f.display for f in walk.files] == [str(inbox / "good.txt")]
    reasons = {Path(s.display).relative_to(inbox).as_posix(): s.reason for s in walk.skipped}
    assert reasons == {
        "chain.txt": "link_outside",
        "hardlinked.txt": "hard_link",
        "pipe.txt": "special_file",
        "private_dir": "link_outside",
        "shadow.txt": "link_outside",
        "sub/relative.txt": "link_outside",
        "sub/up": "link_to_folder",
    }


def test_links_inside_the_folder_are_taken(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "a").mkdir(parents=True)
    (inbox / "a" / "r.txt").write_text(GOOD)
    (inbox / "alias.txt").symlink_to(inbox / "a" / "r.txt")
    os.link(inbox / "a" / "r.txt", inbox / "hard.txt")  # both names inside: fine
    walk = find_files([inbox])
    assert sorted(Path(f.display).name for f in walk.files) == ["alias.txt", "hard.txt", "r.txt"]
    assert walk.skipped == []


def test_follow_symlinks_takes_what_the_operator_allows(tmp_path: Path) -> None:
    inbox, secret = plant(tmp_path)
    walk = find_files([inbox], follow_symlinks=True)
    taken = {Path(f.display).relative_to(inbox).as_posix() for f in walk.files}
    assert taken == {"good.txt", "shadow.txt", "sub/relative.txt", "chain.txt", "hardlinked.txt",
                     "private_dir/notes.txt", "private_dir/shadow"}
    # The loop (sub/up -> inbox) is walked once, and the pipe is still not a file.
    assert {s.reason for s in walk.skipped} == {"loop", "special_file"}


def test_a_file_swapped_for_a_link_after_the_walk_is_not_read(tmp_path: Path) -> None:
    inbox, secret = plant(tmp_path)
    [good] = find_files([inbox]).files
    good.path.unlink()
    good.path.symlink_to(secret)
    with pytest.raises(OSError, match="replaced by another file"):
        read_limited(good, 1024)


def test_a_pipe_swapped_in_is_refused_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    os.mkfifo(path)
    with pytest.raises(OSError, match="named pipe"):
        read_limited(FoundFile(path, str(path)), 1024)


def test_a_socket_is_skipped(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(inbox / "s.txt"))
        walk = find_files([inbox])
    finally:
        sock.close()
    assert [(s.reason, s.detail) for s in walk.skipped] == [("special_file", "a socket, not a file")]


def test_ingest_publishes_nothing_from_outside(tmp_path: Path, config: Config) -> None:
    inbox, _ = plant(tmp_path)
    summary = ingest_paths(config, [str(inbox)])
    assert (summary.new, summary.failed, summary.skipped) == (1, 0, 7)
    assert_secret_nowhere(config)


def test_folder_source_publishes_nothing_from_outside(tmp_path: Path) -> None:
    inbox, _ = plant(tmp_path)
    config = Config.for_directory(tmp_path / "archive", ingest=IngestConfig(workers=2, timeout=20),
                                  sources={"inbox": {"kind": "folder", "path": str(inbox)}})
    run = run_source(config, "inbox")
    assert (run.new, run.failed, run.skipped) == (1, 0, 7)
    assert "7 skipped" in run.line()
    assert_secret_nowhere(config)


def test_a_stored_file_turned_into_a_link_out_is_gone(tmp_path: Path) -> None:
    inbox, secret = plant(tmp_path)
    config = Config.for_directory(tmp_path / "archive", ingest=IngestConfig(workers=2, timeout=20),
                                  sources={"inbox": {"kind": "folder", "path": str(inbox)}})
    run_source(config, "inbox")
    (inbox / "good.txt").unlink()
    (inbox / "good.txt").symlink_to(secret)
    again = run_source(config, "inbox")
    assert (again.new, again.changed, again.gone) == (0, 0, 1)
    assert_secret_nowhere(config)


def test_cli_reports_each_skip(tmp_path: Path, config: Config) -> None:
    inbox, _ = plant(tmp_path)
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[store]\npath = "{config.store_path}"\n[index]\npath = "{config.index_path}"\n')
    result = CliRunner().invoke(main, ["ingest", str(inbox), "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    skipped = sorted(line.split(": ")[2] for line in result.stderr.splitlines()
                     if line.startswith("skipped: "))
    assert skipped == ["hard_link", "link_outside", "link_outside", "link_outside", "link_outside",
                       "link_to_folder", "special_file"]
    assert "1 new" in result.stdout and "7 skipped" in result.stdout
