"""Product scopes of the 2025-2026 measures mapped onto the 28 icio2022 sectors.

The record gives product scopes in words and HS terms, not as product lists, so the mapping
is a modelling choice (documented in ``docs/us_tariffs.md``). It is built from disjoint
*product groups* ("atoms"): each atom covers a share of one or more icio2022 sectors (shares
of the sector's US import value), and each measure covers a set of atoms (a product-specific
measure) or all goods minus a set of exempt atoms (an all-goods measure). Because atoms are
disjoint, "232 goods are excluded from the reciprocal tariff" is a set difference and a
sector's rate is the coverage-weighted sum of the measures that hit it.

Shares are approximations of the HS content of each ISIC Rev. 4 sector in US imports (no
product-level lists were transcribed in the record, see its "Biggest gaps"); every share is a
plain number here so that a user can change it (:data:`ATOMS` is copied, never mutated).
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = [
    "ANNEX_II",
    "ATOMS",
    "CHINA_301_SECTOR_AVERAGE",
    "GOODS",
    "SECTORS",
    "USMCA_QUALIFYING_SHARE",
    "USMCA_US_CONTENT",
    "atoms_cover",
]

#: The 28 icio2022 sectors (27 goods, one services aggregate), in the data's order.
SECTORS: tuple[str, ...] = (
    "A01", "A02", "A03", "B05", "B06", "B07", "B08", "B09", "C10T12", "C13T15", "C16",
    "C17_18", "C19", "C20", "C21", "C22", "C23", "C24A", "C24B", "C25", "C26", "C27", "C28",
    "C29", "C301", "C302T309", "C31T33", "Services (aggregate)",
)  # fmt: skip
#: The 27 goods sectors (services are never tariffed).
GOODS: tuple[str, ...] = SECTORS[:-1]

#: Product groups: atom -> {sector: share of the sector's US imports}. Disjoint by construction
#: (the shares of one sector sum to at most 1, tested).
ATOMS: MappingProxyType[str, MappingProxyType[str, float]] = MappingProxyType(
    {
        k: MappingProxyType(v)
        for k, v in {
            # Section 232 metals (steel in C24A; aluminium 35 % of C24B non-ferrous metals;
            # derivative articles 40 % of fabricated metals C25, by value)
            "steel_alu": {"C24A": 1.0, "C24B": 0.35},
            "steel_alu_derivatives": {"C25": 0.40},
            "copper": {"C24B": 0.15},  # semi-finished copper (pipes, wire, rods, sheets)
            "metal_equipment": {"C27": 0.05, "C28": 0.05},  # 2026 Annex III (grid equipment)
            # Section 232 vehicles (C29 = motor vehicles, trailers and parts)
            "vehicles": {"C29": 0.55},  # passenger vehicles and light trucks
            "auto_parts": {"C29": 0.30},  # listed parts (engines, transmissions, ...)
            "mhdv": {"C29": 0.10},  # medium/heavy-duty vehicles and their parts
            "buses": {"C29": 0.02},
            # Section 232 wood
            "softwood": {"C16": 0.35},  # softwood timber and lumber
            "upholstered_furniture": {"C31T33": 0.05},
            "cabinets": {"C31T33": 0.02},  # kitchen cabinets, vanities
            # Section 232 semiconductors (narrow: advanced computing chips), pharma, drones
            "semis_advanced": {"C26": 0.03},
            "pharma_patented": {"C21": 0.60},
            "pharma_generic": {"C21": 0.40},
            "uas_large": {"C302T309": 0.003},
            "uas_other": {"C302T309": 0.007},
            # exemption groups
            "electronics_semis": {"C26": 0.52},  # Annex II semis + 2025-04-11 computers/phones
            "civil_aircraft": {"C302T309": 0.60},
            "energy": {"B05": 1.0, "B06": 1.0, "C19": 1.0},
            "critical_minerals": {"B07": 0.50, "C24B": 0.20},
            "bullion": {"C24B": 0.30},
            "fertilizers": {"B08": 0.30, "C20": 0.03},  # incl. potash
            "raw_materials": {"B07": 0.50, "B08": 0.70, "B09": 1.0},  # other raw materials
            "ag_beef_tomatoes_oranges": {"A01": 0.10, "C10T12": 0.10},
            "ag_tropical": {"A01": 0.40, "C10T12": 0.15},  # coffee, tea, cocoa, bananas, ...
            "brazil_annex_other": {"C17_18": 0.50, "C10T12": 0.05, "C20": 0.05},
            "canada_s338_lines": {"C10T12": 0.08, "C23": 0.05, "C27": 0.02, "C31T33": 0.05},
            "cranes_chassis": {"C28": 0.002},
        }.items()
    }
)

#: Atoms exempt from the IEEPA reciprocal tariff under Annex II of EO 14257 (energy, pharma,
#: semiconductors and, by the 2025-04-11 clarification, computers and smartphones, copper,
#: lumber, critical minerals, bullion).
ANNEX_II: frozenset[str] = frozenset(
    {
        "energy", "pharma_patented", "pharma_generic", "electronics_semis", "semis_advanced",
        "copper", "softwood", "critical_minerals", "bullion",
    }
)  # fmt: skip

#: Share of each sector's imports from CAN and MEX that enters as USMCA-qualifying (general
#: note 11) and so pays neither the fentanyl duty, Section 122 nor the forced-labour 301.
#: Modelling assumption: after the March-2025 exemption, USMCA claims rose from about 38 %
#: (CAN) and 50 % (MEX) of imports in 2024 to about 90 % by mid-2025 (USITC DataWeb, rate
#: provision codes; the Budget Lab at Yale's brief of 2025-09-04 lowers its effective rate
#: from 18.6 % to 17.4 % for that reason). Sectors not listed take the "default" value.
USMCA_QUALIFYING_SHARE: MappingProxyType[str, MappingProxyType[str, float]] = MappingProxyType(
    {
        "CAN": MappingProxyType({"default": 0.90, "B06": 0.95, "C19": 0.95, "C13T15": 0.70}),
        "MEX": MappingProxyType({"default": 0.85, "C13T15": 0.70, "C26": 0.80}),
    }
)

#: US content share of USMCA-qualifying vehicles (the 232 auto tariff applies to their non-US
#: content only; Proclamation 10908). Modelling assumption.
USMCA_US_CONTENT: float = 0.40

#: China Section 301 (lists 1, 2, 3 at 25 %, 4A at 7.5 %, plus the 2024-review increases) as a
#: trade-weighted average additional rate per sector on Chinese goods. Modelling assumption,
#: consistent with Bown (2023, PIIE "US-China trade war tariffs: an up-to-date chart"): about
#: two thirds of US imports from China covered, average 301 rate about 16-17 %; list 4B
#: (phones, laptops, toys, much apparel) never took effect.
CHINA_301_SECTOR_AVERAGE: MappingProxyType[str, float] = MappingProxyType(
    {
        "A01": 0.15, "A02": 0.15, "A03": 0.20, "B05": 0.20, "B06": 0.20, "B07": 0.20,
        "B08": 0.20, "B09": 0.20, "C10T12": 0.20, "C13T15": 0.06, "C16": 0.25, "C17_18": 0.20,
        "C19": 0.25, "C20": 0.22, "C21": 0.05, "C22": 0.20, "C23": 0.22, "C24A": 0.25,
        "C24B": 0.25, "C25": 0.24, "C26": 0.12, "C27": 0.22, "C28": 0.24, "C29": 0.26,
        "C301": 0.25, "C302T309": 0.20, "C31T33": 0.12,
    }
)  # fmt: skip


def atoms_cover(
    atoms: frozenset[str] | set[str], sectors: tuple[str, ...] = SECTORS
) -> list[float]:
    """Share of each sector covered by a set of atoms (the atoms are disjoint, so shares add)."""
    out = [0.0] * len(sectors)
    for a in atoms:
        for s, share in ATOMS[a].items():
            if s in sectors:
                out[sectors.index(s)] += share
    return [min(1.0, x) for x in out]
