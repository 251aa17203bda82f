"""The ``blocs`` command's XLA setting: when it is added, and that it changes no number."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from blocs.cli import load_command
from blocs.cli.xla_flags import FLAG, TESTED_JAXLIB, fast_compile_flags

TESTED = f"{TESTED_JAXLIB[0]}.2"


def test_added_when_absent():
    env: dict[str, str] = {}
    assert fast_compile_flags(env, TESTED)
    assert env["XLA_FLAGS"] == f"{FLAG}=false"


def test_appended_to_the_users_other_flags():
    env = {"XLA_FLAGS": "--xla_dump_to=/tmp/x"}
    assert fast_compile_flags(env, TESTED)
    assert env["XLA_FLAGS"] == f"--xla_dump_to=/tmp/x {FLAG}=false"


def test_the_users_choice_wins():
    env = {"XLA_FLAGS": f"{FLAG}=true"}
    assert not fast_compile_flags(env, TESTED)
    assert env["XLA_FLAGS"] == f"{FLAG}=true"


@pytest.mark.parametrize("version", ["0.4.30", "0.9.1", "0.11.0", "1.10.0"])
def test_not_added_for_an_untested_jaxlib(version):
    """XLA aborts on a flag it does not know: only measured versions get it."""
    env: dict[str, str] = {}
    assert not fast_compile_flags(env, version)
    assert "XLA_FLAGS" not in env


def test_the_command_sets_it_before_a_command_runs(monkeypatch):
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    load_command("run")
    assert f"{FLAG}=false" in os.environ.get("XLA_FLAGS", "")


SOLVE = """
import json, sys
from blocs import load_scenario, run_scenario
run = run_scenario(load_scenario(sys.argv[1]))
print(json.dumps(run.countries["welfare_pct"].tolist()))
"""


def _welfare(name: str, flags: str) -> np.ndarray:
    env = dict(os.environ, XLA_FLAGS=flags, BLOCS_CACHE_DIR="off")
    done = subprocess.run(
        [sys.executable, "-c", SOLVE, name], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return np.array(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("name", ["liberation-day", "liberation-day-balanced-with-us"])
def test_both_emitters_give_the_same_equilibrium(name):
    """The same scenario solved in two fresh processes, one with each of XLA's CPU emitters."""
    new = _welfare(name, f"{FLAG}=true")
    old = _welfare(name, f"{FLAG}=false")
    assert new.shape == old.shape and new.size > 100
    assert np.all(np.isfinite(new))
    np.testing.assert_allclose(old, new, rtol=1e-12, atol=1e-12)
