"""Write the built-in scenarios of the US tariff regimes (run by a maintainer, not at run time).

    python tools/build_regime_scenarios.py

Writes ``src/blocs/scenarios/us-*.toml``: every regime of
``src/blocs/data/us_tariffs/regimes.md`` and ``us-now`` (the latest date of the record), each
with and without the retaliation then in force (``-retaliation``), on icio2022 and on
world2023 (``-world``), and the counterfactuals (IEEPA upheld, Section 122 at 15 % or
extended, an allied coalition against China). Edit the texts here, not in the files.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "blocs" / "scenarios"
SOURCE = (
    "blocs.data.us_tariffs: the dated record of US tariff measures (regimes.md {regime}; "
    "sources in src/blocs/data/us_tariffs/sources.md; modelling choices in docs/us_tariffs.md)"
)

#: name -> (date in the file, regime of regimes.md, what the US tariffs are)
REGIMES = {
    "us-2025-04-09": (
        "2025-04-09",
        "Regime 1",
        (
            "The US tariffs in force on 2025-04-09, the one day of the 'Liberation Day' country "
            "rates: China 20 % fentanyl + 84 % reciprocal (+ Section 301), reciprocal 10-50 % by "
            "country, 25 % fentanyl duties on non-USMCA goods from Canada and Mexico, Section 232 "
            "steel, aluminium and autos at 25 %."
        ),
    ),
    "us-2025-05-14": (
        "2025-05-14",
        "Regime 2",
        (
            "The US tariffs in force on 2025-05-14, after the Geneva truce: China 20 % fentanyl + "
            "10 % reciprocal (+ Section 301), 10 % reciprocal on everyone else, 25 % on non-USMCA "
            "goods from Canada and Mexico, Section 232 metals, autos and parts at 25 %."
        ),
    ),
    "us-2025-08-07": (
        "2025-08-07",
        "Regime 3",
        (
            "The US tariffs in force on 2025-08-07, the August-2025 rates (EO 14326): reciprocal "
            "15-41 % by country (EU27 and Japan all-in 15 %, Switzerland 39 %, India 25 %, Brazil "
            "10 % + 40 %), China 30 % (+ Section 301), non-USMCA Canada 35 %, Section 232 metals "
            "and copper at 50 %."
        ),
    ),
    "us-2025-11-15": (
        "2025-11-15",
        "Regime 4",
        (
            "The US tariffs in force on 2025-11-15, after the US-China Busan arrangement (China's "
            "fentanyl duty 10 %) and the Korea and Switzerland deals (all-in 15 %); agricultural "
            "products exempt from the reciprocal tariff; new Section 232 tariffs on wood, "
            "furniture, trucks and buses."
        ),
    ),
    "us-2026-02-24": (
        "2026-02-24",
        "Regime 5",
        (
            "The US tariffs in force on 2026-02-24, after the Supreme Court held that IEEPA does "
            "not authorise tariffs: every IEEPA tariff ends; a 10 % Section 122 surcharge on all "
            "countries (USMCA goods, Section 232 goods, energy and pharma exempt); Section 232 and "
            "China's Section 301 unchanged."
        ),
    ),
    "us-2026-08-01": (
        "2026-08-01",
        "Regime 6",
        (
            "The US tariffs in force on 2026-08-01, after Section 122 expired (2026-07-24): "
            "Section 301 forced-labour tariffs on 60 economies (10-12.5 %), Brazil's Section 301 "
            "(25 %), restructured Section 232 metals, Section 232 pharma."
        ),
    ),
    "us-2026-10-09": (
        "2026-10-09",
        "Regime 7",
        (
            "The US tariffs in force on 2026-10-09, the latest documented regime: as on "
            "2026-08-01 plus Canada's Section 338 tariff (50 % on ~554 lines), Section 232 pharma "
            "at 100 % on patented drugs of every company, Section 232 drones."
        ),
    ),
    "us-now": (
        "latest",
        "Regime 7",
        (
            "The US tariffs in force now: the latest date of the record (2026-10-09; regime 7 of "
            "regimes.md): the forced-labour Section 301 tariffs (10-12.5 % on 60 economies), "
            "Brazil's 301, Canada's Section 338, Section 232 on metals, autos, wood, trucks, "
            "chips, pharma and drones, China's 301; no IEEPA tariff since the 2026 ruling."
        ),
    ),
}

RULING = "2026-02-24"
UNKNOWN = (
    " Where the record has no removal date (China's 10 % on all US goods and its "
    "February-2025 energy and vehicle list, Canada's steel, aluminium and vehicle surtaxes) "
    'they are assumed still in force (unknown = "in_force"); set unknown = "ended" in '
    "[retaliation_in_force] to drop them."
)
WORLD = (
    " One sector (world2023): each exporter's rate is its icio2022 import-weighted average; "
    "world2023 has no Taiwan, whose rate is dropped."
)


def _retaliation(date: str) -> str:
    if date < "2025-05-14":
        what = ("China's 10-15 % on US energy, vehicles and farm goods; Canada's 25 % on "
                "C$60 bn of US goods and on non-CUSMA vehicles.")  # fmt: skip
    elif date < "2025-09-01":
        what = ("China's 10 % on all US goods plus its energy, vehicle and farm lists; "
                "Canada's 25 % lists (steel, aluminium, vehicles, consumer goods).")  # fmt: skip
    elif date < RULING:
        what = ("China's 10 % on all US goods and its energy and vehicle list (farm list "
                "removed 2025-11-10); Canada's 25 % on US steel, aluminium and non-CUSMA "
                "vehicles.")  # fmt: skip
    else:
        what = ("China's 10 % on all US goods and its energy and vehicle list; Canada's 25 % "
                "on US steel, aluminium and non-CUSMA vehicles; EU countermeasures suspended."
                + UNKNOWN)  # fmt: skip
    return " With the retaliation then in force: " + what


def _file(name: str, description: str, regime: str, data: str, body: str) -> str:
    description = description.replace('"', '\\"')
    return (
        "# Written by tools/build_regime_scenarios.py: edit the tool, not this file.\n"
        "[scenario]\n"
        f'name = "{name}"\n'
        f'description = "{description}"\n'
        f'source = "{SOURCE.format(regime=regime)}"\n'
        f'data = "{data}"\n\n' + body
    )


def _us(date: str, **extra: object) -> str:
    lines = ["[us_tariffs]", f'date = "{date}"']
    for key, value in extra.items():
        text = str(value).lower() if isinstance(value, bool) else repr(value).replace("'", '"')
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def _ret() -> str:
    return '\n[retaliation_in_force]   # same date as [us_tariffs]\nunknown = "in_force"\n'


def regime_files() -> dict[str, str]:
    files = {}
    for name, (date, regime, what) in REGIMES.items():
        for data, suffix, more in (("icio2022", "", ""), ("world2023", "-world", WORLD)):
            files[f"{name}{suffix}"] = _file(
                f"{name}{suffix}", what + " No retaliation." + more, regime, data, _us(date)
            )
            ret_name = f"{name}-retaliation{suffix}"
            on = "2026-10-09" if date == "latest" else date
            files[ret_name] = _file(
                ret_name, what + _retaliation(on) + more, regime, data, _us(date) + _ret()
            )
    return files


ALLIES = '["USA", "JPN", "KOR", "IND", "VNM", "EU27", "CAN", "MEX", "GBR", "AUS"]'


def counterfactual_files() -> dict[str, str]:
    upheld = (
        "Had the Supreme Court upheld IEEPA: the November-2025 regime continues ({when}): the "
        "IEEPA reciprocal, fentanyl and Brazil tariffs stay in force and the measures adopted "
        "to replace them (Section 122, the forced-labour 301s, Brazil's 301) do not apply{also}. "
        "No retaliation. Compare with {base}."
    )
    files = {
        "us-2026-02-24-ieepa-upheld": _file(
            "us-2026-02-24-ieepa-upheld",
            upheld.format(when="on 2026-02-24, the day the ruling took effect", also="",
                          base="us-2026-02-24 (what the ruling changed)"),
            "Regimes 4 and 5", "icio2022", _us("2026-02-24", ieepa="upheld"),
        ),
        "us-now-ieepa-upheld": _file(
            "us-now-ieepa-upheld",
            upheld.format(when="at the latest date of the record, 2026-10-09",
                          also="; the later Section 232 actions (pharma, drones, metals) and "
                          "Canada's Section 338 apply", base="us-now"),
            "Regimes 4 and 7", "icio2022", _us("latest", ieepa="upheld"),
        ),
        "us-2026-02-24-s122-15": _file(
            "us-2026-02-24-s122-15",
            "The regime of 2026-02-24 with the Section 122 surcharge at 15 % (announced on "
            "2026-02-21, never collected) instead of 10 %. No retaliation. Compare with "
            "us-2026-02-24.",
            "Regime 5", "icio2022", _us("2026-02-24", section122_rate=0.15),
        ),
        "us-now-s122-extended": _file(
            "us-now-s122-extended",
            "The regime in force at the latest date of the record (2026-10-09) had Congress "
            "extended Section 122 beyond 2026-07-24: the 10 % surcharge stacks with the "
            "forced-labour 301s. No retaliation. Compare with us-now.",
            "Regimes 5 and 7", "icio2022", _us("latest", section122_extended=True),
        ),
        "us-now-allies-vs-china": _file(
            "us-now-allies-vs-china",
            "The tariffs in force at the latest date of the record (2026-10-09) and the "
            "retaliation then in force, plus a coalition: the US and its allies (JPN, KOR, "
            "IND, VNM, EU27, CAN, MEX, GBR, AUS) put at least 50 % on Chinese goods; China "
            "mirrors the allies' tariffs (its retaliation on the US stays the one in force)."
            + UNKNOWN,
            "Regime 7", "icio2022",
            _us("latest") + _ret()
            + f"\n[groups]\nfront = {ALLIES}\nallies = [\"JPN\", \"KOR\", \"IND\", \"VNM\", "
            '"EU27", "CAN", "MEX", "GBR", "AUS"]\n\n'
            '[[tariffs]]\nimporters = ["front"]\nexporters = ["CHN"]\nsectors = ["GOODS"]\n'
            "floor = 0.50\n\n"
            '[[retaliation]]\nby = ["CHN"]\nagainst = ["allies"]\nsectors = ["GOODS"]\n'
            'rule = "mirror"\n',
        ),
    }  # fmt: skip
    return files


def main() -> None:
    for old in OUT.glob("us-*.toml"):
        if old.name.startswith(("us-20", "us-now")):
            old.unlink()
    files = {**regime_files(), **counterfactual_files()}
    for name, text in files.items():
        (OUT / f"{name}.toml").write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} scenarios to {OUT}")


if __name__ == "__main__":
    main()
