"""Benchmark of ``blocs serve``: from a slider move to the map redrawn, in a real browser.

The app runs in this process (uvicorn on a free port of 127.0.0.1, models warmed); Debian's
``chromium`` is driven by Playwright for Python. Each edit moves tariff rule 1's slider; the
time runs from the ``input`` event to the animation frame after the map's fills are set
(the page's own clock). Warm-up edits are not timed.

1. world2023 (194 countries, one sector, IMLS): ``allied-front``, the coalition's tariff on
   China moved. Target: median <= 300 ms warm on a 2-core machine.
2. icio2022 (81 economies x 28 sectors, Caliendo-Parro): the US tariff on China moved.
   Target: median <= 2 s.

Printed: median, min and max, the request's share (solve + transfer), the server's own time
for the request (parse, solve, tables, payload; ``server_ms`` of the answer), and the load
average (on a shared machine the wall time mostly measures the other users).

Run: ``python benchmarks/bench_app.py [--edits 15] [--skip-icio]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import threading
import time

import uvicorn

import blocs  # noqa: F401  (float64)
from blocs.app import create_app

NEWEST_DRAWN = (
    "() => window.blocs.drawn > 0 && !window.blocs.scheduled && "
    "window.blocs.drawn === Math.max(...Object.keys(window.blocs.sentAt).map(Number))"
)
MOVE = """(v) => {
    const r = document.querySelector('[data-testid="rate-0"]');
    r.value = String(v);
    r.dispatchEvent(new Event('input', {bubbles: true}));
    return performance.now();
}"""
ROUND_TRIP = "() => { const b = window.blocs; return b.answeredAt[b.drawn] - b.sentAt[b.drawn]; }"
SERVER_MS = "() => window.blocs.serverMs[window.blocs.drawn]"


def serve() -> tuple[str, uvicorn.Server]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning", lifespan="on"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    start = time.perf_counter()
    while not server.started:
        time.sleep(0.1)
    print(f"app started (models warmed) in {time.perf_counter() - start:.1f} s")
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server


def measure(
    page, rates: list[float], warmup: int = 2
) -> tuple[list[float], list[float], list[float]]:
    times, trips, own = [], [], []
    for k, rate in enumerate(rates):
        start = page.evaluate(MOVE, rate)
        page.wait_for_function(
            f"() => window.blocs.drawnAt > {start} && ({NEWEST_DRAWN})()", timeout=600_000
        )
        if k >= warmup:
            times.append(page.evaluate("() => window.blocs.drawnAt") - start)
            trips.append(page.evaluate(ROUND_TRIP))
            own.append(page.evaluate(SERVER_MS))
    return times, trips, own


def report(
    name: str, target_ms: float, times: list[float], trips: list[float], own: list[float]
) -> None:
    med = statistics.median(times)
    print(
        f"{name}: slider -> map redrawn, median {med:.0f} ms (min {min(times):.0f}, max "
        f"{max(times):.0f}; {len(times)} edits; request median {statistics.median(trips):.0f} "
        f"ms, of which the server's own time {statistics.median(own):.0f} ms); "
        f"target {target_ms:.0f} ms: {'met' if med <= target_ms else 'NOT met'}; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--skip-icio", action="store_true")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no system Chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415  (optional dependency)

    url, server = serve()
    rates = [20 + (37 * k) % 60 for k in range(args.edits + 2)]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.wait_for_function(NEWEST_DRAWN, timeout=600_000)
        page.select_option("#preset", "allied-front")
        page.wait_for_function(
            "() => document.querySelector('#description').textContent.includes('China')"
        )
        page.wait_for_function(NEWEST_DRAWN, timeout=600_000)
        report("world2023", 300, *measure(page, rates))
        if not args.skip_icio:
            page.select_option("#data", "icio2022")
            page.wait_for_function(NEWEST_DRAWN, timeout=600_000)
            page.click("#add-tariff")
            page.wait_for_function(NEWEST_DRAWN, timeout=600_000)
            report("icio2022", 2000, *measure(page, rates))
        browser.close()
    server.should_exit = True
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
