"""The HTML report: files, self-containment, generated text, map geometry, and a real browser.

The browser test opens the report in headless Chromium (Debian package ``chromium``) with the
network disabled and checks that every image renders and nothing errors; it is skipped, with a
message, when no Chromium binary is installed.
"""

from __future__ import annotations

import base64
import html as _html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import blocs
from blocs.errors import InputError
from blocs.report import FIGURE_FILES, summary_sentences, write_report
from blocs.report import figures as F
from blocs.report.worldmap import equal_earth, load_world

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: A PNG figure smaller than this is almost surely blank.
MIN_PNG_BYTES = 20_000

#: The shipped geometry must stay small (the brief: under ~500 kB).
MAX_GEOMETRY_BYTES = 500_000

#: Seconds Chromium may take to load the page (generous: CI machines are shared).
CHROMIUM_TIMEOUT = 180


@pytest.fixture(scope="module")
def run() -> blocs.Run:
    return blocs.run_scenario("liberation-day")


@pytest.fixture(scope="module")
def report(run: blocs.Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(run, tmp_path_factory.mktemp("report") / "out")


def test_writes_html_and_figures(report: Path) -> None:
    assert report.name == "report.html" and report.is_file()
    for name in FIGURE_FILES:
        data = (report.parent / name).read_bytes()
        assert data.startswith(PNG_MAGIC), name
        assert len(data) > MIN_PNG_BYTES, name
    # atomic writes leave no temporary files behind
    assert sorted(p.name for p in report.parent.iterdir()) == sorted(["report.html", *FIGURE_FILES])


def test_html_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    refs = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page, flags=re.I)
    assert refs, "the page should reference its embedded images"
    assert all(r.startswith("data:image/png;base64,") for r in refs), [r[:40] for r in refs]
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", page, flags=re.I)
    assert "url(" not in page and "@import" not in page  # no CSS resources either
    assert "<script" not in page.lower()
    # each figure is embedded byte for byte
    embedded = [base64.b64decode(r.split(",", 1)[1]) for r in refs]
    for name in FIGURE_FILES:
        assert (report.parent / name).read_bytes() in embedded, name


