"""The site in a real headless browser: Debian's chromium driven by Selenium.

A visitor's journey (search, two facets, remove one, page on, open a document,
check before you file, a force page, a group page), keyboard focus, and axe-core
on every page type, with screenshots at desktop and phone widths written to
test-output/screenshots/ (listed in .gitignore). Skipped, with the reason, where
chromium, chromedriver, selenium or axe-core (`make browser-deps`) is missing.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-output" / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--no-first-run")

pytestmark = pytest.mark.slow


def _missing() -> str | None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return "Debian chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not AXE.exists():
        return f"axe-core is not installed at {AXE.relative_to(ROOT)} (run `make browser-deps`)"
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """The site over the generated samples, on 127.0.0.1 and a free port."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from werkzeug.serving import make_server

    from archive.config import Config, IngestConfig
    from archive.web import create_app
    from ingest.runs import ingest_paths
    from samplegen.letters import write_samples

    root = tmp_path_factory.mktemp("browser")
    config = Config.for_directory(root / "archive", ingest=IngestConfig(workers=2, timeout=60))
    config = replace(config, sources={"met_police": {
        "kind": "disclosure_log", "enabled": False, "authority": "Metropolitan Police Service",
        "start_urls": ["https://www.met.police.uk/foi-ai/af/accessing-information/published-items/"]}})
    write_samples(root / "samples", count=60)
    ingest_paths(config, [str(root / "samples")])
    server = make_server("127.0.0.1", 0, create_app(config), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(site):  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    # An explicit driver path: selenium-manager never downloads anything.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_window_size(*WIDTHS["desktop"])
    driver.set_script_timeout(30)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def css(driver, selector: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def follow(driver, element) -> None:  # type: ignore[no-untyped-def]
    """Click a link or button and wait for the page it leads to (a click does not wait)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element("css selector", "html")
    element.click()

    def gone(_) -> bool:  # type: ignore[no-untyped-def]
        # Chromium may answer a query about a node of the page being left with "Node ... does
        # not belong to the document" rather than a stale-element error: both mean it is gone.
        try:
            old.is_enabled()
        except WebDriverException:
            return True
        return False

    wait = WebDriverWait(driver, 20)
    wait.until(gone)
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def full_screenshot(driver, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The whole page, not only the window (up to 8,000 pixels down)."""
    import base64

    width, height = driver.execute_script(
        "return [document.documentElement.clientWidth, document.documentElement.scrollHeight]")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 8000), "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


def check_page(driver, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshots at both widths, then axe-core: no serious or critical violation."""
    for width, size in WIDTHS.items():
        driver.set_window_size(*size)
        full_screenshot(driver, SHOTS / f"{kind}-{width}.png")
        # Nothing may be wider than the window (a phone would scroll sideways).
        wide = driver.execute_script(
            "const w = document.documentElement.clientWidth;"
            "return [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.tablewrap, .skip'))"
            ".slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40));")
        assert not wide, f"{kind} is wider than a {width} window: {wide}"
    driver.set_window_size(*WIDTHS["desktop"])
    bad = [v for v in axe_violations(driver) if v["impact"] in ("serious", "critical")]
    assert not bad, f"{kind}: {bad}"


def axe_violations(driver) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every axe-core violation on the page in the browser (the CSP does not apply to WebDriver)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")


def test_axe_finds_a_planted_violation(site, browser) -> None:
    """The check can fail: an unlabelled field is a critical violation."""
    browser.get(f"{site}/help/search")
    browser.execute_script("document.querySelector('main').append(document.createElement('input'))")
    assert "label" in {v["id"] for v in axe_violations(browser) if v["impact"] == "critical"}


def test_the_journey_through_every_page_type(site, browser) -> None:
    d = browser
    d.get(f"{site}/search?q=police")
    count = css(d, "h1.count")[0].text
    assert re.match(r"[1-9][\d,]* responses\b", count), count  # never "0 responses"
    check_page(d, "search")

    # Two facets, then remove one.
    follow(d, css(d, ".facet:nth-of-type(1) li a")[0])
    outcome = next(f for f in css(d, ".facet") if "Outcome" in f.text)
    follow(d, outcome.find_element("css selector", "li a"))
    assert len(css(d, ".chosen .chip")) == 2
    follow(d, css(d, ".chosen .chip")[0])
    assert len(css(d, ".chosen .chip")) == 1

    # Page on, over everything.
    d.get(f"{site}/search")
    follow(d, css(d, ".pager a[rel=next]")[0])
    assert "Page 2 of" in css(d, ".pager")[0].text

    # A document, then its force.
    follow(d, css(d, ".hit h2 a")[0])
    assert css(d, "article.document h1")
    d.get(f"{site}/search?force=Metropolitan+Police+Service")
    follow(d, css(d, ".hit h2 a")[0])
    check_page(d, "document")
    follow(d, next(a for a in css(d, ".facts a") if "/forces/" in a.get_attribute("href")))
    assert css(d, "h1")[0].text == "Metropolitan Police Service"
    assert css(d, ".logs a")[0].get_attribute("href").startswith("https://www.met.police.uk/")
    check_page(d, "force")

    # Check before you file.
    d.get(f"{site}/prior")
    check_page(d, "prior-form")
    css(d, "#text")[0].send_keys("How many drones does the force own, how often were they deployed "
                                 "and how much was spent on them?")
    css(d, "#authority")[0].send_keys("Kent Police")
    follow(d, css(d, "form.prior button")[0])
    assert "Similar requests have been answered" in css(d, "#prior-heading")[0].text
    assert css(d, ".prior-results .summary")
    check_page(d, "prior-results")

    # A group page, from the list and from a member's document page.
    d.get(f"{site}/groups")
    check_page(d, "groups")
    follow(d, css(d, ".hit h2 a")[0])
    rows = css(d, "table.grid tbody tr")
    assert len(rows) >= 4
    check_page(d, "group")
    follow(d, rows[0].find_element("css selector", "td:last-child a"))
    assert css(d, ".group-link a")

    for kind, path in (("authority", "/authorities/sheffield-city-council"),
                       ("exemption", "/exemptions/foia-s40"), ("exemptions", "/exemptions"),
                       ("statistics", "/statistics"), ("force", "/forces/kent-police"),
                       ("help", "/help/search"), ("not-found", "/documents/nosuchdocument"),
                       ("bad-query", "/search?q=%22unclosed+AND")):
        d.get(site + path)
        check_page(d, kind)


def test_keyboard_reaches_the_search_box_and_facets_with_a_visible_focus(site, browser) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    d = browser
    d.get(f"{site}/search")
    seen = {}
    for _ in range(40):
        ActionChains(d).send_keys(Keys.TAB).perform()
        info = d.execute_script(
            "const e = document.activeElement, s = getComputedStyle(e);"
            "return {id: e.id, cls: e.className, facet: !!e.closest('.facet'),"
            " outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};")
        key = "skip" if "skip" in info["cls"] else "q" if info["id"] == "q" else "facet" if info["facet"] else None
        if key and key not in seen:
            seen[key] = info
        if "facet" in seen:
            break
    assert set(seen) == {"skip", "q", "facet"}, seen
    for key, info in seen.items():
        assert info["outline"] != "none" and info["width"] >= 2, (key, info)
    d.save_screenshot(str(SHOTS / "focus-facet-desktop.png"))
