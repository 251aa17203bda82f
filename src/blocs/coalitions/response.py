"""The target's optimal response: one welfare-maximising rate per coalition, in batches.

For each coalition the target's welfare ``W(r)`` (expenditure-weighted real income of its
members, as in :mod:`blocs.strategy.games`) is maximised over one rate ``r`` on every
coalition country (goods sectors) by the safeguarded 1-D Newton method
:func:`blocs.solvers.maximize_step` on the first-order condition ``W'(r) = 0``.

``W'`` and ``W''`` are exact derivatives through the equilibrium by the implicit function
theorem, never finite differences, for any model: with ``F(x, r) = 0`` the model's residual
(:meth:`~blocs.models.base.Model.residual`), ``x' = -J^-1 F_r`` and
``x'' = -J^-1 D2F[(x', 1), (x', 1)]`` (JAX forward-mode derivatives of the residual, ``J``
its exact Jacobian at the solved equilibrium), so ``W' = DW[(x', 1)]`` and
``W'' = D2W[(x', 1), (x', 1)] + W_x x''`` with ``W`` from
:meth:`~blocs.models.base.Model.welfare_at`. The two solves with ``J`` use iterative
refinement from Broyden's inverse-Jacobian estimate (matrix-vector products only,
:func:`blocs.solvers.refine`; each product ``J v`` is one directional derivative of the
residual by ``jax.linearize``, so ``J`` itself, ``m`` directional derivatives per lane and
step, is never formed); a lane gets the exact inverse (one LAPACK call) only when that
estimate has drifted (:data:`~blocs.coalitions.settings.REFRESH_CONTRACTION`) or a solve did
not reach :data:`~blocs.coalitions.settings.LINEAR_TOL`. The equilibrium at the next rate is
found by Broyden's method from the second-order predictor ``x + x' dr + x'' dr^2 / 2``; the
model's own solver takes over when Broyden fails.

Coalitions are searched in ``chunk`` vmapped lanes; a lane that finishes takes the next
coalition and starts from the equilibrium and rate it just found. A search converges as
:func:`~blocs.solvers.maximize_step` says (tolerances ``RESPONSE_RATE_TOL`` on the rate,
``RESPONSE_FOC_TOL`` on ``W'``, corners ``r = 0`` / ``r = max_response``); otherwise it is a
failure after ``RESPONSE_MAX_ITERATIONS`` steps (NaN welfare and rate, listed in
``failures``). ``iterations`` counts these steps, ``response_foc`` is the final ``W'`` (hat
units per unit of tariff).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from blocs.coalitions import settings
from blocs.coalitions.engine import Batch, Engine
from blocs.coalitions.policies import CoalitionPolicies
from blocs.models.base import Model, Policy
from blocs.solvers import ScalarSearch, broyden, maximize_step, refine

__all__ = ["Lanes", "best_responses", "response_batch", "response_columns"]


def _second(f: Callable[[jax.Array], jax.Array], s0: jax.Array) -> tuple:
    """``f(s0), f'(s0), f''(s0)`` of a function of a scalar, by nested forward mode."""

    def first(s: jax.Array) -> tuple:
        return jax.jvp(f, (s,), (jnp.ones_like(s),))

    (y, dy), (_, d2y) = jax.jvp(first, (s0,), (jnp.ones_like(s0),))
    return y, dy, d2y


class Lanes(NamedTuple):
    """One best-response step in B lanes (see :func:`response_batch`).

    Attributes:
        welfare_pct: (B, N). converged: (B,) bool (the equilibrium at ``r``).
        iterations: (B,) Broyden steps. max_residual: (B,).
        g, h: ``W'(r)`` and ``W''(r)`` of the target's welfare (hat units), (B,).
        x: (B, m) the equilibrium's unknowns. H: (B, m, m) an estimate of the inverse of
            its Jacobian. dx, d2x: (B, m) the first and second derivatives of ``x`` in ``r``.
        linear_residual: (B,) the relative residual of the linear solves behind them.
        contraction: (B,) how well ``H`` inverts the Jacobian (``|b - J H b| / |b|``).
    """

    welfare_pct: Any
    converged: Any
    iterations: Any
    max_residual: Any
    g: Any
    h: Any
    x: Any
    H: Any
    dx: Any
    d2x: Any
    linear_residual: Any
    contraction: Any


