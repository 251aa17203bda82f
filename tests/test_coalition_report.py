"""The coalition report: efficient frontier, figures and the self-contained HTML page."""

from __future__ import annotations

import base64
import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from blocs.cli import app
from blocs.coalitions import CoalitionSpec, solve_coalitions
from blocs.errors import InputError
from blocs.report.coalition import (
    FIGURE_FILES,
    HTML_FILE,
    credibility_figure,
    efficient_frontier,
    frontier_figure,
    participation_figure,
    shapley_figure,
    summary_sentences,
    write_coalition_report,
)

SPEC = CoalitionSpec(
    leader="USA", target="CHN", allies=("JPN", "KOR", "CAN"), tariff=0.5, response="mirror"
)


def _brute_frontier(cost: np.ndarray, lev: np.ndarray) -> np.ndarray:
    ok = np.isfinite(cost) & np.isfinite(lev)
    out = np.zeros(len(cost), dtype=bool)
    for p in np.flatnonzero(ok):
        dominated = any(
            cost[q] <= cost[p] and lev[q] >= lev[p] and (cost[q] < cost[p] or lev[q] > lev[p])
            for q in np.flatnonzero(ok)
        )
        out[p] = not dominated
    return out


def test_efficient_frontier_matches_brute_force() -> None:
    rng = np.random.default_rng(20240605)
    for trial in range(300):
        n = int(rng.integers(0, 30))
        # a coarse grid makes ties in cost, in leverage and of whole points common
        cost = rng.integers(-3, 4, n).astype(float) * (0.5 if trial % 2 else 1.0)
        lev = rng.integers(0, 5, n).astype(float)
        if trial % 3 == 0:  # continuous values too
            cost, lev = rng.normal(size=n), rng.normal(size=n)
        cost[rng.random(n) < 0.1] = np.nan
        lev[rng.random(n) < 0.1] = np.nan
        if n and trial % 5 == 0:
            cost[0] = np.inf
        got = efficient_frontier(cost, lev)
        np.testing.assert_array_equal(got, _brute_frontier(cost, lev), err_msg=f"trial {trial}")
        assert not got[~(np.isfinite(cost) & np.isfinite(lev))].any()


def test_efficient_frontier_edge_cases() -> None:
    assert efficient_frontier([], []).shape == (0,)
    assert not efficient_frontier([np.nan, 1.0], [1.0, np.nan]).any()
    # identical points: both on the frontier; a NaN with huge leverage dominates nothing
    got = efficient_frontier([1.0, 1.0, 2.0, np.nan], [2.0, 2.0, 1.0, 99.0])
    np.testing.assert_array_equal(got, [True, True, False, False])
    assert efficient_frontier(np.ones((2, 3)), np.arange(6.0).reshape(2, 3)).shape == (2, 3)
    with pytest.raises(ValueError, match="same shape"):
        efficient_frontier([1.0], [1.0, 2.0])


@pytest.fixture(scope="module")
def res():
    return solve_coalitions(None, SPEC)


@pytest.fixture(scope="module")
def report(res, tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("coalition_report")
    return out, write_coalition_report(res, out)


def test_report_files_and_self_contained_html(res, report) -> None:
    out, paths = report
    assert res.america_first is not None and res.credibility is not None
    assert paths[-1] == out / HTML_FILE and all(p.exists() for p in paths)
    expected = set(FIGURE_FILES) | {f"af_{n}" for n in FIGURE_FILES} | {HTML_FILE}
    assert {p.name for p in paths} == expected
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)  # no temp files left
    page = (out / HTML_FILE).read_text(encoding="utf-8")
    refs = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page, flags=re.I)
    assert len(refs) >= 4 and all(r.startswith("data:image/png;base64,") for r in refs)
    assert "http://" not in page and "https://" not in page
    assert "url(" not in page and "@import" not in page and "<script" not in page.lower()
    embedded = [base64.b64decode(r.split(",", 1)[1]) for r in refs]
    for p in paths[:-1]:
        assert p.read_bytes() in embedded, p.name
    assert "<h2>America First</h2>" in page


def test_report_summary_in_words(res, report) -> None:
    out, _ = report
    page = (out / HTML_FILE).read_text(encoding="utf-8")
    g = res.grand
    words = summary_sentences(res)
    first = words[0]
    assert f"{res.leverage_pct[0]:.2f} %" in first and f"{res.leverage_pct[g]:.2f} %" in first
    best = int(np.nanargmax(res.efficiency))
    assert any(f"most efficient coalition is {res.label(best)}" in s for s in words)
    stay = [res.join_gain[g ^ 1 << j, j] for j in range(res.players.k)]
    riders = [a for a, v in zip(res.players.allies, stay, strict=True) if v < 0]
    assert any(s.startswith("Free-riders") and all(a in s for a in riders) for s in words)
    assert any("Stable coalitions" in s for s in words) and any("p*" in s for s in words)
    total = res.leverage_pct[g] - res.leverage_pct[0]
    assert f"= {total:.3f} pp" in page  # the Shapley caption states the identity
    for s in words[:3]:
        assert s.replace("'", "&#x27;") in page


def test_figures(res) -> None:
    for make in (frontier_figure, shapley_figure, participation_figure, credibility_figure):
        assert isinstance(make(res), Figure)
    no_p = dataclasses.replace(res, credibility=None)
    with pytest.raises(InputError, match="credibility"):
        credibility_figure(no_p)


def test_report_without_credibility_or_variant(res, tmp_path) -> None:
    plain = dataclasses.replace(res, credibility=None, america_first=None)
    paths = write_coalition_report(plain, tmp_path / "r")
    assert [p.name for p in paths] == [*FIGURE_FILES[:3], HTML_FILE]
    with pytest.raises(InputError, match="not a folder"):
        write_coalition_report(plain, paths[0])


def test_cli_report_flag(res, tmp_path) -> None:
    out = tmp_path / "rep"
    args = ["coalition", "--allies", "JPN,KOR,CAN", "--tariff", "0.5", "--response", "mirror"]
    result = CliRunner().invoke(app, [*args, "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr and HTML_FILE in result.stderr
    page = (out / HTML_FILE).read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 2 * len(FIGURE_FILES)
    assert f"{res.leverage_pct[0]:.2f} %" in page


def test_renders_in_headless_chromium_offline(report, tmp_path) -> None:
    """The coalition page in Chromium with no network: all 8 figures render, no errors."""
    from tests.test_report import assert_renders_offline

    out, paths = report
    assert_renders_offline(out / HTML_FILE, tmp_path, len(paths) - 1)
