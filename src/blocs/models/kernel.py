"""The trade-share kernels of gravity models, with fast exact derivative rules.

Every one-sector counterfactual evaluates, for exporter costs ``c[j] = exp(logc[j])``,

    a[j, i]   = B[j, i] c[j]**(-eps)           S[i] = sum_j a[j, i]
    lam[j, i] = a[j, i] / S[i]                 (new expenditure shares)

and only needs N-vectors of the N x N shares:

    logS[i] = log S[i]                                       } share_kernel
    u[i]    = sum_j W2[j, i] lam[j, i]   (e.g. W2 = t'/(1+t'): the revenue share)   }
    v[j]    = sum_i W1[j, i] lam[j, i] z[i]  (e.g. W1 = 1/(1+t'): sales of j)   sales_kernel

Differentiating through the N x N arrays naively pushes every tangent through every N x N
intermediate. The rules below give the same derivatives with matrix-vector products of the
shares, so a full Jacobian costs a few N x N x N matrix products. They are exact (tested
against plain autodiff) and work under ``jit``, ``vmap``, ``jacfwd`` and reverse mode.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.custom_derivatives import SymbolicZero

__all__ = ["sales_kernel", "sales_kernel_reference", "share_kernel", "share_kernel_reference"]


def _shares(logc, B, eps):
    cpow = jnp.exp(-eps * logc)
    a = B * cpow[:, None]
    S = jnp.sum(a, axis=0)
    return cpow, S, a / S[None, :]


def share_kernel_reference(logc, B, W2, eps):
    """Plain ``(logS, u)`` (autodiff goes through the N x N arrays)."""
    _, S, lam = _shares(logc, B, eps)
    return jnp.log(S), jnp.sum(W2 * lam, axis=0)


def sales_kernel_reference(logc, z, B, W1, eps):
    """Plain ``v``."""
    _, _, lam = _shares(logc, B, eps)
    return (W1 * lam) @ z


def _zero(t) -> bool:
    return isinstance(t, SymbolicZero)


def _log_a_change(logc, dlogc, deps, eps):
    """g[j]: the change of log a[j, i] common to every i, or None if zero."""
    g = None
    if not _zero(dlogc):
        g = -eps * dlogc
    if not _zero(deps):
        ge = -deps * logc
        g = ge if g is None else g + ge
    return g


@jax.custom_jvp
def share_kernel(logc, B, W2, eps):
    """``(logS, u)`` of the module docstring, shapes (N,) and (N,)."""
    return share_kernel_reference(logc, B, W2, eps)


def _share_jvp(primals, tangents):
    logc, B, W2, eps = primals
    dlogc, dB, dW2, deps = tangents
    cpow, S, lam = _shares(logc, B, eps)
    W2lam = W2 * lam
    u = jnp.sum(W2lam, axis=0)
    dlogS = jnp.zeros_like(S)
    du = jnp.zeros_like(u)
    g = _log_a_change(logc, dlogc, deps, eps)
    if g is not None:
        lg = lam.T @ g
        dlogS = dlogS + lg
        du = du + W2lam.T @ g - u * lg
    if not _zero(dB):
        da = dB * cpow[:, None]
        dS = jnp.sum(da, axis=0)
        dlam = (da - lam * dS[None, :]) / S[None, :]
        dlogS = dlogS + dS / S
        du = du + jnp.sum(W2 * dlam, axis=0)
    if not _zero(dW2):
        du = du + jnp.sum(dW2 * lam, axis=0)
    return (jnp.log(S), u), (dlogS, du)


share_kernel.defjvp(_share_jvp, symbolic_zeros=True)


@jax.custom_jvp
def sales_kernel(logc, z, B, W1, eps):
    """``v`` of the module docstring, shape (N,)."""
    return sales_kernel_reference(logc, z, B, W1, eps)


def _sales_jvp(primals, tangents):
    logc, z, B, W1, eps = primals
    dlogc, dz, dB, dW1, deps = tangents
    cpow, S, lam = _shares(logc, B, eps)
    W1lam = W1 * lam
    v = W1lam @ z
    dv = jnp.zeros_like(v)
    g = _log_a_change(logc, dlogc, deps, eps)
    if g is not None:
        lg = lam.T @ g
        dv = dv + g * v - W1lam @ (z * lg)
    if not _zero(dB):
        da = dB * cpow[:, None]
        dS = jnp.sum(da, axis=0)
        dlam = (da - lam * dS[None, :]) / S[None, :]
        dv = dv + (W1 * dlam) @ z
    if not _zero(dz):
        dv = dv + W1lam @ dz
    if not _zero(dW1):
        dv = dv + (dW1 * lam) @ z
    return v, dv


sales_kernel.defjvp(_sales_jvp, symbolic_zeros=True)