@functools.partial(jax.jit, static_argnames=("model", "static", "columns"), donate_argnames=("H0",))
def response_batch(model: Model, params: Any, base: jax.Array, pos: jax.Array, wt: jax.Array,
                   r: jax.Array, x0: jax.Array, H0: jax.Array, tol: jax.Array,
                   max_steps: jax.Array, *, static: Any,
                   columns: tuple[int, ...] | None = None) -> Lanes:  # fmt: skip
    """The equilibrium at the target's rate ``r`` and ``W'(r)``, ``W''(r)``, in every lane.

    Args:
        model, params, static: the model, its calibrated baseline and static options.
        base: tariffs before the response, shape (B, N, N) or (B, N, N, S).
        pos: where the rate applies, bool, the shape of ``base``.
        wt: the target's weights, shape (N,). r: rates, shape (B,).
        x0, H0: Broyden's start and inverse-Jacobian estimate, (B, m) and (B, m, m).
        tol, max_steps: Broyden's tolerance and steps (traced).
        columns: the importers whose columns ``pos`` touches in every lane: the rate's
            derivatives then come from the model's column-structured residual and welfare
            (:meth:`~blocs.models.base.Model.rate_functions`) when it has them; None, or a
            model without them: forward-mode derivatives of the whole residual.
    """

    def one(base, pos, r, x0, H0):
        def policy(rate):
            t = jnp.where(pos, rate, base)
            return Policy(t=t, d_hat=jnp.ones_like(t))

        def F(x, rate):
            return model.residual(x, (params, policy(rate), static))

        structured = None
        if columns is not None:
            structured = model.rate_functions(params, static, base, pos, columns)
        if structured is not None:
            both = structured
        else:

            def both(x, rate):
                return F(x, rate), model.welfare_at(x, params, policy(rate), static)

        def FW(x, rate):
            f, w = both(x, rate)
            return f, wt @ w

        res, H = broyden(lambda z, _: F(z, r), x0, None, H0=H0, tol=tol, max_steps=max_steps)
        x = res.x
        eq = model.equilibrium(x, params, policy(r), static, res)
        # v -> (J v, welfare's derivative along v): no Jacobian is formed
        (_, welfare), JW = jax.linearize(lambda z: both(z, r), x)

        def J(v):
            return JW(v)[0]

        Fr = jax.jvp(lambda rate: FW(x, rate)[0], (r,), (jnp.ones_like(r),))[1]
        contraction = jnp.max(jnp.abs(Fr - J(H @ Fr))) / jnp.maximum(jnp.max(jnp.abs(Fr)), 1e-300)
        dx, lin1 = refine(J, H, -Fr)
        zero = jnp.zeros_like(r)
        _, (_, g), (F2, W2) = _second(lambda s: FW(x + s * dx, r + s), zero)
        d2x, lin2 = refine(J, H, -F2)
        Wx_d2x = wt @ JW(d2x)[1]
        return Lanes(
            # welfare from the unknowns (the model's fast path, equal to welfare_hat(eq));
            # the record gives the model's verdict on convergence
            100.0 * (welfare - 1.0),
            eq.converged,
            res.iterations,
            eq.max_residual,
            g,
            W2 + Wx_d2x,
            x,
            H,
            dx,
            d2x,
            jnp.maximum(lin1, lin2),
            contraction,
        )

    return jax.vmap(one)(base, pos, r, x0, H0)


