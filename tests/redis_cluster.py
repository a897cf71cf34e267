"""A Redis Cluster of the test run's own: three masters from ``redis-server`` on free ports
in a temporary directory, joined with ``redis-cli --cluster create``, stopped after.

``make test-cluster`` runs test modules with ``REDIS_CLUSTER=1``: tests/conftest.py then
starts one of these and points ``REDIS_URL`` at its first node.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.helpers import free_port


def _node_port() -> int:
    """A free port whose cluster bus port (itself + 10000) is a valid port too."""
    while (port := free_port()) + 10000 > 65535:
        pass
    return port


class LocalCluster:
    """``masters`` cluster-enabled ``redis-server`` processes sharing the 16384 slots."""

    def __init__(self, masters: int = 3) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="metacult-redis-cluster-"))
        self.ports = [_node_port() for _ in range(masters)]
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def start(self) -> LocalCluster:
        server = shutil.which("redis-server") or "redis-server"
        for port in self.ports:
            node_dir = self.directory / str(port)
            node_dir.mkdir()
            self.processes.append(
                subprocess.Popen(
                    [
                        server,
                        "--bind",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--dir",
                        str(node_dir),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "2000",
                    ],
                    stdout=(node_dir / "redis.log").open("wb"),
                    stderr=subprocess.STDOUT,
                )
            )
        for port in self.ports:
            self._wait(lambda port=port: redis.Redis(host="127.0.0.1", port=port).ping())
        subprocess.run(
            [
                shutil.which("redis-cli") or "redis-cli",
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in self.ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=60,
        )
        for port in self.ports:
            self._wait(lambda port=port: self._state_ok(port))
        return self

    @staticmethod
    def _state_ok(port: int) -> bool:
        return redis.Redis(host="127.0.0.1", port=port).cluster("info")["cluster_state"] == "ok"

    @staticmethod
    def _wait(check, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        last: Exception | None = None
        while True:
            try:
                if check():
                    return
            except redis.RedisError as exc:
                last = exc
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Redis Cluster did not come up: {last!r}")
            time.sleep(0.1)

    def client(self) -> redis.RedisCluster:
        return redis.RedisCluster(host="127.0.0.1", port=self.ports[0])

    def move_slot(self, slot: int) -> tuple[int, int]:
        """Migrate ``slot`` (and its keys) to another master, as ``redis-cli --cluster
        reshard`` does: IMPORTING/MIGRATING, MIGRATE of each key, then SETSLOT NODE on every
        master. Returns the ports of its old and its new owner."""
        ids = {
            port: redis.Redis(host="127.0.0.1", port=port).cluster("myid") for port in self.ports
        }
        source = self.owner(slot)
        target = next(port for port in self.ports if port != source)
        src, dst = (
            redis.Redis(host="127.0.0.1", port=source),
            redis.Redis(host="127.0.0.1", port=target),
        )
        dst.execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ids[source])
        src.execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", ids[target])
        while keys := src.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 100):
            src.execute_command("MIGRATE", "127.0.0.1", target, "", 0, 5000, "KEYS", *keys)
        for port in self.ports:
            redis.Redis(host="127.0.0.1", port=port).execute_command(
                "CLUSTER", "SETSLOT", slot, "NODE", ids[target]
            )
        return source, target

    def owner(self, slot: int) -> int:
        """The port of the master that owns ``slot``."""
        for start, end, master, *_ in redis.Redis(
            host="127.0.0.1", port=self.ports[0]
        ).execute_command("CLUSTER", "SLOTS"):
            if start <= slot <= end:
                return int(master[1])
        raise LookupError(slot)

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)
