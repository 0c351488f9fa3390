"""
Fixtures that run the real thing: ``twistd -n chat`` on a free loopback port,
and an X display of the tests' own.
"""

from __future__ import annotations

import os
import select
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.processes import DEADLINE, RunningServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = RunningServer(tmp_path, "--main-topic", "Tea and talk")
    yield running
    running.terminate()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Starts ``twistd -n chat`` with the given options; stops it after the test, pass or fail."""
    started: list[RunningServer] = []

    def start(*args: str, **kwargs: Any) -> RunningServer:
        started.append(RunningServer(tmp_path, *args, **kwargs))
        return started[-1]

    yield start
    for running in started:
        running.terminate()


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """
    An X display of the tests' own: Xvfb, on the first free display number.

    ``-noreset`` keeps it alive when its last client (a test's Tk window)
    closes; ``-displayfd`` has it pick the number and tell us.  DISPLAY is set
    for the tests in this process and the programs they start.
    """
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-noreset", "-nolisten", "tcp",
         "-screen", "0", "1280x800x24"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    number = b""
    while not number.endswith(b"\n"):
        ready, _, _ = select.select([read], [], [], DEADLINE)
        chunk = os.read(read, 16) if ready else b""
        if not chunk:
            xvfb.kill()
            raise AssertionError(f"Xvfb did not start (exit code {xvfb.poll()})")
        number += chunk
    os.close(read)
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = f":{number.decode().strip()}"
    yield os.environ["DISPLAY"]
    if previous is None:
        del os.environ["DISPLAY"]
    else:
        os.environ["DISPLAY"] = previous
    xvfb.terminate()
    xvfb.wait(DEADLINE)