def _step(engine: Engine, base: np.ndarray, pos: np.ndarray, wt: jax.Array,
          rates: np.ndarray, xH: tuple, columns: tuple[int, ...] | None) -> Lanes:  # fmt: skip
    """One step in every lane, as NumPy arrays except ``x``, ``H``, ``dx``, ``d2x``."""
    out = response_batch(
        engine.model,
        engine.params,
        jnp.asarray(base),
        jnp.asarray(pos),
        wt,
        jnp.asarray(rates),
        *xH,
        jnp.asarray(engine.tol),
        jnp.asarray(settings.BROYDEN_MAX_STEPS),
        static=engine.static,
        columns=columns,
    )
    keep = ("x", "H", "dx", "d2x")
    fields = zip(Lanes._fields, out, strict=True)
    return Lanes(*(a if f in keep else np.asarray(a) for f, a in fields))


def response_columns(policies: CoalitionPolicies) -> tuple[int, ...] | None:
    """The importers whose tariffs the target's response moves in any coalition (the
    columns of the largest coalition's positions), or None for tariffs with a sector axis."""
    every = policies.response_positions((1 << policies.players.k) - 1)
    if every.ndim != 2:
        return None
    return tuple(int(i) for i in np.flatnonzero(every.any(axis=0)))


def _repair(engine: Engine, tariffs: Callable[[], np.ndarray], out: Lanes, lane: int,
            ok: bool) -> tuple | None:  # fmt: skip
    """A lane's repaired start ``(x, H)`` when its step (at the tariffs ``tariffs()``) must
    be repeated, else None (the step stands, or cannot be repaired).

    Broyden missed the equilibrium: the model's own solver gives ``x``. A linear solve did
    not reach ``LINEAR_TOL``: the exact inverse Jacobian at ``x`` gives ``H``.
    """
    if ok:
        lin = float(out.linear_residual[lane])
        if math.isfinite(lin) and lin <= settings.LINEAR_TOL:
            return None
        return out.x[lane], engine.exact_inverse(tariffs(), out.x[lane])
    t = tariffs()
    eq = engine.newton(t)
    if not bool(eq.converged):
        return None
    x = jnp.asarray(engine.model.unknowns(eq))
    return x, engine.exact_inverse(t, x)


def _next_starts(out: Lanes, delta: np.ndarray, starts: dict[int, tuple]) -> tuple:
    """Broyden starts ``(x, H)`` of the next step, shapes (B, m), (B, m, m).

    Every lane moves by the second-order predictor ``x + x' dr + x'' dr^2 / 2`` (``dr =
    delta``, 0 for a lane that stays or took a new coalition) with Broyden's updated inverse
    estimate; lanes in ``starts`` take the given ``x`` and/or ``H`` instead (None: keep).
    """
    d = np.asarray(delta)[:, None]
    x = np.asarray(out.x) + np.asarray(out.dx) * d + 0.5 * np.asarray(out.d2x) * d**2
    rows, mats = [], []
    for lane, (x_new, H_new) in starts.items():
        if x_new is not None:
            x[lane] = np.asarray(x_new)
        if H_new is not None:
            rows.append(lane)
            mats.append(H_new)
    H = out.H
    if rows:
        # one in-place scatter per step (a copy of the (B, m, m) array per lane would move
        # 77 MB each on world2023 with 64 lanes); padded to a power of two: few programs
        size = 1 << (len(rows) - 1).bit_length()
        rows += [rows[-1]] * (size - len(rows))
        mats += [mats[-1]] * (size - len(mats))
        H = _set_rows(H, jnp.asarray(rows), jnp.stack([jnp.asarray(m) for m in mats]))
    return jnp.asarray(x), H


@functools.partial(jax.jit, donate_argnums=0)
def _set_rows(H: jax.Array, rows: jax.Array, values: jax.Array) -> jax.Array:
    return H.at[rows].set(values)


