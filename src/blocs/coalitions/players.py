"""Who plays: the leader, the target and the allies, and the bitmask encoding of coalitions.

A *leader* (always in), a *target* and ``k`` candidate *allies*. A player is a country code
or a group (``EU27``: all its member countries join or none). Allies are sorted canonically
(alphabetically by their upper-case label), so results never depend on the order in which
they are listed. A coalition ``S`` of allies is the bitmask ``m = sum_{j in S} 2**j`` where
``j`` is the ally's position in the canonical order; row ``m`` of every ``(2**k, ...)``
array belongs to ``S``. ``m = 0`` is the leader alone, ``m = 2**k - 1`` the grand
coalition. The coalition's countries are the leader's and the members' countries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from blocs.coalitions import settings
from blocs.errors import InputError
from blocs.scenario import resolve_group

__all__ = ["Players", "popcount", "resolve_players"]


@dataclasses.dataclass(frozen=True)
class Players:
    """Who is who, in the canonical order.

    Attributes:
        leader, target: labels (upper case).
        allies: ally labels sorted alphabetically; ally ``j`` is bit ``2**j``, shape (k,).
        leader_idx, target_idx: country positions in the economy.
        ally_idx: country positions of each ally, in the order of ``allies``.
    """

    leader: str
    target: str
    allies: tuple[str, ...]
    leader_idx: tuple[int, ...]
    target_idx: tuple[int, ...]
    ally_idx: tuple[tuple[int, ...], ...]

    @property
    def k(self) -> int:
        """Number of allies."""
        return len(self.allies)

    def members(self, mask: int) -> tuple[str, ...]:
        """Ally labels of coalition ``mask``."""
        return tuple(a for j, a in enumerate(self.allies) if mask >> j & 1)

    def label(self, mask: int) -> str:
        """``USA+EU27+JPN``: the leader and the members of ``mask``."""
        return "+".join((self.leader, *self.members(mask)))

    def countries(self, mask: int) -> list[int]:
        """Country positions of the coalition (leader included)."""
        out = list(self.leader_idx)
        for j, idx in enumerate(self.ally_idx):
            if mask >> j & 1:
                out.extend(idx)
        return out

    def mask_of(self, allies: Sequence[str]) -> int:
        """The bitmask of a set of ally labels."""
        m = 0
        for a in allies:
            key = a.strip().upper()
            if key not in self.allies:
                raise InputError(f"'{a}' is not one of the allies ({', '.join(self.allies)})")
            m |= 1 << self.allies.index(key)
        return m


def resolve_players(economy: Any, leader: str, target: str, allies: Sequence[str]) -> Players:
    """Check and resolve the players; allies sorted canonically.

    Raises:
        InputError: unknown code (with a suggestion), the target or the leader among the
            allies, overlapping players, duplicates, no allies or more than
            :data:`~blocs.coalitions.settings.MAX_ALLIES`.
    """
    allies = [str(a).strip().upper() for a in allies if str(a).strip()]
    if not allies:
        raise InputError("allies: give at least one ally (codes or groups such as EU27)")
    if len(allies) > settings.MAX_ALLIES:
        raise InputError(
            f"allies: {len(allies)} given, at most {settings.MAX_ALLIES}: every ally doubles the number "
            f"of coalitions (2**{len(allies)} = {2 ** len(allies)} equilibria per variant, and "
            "the exact Shapley value sums over all of them); merge allies into groups (EU27) "
            "or split the question into smaller runs"
        )
    lead = leader.strip().upper()
    targ = target.strip().upper()
    if lead == targ:
        raise InputError(f"leader and target are both '{lead}': choose two different players")
    dups = sorted({a for a in allies if allies.count(a) > 1})
    if dups:
        raise InputError(f"allies: {', '.join(dups)} listed twice; list each ally once")
    for a in allies:
        if a == targ:
            raise InputError(
                f"allies: the target '{targ}' is in the ally list; remove it (the target "
                "cannot tariff itself)"
            )
        if a == lead:
            raise InputError(
                f"allies: the leader '{lead}' is in the ally list; remove it (the leader is in "
                "every coalition)"
            )
    eco: Any = economy
    lead_c = resolve_group(lead, {}, eco, where="leader")
    targ_c = resolve_group(targ, {}, eco, where="target")
    canon = sorted(allies)
    ally_c = [resolve_group(a, {}, eco, where=f"allies[{allies.index(a)}]") for a in canon]
    owner: dict[str, str] = {}
    for label, codes in [(lead, lead_c), (targ, targ_c), *zip(canon, ally_c, strict=True)]:
        for c in codes:
            if c in owner:
                raise InputError(
                    f"players overlap: {c} is in both '{owner[c]}' and '{label}'; every country "
                    "may belong to one player only (drop one of them)"
                )
            owner[c] = label
    return Players(
        leader=lead,
        target=targ,
        allies=tuple(canon),
        leader_idx=tuple(economy.iso3.index(c) for c in lead_c),
        target_idx=tuple(economy.iso3.index(c) for c in targ_c),
        ally_idx=tuple(tuple(economy.iso3.index(c) for c in codes) for codes in ally_c),
    )


def popcount(masks: np.ndarray) -> np.ndarray:
    """Number of allies in each coalition ``masks`` (shape (M,)) -> shape (M,)."""
    return np.array([bin(int(m)).count("1") for m in masks])
