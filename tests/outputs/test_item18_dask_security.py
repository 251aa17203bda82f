"""Issue 12, item 18: Dask security: the note next to ``--scheduler``, scheduler addresses
checked (``tls://`` accepted, Dask's own TLS configuration applies), ``--local-cluster``
bound to 127.0.0.1."""

from __future__ import annotations

import pytest

from blocs.errors import InputError
from blocs.sweep import Dask, backends


def test_the_security_note_is_next_to_the_option(cli):
    res = cli("sweep", "--help")
    flat = " ".join(res.stdout.replace("│", " ").split())
    assert res.exit_code == 0
    assert "SECURITY" in flat and "pickled" in flat and "tls://" in flat
    assert "127.0.0.1" in flat
    assert "Security" in (Dask.__doc__ or "") and "tls" in (Dask.__doc__ or "")


@pytest.mark.parametrize(
    "address", ["tcp://127.0.0.1:8786", "tls://scheduler.example.org:8786", "tls://[::1]:8786"]
)
def test_scheduler_addresses_accepted(address):
    assert backends.check_scheduler_address(address) == address
    assert Dask(address).scheduler == address


@pytest.mark.parametrize(
    "address",
    ["tcp://127.0.0.1:notaport", "127.0.0.1:8786", "http://h:8786", "tcp://:8786", "tcp://h"],
)
def test_bad_scheduler_addresses_refused(address):
    with pytest.raises(InputError, match="Dask scheduler"):
        Dask(address)


def test_local_cluster_options_bind_to_localhost():
    opts = backends.local_cluster_options(2, True)
    assert opts["host"] == "127.0.0.1" and opts["dashboard_address"] is None
    assert "host" not in backends.local_cluster_options(2, False)  # in-process, no socket


def test_threaded_local_cluster_opens_no_socket():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(**backends.local_cluster_options(1, False)) as cluster:
        assert cluster.scheduler_address.startswith("inproc://")


def test_local_cluster_listens_on_localhost_only():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(**backends.local_cluster_options(1, True)) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        for worker in cluster.scheduler_info["workers"]:
            assert worker.startswith("tcp://127.0.0.1:")
