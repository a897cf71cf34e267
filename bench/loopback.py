"""The floor under a fan-out on this machine (a script, not a test): ``python bench/loopback.py``.

One process writes a small frame to each of N loopback TCP sockets with plain ``send()``
(no event loop, no framework, no per-socket bookkeeping), while reader processes, as many
as ``bench/realtime.py`` runs watchers in, read them with ``select``. It prints what one
send costs the writer (wall and CPU time) and how long a round took to reach every reader:
what no server could beat on these cores, to hold ``bench/realtime.py``'s fan-out against.
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.realtime import percentile, raise_open_files_limit

FRAME = b"\x81\x76" + b"x" * 118  # a 120-byte websocket text frame


def read_rounds(port: int, sockets: int, rounds: int, ready: int, report: int) -> None:
    """A reader process: open ``sockets`` connections, then note when each round's last
    frame arrived (CLOCK_MONOTONIC, the writer's clock too) and report the times."""
    selector = selectors.DefaultSelector()
    for _ in range(sockets):
        connection = socket.create_connection(("127.0.0.1", port))
        connection.setblocking(False)
        selector.register(connection, selectors.EVENT_READ)
    os.write(ready, b"r")
    received, wanted = 0, sockets * rounds
    last = [0.0] * rounds
    while received < wanted:
        for key, _ in selector.select():
            received += key.fileobj.recv(65536).count(b"\x81")
            last[(received - 1) // sockets] = time.monotonic()
    os.write(report, (",".join(map(str, last)) + "\n").encode())
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=5000)
    parser.add_argument("--readers", type=int, default=3, help="reader processes")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.3, help="s between rounds")
    args = parser.parse_args()
    raise_open_files_limit()

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    port = listener.getsockname()[1]
    reports = []
    for reader in range(args.readers):
        share = args.sockets // args.readers + (reader < args.sockets % args.readers)
        ready_r, ready_w = os.pipe()
        report_r, report_w = os.pipe()
        if os.fork() == 0:
            listener.close()
            read_rounds(port, share, args.rounds, ready_w, report_w)
        reports.append((ready_r, report_r))
    connections = []
    for _ in range(args.sockets):
        connection, _ = listener.accept()
        connection.setblocking(False)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connections.append(connection)
    for ready, _ in reports:
        os.read(ready, 1)

    started, walls, cpus = [], [], []
    for _ in range(args.rounds):
        time.sleep(args.interval)
        wall, cpu = time.monotonic(), time.process_time()
        started.append(wall)
        for connection in connections:
            connection.send(FRAME)
        walls.append(time.monotonic() - wall)
        cpus.append(time.process_time() - cpu)
    lasts = []
    for _, report in reports:
        text = b""
        while not text.endswith(b"\n"):
            text += os.read(report, 65536)
        lasts.append([float(at) for at in text.decode().split(",")])
    for _ in reports:
        os.wait()

    every = [max(last[n] for last in lasts) - started[n] for n in range(args.rounds)]
    wall, cpu = percentile(walls, 0.5) / args.sockets, percentile(cpus, 0.5) / args.sockets
    print(
        f"{args.sockets:,} loopback sockets, {args.readers} reader processes, "
        f"{os.cpu_count()} cores: one send {wall * 1e6:.1f} µs wall, "
        f"{cpu * 1e6:.1f} µs CPU (p50 of {args.rounds} rounds); "
        f"every reader had the round after {percentile(every, 0.5) * 1000:.0f} ms p50, "
        f"{max(every) * 1000:.0f} ms at most"
    )


if __name__ == "__main__":
    main()
