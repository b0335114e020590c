"""What a killed run of the local network leaves behind is found and stopped by the next run:
by the pids it kept, or by the port it holds; a port held by anything else is named, never
stopped."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.example_idp.process import IdpProcess
from deploy.localnet import leftovers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[IdpProcess]:
    """An example provider started as `up` starts one, then abandoned as by a killed run."""
    port = _free_port()
    config = {
        "issuer": f"http://127.0.0.1:{port}",
        "name": "Left behind",
        "clients": [
            {
                "client_id": "mentornet",
                "client_secret": "s" * 32,
                "redirect_uris": ["http://127.0.0.1:1/auth/callback"],
            }
        ],
        "users": [
            {
                "username": "u",
                "password": "p",
                "sub": "sub-u",
                "email": "u@example.org",
                "name": "U",
            }
        ],
    }
    process = IdpProcess(
        config, port, tmp_path, name=f"idp-{port}", pid_file=tmp_path / "run" / f"idp-{port}.pid"
    )
    with process:
        yield process


def test_a_leftover_on_a_needed_port_is_stopped(provider: IdpProcess) -> None:
    assert provider.process is not None
    assert leftovers.listener_of(provider.port) == provider.process.pid
    stopped = leftovers.clear_ports([provider.port])
    assert [(s.pid, s.what) for s in stopped] == [
        (provider.process.pid, "an example sign-in provider")
    ]
    assert provider.process.wait(5) is not None
    assert not leftovers.port_in_use(provider.port)


def test_a_leftover_whose_pid_was_kept_is_stopped(provider: IdpProcess, tmp_path: Path) -> None:
    assert provider.process is not None
    stopped = leftovers.stop_recorded(tmp_path / "run")
    assert [s.pid for s in stopped] == [provider.process.pid]
    assert provider.process.wait(5) is not None
    assert list((tmp_path / "run").glob("*.pid")) == []


def test_a_port_held_by_anything_else_is_named_and_left_alone(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(
            leftovers.PortTakenError, match=f"port {port} is in use by pid {os.getpid()}"
        ):
            leftovers.clear_ports([port])
        # A kept pid that is not ours (recycled since) is forgotten, not signalled.
        (tmp_path / "run").mkdir()
        (tmp_path / "run" / "sessions.pid").write_text(f"{os.getpid()}\n")
        assert leftovers.stop_recorded(tmp_path / "run") == []
        assert not (tmp_path / "run" / "sessions.pid").exists()
        assert leftovers.port_in_use(port)
