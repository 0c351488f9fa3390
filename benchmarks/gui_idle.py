"""
What the desktop client costs while nothing happens: CPU of an idle chat window.

Tk runs on the reactor through ``tksupport``, which gives Tk a turn every
``TK_INTERVAL`` ms; that turn is the whole idle cost.  Side by side, in one
run and alternating: the client logged in to a server and idle, and the
baseline, a bare Tk window given its turns the same way.  Needs ``Xvfb``.

    .venv/bin/python benchmarks/gui_idle.py [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")

BARE = """
import tkinter
from twisted.internet import reactor, tksupport
from twisted_chat.gui.app import TK_INTERVAL
root = tkinter.Tk()
root.geometry("960x600")
tksupport.install(root, ms=TK_INTERVAL)
reactor.run()
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def idle_cost(command: list[str], env: dict[str, str], seconds: float) -> float:
    """CPU seconds per wall second of ``command``, measured after it settled."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        start = cpu_seconds(process.pid)
        time.sleep(seconds)
        return (cpu_seconds(process.pid) - start) / seconds
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-noreset", "-nolisten", "tcp"],
                            pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    display = os.read(read, 16).decode().strip()
    env = {**os.environ, "DISPLAY": f":{display}"}
    with tempfile.TemporaryDirectory() as workdir:
        log = Path(workdir) / "twistd.log"
        server = subprocess.Popen(
            [BIN / "twistd", "-n", "--pidfile=", "chat", "--port", "tcp:0:interface=127.0.0.1"],
            cwd=workdir, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        try:
            while not (found := re.search(rb"starting on (\d+)", log.read_bytes())):
                time.sleep(0.1)
            client = [sys.executable, "-m", "twisted_chat.gui",
                      "--server", f"127.0.0.1:{found.group(1).decode()}", "--name", "idler"]
            bare = [sys.executable, "-c", BARE]
            results: dict[str, list[float]] = {"bare Tk on tksupport": [], "chat window": []}
            for _ in range(options.rounds):
                results["bare Tk on tksupport"].append(idle_cost(bare, env, options.seconds))
                results["chat window"].append(idle_cost(client, env, options.seconds))
        finally:
            server.terminate()
            server.wait()
            xvfb.terminate()

    base = min(results["bare Tk on tksupport"])
    print(f"{'contender':<24}{'idle CPU (% of a core)':>24}{'x bare':>8}")
    for name, costs in results.items():
        print(f"{name:<24}{min(costs) * 100:>24.2f}{min(costs) / base:>8.2f}")


if __name__ == "__main__":
    main()
