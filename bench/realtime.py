"""Benchmark of the realtime hub (a script, not a test): ``python bench/realtime.py``.

Starts ``python -m metacult serve`` on a free port, opens C websocket clients (1,000 then
5,000) on one channel, publishes through ``publish()`` from another process, and prints:

* delivered messages/s during a burst, and the same for a bare aiohttp broadcast loop
  (Redis pub/sub → ``for ws in sockets: await ws.send_frame(...)``) measured in the same
  run with the same clients: the ceiling, and the ratio to it;
* publish-to-receive latency p50 / p99 at a steady 20 messages/s;
* the server's RSS per idle connection;
* p99 again with one extra client that never reads, and the change it makes.

Everything runs on this machine (server, clients, publisher): the figures are relative.
Needs PostgreSQL and Redis as ``make run`` does (``DATABASE_URL``, ``REDIS_URL``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stack import DEFAULT_REDIS_URL, forget_redis_keys, free_port, wait_ready  # noqa: E402

CHANNEL = "media:424242"
# Latency is measured at a steady 20,000 deliveries/s (20 msg/s to 1,000 subscribers,
# 4 msg/s to 5,000): below what the clients of this one process can read on a shared core.
STEADY_DELIVERIES = 20_000
STEADY_SECONDS = 10
REPEAT = 3


def raise_open_files_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65_536
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# The publisher process.


async def run_publisher(mode: str, prefix: str, count: int, rate: float) -> None:
    """Publish ``count`` messages carrying their send time, ``rate`` per second (0: at once)."""

    from metacult.config import Settings
    from metacult.infra.redis import create_redis
    from metacult.realtime import publish

    settings = Settings.from_env().replace(redis_prefix=prefix)
    redis = create_redis(settings)
    started = time.perf_counter()
    for seq in range(count):
        if rate:
            delay = started + seq / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        data = {"t": time.time(), "seq": seq}
        if mode == "metacult":
            await publish(redis, settings, CHANNEL, data)
        else:
            frame = {"type": "publication", "channel": CHANNEL, "offset": seq, "data": data}
            await redis.publish(f"{prefix}:bare", orjson.dumps(frame))
    await redis.aclose()


# The bare aiohttp broadcast server (the ceiling).


def run_bare_server(port: int, prefix: str) -> None:
    import uvloop
    from aiohttp import WSMsgType, web

    from metacult.config import Settings
    from metacult.infra.redis import create_redis

    sockets: set[web.WebSocketResponse] = set()

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False)
        await ws.prepare(request)
        sockets.add(ws)
        try:
            async for _ in ws:
                pass
        finally:
            sockets.discard(ws)
        return ws

    async def broadcast(app: web.Application):
        redis = create_redis(Settings.from_env())
        pubsub = redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(f"{prefix}:bare")

        async def loop() -> None:
            async for message in pubsub.listen():
                for ws in list(sockets):
                    await ws.send_frame(message["data"], WSMsgType.TEXT)

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        await redis.aclose()

    app = web.Application()
    app.router.add_get("/ws", websocket)
    app.router.add_get("/readyz", lambda request: web.Response(text="ok"))
    app.cleanup_ctx.append(broadcast)
    uvloop.install()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# The clients (in this process).


class Client(asyncio.Protocol):
    """A minimal websocket client: the harness must cost far less than the server it measures.

    (One Python process reads 5,000 sockets here; aiohttp's client would spend more CPU
    per message than the server does, and the figures would describe the harness.)
    """

    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.subscribed = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.clients.close_codes["lost"] = self.clients.close_codes.get("lost", 0) + 1
        for future in (self.upgraded, self.subscribed):
            future.cancel()

    def send_text(self, payload: bytes, opcode: int = 0x1) -> None:
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        assert self.transport is not None and len(payload) < 126
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if not self.upgraded.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.upgraded.set_exception(ConnectionError(bytes(buffer[:200])))
                return
            del buffer[: end + 4]
            self.upgraded.set_result(None)
        while len(buffer) >= 2:
            length, start = buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                return
            opcode = buffer[0] & 0x0F
            payload = bytes(buffer[start : start + length])
            del buffer[: start + length]
            if opcode == 0x1:
                self.text(payload)
            elif opcode == 0x9:
                self.send_text(payload, 0xA)
            elif opcode == 0x8:
                code = int.from_bytes(payload[:2], "big") if payload else None
                self.clients.close_codes[code] = self.clients.close_codes.get(code, 0) + 1

    def text(self, payload: bytes) -> None:
        clients = self.clients
        if clients.watching is not None:
            if b'"interaction.stats"' in payload:
                clients.watching.received(self, payload)
            elif payload.startswith(b'{"type":"ping"'):
                self.send_text(b'{"type":"pong"}')
            elif payload.startswith(b'{"type":"subscribed"') and not self.subscribed.done():
                self.subscribed.set_result(None)
            return
        if payload.startswith(b'{"type":"publication"'):
            now = time.time()
            clients.latencies.append(now - orjson.loads(payload)["data"]["t"])
            if not clients.received:
                clients.first_received = now
            clients.received += 1
            clients.last_received = now
        elif payload.startswith(b'{"type":"ping"'):
            self.send_text(b'{"type":"pong"}')
        elif payload.startswith(b'{"type":"subscribed"') and not self.subscribed.done():
            self.subscribed.set_result(None)


class Clients:
    """C websocket clients; each records the latency of every publication it receives."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.received = 0
        self.first_received = 0.0
        self.last_received = 0.0
        self.sockets: list[Client] = []
        self.close_codes: dict[object, int] = {}
        # The end-to-end mode's record of actions and arrivals (None in the publish mode).
        self.watching: Arrivals | None = None

    async def open(self, url: str, count: int, *, subscribe: bool, channel: str = CHANNEL) -> None:
        port = int(url.split(":")[-1].split("/")[0])
        loop = asyncio.get_running_loop()
        subscribe_frame = b'{"type":"subscribe","channel":"' + channel.encode() + b'"}'

        async def one() -> None:
            _, client = await loop.create_connection(lambda: Client(self), "127.0.0.1", port)
            key = base64.b64encode(os.urandom(16)).decode()
            client.transport.write(
                (
                    f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n"
                ).encode()
            )
            await client.upgraded
            if subscribe:
                client.send_text(subscribe_frame)
                await client.subscribed
            self.sockets.append(client)

        for start in range(0, count, 250):
            await asyncio.gather(*(one() for _ in range(min(250, count - start))))

    def reset(self) -> None:
        self.latencies = []
        self.received = 0

    async def wait_for(self, expected: int, *, within: float) -> bool:
        deadline = time.monotonic() + within
        while self.received < expected and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        return self.received >= expected

    async def close(self) -> None:
        for client in self.sockets:
            if client.transport is not None:
                client.transport.close()
        await asyncio.sleep(0.5)


