"""Item 8: the rate ``rule = "optimal"`` applied is in the run (``Run.notes``, ``run.json``)
and printed; the docs say how it differs from ``blocs coalition --response optimal``."""

from __future__ import annotations

from pathlib import Path

from blocs.run import run_scenario

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def test_notes_and_manifest():
    run = run_scenario("liberation-day-optimal-retaliation")
    rates = run.manifest["resolved_rates"]
    assert rates and all(r["kind"] == "optimal" for r in rates)
    assert any("optimal rate applied" in n and "retaliation[" in n for n in run.notes)
    assert run.manifest["notes"] == list(run.notes)


def test_cli_prints_it(cli):
    code, out = cli("run", "liberation-day-optimal-retaliation")
    assert code == 0, out
    assert "optimal rate applied" in out


def test_docs_compare_with_coalition_response():
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    assert "differs from `blocs coalition --response optimal`" in text
