from pathlib import Path

import pytest

from archive import config as config_mod
from archive.config import ConfigError


def test_paths_are_relative_to_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "conf" / "my.toml"
    conf.parent.mkdir()
    conf.write_text('[store]\npath = "s"\n[index]\npath = "/abs/ix"\n[site]\nport = 8080\n')
    monkeypatch.chdir(tmp_path)
    loaded = config_mod.load(conf)
    assert loaded.store_path == conf.parent.resolve() / "s"
    assert loaded.index_path == Path("/abs/ix")
    assert loaded.site.port == 8080
    assert loaded.site.host == "127.0.0.1"


def test_environment_variable_then_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.toml").write_text('[site]\ntitle = "Here"\n')
    other = tmp_path / "other.toml"
    other.write_text('[site]\ntitle = "Env"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(config_mod.ENV_VAR, raising=False)
    assert config_mod.load().site.title == "Here"
    monkeypatch.setenv(config_mod.ENV_VAR, str(other))
    assert config_mod.load().site.title == "Env"


@pytest.mark.parametrize("text, message", [
    ("[site]\nprot = 1\n", r"unknown key\(s\) in \[site\]: prot$"),
    ("[site\n", r"c\.toml: Expected '\]' at the end of a table declaration \(at line 1, column 6\)$"),
    ("[store]\npath = 's'\nextra = 1\n", r"\[store\] .*extra|unknown key.*extra"),
    ("[ingest]\nscheduler = 8786\n", r'^\[ingest\] scheduler must be an address like "tcp://HOST:PORT", or ""$'),
    ("[ingest]\ncommit_documents = 0\n", r"^\[ingest\] commit_documents must be a number above 0, not 0$"),
    ("[ingest]\ncommit_seconds = -1\n", r"^\[ingest\] commit_seconds must be a number above 0, not -1$"),
    ("[ingest]\ncommit_seconds = \"soon\"\n", r"^\[ingest\] commit_seconds must be a number above 0, not 'soon'$"),
    ("[ingest]\ntimeout = 60\nretry_timeout = 30\n", r"^\[ingest\] retry_timeout must be at least timeout"),
    ("[ingest]\nprogress_seconds = -5\n", r"^\[ingest\] progress_seconds must be 0 or more, not -5$"),
])
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    conf = tmp_path / "c.toml"
    conf.write_text(text)
    with pytest.raises(ConfigError, match=message):
        config_mod.load(conf)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        config_mod.load(tmp_path / "nope.toml")


def test_the_shipped_config_loads() -> None:
    root = Path(__file__).resolve().parents[1]
    loaded = config_mod.load(root / "config.toml")
    assert loaded.store_path == root / "data" / "store"
    assert loaded.index_path == root / "data" / "index"
    ingest = loaded.ingest
    assert (ingest.commit_documents, ingest.commit_seconds, ingest.retry_timeout,
            ingest.progress_seconds) == (1000, 60, 180, 30)
