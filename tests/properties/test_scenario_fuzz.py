"""Random scenario documents never raise anything but blocs' own error types."""

from __future__ import annotations

import contextlib
import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import blocs
from blocs.errors import BlocsError
from blocs.scenario import compile_policy, parse_scenario

CODES = st.sampled_from(["USA", "CHN", "EU27", "ALL", "XYZ", "us_allies", "g", "", "usa"])
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 5),
    st.text(max_size=8),
    st.booleans(),
    st.lists(CODES, max_size=3),
    st.none(),
)
RULE_KEYS = st.sampled_from(
    [
        "importers",
        "exporters",
        "rate",
        "add",
        "multiply",
        "cap",
        "floor",
        "sectors",
        "except_exporters",
        "bogus",
        "partial_effect",
        "change",
        "members",
        "by",
        "against",
        "rule",
        "free_trade",
    ]
)
RULE = st.dictionaries(
    RULE_KEYS, st.one_of(VALUES, st.lists(CODES, min_size=1, max_size=3)), max_size=6
)
DOC = st.fixed_dictionaries(
    {
        "scenario": st.fixed_dictionaries(
            {"name": st.text(max_size=5)},
            optional={
                "data": st.sampled_from(["world2023", "x"]),
                "model": st.sampled_from(["imls", "y"]),
            },
        )
    },
    optional={
        "model": st.dictionaries(
            st.sampled_from(["trade_elasticity", "revenue", "zzz", "deficits"]), VALUES, max_size=2
        ),
        "groups": st.dictionaries(
            st.sampled_from(["g", "h"]), st.lists(CODES, max_size=3), max_size=2
        ),
        "tariffs": st.lists(RULE, max_size=3),
        "agreements": st.lists(RULE, max_size=2),
        "retaliation": st.lists(RULE, max_size=2),
        "trade_costs": st.lists(RULE, max_size=2),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOC)
def test_random_documents_raise_only_blocs_errors(doc):
    eco = blocs.load_world2023()
    try:
        sc = parse_scenario(doc)
        compile_policy(sc, eco)
    except BlocsError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_random_toml_text(text):
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    with contextlib.suppress(BlocsError):
        parse_scenario(doc)