def test_summary_sentence_matches_country_table(run: blocs.Run, report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    us = float(run.countries.set_index("iso3").loc["USA", "welfare_pct"])
    # the country table's cell for the US ...
    cell = re.search(
        r"<td>United States</td><td>USA</td><td class=\"num[^\"]*\">([^<]+)</td>", page
    )
    assert cell is not None
    assert cell.group(1) == F.fmt_pct(us) == "+1.13"
    # ... and the summary sentence carry the same number
    sentence = f"Real income in the United States rises by {cell.group(1).lstrip('+')} %"
    assert any(s.startswith(sentence) for s in summary_sentences(run))
    summary = page.split("<section class='summary'>", 1)[1].split("</section>", 1)[0]
    assert sentence in summary
    assert "in China it falls by 1.13 %" in summary
    assert "other economies lose" in summary and "EU27" in summary


def test_report_sections(run: blocs.Run, report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    for heading in ("Summary", "World map", "Tariffs applied", "All economies"):
        assert f"<h2>{heading}</h2>" in page
    assert "Solver diagnostics" in page and "converged" in page
    assert run.manifest["data"]["checksum_sha256"] in page
    assert page.count("<tr") >= run.economy.n  # every economy has a row
    assert "Content-Security-Policy" in page


def test_tariff_tables(run: blocs.Run) -> None:
    pairs = F.changed_pairs(run)
    assert len(pairs) == run.economy.n - 1  # the US taxes every other economy
    assert set(pairs["importer"]) == {"USA"}
    assert (pairs["tariff_after_pct"] >= 10.0 - 1e-9).all()  # the 10 % floor
    by_imp = F.tariffs_by_importer(run)
    assert list(by_imp["importer"]) == ["USA"]
    n = run.economy.index("USA")
    X = np.asarray(run.economy.X)[:, n].copy()
    X[n] = 0.0
    t1 = np.asarray(run.solution.policy.t)[:, n]
    assert by_imp.loc[0, "avg_after_pct"] == pytest.approx(100 * (X @ t1) / X.sum(), rel=1e-12)
    assert F.leader(run) == "USA" and F.counterpart(run, "USA") == "CHN"


def test_refuses_a_file_as_folder(run: blocs.Run, tmp_path: Path) -> None:
    f = tmp_path / "not-a-folder"
    f.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        write_report(run, f)


def test_world_map_geometry_covers_the_data(run: blocs.Run) -> None:
    world = load_world()
    for code in ("USA", "CHN", "DEU", "BRA", "IND", "JPN", "GBR", "FRA", "NOR", "CAN", "MEX"):
        assert code in world.polygons, code
        assert sum(len(r) for r in world.polygons[code]) > 10, code
    missing = [c for c in run.economy.iso3 if not world.has(c)]
    assert missing == []
    path = Path(F.__file__).parent / "data" / "world110m.json.gz"
    assert path.stat().st_size < MAX_GEOMETRY_BYTES
    assert (path.parent / "README.md").read_text().count("Natural Earth") >= 1


#: Relative error allowed in the equal-area check (boundaries sampled at 200 points a side).
AREA_RTOL = 1e-4


def _cell_area(lon0: float, lat0: float, size: float) -> float:
    """Projected area of a ``size``-degree cell (shoelace on a finely sampled boundary)."""
    s = np.linspace(0.0, size, 200)
    lon = np.concatenate([lon0 + s, np.full(200, lon0 + size), lon0 + size - s, np.full(200, lon0)])
    lat = np.concatenate([np.full(200, lat0), lat0 + s, np.full(200, lat0 + size), lat0 + size - s])
    x, y = equal_earth(lon, lat)
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def test_equal_earth_projection_is_equal_area() -> None:
    x, y = equal_earth(np.array([0.0, 180.0, -180.0]), np.array([0.0, 45.0, -45.0]))
    assert x[0] == 0.0 and y[0] == 0.0
    assert x[1] == pytest.approx(-x[2]) and y[1] == pytest.approx(-y[2])
    # on the unit sphere a cell covers d_lon * (sin lat1 - sin lat0): same in the projection
    for lon0, lat0 in ((0.0, 0.0), (-120.0, 50.0), (100.0, -75.0)):
        size = 10.0
        sphere = np.radians(size) * (np.sin(np.radians(lat0 + size)) - np.sin(np.radians(lat0)))
        assert _cell_area(lon0, lat0, size) == pytest.approx(sphere, rel=AREA_RTOL)


# ----------------------------------------------------------------------------------------
# A real browser, offline

#: Injected into a copy of the report (the report itself has no JavaScript): records errors
#: (script errors, failed loads, CSP violations, console.error / console.warn) and the state of
#: every image, then appends them as JSON to the page for ``--dump-dom``.
PROBE = """<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    var t = e.target && e.target !== window ? (e.target.src || e.target.href || e.target.tagName) : '';
    errors.push('error: ' + (e.message || 'failed to load ' + t));
  }, true);
  document.addEventListener('securitypolicyviolation', function (e) {
    errors.push('csp: ' + e.blockedURI);
  });
  ['error', 'warn'].forEach(function (k) {
    var orig = console[k];
    console[k] = function () { errors.push('console.' + k + ': ' + Array.prototype.join.call(arguments, ' ')); orig.apply(console, arguments); };
  });
  window.addEventListener('load', function () {
    var images = Array.prototype.map.call(document.images, function (im) {
      return {complete: im.complete, width: im.naturalWidth, height: im.naturalHeight,
              scheme: im.src.split(':')[0]};
    });
    var resources = performance.getEntriesByType('resource').map(function (r) { return r.name; });
    var out = document.createElement('pre');
    out.id = 'blocs-probe';
    out.textContent = JSON.stringify({images: images, errors: errors, resources: resources});
    document.body.appendChild(out);
  });
})();
</script>"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def browser_probe(page_path: Path, tmp_path: Path) -> tuple[dict, list[str]]:
    """Open ``page_path`` in headless Chromium with no network; return the probe's findings
    (``errors``, ``resources`` fetched, ``images`` with their state) and console lines.

    Network: a proxy on a closed port (127.0.0.1:9) for every URL, loopback included, and a
    resolver that resolves nothing; background services off. The page's own CSP forbids
    everything but inline images and styles; the probe copy only adds ``script-src``.
    Skips the calling test when Chromium is not installed.
    """
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium not installed (Debian: apt-get install chromium)")
    page = page_path.read_text(encoding="utf-8")
    page = page.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
    page = page.replace("<head>", "<head>" + PROBE, 1)
    probe_html = tmp_path / "probe" / page_path.name
    probe_html.parent.mkdir()
    probe_html.write_text(page, encoding="utf-8")
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
        "--dump-dom",
        probe_html.as_uri(),
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT, env=env, check=False
    )
    m = re.search(r'<pre id="blocs-probe">(.*?)</pre>', proc.stdout, flags=re.S)
    assert m is not None, f"no probe output (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return json.loads(_html.unescape(m.group(1))), console


def assert_renders_offline(page_path: Path, tmp_path: Path, n_images: int) -> None:
    """Every image of the page renders in Chromium offline; nothing fetched, no errors."""
    probe, console = browser_probe(page_path, tmp_path)
    assert probe["errors"] == []
    assert probe["resources"] == []  # nothing fetched (data: URIs are not resources)
    assert len(probe["images"]) == n_images
    for im in probe["images"]:
        assert im["complete"] and im["width"] > 0 and im["height"] > 0, im
        assert im["scheme"] == "data"
    assert console == []


def test_renders_in_headless_chromium_offline(report: Path, tmp_path: Path) -> None:
    """Open the report in Chromium with no network; every image renders, nothing errors."""
    assert_renders_offline(report, tmp_path, len(FIGURE_FILES))


@pytest.mark.slow
def test_multisector_report(tmp_path: Path) -> None:
    """A multi-sector run (tariffs ``[i, n, s]``): pairs are averaged over sectors."""
    run = blocs.run_scenario("nafta-cp2015")
    path = write_report(run, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert "sectors, each pair's tariff is the average over sectors" in page
    pairs = F.changed_pairs(run)
    assert set(pairs["importer"]) == {"USA", "CAN", "MEX"}
    assert (pairs["tariff_after_pct"] <= pairs["tariff_before_pct"]).all()  # NAFTA lowers them
    sentences = summary_sentences(run)
    assert sentences[0].startswith("The United States lowers its tariffs")
    assert all(not s.startswith("USA") for s in sentences)
    # both welfare measures, labelled (issue 4): the exact change and the decomposition
    assert "Real income (exact)" in page and "ToT + VoT (first order)" in page
    assert "Terms of trade" in page and "Volume of trade" in page
