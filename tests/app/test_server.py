"""The app's server without a browser: documents, limits, headers, downloads (no solve)."""

from __future__ import annotations

import json
import time
import tomllib
from importlib import resources

import pytest

from blocs.app import (
    CSP,
    MAX_BODY_BYTES,
    Engine,
    builtin_document,
    error_location,
    map_document,
    scenario_from_document,
    scenario_toml,
)
from blocs.app.coalitions import CoalitionJobs
from blocs.errors import ScenarioError
from blocs.scenario import builtin_scenarios, parse_scenario
from tests.app.conftest import fetch, serving


class Client:
    """GET and POST against a served app (no model warmed: these tests solve nothing)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str):
        return fetch(self.base + path)

    def post(self, path: str, body: object = None, **kwargs):
        return fetch(self.base + path, body, **kwargs)


@pytest.fixture(scope="module")
def client():
    with serving(warm=False) as url:
        yield Client(url)


def test_every_builtin_scenario_round_trips_through_the_toml_download():
    for name in builtin_scenarios():
        sc = scenario_from_document(builtin_document(name))
        again = parse_scenario(tomllib.loads(scenario_toml(sc)), path="scenario")
        assert again.model_dump() == sc.model_dump(), name


def test_documents_naming_files_are_refused():
    for name in ("/etc/passwd", "../flows.csv", "flows.csv/..", ".hidden.csv", "a\\b.csv", 3):
        doc = {"scenario": {"name": "x", "data": {"flows": name}}}
        with pytest.raises(ScenarioError, match="not the name of an uploaded CSV"):
            scenario_from_document(doc)
    doc = {"scenario": {"name": "x", "data": {"flows": "flows.csv"}}}
    assert scenario_from_document(doc).scenario.data.flows == "flows.csv"  # checked, not read
    doc = {"scenario": {"name": "x", "groups_file": "/etc/groups.toml"}}
    with pytest.raises(ScenarioError, match="reads no file"):
        scenario_from_document(doc)


def test_errors_are_the_cli_messages_with_the_key_they_name():
    doc = builtin_document("allied-front")
    doc["tariffs"][0]["rate"] = -2.0
    with pytest.raises(ScenarioError) as info:
        scenario_from_document(doc)
    assert "tariff -2.0 is <= -100 %" in str(info.value)
    assert error_location(str(info.value)) == "tariffs[0].rate"
    doc = builtin_document("allied-front")
    doc["model"] = {"trade_elasticity": -1}
    with pytest.raises(ScenarioError) as info:
        scenario_from_document(doc)
    assert error_location(str(info.value)) == "model.trade_elasticity"


def test_pages_carry_the_content_security_policy(client):
    for url in ("/", "/static/app.js", "/api/map"):
        status, headers, _ = client.get(url)
        assert status == 200, url
        assert headers["content-security-policy"] == CSP
        assert "unsafe" not in CSP
    page = client.get("/")[2].decode()
    assert "<script>" not in page and "http" not in page.replace("http-equiv", "")


def test_the_page_ships_no_eval_and_no_remote_resource():
    assert "CHN" in map_document()["countries"]  # the geometry comes from the package data
    static = resources.files("blocs.app").joinpath("static")
    for name in ("app.js", "compare.js", "coalitions.js", "index.html", "app.css"):
        text = static.joinpath(name).read_text(encoding="utf-8")
        assert "eval(" not in text and "new Function" not in text, name
        assert "https://" not in text and "//cdn" not in text, name


def test_requests_are_checked(client):
    assert client.post("/api/solve", raw=b"{}", content_type="text/plain")[0] == 415
    big = b'{"scenario": "' + b"x" * (MAX_BODY_BYTES + 1) + b'"}'
    assert client.post("/api/solve", raw=big)[0] == 413
    status, _, body = client.post("/api/solve", {"seq": "one"})
    assert status == 400 and "seq" in json.loads(body)["message"]
    doc = {"scenario": {"name": "x", "data": {"flows": "/etc/passwd"}}}
    out = json.loads(client.post("/api/solve", {"client": "t", "seq": 1, "scenario": doc})[2])
    assert out["status"] == "error" and out["where"] == "scenario.data.flows"
    assert "not the name of an uploaded CSV" in out["message"]
    # a plain file name is not read from the server either: only an upload's tables are used
    doc = {"scenario": {"name": "x", "data": {"flows": "flows.csv"}}}
    out = json.loads(client.post("/api/solve", {"client": "t", "seq": 2, "scenario": doc})[2])
    assert out["status"] == "error" and out["where"] == "scenario.data"
    assert "upload the data files" in out["message"]
    assert client.get("/api/scenario/nonexistent")[0] == 404


def test_toml_download_runs_as_a_scenario_file(client):
    doc = builtin_document("allied-front")
    doc["tariffs"][0]["rate"] = 0.35
    status, headers, body = client.post("/api/download/toml", {"scenario": doc})
    assert status == 200
    assert headers["content-disposition"] == 'attachment; filename="allied-front.toml"'
    sc = parse_scenario(tomllib.loads(body.decode()))
    assert sc.tariffs[0].rate == 0.35 and sc.retaliation[0].rule == "mirror"


def test_meta_lists_the_data_sets_scenarios_and_options(client):
    meta = json.loads(client.get("/api/meta")[2])
    assert {"world2023", "icio2022"} <= set(meta["data"])
    assert "allied-front" in [s["name"] for s in meta["scenarios"]]
    opts = meta["data"]["world2023"]["options"]
    assert opts["trade_elasticity"]["default"] == 4.0
    assert "lump_sum" in opts["revenue"]["choices"]


def test_a_newer_edit_supersedes_an_older_one_before_it_is_solved():
    engine = Engine()
    engine.submit("tab", 5)
    out = engine.solve("tab", 4, {"scenario": {"name": "never solved"}})
    assert out == {"status": "superseded", "seq": 4}
    # another tab is independent; its bad input is the library's message, located
    out = engine.solve("other", 1, {"scenario": {"name": "x"}, "model": {"revenue": "gift"}})
    assert out["status"] == "error" and out["where"] == "model.revenue"
    assert "income_tax_relief" in out["message"]


def test_a_coalition_table_is_checked_by_the_library():
    jobs = CoalitionJobs()
    doc = {"scenario": {"name": "x"}, "coalition": {"allies": ["JPN"], "tariff": -3}}
    out = jobs.start("tab", doc)
    assert out["status"] == "error" and out["where"] == "coalition.tariff"
    out = jobs.start("tab", {"scenario": {"name": "x", "data": "cp2015"}, "coalition": {}})
    assert out["where"] == "scenario.data"
    jobs.shutdown()


@pytest.mark.slow
def test_a_cancelled_coalition_batch_stops():
    jobs = CoalitionJobs()
    doc = {
        "scenario": {"name": "x"},
        "coalition": {"allies": ["JPN", "KOR"], "america_first": False, "punishment": "none"},
    }
    job = jobs.start("tab", doc)["id"]
    jobs.cancel(job)
    deadline = time.monotonic() + 600
    while jobs.state(job)["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert jobs.state(job)["status"] == "cancelled"
    jobs.shutdown()
