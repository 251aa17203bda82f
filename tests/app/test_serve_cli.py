"""``blocs serve``: options, the exposure warning and bad input (no server is started)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from blocs.app import Engine
from blocs.cli import app
from blocs.cli import serve as serve_module


@pytest.fixture
def no_serving(monkeypatch):
    """Skip the warm-up solves and the server loop; record what would be served."""
    seen = {}
    monkeypatch.setattr(Engine, "warm", lambda self, docs: 0.0)

    def run(self, sockets):
        seen["address"] = sockets[0].getsockname()
        sockets[0].close()

    monkeypatch.setattr(serve_module.uvicorn.Server, "run", run)
    monkeypatch.setattr(serve_module.webbrowser, "open", lambda url: seen.setdefault("opened", url))
    return seen


def test_serve_binds_localhost_on_a_free_port(no_serving):
    result = CliRunner().invoke(app, ["serve", "--no-browser"])
    assert result.exit_code == 0, result.output
    host, port = no_serving["address"]
    assert host == "127.0.0.1" and port > 0
    assert f"http://127.0.0.1:{port}/" in result.output
    assert "warning" not in result.output
    assert "opened" not in no_serving


def test_serve_warns_when_exposed(no_serving):
    result = CliRunner().invoke(app, ["serve", "--no-browser", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "warning: --host 0.0.0.0 makes the app reachable" in " ".join(result.output.split())


def test_serve_bad_port_is_bad_input(no_serving):
    result = CliRunner().invoke(app, ["serve", "--no-browser", "--port", "70000"])
    assert result.exit_code == 2
    assert "--port 70000" in result.output and "Traceback" not in result.output