class _Known:
    """Optima found so far (row -> rate and equilibrium unknowns), and predictions of a
    coalition's optimum from its neighbours (rows are bitmasks of allies)."""

    def __init__(self) -> None:
        self.rate: dict[int, float] = {}
        self.x: dict[int, np.ndarray] = {}

    def add(self, row: int, rate: float, x: Any) -> None:
        self.rate[row], self.x[row] = rate, np.asarray(x)

    def ready(self, pending: list[int], *, allow_any: bool) -> int | None:
        """The first of ``pending`` (sorted by size) that can start: the leader alone, a
        single ally, or a coalition whose second-difference neighbours are solved; with
        ``allow_any`` the first of ``pending`` when none is ready (nothing else would run).
        Only the two smallest sizes pending are searched (larger ones need them)."""
        if not pending:
            return None
        low = pending[0].bit_count()
        for row in pending:
            size = row.bit_count()
            if size > low + 1:
                break
            if size <= 1 or self._trio(row) is not None:
                return row
        return pending[0] if allow_any else None

    def _trio(self, row: int) -> tuple[int, int, int] | None:
        bits = [1 << j for j in range(row.bit_length()) if row >> j & 1]
        for i, a in enumerate(bits):
            for b in bits[i + 1 :]:
                trio = (row ^ a, row ^ b, row ^ a ^ b)
                if all(t in self.rate for t in trio):
                    return trio
        return None

    def predict(self, row: int) -> tuple[float, np.ndarray] | None:
        """The rate and unknowns of ``row`` by second differences of solved neighbours,
        ``f(S) ~ f(S - a) + f(S - b) - f(S - a - b)`` (exact for additive effects and
        pairwise interactions), else ``f(S - a) + f({a}) - f({})``, else ``f(S - a)``;
        None when no neighbour is solved."""
        trio = self._trio(row)
        if trio is not None:
            return self._combine(trio, (1.0, 1.0, -1.0))
        known = self.rate
        bits = [1 << j for j in range(row.bit_length()) if row >> j & 1]
        for a in bits:
            if row ^ a in known and a in known and 0 in known:
                return self._combine((row ^ a, a, 0), (1.0, 1.0, -1.0))
        for a in bits:
            if row ^ a in known:
                return self._combine((row ^ a,), (1.0,))
        return None

    def _combine(self, rows: tuple, coef: tuple) -> tuple[float, np.ndarray]:
        rate = sum(c * self.rate[r] for r, c in zip(rows, coef, strict=True))
        x = sum(c * self.x[r] for r, c in zip(rows, coef, strict=True))
        return float(rate), np.asarray(x)


@dataclasses.dataclass(frozen=True)
class _Lane:
    """One lane's current coalition (``row``), its search, and whether its last step was
    repaired (a step is repaired at most once)."""

    row: int
    search: ScalarSearch
    retried: bool = False


