"""The app in a real browser: Debian's ``chromium`` driven by Playwright for Python.

Playwright's own browser download is not used (not available here): the test launches the
system Chromium with ``executable_path`` and skips, saying why, when either is missing.
Screenshots go to pytest's temporary folders (or ``$BLOCS_APP_SCREENSHOTS``, e.g. a CI
artefact folder; never the repository); the slider-to-map latency is printed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from blocs.app import builtin_document, scenario_from_document
from blocs.coalitions import CoalitionSpec, solve_coalitions
from blocs.run import run_scenario
from tests.conftest import REPO

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)"
)

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no system Chromium (apt-get install chromium); the browser tests need it",
    ),
]

#: Own data uploaded in the page (the hostile tests' three-country example, with names).
FLOWS_CSV = "exporter,importer,value\nAAA,BBB,5\nBBB,AAA,3\nCCC,AAA,2\nAAA,CCC,4\nBBB,CCC,1\n"
COUNTRIES_CSV = "iso3,gdp,name\nAAA,50,Aland\nBBB,80,Bland\nCCC,100,Cland\n"

#: Edits timed for the latency (tariff in %).
LATENCY_RATES = (35, 40, 45, 30, 25, 55, 60, 20, 65, 38, 42, 48)

NEWEST_DRAWN = (
    "() => window.blocs.drawn > 0 && !window.blocs.scheduled && "
    "window.blocs.drawn === Math.max(...Object.keys(window.blocs.sentAt).map(Number))"
)


def _cli_welfare(toml: Path, code: str) -> str:
    """The welfare change ``blocs run`` prints for ``code`` (the table's first number)."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "200"}
    out = subprocess.run(
        [sys.executable, "-m", "blocs.cli", "run", str(toml), "--countries", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=600,
    ).stdout
    row = next(line for line in out.splitlines() if f" {code} " in line)
    cells = [c.strip() for c in row.split("│") if c.strip()]
    return cells[1]


@pytest.fixture(scope="module")
def page(served_app, tmp_path_factory):
    # screenshots: $BLOCS_APP_SCREENSHOTS (a CI artefact folder) or pytest's temporary folder
    shots = Path(os.environ.get("BLOCS_APP_SCREENSHOTS") or tmp_path_factory.mktemp("screens"))
    shots.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(
            viewport={"width": 1400, "height": 900}, accept_downloads=True
        )
        pg = context.new_page()
        pg.problems = []  # console errors and page errors
        pg.hosts = set()  # hosts the page contacted
        pg.on(
            "console",
            lambda m: pg.problems.append(m.text) if m.type == "error" else None,
        )
        pg.on("pageerror", lambda e: pg.problems.append(str(e)))
        pg.on("request", lambda r: pg.hosts.add(urllib.parse.urlsplit(r.url).netloc))
        pg.shots = shots
        pg.goto(served_app)
        pg.wait_for_function(NEWEST_DRAWN, timeout=120_000)
        yield pg
        browser.close()


def _set_rate(pg, value: float) -> float:
    """Move tariff rule 1's slider to ``value`` % as a user does; returns the page's clock."""
    return pg.evaluate(
        """(v) => {
            const r = document.querySelector('[data-testid="rate-0"]');
            r.value = String(v);
            r.dispatchEvent(new Event('input', {bubbles: true}));
            return performance.now();
        }""",
        value,
    )


def _open_allied_front(pg) -> None:
    """The scenario explorer on world2023's ``allied-front``, drawn: each test starts from it
    whatever the tests before it left on the shared page (tests must not depend on order)."""
    pg.click("#tab-scenario")
    pg.select_option("#data", "world2023")
    pg.select_option("#preset", "allied-front")
    pg.wait_for_function(
        "() => document.querySelector('#description').textContent.includes('China mirrors')"
    )
    pg.wait_for_function(NEWEST_DRAWN, timeout=120_000)


def test_allied_front_in_the_browser_matches_blocs_run(page, served_app, tmp_path):
    _open_allied_front(page)
    page.fill('[data-testid="rate-0"]', "35")
    page.wait_for_function(NEWEST_DRAWN, timeout=120_000)
    assert page.input_value('[aria-label="rate of tariff rule 1 (number)"]') == "35"
    page.dispatch_event('path[data-iso="CHN"]', "click")
    shown = page.text_content('#selected [data-col="welfare_pct"] .v')
    table = page.text_content('#groups tr[data-row="CHN"] td[data-col="welfare_pct"]')
    assert shown == table
    page.hover('path[data-iso="CHN"]')
    assert page.text_content('#tooltip [data-col="welfare_pct"] .v') == shown
    page.screenshot(path=str(page.shots / "allied-front-35.png"))
    page.screenshot(path=str(tmp_path / "allied-front-35.png"))

    with page.expect_download() as info:
        page.click("#dl-toml")
    toml = tmp_path / "allied-front.toml"
    info.value.save_as(toml)
    assert "rate = 0.35" in toml.read_text()
    assert _cli_welfare(toml, "CHN") == shown

    assert page.problems == []
    assert page.hosts == {urllib.parse.urlsplit(served_app).netloc}


def test_bad_input_shows_the_library_message_next_to_the_control(page, tmp_path):
    _open_allied_front(page)
    page.fill('[aria-label="rate of tariff rule 1 (number)"]', "-150")
    page.wait_for_function(
        "() => document.querySelector('[data-error-for=\"tariffs[0]\"]').textContent !== ''"
    )
    message = page.text_content('[data-error-for="tariffs[0]"]')
    assert "tariff -1.5 is <= -100 %" in message
    assert "invalid" in (page.get_attribute('[data-where="tariffs[0]"]', "class") or "")
    page.screenshot(path=str(tmp_path / "error.png"))
    page.fill('[aria-label="rate of tariff rule 1 (number)"]', "50")
    page.wait_for_function(NEWEST_DRAWN, timeout=120_000)
    assert page.text_content('[data-error-for="tariffs[0]"]') == ""
    assert page.problems == []


def test_slider_to_map_latency_world2023(page, tmp_path):
    """Median time from a slider move to the map redrawn (warm, world2023, one sector)."""
    _open_allied_front(page)
    times, server, own = [], [], []
    for rate in LATENCY_RATES:
        start = _set_rate(page, rate)
        page.wait_for_function(
            f"() => window.blocs.drawnAt > {start} && ({NEWEST_DRAWN})()", timeout=120_000
        )
        times.append(page.evaluate("() => window.blocs.drawnAt") - start)
        server.append(
            page.evaluate(
                "() => { const b = window.blocs; return b.answeredAt[b.drawn] - b.sentAt[b.drawn]; }"
            )
        )
        own.append(page.evaluate("() => window.blocs.serverMs[window.blocs.drawn]"))
    median = statistics.median(times)
    print(
        f"\nslider -> map redrawn, world2023 (warm, {len(times)} edits): median {median:.0f} ms, "
        f"min {min(times):.0f} ms, max {max(times):.0f} ms; of which the request "
        f"(solve + transfer) median {statistics.median(server):.0f} ms, the server's own "
        f"time median {statistics.median(own):.0f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    page.screenshot(path=str(tmp_path / "latency-last.png"))
    assert page.problems == []
    # The target is 300 ms on an idle 2-core machine; the test machine is shared, so
    # only a gross regression fails here (the benchmark reports the number).
    assert median < 3000


def test_coalition_explorer_toggles_an_ally_and_matches_the_library(page, tmp_path):
    allies = ("EU27", "JPN", "KOR")
    page.click("#tab-coalition")
    page.select_option("#preset", "allied-front")
    page.wait_for_function(
        "() => document.querySelector('#description').textContent.includes('China mirrors')"
    )
    codes = [c.get_attribute("data-code") for c in page.query_selector_all("#co-allies .chip")]
    for code in codes:
        if code not in allies:  # remove it as a user does (the chips are redrawn each time)
            page.click(f'#co-allies .chip[data-code="{code}"] button')
    assert sorted(
        c.get_attribute("data-code") for c in page.query_selector_all("#co-allies .chip")
    ) == list(allies)
    page.uncheck("#co-credibility")
    page.click("#co-run")
    page.wait_for_function("() => (window.blocs.coalitionDone || 0) > 0", timeout=600_000)
    page.uncheck('[data-ally="JPN"]')
    shown = page.text_content('[data-testid="co-leverage"]')
    page.screenshot(path=str(page.shots / "coalitions.png"))
    page.screenshot(path=str(tmp_path / "coalitions.png"))

    spec = CoalitionSpec(allies=allies, america_first=False, punishment=None)
    res = solve_coalitions(None, spec)
    mask = sum(1 << j for j, a in enumerate(res.players.allies) if a != "JPN")
    assert shown == f"{float(res.leverage_pct[mask]):.2f}"

    # the allies' map: Japan clicked back in (the grand coalition), France toggles the EU
    page.dispatch_event('#co-map path[data-iso="JPN"]', "click")
    assert page.is_checked('[data-ally="JPN"]')
    grand = (1 << len(res.players.allies)) - 1
    assert page.text_content('[data-testid="co-leverage"]') == (
        f"{float(res.leverage_pct[grand]):.2f}"
    )
    page.dispatch_event('#co-map path[data-iso="FRA"]', "click")
    assert not page.is_checked('[data-ally="EU27"]')
    eu_out = grand & ~(1 << res.players.allies.index("EU27"))
    assert page.text_content('[data-testid="co-leverage"]') == (
        f"{float(res.leverage_pct[eu_out]):.2f}"
    )
    fill = page.get_attribute('#co-map path[data-iso="DEU"]', "fill")
    assert fill != page.get_attribute('#co-map path[data-iso="JPN"]', "fill")
    page.dispatch_event('#co-map path[data-iso="AUS"]', "click")  # not a candidate: joins
    assert page.query_selector('#co-allies .chip[data-code="AUS"]') is not None
    page.screenshot(path=str(page.shots / "coalition-map.png"), full_page=True)
    assert page.problems == []


def _library_welfare(rate: float | None, code: str, scenario: str = "allied-front") -> float:
    """``code``'s welfare change by the library (cold solve), as the app prints it."""
    doc = builtin_document(scenario)
    if rate is not None:
        doc["tariffs"][0]["rate"] = rate
    run = run_scenario(scenario_from_document(doc))
    return float(run.countries.set_index("iso3").loc[code, "welfare_pct"])


def test_compare_pins_a_and_maps_b_minus_a(page, tmp_path):
    page.click("#tab-scenario")
    page.select_option("#preset", "allied-front")
    page.wait_for_function(
        "() => document.querySelector('#description').textContent.includes('China mirrors')"
    )
    page.fill('[aria-label="rate of tariff rule 1 (number)"]', "50")
    page.wait_for_function(NEWEST_DRAWN, timeout=120_000)
    page.click("#pin-a")
    assert page.is_visible("#compare")
    assert page.text_content("#compare-label") == "A: allied-front at 50 %"
    page.fill('[aria-label="rate of tariff rule 1 (number)"]', "20")
    page.wait_for_function(NEWEST_DRAWN, timeout=120_000)
    page.hover('#diff-map path[data-iso="CHN"]')
    got = {
        k: page.text_content(f'#compare-selected [data-col="{k}"] .v') for k in ("a", "b", "diff")
    }
    a, b = _library_welfare(0.5, "CHN"), _library_welfare(0.2, "CHN")
    assert got == {"a": f"{a:.2f}", "b": f"{b:.2f}", "diff": f"{b - a:.2f}"}
    assert abs(b - a) > 0.5  # a smaller tariff war: a visible difference
    fill = page.get_attribute('#diff-map path[data-iso="CHN"]', "fill")
    assert fill != page.get_attribute('#a-map path[data-iso="CHN"]', "fill")
    row = page.text_content('#compare-groups tr[data-row="CHN"] td[data-col="diff"]')
    assert row == got["diff"]
    page.screenshot(path=str(page.shots / "compare.png"), full_page=True)
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)

    # two built-ins: A = liberation-day, B = allied-front as edited
    page.select_option("#compare-preset", "liberation-day")
    page.wait_for_function(
        "() => document.querySelector('#compare-label').textContent === 'A: liberation-day'",
        timeout=120_000,
    )
    page.hover('#diff-map path[data-iso="USA"]')
    shown = page.text_content('#compare-selected [data-col="a"] .v')
    assert shown == f"{_library_welfare(None, 'USA', 'liberation-day'):.2f}"
    page.click("#clear-a")
    assert not page.is_visible("#compare")
    assert page.problems == []
    assert page.hosts == {urllib.parse.urlsplit(page.url).netloc}


def test_own_data_upload_solves_in_the_page(page, tmp_path):
    flows = tmp_path / "trade.csv"
    flows.write_text(FLOWS_CSV)
    gdp = tmp_path / "gdp.csv"
    gdp.write_text(COUNTRIES_CSV)
    page.click("#tab-scenario")
    page.select_option("#data", "upload")
    assert page.is_visible("#upload-box")
    page.set_input_files("#up-flows", str(flows))
    page.set_input_files("#up-countries", str(gdp))
    drawn = page.evaluate("() => window.blocs.drawn")
    page.click("#up-load")
    page.wait_for_function(
        f"() => window.blocs.drawn > {drawn} && ({NEWEST_DRAWN})()", timeout=120_000
    )
    page.click("#add-tariff")
    rule = '[data-where="tariffs[0]"]'
    for who in ("importers", "exporters"):  # the new rule's USA/CHN chips go, AAA/BBB come
        chips = f'{rule} [data-where="tariffs[0].{who}"] .chip button'
        while page.query_selector(chips) is not None:  # (the chips are redrawn each time)
            page.click(chips)
    page.fill(f'{rule} [aria-label="importers: add a country or group"]', "AAA")
    page.dispatch_event(f'{rule} [aria-label="importers: add a country or group"]', "change")
    page.fill(f'{rule} [aria-label="exporters: add a country or group"]', "Bland")
    page.dispatch_event(f'{rule} [aria-label="exporters: add a country or group"]', "change")
    page.fill('[aria-label="rate of tariff rule 1 (number)"]', "25")
    page.wait_for_function(NEWEST_DRAWN, timeout=120_000)
    shown = page.text_content('#groups tr[data-row="AAA"] td[data-col="welfare_pct"]')
    with page.expect_download() as info:
        page.click("#dl-toml")
    toml = tmp_path / "my-data.toml"
    info.value.save_as(toml)
    text = toml.read_text()
    assert 'flows = "trade.csv"' in text and 'exporters = ["BBB"]' in text
    run = run_scenario(toml)  # the library reads the same files from disk
    assert shown == f"{float(run.countries.set_index('iso3').loc['AAA', 'welfare_pct']):.2f}"
    page.screenshot(path=str(page.shots / "own-data.png"))
    page.set_input_files("#up-countries", [])
    page.set_input_files("#up-flows", str(gdp))  # the countries table as flows: refused
    page.click("#up-load")
    page.wait_for_function(
        "() => document.querySelector('[data-error-for=\"upload\"]').textContent !== ''"
    )
    assert "gdp.csv" in page.text_content('[data-error-for="upload"]')
    assert page.problems == []
    assert page.hosts == {urllib.parse.urlsplit(page.url).netloc}


def test_the_report_downloads_from_the_page(page, tmp_path):
    page.select_option("#data", "world2023")
    page.select_option("#preset", "allied-front")
    page.wait_for_function(NEWEST_DRAWN, timeout=120_000)
    with page.expect_download(timeout=300_000) as info:
        page.click("#dl-report")
    path = tmp_path / "report.html"
    info.value.save_as(path)
    html = path.read_text(encoding="utf-8")
    assert info.value.suggested_filename == "allied-front-report.html"
    assert html.startswith("<!DOCTYPE html>") and "allied-front" in html
    assert html.count("data:image/png;base64,") == 3
    assert page.problems == []
    assert page.hosts == {urllib.parse.urlsplit(page.url).netloc}
