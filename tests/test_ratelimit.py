"""Q15: one limit per client across every worker, not fooled by X-Forwarded-For."""

from __future__ import annotations

import dataclasses
import multiprocessing
from pathlib import Path

import pytest

from archive.config import Config, ConfigError, parse_rate
from archive.web import create_app
from archive.web.ratelimit import RateLimiter, client_key, parse_networks


def _limited(config: Config, rate: str, proxies: tuple[str, ...] = ()) -> Config:
    site = dataclasses.replace(config.site, rate_limit=rate, trusted_proxies=proxies)
    return dataclasses.replace(config, site=site)


@pytest.mark.parametrize("text, expected", [
    ("120/minute", (120, 60)), ("5/second", (5, 1)), ("1000/hours", (1000, 3600)),
    ("", None), ("off", None),
])
def test_parse_rate(text: str, expected) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["120", "x/minute", "0/minute", "10/fortnight"])
def test_a_bad_rate_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="rate_limit"):
        parse_rate(text)


def test_over_the_limit_is_429_with_retry_after_in_html_and_json(small_archive) -> None:
    client = create_app(_limited(small_archive, "5/minute")).test_client()
    statuses = [client.get("/search?q=taser").status_code for _ in range(5)]
    assert statuses == [200] * 5
    page = client.get("/search?q=taser")
    assert page.status_code == 429
    assert 1 <= int(page.headers["Retry-After"]) <= 60
    assert "Too many requests" in page.get_data(as_text=True)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    api = client.get("/search.json")
    assert api.status_code == 429 and api.get_json()["error"]["status"] == 429
    assert client.get("/health").status_code == 200  # monitoring is never counted


def test_a_spoofed_forwarded_for_does_not_change_the_bucket(small_archive) -> None:
    client = create_app(_limited(small_archive, "3/minute")).test_client()
    statuses = [client.get("/search", headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
                for n in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]


def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    proxies = parse_networks(("127.0.0.1", "10.1.0.0/16"))
    assert client_key("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"
    assert client_key("127.0.0.1", "1.2.3.4", proxies) == "1.2.3.4"
    # The client wrote the left-most entry itself; the proxies appended the rest.
    assert client_key("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3", proxies) == "198.51.100.7"
    assert client_key("127.0.0.1", "garbage", proxies) == "garbage"
    assert client_key("2001:db8::1", None, ()) == client_key("2001:db8::ffff", None, ())
    assert client_key("::ffff:192.0.2.1", None, ()) == "192.0.2.1"


def test_clients_behind_a_trusted_proxy_have_their_own_buckets(small_archive) -> None:
    app = create_app(_limited(small_archive, "2/minute", ("127.0.0.1",)))
    client = app.test_client()
    for who in ("198.51.100.1", "198.51.100.2"):
        codes = [client.get("/search", headers={"X-Forwarded-For": who}).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429]


def test_a_new_window_starts_a_new_count(tmp_path: Path) -> None:
    now = [1000.0]
    limiter = RateLimiter(tmp_path / "rl.sqlite", 2, 60, clock=lambda: now[0])
    assert [limiter.hit("a"), limiter.hit("a")] == [None, None]
    assert limiter.hit("a") == 20  # window ends at 1020
    now[0] = 1020.0
    assert limiter.hit("a") is None


def _hammer(path: str, n: int, queue) -> None:  # type: ignore[no-untyped-def]
    limiter = RateLimiter(Path(path), 100, 3600)
    queue.put(sum(1 for _ in range(n) if limiter.hit("client") is None))


def test_the_count_is_shared_by_processes(tmp_path: Path) -> None:
    # Four processes stand for four gunicorn workers: 4 x 60 hits, 100 allowed in all.
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path / "rl.sqlite"), 60, queue))
             for _ in range(4)]
    for p in procs:
        p.start()
    allowed = sum(queue.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    assert allowed == 100


def test_off_by_default_in_code_and_on_in_the_shipped_config() -> None:
    from archive import config as config_mod

    assert parse_rate(Config.for_directory(Path("/tmp/x")).site.rate_limit) is None
    shipped = config_mod.load(Path(__file__).resolve().parents[1] / "config.toml")
    assert parse_rate(shipped.site.rate_limit) is not None