def best_responses(engine: Engine, policies: CoalitionPolicies, count: int,
                   upper: float, *, structured: bool = True) -> Batch:  # fmt: skip
    """The target's best response in coalitions ``0 .. count - 1`` of ``policies``.

    ``min(chunk, count)`` lanes step together (:func:`response_batch`); each lane runs one
    coalition's search and, when it ends, takes the next coalition, starting from the rate,
    the equilibrium and the inverse-Jacobian estimate it just found. A lane repeats a step
    after repairing it (:func:`_repair`). A coalition fails when the repair fails, a
    derivative is not finite, or after ``RESPONSE_MAX_ITERATIONS`` steps.

    ``structured``: the rate's derivatives from the model's column-structured residual
    where it has one (:func:`response_columns`); False: forward mode through the whole
    residual (the same numbers to rounding, slower).

    Returns:
        :class:`~blocs.coalitions.engine.Batch` with ``response_rate`` and ``response_foc``
        (NaN on failure); ``iterations`` counts best-response steps.
    """
    n = len(engine.weights)
    W = np.full((count, n), np.nan)
    conv = np.zeros(count, dtype=bool)
    its = np.zeros(count, dtype=int)
    res = np.full(count, np.nan)
    rate = np.full(count, np.nan)
    foc = np.full(count, np.nan)
    solver = np.array(["best-response-newton"] * count, dtype=object)
    lanes = min(engine.chunk, count)
    wt = jnp.asarray(engine.target_weights(policies.players.target_idx))
    start = min(settings.RESPONSE_START, upper)
    base = np.stack([policies.tariffs(0)] * lanes)
    pos = np.stack([policies.response_positions(0)] * lanes)
    columns = response_columns(policies) if structured else None
    anchor = engine.anchor(policies.tariffs(0, start))
    xH = (jnp.tile(anchor[0], (lanes, 1)), jnp.tile(anchor[1], (lanes, 1, 1)))
    # smaller coalitions first; a coalition starts when its neighbours are solved, from
    # their optima (:meth:`_Known.ready`, :meth:`_Known.predict`)
    pending = sorted(range(count), key=lambda row: (row.bit_count(), row))
    state: list[_Lane | None] = [None] * lanes
    last_rate = [start] * lanes
    known = _Known()

    def fill(starts: dict[int, tuple]) -> None:
        """Give idle lanes the next coalitions, those whose neighbours are solved first
        (an idle lane costs as much as a busy one in the batch, so none waits), each
        searched from its neighbours' optimum, else from the lane's last rate and
        equilibrium."""
        for lane in range(lanes):
            if state[lane] is not None or not pending:
                continue
            row = known.ready(pending, allow_any=True)
            if row is None:
                return
            pending.remove(row)
            guess = known.predict(row)
            rate0 = last_rate[lane] if guess is None else min(max(guess[0], 0.0), upper)
            state[lane] = _Lane(row, ScalarSearch.start(rate0, 0.0, upper))
            base[lane] = policies.tariffs(row)
            pos[lane] = policies.response_positions(row)
            if guess is not None:
                starts[lane] = (guess[1], starts.get(lane, (None, None))[1])

    def finish(lane: int, out: Lanes, steps: int, ok: bool, why: str = "") -> None:
        st = state[lane]
        assert st is not None
        i = st.row
        its[i], res[i] = steps, out.max_residual[lane]
        if ok:
            W[i], conv[i], rate[i] = out.welfare_pct[lane], True, st.search.x
            foc[i] = out.g[lane]
            known.add(i, st.search.x, out.x[lane])
        else:
            solver[i] = f"best-response-newton: {why}"
        state[lane] = None
        engine.tick(1)

    first: dict[int, tuple] = {}
    fill(first)
    if first:
        xH = (
            xH[0].at[jnp.asarray(list(first))].set(jnp.stack([v[0] for v in first.values()])),
            xH[1],
        )
    while any(s is not None for s in state):
        rates = np.array([s.search.x if s is not None else start for s in state])
        out = _step(engine, base, pos, wt, rates, xH, columns)
        delta = np.zeros(lanes)
        starts: dict[int, tuple] = {}  # lane -> (x, H) to start its next step from
        for lane, st in enumerate(state):
            if st is None:
                continue
            r = st.search.x
            ok = bool(out.converged[lane])
            if not st.retried:
                tariffs = functools.partial(policies.tariffs, st.row, r)
                fix = _repair(engine, tariffs, out, lane, ok)
                if fix is not None:  # repeat the step from the repaired start
                    starts[lane] = fix
                    state[lane] = dataclasses.replace(st, retried=True)
                    if not ok:
                        solver[st.row] = "best-response-newton+newton-continuation"
                    continue
            if ok and out.contraction[lane] > settings.REFRESH_CONTRACTION:
                starts[lane] = (
                    None,
                    engine.exact_inverse(policies.tariffs(st.row, r), out.x[lane]),
                )
            g, h = float(out.g[lane]), float(out.h[lane])
            if not (ok and math.isfinite(g) and math.isfinite(h)):
                finish(lane, out, st.search.steps, False, f"no equilibrium at rate {r:.6g}")
                starts[lane] = anchor
                last_rate[lane] = start
                continue
            search, result = maximize_step(
                st.search,
                g,
                h,
                x_tol=settings.RESPONSE_RATE_TOL,
                g_tol=settings.RESPONSE_FOC_TOL,
                max_steps=settings.RESPONSE_MAX_ITERATIONS,
            )
            if result is None:
                state[lane] = _Lane(st.row, search)
                delta[lane] = search.x - r
            else:
                finish(lane, out, result.iterations, result.converged, "no convergence")
                last_rate[lane] = r
        fill(starts)
        xH = _next_starts(out, delta, starts)
    W[~conv] = np.nan  # an unconverged equilibrium has no welfare to report
    return Batch(W, conv, its, res, solver, rate, foc)
