"""Sweeps: Monte Carlo over elasticities and scenario grids, resumable, on any backend.

A :class:`SweepSpec` names a scenario and the uncertainty around it: grids of model options
and/or ``draws`` random replicates of parameters from a distribution. Which options a
scenario may sweep is declared by its model (:attr:`blocs.models.base.Model.sweep_parameters`):
``trade_elasticity``, ``labour_supply_elasticity``, ``pass_through`` (grid) and
``trade_elasticity``, ``labour_supply_elasticity`` (random) for the one-sector model;
``elasticities`` (grid: the 8 published sets of icio2022, ``"all"``) and the factors
``theta_scale`` (one factor on every sector's elasticity) and ``theta_sector`` (an independent
factor per sector) for the multi-sector model. A draw's sectoral elasticities are
``theta_set[s] * theta_scale * theta_sector[s]``.

Design (draw ``d`` = one parameter vector, one equilibrium)
    The draws are the Cartesian product ``grid points x replicates``: draw id
    ``g * R + r`` is grid point ``g`` (the last grid key varies fastest) and replicate ``r``
    (``R = max(draws, 1)``). Replicate ``r`` takes its random numbers from
    ``numpy.random.default_rng([seed, r])``, in the fixed order of
    :data:`RANDOM_PARAMETERS`: the numbers depend on ``(seed, r)`` only, never on the
    chunking or the backend, and every grid point sees the same random numbers (common
    random numbers, so differences between grid points are not noise). The ``S`` factors of
    ``theta_sector`` come from ``default_rng([seed, r, 1])``, sector by sector.

Modules (one job each)
    :mod:`~blocs.sweep.spec` the spec, distributions and draws; :mod:`~blocs.sweep.chunks`
    solving a chunk of draws (one vmapped :meth:`~blocs.models.base.Model.solve`);
    :mod:`~blocs.sweep.backends` where chunks run (:class:`InProcess`, :class:`Processes`,
    :class:`Dask`); :mod:`~blocs.sweep.store` resumable Parquet output and manifest;
    :mod:`~blocs.sweep.summary` percentiles and :class:`SweepResult`;
    :mod:`~blocs.sweep.runner` :func:`run_sweep`; :mod:`~blocs.sweep.synthetic` random
    economies for benchmarks and tests.

Example:
    >>> spec = SweepSpec(scenario="liberation-day", draws=8, seed=0,
    ...                  distributions={"trade_elasticity": LogNormal(mean=1.386, sd=0.25)})
    >>> res = run_sweep(spec, chunk_size=8)                          # doctest: +SKIP
    >>> res.summary().loc["USA", ["p5", "p50", "p95"]]               # doctest: +SKIP
"""

from __future__ import annotations

from blocs.sweep.backends import Backend, Dask, InProcess, Processes
from blocs.sweep.chunks import chunk_draws, solve_chunk
from blocs.sweep.runner import DEFAULT_CHUNK_SIZE, SweepProgress, run_sweep
from blocs.sweep.spec import (
    DEFAULT_ROWS,
    RANDOM_PARAMETERS,
    EstimateGroup,
    LogNormal,
    SweepSpec,
    Uniform,
    draw_parameters,
    estimate_groups,
    make_spec,
    partial_effect_betas,
    theta_factors,
)
from blocs.sweep.store import load_sweep
from blocs.sweep.summary import SweepResult, members, summarize
from blocs.sweep.synthetic import synthetic_economy, synthetic_tables

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_ROWS",
    "RANDOM_PARAMETERS",
    "Backend",
    "Dask",
    "EstimateGroup",
    "InProcess",
    "LogNormal",
    "Processes",
    "SweepProgress",
    "SweepResult",
    "SweepSpec",
    "Uniform",
    "chunk_draws",
    "draw_parameters",
    "estimate_groups",
    "load_sweep",
    "make_spec",
    "members",
    "partial_effect_betas",
    "run_sweep",
    "solve_chunk",
    "summarize",
    "synthetic_economy",
    "synthetic_tables",
    "theta_factors",
]
