"""The app in a real browser: Debian's ``chromium`` driven by Playwright for Python.

Playwright's own browser download is not used (not available here): the test launches the
system Chromium with ``executable_path`` and skips, saying why, when either is missing.
Screenshots go to the test's temporary folder; the slider-to-map latency is printed.
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

from blocs.coalitions import CoalitionSpec, solve_coalitions
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
    shots = tmp_path_factory.mktemp("screens")
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


def test_allied_front_in_the_browser_matches_blocs_run(page, served_app, tmp_path):
    page.select_option("#preset", "allied-front")
    page.wait_for_function(
        "() => document.querySelector('#description').textContent.includes('China mirrors')"
    )
    page.wait_for_function(NEWEST_DRAWN, timeout=120_000)
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
    times, server = [], []
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
    median = statistics.median(times)
    print(
        f"\nslider -> map redrawn, world2023 (warm, {len(times)} edits): median {median:.0f} ms, "
        f"min {min(times):.0f} ms, max {max(times):.0f} ms; of which the request "
        f"(solve + transfer) median {statistics.median(server):.0f} ms"
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
    assert page.problems == []
