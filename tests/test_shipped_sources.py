"""The shipped sources (config.toml) crawling local sites laid out as the real logs are.

Each site on 127.0.0.1 has the paths real URLs show (../shared/corpus/listings/
real_urls_seen.json): the Met's two item shapes and links without the final slash,
Cleveland's disclosure/YYYY/month/foi-..., North Yorkshire linked from both its hosts
(here 127.0.0.1 and localhost), West Midlands' WordPress posts and ?p= links. The
source's own patterns from config.toml are used, with only the scheme and host swapped
for the local site's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from archive.config import Config, IngestConfig, load
from archive.store import Store
from ingest.runs import run_source
from tests.conftest import ROOT
from tests.httpfixtures import Site, local_http  # noqa: F401

UA = "FOI-Archive-Test/1.0 (+contact: test@example.org)"


def letter(ref: str, subject: str, links: str = "") -> str:
    return (f"<!doctype html><html><head><title>{subject}</title></head><body><main><h1>{subject}</h1>"
            f"<p>Freedom of information request reference no: {ref}</p><p>I note you seek access to the "
            f"following information: {subject}.</p><p>The information is not held by the force.</p>"
            f"{links}</main></body></html>")


def serve_letters(site: Site, paths: list[str]) -> None:
    for n, path in enumerate(paths):
        site.page(path, letter(f"{n}", f"Request {n}"))


def listing(*links: str) -> str:
    return "<!doctype html><html><body><ul>" + "".join(f'<li><a href="{u}">{u}</a></li>' for u in links) \
        + "</ul></body></html>"


def local(name: str, site: Site, real_host: str, local_hosts: str, tmp_path: Path) -> Config:
    """The shipped source ``name`` pointed at ``site``: ``https://`` and the real host
    pattern (as written in config.toml) become ``http://`` and ``local_hosts`` with the port."""
    settings: dict[str, Any] = dict(load(ROOT / "config.toml").sources[name])
    port = site.base.rsplit(":", 1)[1].rstrip("/")
    hosts = f"{local_hosts}:{port}"
    for key in ("item_pattern", "follow_pattern"):
        changed = re.sub(r"\^https\??://" + re.escape(real_host), "^http://" + hosts, settings[key])
        assert changed != settings[key], f"{name}.{key} no longer names {real_host}"
        settings[key] = changed
    real = settings["start_urls"][0]
    settings.update(start_urls=[site.url(real.split("/", 3)[3] and "/" + real.split("/", 3)[3])],
                    allowed_hosts=[f"127.0.0.1:{port}", f"localhost:{port}"], delay=0,
                    allow_private_addresses=True, backoff_base=0.01, enabled=True)
    return Config.for_directory(tmp_path / "archive", sources={name: settings},
                                ingest=IngestConfig(workers=2, timeout=30, user_agent=UA))


def locators(config: Config) -> set[str]:
    with Store(config.store_path) as store:
        return {d.locator for d in store.documents()}


def test_the_met_s_log_both_item_shapes_and_links_without_a_final_slash(tmp_path: Path, local_http: Site) -> None:
    s = local_http
    items = ["/foi-ai/metropolitan-police/disclosure-2024/april-2024/locations-facial-recognition-cameras/",
             "/foi-ai/metropolitan-police/d/july-2022/percentage-of-documents-put-on-disclosure-log/",
             "/foi-ai/metropolitan-police/disclosure-2023/november-2023/crimes-ulez-cameras-august-october2023"]
    s.page("/foi-ai/af/accessing-information/published-items/",
           listing(items[0], items[1], "/foi-ai/af/accessing-information/published-items/?q=ulez",
                   "/foi-ai/af/accessing-information/publication-scheme/"))
    s.page("/foi-ai/af/accessing-information/published-items/?q=ulez", listing(items[2]))
    s.page("/foi-ai/af/accessing-information/publication-scheme/",
           listing("/foi-ai/metropolitan-police/disclosure-2020/december-2020/never-linked-but-here/"))
    serve_letters(s, items)
    config = local("met_police", s, r"(www\.)?met\.police\.uk", r"127\.0\.0\.1", tmp_path)
    summary = run_source(config, "met_police")
    assert (summary.new, summary.failed) == (3, 0), summary
    assert locators(config) == {s.url(p) for p in items}
    assert s.hits("/foi-ai/af/accessing-information/publication-scheme/") == 0  # not a listing


def test_cleveland_s_log_by_year_and_month(tmp_path: Path, local_http: Site) -> None:
    s = local_http
    year = "/foi-ai/cleveland-police/disclosure/2025/"
    items = ["/foi-ai/cleveland-police/disclosure/2025/march/foi-30325-briefcam/",
             "/foi-ai/cleveland-police/disclosure/2025/june/foi-63025-unanswered-media-requests/"]
    s.page("/foi-ai/af/accessing-information/published-items/", listing(year))
    s.page(year, listing(*items))
    serve_letters(s, items)
    config = local("cleveland_police", s, r"(www\.)?cleveland\.police\.uk", r"127\.0\.0\.1", tmp_path)
    summary = run_source(config, "cleveland_police")
    assert (summary.new, summary.failed) == (2, 0), summary
    assert locators(config) == {s.url(p) for p in items}


def test_north_yorkshire_linked_from_both_its_hosts(tmp_path: Path, local_http: Site) -> None:
    s = local_http
    port = s.base.rsplit(":", 1)[1].rstrip("/")
    bare = f"http://localhost:{port}"  # the bare host name, beside 127.0.0.1 as www.
    items = ["/foi-ai/north-yorkshire-police/foi-disclosure-2021-22/july-2025/foi-0320-202526-stop-and-search/",
             "/foi-ai/north-yorkshire-police/foi-disclosure-2021-22/february-2025/foi-sold-fleet-vehicles-0723-202425/"]
    s.page("/foi-ai/af/accessing-information/published-items/", listing(bare + items[0], items[1]))
    serve_letters(s, items)
    config = local("north_yorkshire_police", s, r"(www\.)?northyorkshire\.police\.uk",
                   r"(127\.0\.0\.1|localhost)", tmp_path)
    summary = run_source(config, "north_yorkshire_police")
    assert (summary.new, summary.failed, summary.not_allowed) == (2, 0, 0), summary
    assert locators(config) == {bare + items[0], s.url(items[1])}


def test_west_midlands_wordpress_log(tmp_path: Path, local_http: Site) -> None:
    s = local_http
    items = ["/drones-1603a-23/", "/body-cams-5275_14/", "/?p=31945"]
    s.page("/", listing(items[0], "/2019/08/page/3/", "/category/uncategorized/feed/", "/about/"))
    s.page("/2019/08/page/3/", listing(items[1], items[2]))
    s.page("/category/uncategorized/feed/", "<rss></rss>", "application/rss+xml")
    serve_letters(s, items)
    config = local("west_midlands_police", s, r"foi\.west-midlands\.police\.uk", r"127\.0\.0\.1", tmp_path)
    summary = run_source(config, "west_midlands_police")
    assert (summary.new, summary.failed) == (3, 0), summary
    assert locators(config) == {s.url(p) for p in items}
    assert s.hits("/about/") == 0


@pytest.mark.parametrize("name", ["met_police", "cleveland_police", "north_yorkshire_police", "west_midlands_police"])
def test_the_shipped_source_is_off_until_a_person_turns_it_on(name: str) -> None:
    assert load(ROOT / "config.toml").sources[name]["enabled"] is False
