"""blocs: general-equilibrium trade models for tariff wars, coalitions and trade deals."""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"