async def never_reading_client(port: int) -> socket.socket:
    """A subscribed websocket client with a tiny receive buffer that never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    await loop.sock_sendall(
        sock,
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode(),
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += await loop.sock_recv(sock, 1)
    payload = b'{"type":"subscribe","channel":"' + CHANNEL.encode() + b'"}'
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    await loop.sock_sendall(sock, bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    return sock


# The end-to-end mode: an action through the API, the real stack, every watcher.


class Arrivals:
    """A watcher process's record: every ``interaction.stats`` message each socket received,
    as (likes count, client, ``perf_counter()``) — CLOCK_MONOTONIC, the same clock in every
    process, so the main process compares it with when it sent each like."""

    def __init__(self) -> None:
        self.log: list[tuple[int, int, float]] = []
        self.index: dict[int, int] = {}

    def received(self, client: Client, payload: bytes) -> None:
        now = time.perf_counter()
        start = payload.find(b'"likes":') + 8
        end = start
        while payload[end : end + 1].isdigit():
            end += 1
        number = self.index.setdefault(id(client), len(self.index))
        self.log.append((int(payload[start:end]), number, now))


async def run_watchers(url: str, channel: str, count: int) -> None:
    """A watcher process: ``count`` raw websocket clients on ``channel``; answers
    ``count`` (arrivals so far) and ``dump`` (every arrival, then exit) on stdin."""
    clients = Clients()
    arrivals = clients.watching = Arrivals()  # type: ignore[assignment]
    await clients.open(url, count, subscribe=True, channel=channel)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    while line := await reader.readline():
        if line.strip() == b"count":
            out.write(b"%d\n" % len(arrivals.log))
        elif line.strip() == b"dump":
            out.write(orjson.dumps(arrivals.log) + b"\n")
            out.flush()
            break
        out.flush()
    await clients.close()


class Watchers:
    """The e2e mode's watchers, over several processes apart from the server's and from
    this one (one Python process reading 5,000 sockets was the benchmark's bottleneck)."""

    def __init__(self) -> None:
        self.processes: list[asyncio.subprocess.Process] = []

    async def open(self, url: str, count: int, channel: str, processes: int) -> None:
        share = [count // processes + (n < count % processes) for n in range(processes)]
        for part in share:
            if part:
                self.processes.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        __file__,
                        "--watch",
                        url,
                        "--channel",
                        channel,
                        "--count",
                        str(part),
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        limit=2**30,
                    )
                )
        for process in self.processes:
            assert (await process.stdout.readline()) == b"ready\n", "a watcher process failed"

    async def ask(self, command: bytes) -> list[bytes]:
        for process in self.processes:
            process.stdin.write(command + b"\n")
        return [await process.stdout.readline() for process in self.processes]

    async def arrivals(self) -> int:
        return sum(int(line) for line in await self.ask(b"count"))

    async def settle(self, quiet: float = 1.0, within: float = 60) -> None:
        """Wait until no message has arrived for ``quiet`` s."""
        deadline = time.perf_counter() + within
        seen = -1
        while time.perf_counter() < deadline:
            await asyncio.sleep(quiet)
            now = await self.arrivals()
            if now == seen:
                return
            seen = now

    async def dump(self) -> list[tuple[int, int, float]]:
        """Every arrival, clients numbered across processes; the processes end."""
        log: list[tuple[int, int, float]] = []
        for n, line in enumerate(await self.ask(b"dump")):
            entries = orjson.loads(line)
            log.extend((likes, n * 1_000_000 + client, at) for likes, client, at in entries)
        await self.close()
        return log

    async def close(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            await process.wait()
        self.processes = []


def cpu_seconds(pids: list[int], fields_from: int = 11, fields_to: int = 15) -> float:
    """User + system CPU time of the processes (and their reaped children) so far; with
    ``fields_from=12, fields_to=13``, the system (kernel) time alone."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[fields_from:fields_to])
    return total / ticks


async def end_to_end(
    watchers: int,
    likes: int,
    interval: float,
    burst_users: int,
    root: Path,
    processes: int,
    web: int = 1,
) -> dict[str, float]:
    """Likes through ``PUT /api/v1/media/{id}/like`` on ``make run``'s processes (running
    the code in ``root``; ``web`` web processes sharing the port, as ``make run
    --concurrency web=N`` does), received by ``watchers`` anonymous websocket watchers
    spread over ``processes`` client processes."""
    import aiohttp

    from bench.stack import Stack
    from metacult import catalog
    from metacult.config import Settings
    from metacult.infra.db import create_pool

    stack = Stack(free_port(), root=root)
    clients = Watchers()
    results: dict[str, float] = {}
    sent_at: dict[int, float] = {}
    try:
        await stack.database.create()
        settings = Settings.from_env(stack.env)
        pool = await create_pool(settings, min_size=1)
        try:
            await catalog.seed_demo(pool)
            async with pool.acquire() as conn:
                media_id = await conn.fetchval("SELECT min(id) FROM media")
        finally:
            await pool.close()
        if web > 1:
            stack.env["REUSE_PORT"] = "1"
        stack.launch(*["web"] * web, "worker", "scheduler")
        await stack.wait_ready()
        async with aiohttp.ClientSession() as http:
            tokens = [await stack.sign_up(http, n) for n in range(max(likes, burst_users))]
            await clients.open(f"{stack.base_url}/ws", watchers, f"media:{media_id}", processes)
            await asyncio.sleep(2)
            # The server's processes only: the clients run elsewhere.
            pids = [process.pid for process in stack.processes]
            url = f"{stack.base_url}/api/v1/media/{media_id}/like"

            async def like(token: str, method: str = "PUT") -> None:
                headers = {"Authorization": f"Bearer {token}"}
                async with http.request(method, url, headers=headers) as response:
                    assert response.status == 200, await response.text()

            # One like at a time, ``interval`` apart: the latency of the live path.
            async with http.get(f"{stack.base_url}/metrics") as response:
                metrics_before = await response.text()
            cpu, kernel = cpu_seconds(pids), cpu_seconds(pids, 12, 13)
            for n in range(likes):
                sent_at[n + 1] = time.perf_counter()
                await like(tokens[n])
                await asyncio.sleep(interval)
            steady_cpu = cpu_seconds(pids) - cpu
            steady_kernel = cpu_seconds(pids, 12, 13) - kernel
            await asyncio.sleep(1.5)  # the workers' timings reach Redis once a second
            async with http.get(f"{stack.base_url}/metrics") as response:
                metrics_after = await response.text()
            first, last = samples(metrics_before), samples(metrics_after)
            results.update(stage_means(first, last))
            results.update(full_collections(first, last))
            # A burst: every user takes their like back at once.
            await asyncio.sleep(1)
            burst_start = time.perf_counter()
            cpu = cpu_seconds(pids)
            await asyncio.gather(*(like(token, "DELETE") for token in tokens[:burst_users]))
            await clients.settle()
            burst_cpu = cpu_seconds(pids) - cpu
            log = await clients.dump()
    finally:
        await clients.close()
        await stack.stop()
    steady = [entry for entry in log if entry[2] < burst_start]
    burst = [entry[2] for entry in log if entry[2] >= burst_start]
    # Per like: each watcher's first message carrying the count it left.
    first_seen: dict[tuple[int, int], float] = {}
    for count, client, at in steady:
        if count in sent_at and (count, client) not in first_seen:
            first_seen[count, client] = at - sent_at[count]
    per_like: dict[int, list[float]] = {}
    for (count, _), delay in first_seen.items():
        per_like.setdefault(count, []).append(delay)
    if len(per_like) < likes:
        print(f"    (only {len(per_like)} of {likes} likes reached the watchers)")
    if len(first_seen) < likes * watchers:
        print(f"    ({len(first_seen)} of {likes * watchers} deliveries seen)")
    first = [min(delays) for delays in per_like.values()]
    every = [max(delays) for delays in per_like.values()]
    results["first_p50_ms"] = percentile(first, 0.5) * 1000
    results["every_p50_ms"] = percentile(every, 0.5) * 1000
    results["every_p99_ms"] = percentile(every, 0.99) * 1000
    results["each_p99_ms"] = percentile(list(first_seen.values()), 0.99) * 1000
    results["steady_cpu_us"] = steady_cpu / max(1, len(steady)) * 1e6
    results["steady_kernel_us"] = steady_kernel / max(1, len(steady)) * 1e6
    elapsed = max(burst) - min(burst) if burst else 0.0
    results["burst_per_s"] = len(burst) / elapsed if elapsed > 0 else 0.0
    results["burst_cpu_us"] = burst_cpu / max(1, len(burst)) * 1e6
    # Messages a watcher got in the burst, on average: a state superseded before it was
    # published is not sent.
    results["burst_messages"] = len(burst) / watchers
    return results


STAGES = {
    "commit_to_enqueue_ms": "metacult_outbox_commit_to_enqueue_seconds",
    "enqueue_to_start_ms": 'metacult_worker_enqueue_to_start_seconds{actor="update_media_stats"}',
    "actor_run_ms": 'metacult_worker_run_seconds{actor="update_media_stats"}',
    "publish_to_send_ms": "metacult_realtime_publish_to_send_seconds",
}


def samples(text: str) -> dict[str, float]:
    """A scrape of ``/metrics`` as {name and labels: value}."""
    values = {}
    for line in text.splitlines():
        if not line.startswith("#") and " " in line:
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def full_collections(first: dict[str, float], last: dict[str, float]) -> dict[str, float]:
    """The web process's full garbage-collector passes between two scrapes (:func:`samples`):
    how many, and the time they stopped it (none for code that did not measure them)."""
    count, total = (
        f'metacult_gc_pause_seconds_{field}{{generation="2"}}' for field in ("count", "sum")
    )
    if count not in last:
        return {}
    return {
        "gc_full_passes": last[count] - first.get(count, 0),
        "gc_full_ms": (last[total] - first.get(total, 0)) * 1000,
    }


def stage_means(first: dict[str, float], last: dict[str, float]) -> dict[str, float]:
    """The mean of each step of the live path between two scrapes of ``/metrics``
    (:func:`samples`; none for code that did not have them yet)."""
    means = {}
    for stage, metric in STAGES.items():
        name, _, labels = metric.partition("{")
        labels = "{" + labels if labels else ""
        count_key, sum_key = f"{name}_count{labels}", f"{name}_sum{labels}"
        count = last.get(count_key, 0) - first.get(count_key, 0)
        if count:
            means[stage] = (last[sum_key] - first.get(sum_key, 0)) / count * 1000
    return means


async def run_end_to_end(sizes: list[int], args: argparse.Namespace) -> None:
    """The live path, end to end, on this tree's code and, with ``--before DIR`` (a checkout
    of an earlier commit: ``git archive main | tar -x -C DIR``), on that one, alternately."""
    configs = [("now", ROOT, 1)]
    if args.before:
        configs.insert(0, ("before", Path(args.before), 1))
    if args.web_processes > 1:
        configs.append((f"now, {args.web_processes} web processes", ROOT, args.web_processes))
    rows = []
    for watchers in sizes:
        for label, root, web in configs:
            print(f"end to end, {watchers} watchers, code {label} ...", flush=True)
            figures = await end_to_end(
                watchers, args.likes, args.interval, args.burst, root, args.client_processes, web
            )
            rows.append((watchers, label, figures))
            print(f"  {figures}", flush=True)
    print()
    print(
        "| watchers | code | like → first watcher p50 | like → every watcher p50 / p99 "
        "| deliveries/s in a burst | stack CPU per delivery (steady, of it kernel / burst) |"
    )
    print("|---|---|---|---|---|---|")
    for watchers, label, f in rows:
        print(
            f"| {watchers:,} | {label} | {f['first_p50_ms']:.0f} ms "
            f"| {f['every_p50_ms']:.0f} / {f['every_p99_ms']:.0f} ms "
            f"| {f['burst_per_s']:,.0f} | {f['steady_cpu_us']:.0f}, "
            f"{f.get('steady_kernel_us', 0):.0f} / {f['burst_cpu_us']:.0f} µs |"
        )
    for watchers, label, f in rows:
        if "actor_run_ms" in f:
            steps = ", ".join(f"{stage} {f[stage]:.1f}" for stage in STAGES if stage in f)
            burst = f"; {f['burst_messages']:.1f} messages per watcher in the burst"
            collected = (
                f"; the web process's full collector passes during the likes: "
                f"{f['gc_full_passes']:.0f}, {f['gc_full_ms']:.0f} ms in all"
                if "gc_full_passes" in f
                else ""
            )
            print(f"    ({watchers:,} watchers, {label}, mean per step: {steps}{burst}{collected})")


# The run.


LOG = Path(os.environ.get("TMPDIR", "/tmp")) / "metacult-bench-server.log"


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    """Start a server; its output goes to a log file (a full pipe would stall it)."""
    with LOG.open("ab") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=log)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        print(f"    (pid {process.pid} did not stop within 10 s; killed)")
        process.kill()
        process.wait()


def publisher(mode: str, prefix: str, count: int, rate: float, env: dict[str, str]):
    return asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--publish",
        mode,
        "--prefix",
        prefix,
        "--count",
        str(count),
        "--rate",
        str(rate),
        env=env,
    )


async def burst(clients: Clients, mode: str, prefix: str, count: int, env) -> float:
    """Delivered messages/s for ``count`` publications sent at once to every client."""
    expected = len(clients.sockets) * count
    clients.reset()
    process = await publisher(mode, prefix, count, 0, env)
    await process.wait()
    complete = await clients.wait_for(expected, within=120)
    elapsed = clients.last_received - clients.first_received
    if not complete:
        print(f"    (only {clients.received} of {expected} delivered)")
    return clients.received / elapsed


async def steady(clients: Clients, mode: str, prefix: str, env) -> tuple[float, float]:
    """Latency p50 / p99 (ms) at a steady rate."""
    rate = min(20, STEADY_DELIVERIES / len(clients.sockets))
    count = int(rate * STEADY_SECONDS)
    clients.reset()
    process = await publisher(mode, prefix, count, rate, env)
    await process.wait()
    await clients.wait_for(len(clients.sockets) * count, within=30)
    values = clients.latencies
    if clients.close_codes:
        print(f"    (connections closed by the server, by close code: {clients.close_codes})")
    if not values:
        raise SystemExit("no publication arrived")
    return percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000


async def measure(subscribers: int, env: dict[str, str]) -> dict[str, float]:
    """Both servers run side by side; their runs alternate so that noise hits both alike."""
    prefix = env["REDIS_PREFIX"]
    burst_count = max(100, 1_000_000 // subscribers // 2)
    metacult_port, bare_port = free_port(), free_port()
    metacult = start(
        [sys.executable, "-m", "metacult", "serve"],
        {**env, "PORT": str(metacult_port), "HOST": "127.0.0.1", "LOG_LEVEL": "WARNING"},
    )
    bare = start(
        [sys.executable, __file__, "--bare-server", str(bare_port), "--prefix", prefix], env
    )
    ours, theirs = Clients(), Clients()
    runs: dict[str, list] = {"steady": [], "bare_steady": [], "burst": [], "bare_burst": []}
    results: dict[str, float] = {}
    try:
        await wait_ready(f"http://127.0.0.1:{metacult_port}", metacult)
        await wait_ready(f"http://127.0.0.1:{bare_port}", bare)
        await asyncio.sleep(1)
        for name, process, clients, port, subscribe in (
            ("rss_per_connection_kib", metacult, ours, metacult_port, True),
            ("bare_rss_per_connection_kib", bare, theirs, bare_port, False),
        ):
            before = rss_kib(process.pid)
            await clients.open(f"http://127.0.0.1:{port}/ws", subscribers, subscribe=subscribe)
            await asyncio.sleep(2)
            results[name] = (rss_kib(process.pid) - before) / subscribers
        for _ in range(REPEAT):
            runs["steady"].append(await steady(ours, "metacult", prefix, env))
            runs["bare_steady"].append(await steady(theirs, "bare", prefix, env))
            runs["burst"].append(await burst(ours, "metacult", prefix, burst_count, env))
            runs["bare_burst"].append(await burst(theirs, "bare", prefix, burst_count, env))
        # The same steady runs, alternately with and without a client that never reads.
        calm, stuck_runs = [], []
        for _ in range(REPEAT):
            stuck = await never_reading_client(metacult_port)
            await asyncio.sleep(0.2)
            stuck_runs.append(await steady(ours, "metacult", prefix, env))
            stuck.close()
            calm.append(await steady(ours, "metacult", prefix, env))
    finally:
        await ours.close()
        await theirs.close()
        stop(metacult)
        stop(bare)
    # Best of the runs: the machine is shared and noise only ever adds latency.
    results["p50_ms"], results["p99_ms"] = min(runs["steady"] + calm, key=lambda r: r[1])
    results["bare_p50_ms"], results["bare_p99_ms"] = min(runs["bare_steady"], key=lambda r: r[1])
    results["delivered_per_s"] = max(runs["burst"])
    results["bare_delivered_per_s"] = max(runs["bare_burst"])
    results["p99_calm_ms"] = min(r[1] for r in calm)
    results["p99_with_stuck_ms"] = min(r[1] for r in stuck_runs)
    return results


async def main(sizes: list[int]) -> None:
    env = {
        **os.environ,
        "REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        # Every client comes from 127.0.0.1.
        "REALTIME_MAX_WEBSOCKETS_PER_IP": "100000",
    }
    try:
        await run(sizes, env)
    finally:
        forget_redis_keys(env.get("REDIS_URL", DEFAULT_REDIS_URL), env["REDIS_PREFIX"])


async def run(sizes: list[int], env: dict[str, str]) -> None:
    limit = raise_open_files_limit()
    migrate = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "metacult", "migrate", env=env
    )
    await migrate.wait()
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"open files limit {limit}"
    )
    rows = []
    for subscribers in sizes:
        print(f"measuring {subscribers} subscribers ...", flush=True)
        figures = await measure(subscribers, env)
        rows.append((subscribers, figures))
        ratio = figures["delivered_per_s"] / figures["bare_delivered_per_s"]
        change = figures["p99_with_stuck_ms"] / figures["p99_calm_ms"] - 1
        print(
            f"  delivered {figures['delivered_per_s']:,.0f} msg/s "
            f"(bare aiohttp loop {figures['bare_delivered_per_s']:,.0f} msg/s, ratio {ratio:.2f})\n"
            f"  latency p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms "
            f"at {min(20, STEADY_DELIVERIES / subscribers):g} msg/s "
            f"(bare loop p50 {figures['bare_p50_ms']:.1f} ms, "
            f"p99 {figures['bare_p99_ms']:.1f} ms)\n"
            f"  RSS per idle connection {figures['rss_per_connection_kib']:.1f} KiB "
            f"(bare loop {figures['bare_rss_per_connection_kib']:.1f} KiB)\n"
            f"  p99 with one never-reading client {figures['p99_with_stuck_ms']:.1f} ms, "
            f"without {figures['p99_calm_ms']:.1f} ms ({change:+.0%})",
            flush=True,
        )
    print()
    print(
        "| subscribers | delivered msg/s (bare loop) | ratio | p50 / p99 ms (bare loop) "
        "| RSS per idle connection (bare loop) | p99 with a never-reading client |"
    )
    print("|---|---|---|---|---|---|")
    for subscribers, f in rows:
        print(
            f"| {subscribers:,} | {f['delivered_per_s']:,.0f} ({f['bare_delivered_per_s']:,.0f}) "
            f"| {f['delivered_per_s'] / f['bare_delivered_per_s']:.2f} "
            f"| {f['p50_ms']:.0f} / {f['p99_ms']:.0f} "
            f"({f['bare_p50_ms']:.0f} / {f['bare_p99_ms']:.0f}) "
            f"| {f['rss_per_connection_kib']:.1f} KiB ({f['bare_rss_per_connection_kib']:.1f} KiB) "
            f"| {f['p99_with_stuck_ms']:.0f} ms vs {f['p99_calm_ms']:.0f} ms "
            f"({f['p99_with_stuck_ms'] / f['p99_calm_ms'] - 1:+.0%}) |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000", help="subscriber counts to measure")
    parser.add_argument(
        "--mode",
        choices=["publish", "e2e", "both"],
        default="both",
        help="publish(): the hub alone; e2e: a like through the API on the real stack",
    )
    parser.add_argument("--e2e-sizes", default="100,5000", help="watchers in the e2e mode")
    parser.add_argument("--likes", type=int, default=20, help="likes, one at a time (e2e)")
    parser.add_argument("--interval", type=float, default=1.0, help="s between likes (e2e)")
    parser.add_argument("--burst", type=int, default=20, help="likes taken back at once (e2e)")
    parser.add_argument(
        "--before", default="", help="a checkout of earlier code, measured too (e2e)"
    )
    parser.add_argument("--client-processes", type=int, default=3, help="watcher processes (e2e)")
    parser.add_argument(
        "--web-processes",
        type=int,
        default=1,
        help="also measure this code with N web processes sharing the port (e2e)",
    )
    parser.add_argument("--watch", help=argparse.SUPPRESS)
    parser.add_argument("--channel", help=argparse.SUPPRESS)
    parser.add_argument("--publish", choices=["metacult", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.watch:
        import uvloop

        uvloop.install()
        raise_open_files_limit()
        asyncio.run(run_watchers(args.watch, args.channel, args.count))
    elif args.publish:
        asyncio.run(run_publisher(args.publish, args.prefix, args.count, args.rate))
    elif args.bare_server:
        run_bare_server(args.bare_server, args.prefix)
    else:
        import uvloop

        uvloop.install()
        raise_open_files_limit()
        if args.before:
            args.before = str(Path(args.before).resolve())
        if args.mode in ("e2e", "both"):
            asyncio.run(run_end_to_end([int(size) for size in args.e2e_sizes.split(",")], args))
        if args.mode in ("publish", "both"):
            asyncio.run(main([int(size) for size in args.sizes.split(",")]))
