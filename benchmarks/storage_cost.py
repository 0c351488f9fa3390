"""
What keeping history costs a room's fan-out: a database file against one in memory.

Every line is stored before it is delivered (group commit), so the question is
what the disk adds.  Side by side, alternating, on the real ``twistd -n chat``
with flood control off: ``--db FILE`` and ``--db :memory:``.  N members in the
lobby, S of them send M lines each, all at once; every member reads every
line.  Reported: the server's CPU per delivered line (from /proc), delivered
lines a second, and how many lines a transaction carried (from the log).

    .venv/bin/python benchmarks/storage_cost.py [--members 50] [--senders 5] [--lines 2000]

``--baseline PATH`` adds a third contender: another build's ``twistd`` (one
from before storage existed, say), run without ``--db`` and ``--replay``.
"""

from __future__ import annotations

import argparse
import os
import re
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start(workdir: Path, twistd: str, db: str | None) -> tuple[subprocess.Popen[bytes], int, Path]:
    log = workdir / "twistd.log"
    memory = ["--db", db, "--replay", "0"] if db else []
    server = subprocess.Popen(
        [twistd, "-n", "--pidfile=", "chat", "--port", "tcp:0:interface=127.0.0.1",
         "--flood-rate", "0", "--sendq", "0", "--max-per-ip", "0", "--conn-rate", "0",
         *memory],
        cwd=workdir, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    while not (found := re.search(rb"(?:Chat|Telnet)Factory starting on (\d+)", log.read_bytes())):
        if server.poll() is not None:
            raise SystemExit(log.read_text())
        time.sleep(0.05)
    return server, int(found.group(1)), log


def connect(port: int, name: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"login {name}\r\n".encode())
    data = b""
    while b"= Members" not in data:
        data += sock.recv(65536)
    return sock


def run(twistd: str, db: str | None, members: int, senders: int,
        lines: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as workdir:
        server, port, log = start(Path(workdir), twistd, db)
        try:
            socks = [connect(port, f"m{index}") for index in range(members)]
            time.sleep(0.5)
            for sock in socks:
                sock.setblocking(False)
                try:
                    while sock.recv(65536):
                        pass
                except BlockingIOError:
                    pass
            selector = selectors.DefaultSelector()
            counts = {}
            for sock in socks:
                selector.register(sock, selectors.EVENT_READ)
                counts[sock] = 0
            wanted = senders * lines
            payload = [("".join(f"line {i} from sender {s}\r\n" for i in range(lines))).encode()
                       for s in range(senders)]
            cpu = cpu_seconds(server.pid)
            began = time.perf_counter()
            for sock, data in zip(socks, payload, strict=False):
                sock.setblocking(True)
                sock.sendall(data)
                sock.setblocking(False)
            done = 0
            while done < members:
                ready = selector.select(30)
                if not ready:
                    raise SystemExit(f"stuck: {sorted(counts.values())[:3]} of {wanted} lines")
                for key, _ in ready:
                    sock = key.fileobj
                    data = sock.recv(1 << 20)
                    counts[sock] += data.count(b"\n")
                    if counts[sock] >= wanted and data:
                        done = sum(1 for count in counts.values() if count >= wanted)
            elapsed = time.perf_counter() - began
            cpu = cpu_seconds(server.pid) - cpu
            for sock in socks:
                sock.close()
        finally:
            server.terminate()
            server.wait()
        stats = re.search(rb"wrote (\d+) operations in (\d+) transactions", log.read_bytes())
        per_transaction = int(stats.group(1)) / int(stats.group(2)) if stats else float("nan")
        delivered = wanted * members
        return {"cpu_us": cpu / delivered * 1e6, "rate": delivered / elapsed,
                "batch": per_transaction}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--senders", type=int, default=5)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", help="another build's twistd, without storage")
    options = parser.parse_args()
    twistd = str(BIN / "twistd")
    contenders: dict[str, tuple[str, str | None]] = {
        ":memory:": (twistd, ":memory:"), "file": (twistd, "chat.db")}
    if options.baseline:
        contenders["baseline"] = (options.baseline, None)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in contenders}
    for _ in range(options.rounds):
        for name, (program, db) in contenders.items():
            results[name].append(run(program, db, options.members, options.senders,
                                     options.lines))
    base = min(result["cpu_us"] for result in results[":memory:"])
    print(f"members {options.members}, senders {options.senders}, lines each {options.lines}, "
          f"best of {options.rounds}")
    print(f"{'--db':<10}{'CPU µs/delivery':>17}{'x memory':>10}{'deliveries/s':>14}"
          f"{'lines/commit':>14}")
    for name, runs in results.items():
        best = min(runs, key=lambda result: result["cpu_us"])
        print(f"{name:<10}{best['cpu_us']:>17.3f}{best['cpu_us'] / base:>10.2f}"
              f"{best['rate']:>14,.0f}{best['batch']:>14.1f}")


if __name__ == "__main__":
    main()
