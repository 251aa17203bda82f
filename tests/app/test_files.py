"""The app's files: uploaded own data (size-limited, checked by the CLI's loader, never a
server path) and the HTML report download (the report of ``blocs run --report``)."""

from __future__ import annotations

import json
import re
import tomllib
import urllib.error

import pytest

from blocs.app import builtin_document
from blocs.app.uploads import MAX_UPLOAD_BYTES
from blocs.report import write_report
from blocs.run import run_scenario
from blocs.scenario import parse_scenario
from tests.app.conftest import fetch, serving

FLOWS = "exporter,importer,value\nAAA,BBB,5\nBBB,AAA,3\nCCC,AAA,2\nAAA,CCC,4\nBBB,CCC,1\n"
COUNTRIES = "iso3,gdp,name\nAAA,50,Aland\nBBB,80,Bland\nCCC,100,Cland\n"
TARIFF = {"importers": ["AAA"], "exporters": ["BBB"], "rate": 0.25}


@pytest.fixture(scope="module")
def url():
    with serving(warm=False) as base:
        yield base


def _post(url, path, body):
    status, headers, raw = fetch(url + path, body)
    return status, headers, raw


def _upload(url, flows=FLOWS, countries=COUNTRIES, names=("my-flows.csv", "my-gdp.csv")):
    body = {"flows": {"name": names[0], "text": flows}}
    if countries is not None:
        body["countries"] = {"name": names[1], "text": countries}
    status, _, raw = _post(url, "/api/upload", body)
    return status, json.loads(raw)


def test_uploaded_tables_solve_as_blocs_run_solves_the_same_files(url, tmp_path):
    status, up = _upload(url)
    assert status == 200 and up["status"] == "ok", up
    assert up["data"] == {"flows": "my-flows.csv", "countries": "my-gdp.csv"}
    assert [c["code"] for c in up["countries"]] == ["AAA", "BBB", "CCC"]
    doc = {"scenario": {"name": "mine", "data": up["data"]}, "tariffs": [TARIFF]}
    body = {"client": "u", "seq": 1, "scenario": doc, "upload": up["id"]}
    out = json.loads(_post(url, "/api/solve", body)[2])
    assert out["status"] == "ok", out
    # the CLI's way: the TOML download next to the same files, read by the library from disk
    toml = _post(url, "/api/download/toml", {"scenario": doc})[2].decode()
    assert 'flows = "my-flows.csv"' in toml
    (tmp_path / "my-flows.csv").write_text(FLOWS)
    (tmp_path / "my-gdp.csv").write_text(COUNTRIES)
    (tmp_path / "mine.toml").write_text(toml)
    cli = run_scenario(tmp_path / "mine.toml").countries.set_index("iso3")
    for code in ("AAA", "BBB", "CCC"):
        assert out["countries"][code]["text"]["welfare_pct"] == (
            f"{cli.loc[code, 'welfare_pct']:.2f}"
        )
    assert abs(cli.loc["AAA", "welfare_pct"]) > 0.005  # the tariff moves something
    csv = _post(url, "/api/download/csv", {"scenario": doc, "upload": up["id"]})[2].decode()
    assert csv.splitlines()[0].startswith("iso3,name,welfare_pct")


def test_bad_uploads_get_the_loaders_message_naming_the_uploaded_file(url):
    status, out = _upload(url, countries="iso3,gdp\nAAA,50\nBBB,0.001\nCCC,100\n")
    assert status == 200 and out["status"] == "error" and out["where"] == "upload"
    assert "my-gdp.csv, row 3 (BBB), column gdp" in " ".join(out["message"].split())
    assert "blocs-upload" not in out["message"] and "/tmp" not in out["message"]
    status, out = _upload(url, flows="exporter,importer,value\n")
    assert out["status"] == "error" and "my-flows.csv" in out["message"]
    assert "no rows" in out["message"]
    for bad in ("../etc/flows.csv", "/etc/passwd", "flows.txt", ".flows.csv"):
        status, out = _upload(url, names=(bad, "c.csv"))
        assert out["status"] == "error" and "not a plain CSV file name" in out["message"], bad


def test_uploads_are_size_limited(url):
    row = "AAA,BBB,1\n"
    big = "exporter,importer,value\n" + row * (MAX_UPLOAD_BYTES // len(row) + 10)
    status, out = _upload(url, flows=big, countries=None)
    assert out["status"] == "error" and "over the app's limit of 4 MB" in out["message"]
    try:  # refused from its Content-Length: 413, or the connection closed while sending
        status, _ = _upload(url, flows=big * 3, countries=None)
    except urllib.error.URLError as exc:
        assert isinstance(exc.reason, ConnectionError)
    else:
        assert status == 413
    status, out = _upload(url, flows=big[: MAX_UPLOAD_BYTES - 1000], countries=None)
    assert out["status"] == "error"  # read, then judged by the loader
    assert "over the app's limit" not in out["message"]


def test_a_scenario_on_another_upload_is_refused(url):
    _, up = _upload(url)
    doc = {"scenario": {"name": "x", "data": {"flows": "other.csv", "countries": "my-gdp.csv"}}}
    out = json.loads(
        _post(url, "/api/solve", {"client": "v", "seq": 1, "scenario": doc, "upload": up["id"]})[2]
    )
    assert out["status"] == "error" and "use the uploaded files' names" in out["message"]


def _text_of(html: str) -> str:
    """The report without its images, generation date and solve time (what differs between
    two runs of the same scenario)."""
    html = re.sub(r'<img src="data:image/png;base64,[^"]*"', "<img", html)
    html = re.sub(r"Solve time</th><td>[^<]*<", "Solve time</th><td>T<", html)
    html = re.sub(r"solve_seconds&quot;: [0-9.e-]+", "solve_seconds&quot;: T", html)
    return re.sub(r"\d{4}-\d{2}-\d{2}", "DATE", html)


@pytest.mark.slow
def test_the_report_download_is_the_report_of_blocs_run(url, tmp_path):
    doc = builtin_document("allied-front")
    doc["tariffs"][0]["rate"] = 0.3
    status, headers, raw = _post(url, "/api/download/report", {"scenario": doc})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert headers["content-disposition"] == 'attachment; filename="allied-front-report.html"'
    toml = _post(url, "/api/download/toml", {"scenario": doc})[2].decode()
    sc = parse_scenario(tomllib.loads(toml), path="scenario")
    page = write_report(run_scenario(sc), tmp_path / "report")
    assert _text_of(raw.decode()) == _text_of(page.read_text(encoding="utf-8"))
    assert raw.decode().count("data:image/png;base64,") == 3  # figures inlined
    assert "China" in raw.decode()
