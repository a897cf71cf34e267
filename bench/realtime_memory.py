"""What an idle websocket costs the web process (a script, not a test).

``python bench/realtime_memory.py --connections 5000 [--before DIR] [--trace]``

Starts ``python -m metacult serve`` (and, with ``--before``, the same from an earlier
checkout; and the bare aiohttp loop of ``bench/realtime.py``), warms each up with a few
hundred connections opened and closed, then opens N idle websockets (ours subscribed to
one channel, as in ``bench/realtime.py``) and prints the server's RSS delta / N. The
servers' rounds alternate and each figure is the median of ``--rounds``.

With ``--trace`` it runs this code's server once more under ``tracemalloc``
(``--traced-server``: the server in this script's process, a snapshot written on
SIGUSR1) and prints the allocation sites that grew per connection: the Python objects
an idle connection holds (uvloop's and the kernel's buffers are not Python's, so RSS
is the whole and the trace the part we write).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.realtime import LOG, Clients, raise_open_files_limit, rss_kib, stop  # noqa: E402
from bench.stack import DEFAULT_REDIS_URL, forget_redis_keys, free_port, wait_ready  # noqa: E402

WARM_UP = 500
SETTLE_SECONDS = 2.0
TRACE_FRAMES = 30


def run_traced_server(snapshot_path: str, bare_port: int | None, prefix: str) -> None:
    """This code's server (or the bare loop, on ``bare_port``). The first SIGUSR1 starts
    tracemalloc, each later one writes a snapshot to ``snapshot_path`` (tracing from the
    start would slow start-up past the readiness wait)."""

    def on_signal(_signum: int, _frame: object) -> None:
        if tracemalloc.is_tracing():
            tracemalloc.take_snapshot().dump(snapshot_path + ".tmp")
        else:
            tracemalloc.start(TRACE_FRAMES)
            Path(snapshot_path + ".tmp").write_bytes(b"")
        os.replace(snapshot_path + ".tmp", snapshot_path)

    signal.signal(signal.SIGUSR1, on_signal)
    if bare_port:
        from bench.realtime import run_bare_server

        run_bare_server(bare_port, prefix)
        return
    from metacult.__main__ import main

    sys.exit(main(["serve"]))


@dataclass(frozen=True)
class Server:
    """One server to measure: this tree's, an earlier checkout's, or the bare loop."""

    name: str
    cwd: Path
    bare: bool = False

    @property
    def subscribe(self) -> bool:
        # Ours are subscribed to one channel, as in bench/realtime.py; the bare loop
        # broadcasts to every socket it holds.
        return not self.bare

    def command(self, port: int, env: dict[str, str]) -> list[str]:
        if self.bare:
            script = str(ROOT / "bench" / "realtime.py")
            return [
                sys.executable,
                script,
                "--bare-server",
                str(port),
                "--prefix",
                env["REDIS_PREFIX"],
            ]
        return [sys.executable, "-m", "metacult", "serve"]


def start(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """A server in ``cwd`` (its own tree's code); its output goes to the benchmarks' log."""
    with LOG.open("ab") as log:
        return subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)


async def idle_cost(server: Server, env: dict[str, str], connections: int) -> float:
    """KiB of RSS per idle connection of one server, after a warm-up."""
    port = free_port()
    process = start(
        server.command(port, env), {**env, "PORT": str(port), "HOST": "127.0.0.1"}, server.cwd
    )
    subscribe = server.subscribe
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, process)
        await warm_up(f"{url}/ws", subscribe)
        before = rss_kib(process.pid)
        clients = Clients()
        await clients.open(f"{url}/ws", connections, subscribe=subscribe)
        await asyncio.sleep(SETTLE_SECONDS)
        grown = rss_kib(process.pid) - before
        await clients.close()
        return grown / connections
    finally:
        stop(process)


async def warm_up(url: str, subscribe: bool) -> None:
    """Open and close a few hundred connections: caches, code paths and free lists filled."""
    clients = Clients()
    await clients.open(url, WARM_UP, subscribe=subscribe)
    await asyncio.sleep(0.5)
    await clients.close()
    await asyncio.sleep(0.5)


async def traced(env: dict[str, str], connections: int, top: int, bare: bool) -> None:
    """The allocation sites that grow with idle connections, per connection."""
    port = free_port()
    snapshot = Path(tempfile.mkdtemp(prefix="rt-memory-")) / "snapshot"
    command = [sys.executable, __file__, "--traced-server", str(snapshot)]
    if bare:
        command += ["--bare-port", str(port), "--prefix", env["REDIS_PREFIX"]]
    process = start(command, {**env, "PORT": str(port), "HOST": "127.0.0.1"}, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, process)
        await warm_up(f"{url}/ws", not bare)
        await signal_and_wait(process, snapshot)  # tracing starts
        clients = Clients()
        await clients.open(f"{url}/ws", connections, subscribe=not bare)
        await asyncio.sleep(SETTLE_SECONDS)
        await signal_and_wait(process, snapshot)
        await clients.close()
    finally:
        stop(process)
    traces = tracemalloc.Snapshot.load(str(snapshot))
    report(
        traces.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)]), connections, top
    )


async def signal_and_wait(process: subprocess.Popen, path: Path) -> None:
    path.unlink(missing_ok=True)  # noqa: ASYNC240 (a local file, nothing else runs)
    os.kill(process.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 120
    while not os.path.exists(path):  # noqa: ASYNC240
        if time.monotonic() > deadline:
            raise SystemExit("the traced server wrote no snapshot")
        await asyncio.sleep(0.2)


def report(traces: tracemalloc.Snapshot, connections: int, top: int) -> None:
    """What is still allocated since tracing started, per connection, by allocation site,
    each with the project frame behind it."""
    sites: dict[tuple[str, str], list[int]] = {}
    for stat in traces.statistics("traceback"):
        frames = list(stat.traceback)  # innermost last
        site = _where(frames[-1])
        cause = next(
            (
                _where(f)
                for f in reversed(frames)
                if "/metacult/" in f.filename and f is not frames[-1]
            ),
            "",
        )
        entry = sites.setdefault((site, cause), [0, 0])
        entry[0] += stat.size
        entry[1] += stat.count
    total = sum(size for size, _ in sites.values())
    print(f" Python allocations per idle connection: {total / connections:,.0f} bytes")
    print(f"{'bytes':>7} {'blocks':>6}  site  <-  nearest metacult frame")
    ranked = sorted(sites.items(), key=lambda item: -item[1][0])
    for (site, cause), (size, count) in ranked[:top]:
        print(f"{size / connections:7.0f} {count / connections:6.2f}  {site}  <-  {cause}")


def _where(frame: tracemalloc.Frame) -> str:
    name = frame.filename
    for marker in ("/site-packages/", "/lib/python3", str(ROOT) + "/"):
        if marker in name:
            name = name.split(marker, 1)[1]
            break
    return f"{name}:{frame.lineno}"


async def main(args: argparse.Namespace) -> None:
    raise_open_files_limit()
    env = {
        **os.environ,
        "REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        "REALTIME_MAX_WEBSOCKETS_PER_IP": "100000",
        "LOG_LEVEL": "WARNING",
    }
    servers: list[Server] = []
    if args.before:
        servers.append(Server("before", args.before.resolve()))
    servers.append(Server("now", ROOT))
    servers.append(Server("bare loop", ROOT, bare=True))
    try:
        migrate = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "metacult", "migrate", env=env
        )
        await migrate.wait()
        figures: dict[str, list[float]] = {server.name: [] for server in servers}
        for round_ in range(args.rounds):
            for server in servers:
                kib = await idle_cost(server, env, args.connections)
                figures[server.name].append(kib)
                print(
                    f"round {round_ + 1}: {server.name}: {kib:.2f} KiB per idle connection",
                    flush=True,
                )
        if args.rounds:
            print(f"\n{args.connections:,} idle websockets, median of {args.rounds} rounds:")
        for name, values in figures.items() if args.rounds else ():
            print(
                f"  {name:10} {statistics.median(values):6.2f} KiB per connection "
                f"(rounds: {', '.join(f'{v:.2f}' for v in values)})"
            )
        if args.trace:
            await traced(env, args.connections, args.top, bare=False)
        if args.trace_bare:
            await traced(env, args.connections, args.top, bare=True)
    finally:
        forget_redis_keys(env.get("REDIS_URL", DEFAULT_REDIS_URL), env["REDIS_PREFIX"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=5000, help="idle websockets to open")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each server")
    parser.add_argument("--before", type=Path, help="a checkout of earlier code, measured too")
    parser.add_argument("--trace", action="store_true", help="also list the allocation sites")
    parser.add_argument("--trace-bare", action="store_true", help="trace the bare loop too")
    parser.add_argument("--top", type=int, default=25, help="allocation sites to list")
    parser.add_argument("--traced-server", help=argparse.SUPPRESS)
    parser.add_argument("--bare-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.traced_server:
        run_traced_server(args.traced_server, args.bare_port, args.prefix)
    else:
        import uvloop

        uvloop.install()
        asyncio.run(main(args))
