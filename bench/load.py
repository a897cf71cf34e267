"""Read-path load: the public pages under ``wrk``, beside a bare aiohttp handler as the ceiling.

    .venv/bin/python bench/load.py [--titles 20000] [--interactions 1000000] [--seconds 6]

It starts what ``make run`` starts (web and worker) on a scratch database filled with
``--titles`` titles, ``--interactions`` likes and ratings from generated users (their
counters, scores and duel ratings computed as the workers would), and a bare aiohttp
handler (uvloop, one process) answering the bytes of ``/api/v1/genres``. Then, for each
read of the mix, anonymous and signed in, ``wrk`` (1 thread, 32 connections) measures
requests/s and p50 / p99 latency, printed with the ratio to the bare handler of the same
run. ``wrk`` must be installed (``apt-get install -y wrk``).

    .venv/bin/python bench/load.py --mix [--web 1,2] [--seconds 6] [--users 32]
        [--watchers 200] [--client-processes 2] [--burst-concurrency 16]

``--mix`` drives the realistic mix of ``bench/load_mix.py`` instead: ``--users`` users
signed up over the API browse, search, open titles, like, rate, review, vote in duels and
send signals (batches of 100), all at once, while ``--watchers`` websockets follow two
hot titles, ``leaderboard:global`` and ``leaderboard:kind:game``. The clients run in
``--client-processes`` processes apart from the server's (one Python client is slower
than the server); each counts the publications its watchers receive, so deliveries/s is
the sum over client processes, whichever web node sent them. It prints requests/s and
p50 / p99 per endpoint, errors, signals/s accepted and whether every accepted signal
reached the ``signals`` table, deliveries/s; then a signals-only burst (anonymous
batches of 500, ``--burst-concurrency`` at once) with its accepted signals/s and rows
stored. Once for each ``--web`` count (web processes sharing the port with
SO_REUSEPORT, as ``make run WEB=2``), beside the same clients against the bare aiohttp
handler of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_mix import MIX, drive, percentile  # noqa: E402
from bench.stack import PYTHON, Stack, free_port  # noqa: E402

KINDS = ("game", "film", "series")
GENRES = ("action", "adventure", "rpg", "strategy", "drama", "comedy", "thriller", "sci-fi")
PLATFORMS = ("pc", "playstation-5", "xbox-series", "switch")


# --- data ---------------------------------------------------------------------------

FILL = [
    # Titles: kinds, genres and platforms spread; popularity skewed like real catalogues.
    """
    INSERT INTO media (kind, title, slug, year, genres, platforms, popularity, synopsis)
    SELECT (ARRAY['game','film','series'])[1 + i % 3],
           'Bench title ' || i,
           'bench-title-' || i,
           1950 + i % 75,
           ARRAY[(ARRAY{genres})[1 + i % 8], (ARRAY{genres})[1 + (i / 8) % 8]],
           CASE WHEN i % 3 = 0 THEN ARRAY[(ARRAY{platforms})[1 + i % 4]] ELSE '{{}}' END,
           1000.0 / (1 + i % 5000),
           'A generated title for the read-path benchmark.'
    FROM generate_series(1, $1) AS i
    """,
    """
    INSERT INTO users (email, display_name)
    SELECT 'bench-reader-' || u || '@example.test', 'Reader ' || u
    FROM generate_series(1, $1) AS u
    """,
    # Interactions: half likes, half ratings, on titles chosen with a Zipf-like skew.
    """
    INSERT INTO likes (user_id, media_id, kind)
    SELECT DISTINCT ON (u, m) u, m, media.kind
    FROM (
        SELECT (SELECT min(id) FROM users) + floor(random() * $2)::bigint AS u,
               (SELECT min(id) FROM media WHERE slug LIKE 'bench-title-%')
               + floor(power(random(), 3) * $3)::bigint AS m
        FROM generate_series(1, $1)
    ) AS pick
    JOIN media ON media.id = pick.m
    ON CONFLICT DO NOTHING
    """,
    """
    INSERT INTO ratings (user_id, media_id, kind, half_stars)
    SELECT DISTINCT ON (u, m) u, m, media.kind, 1 + floor(random() * 10)::int
    FROM (
        SELECT (SELECT min(id) FROM users) + floor(random() * $2)::bigint AS u,
               (SELECT min(id) FROM media WHERE slug LIKE 'bench-title-%')
               + floor(power(random(), 3) * $3)::bigint AS m
        FROM generate_series(1, $1)
    ) AS pick
    JOIN media ON media.id = pick.m
    ON CONFLICT DO NOTHING
    """,
]

HISTOGRAM = ", ".join(f"(count(*) FILTER (WHERE half_stars = {s}))::int" for s in range(1, 11))

COUNTERS = [
    """
    INSERT INTO media_stats (media_id, likes, ratings_count, ratings_sum, histogram)
    SELECT media.id,
           coalesce(l.n, 0),
           coalesce(r.n, 0),
           coalesce(r.total, 0),
           coalesce(r.histogram, '{0,0,0,0,0,0,0,0,0,0}')
    FROM media
    LEFT JOIN (SELECT media_id, count(*) AS n FROM likes GROUP BY media_id) AS l
           ON l.media_id = media.id
    LEFT JOIN (
        SELECT media_id, count(*) AS n, sum(half_stars) AS total,
               ARRAY[{histogram}] AS histogram
        FROM ratings GROUP BY media_id
    ) AS r ON r.media_id = media.id
    ON CONFLICT (media_id) DO UPDATE
    SET likes = excluded.likes, ratings_count = excluded.ratings_count,
        ratings_sum = excluded.ratings_sum, histogram = excluded.histogram
    """,
    """
    INSERT INTO media_scores (media_id, score, votes)
    SELECT media_id, (ratings_sum / 2.0 + 5 * 3.0) / (ratings_count + 5), ratings_count
    FROM media_stats WHERE ratings_count > 0
    ON CONFLICT (media_id) DO UPDATE SET score = excluded.score, votes = excluded.votes
    """,
    # Duel ratings for every title: the boards are rebuilt from these when the web starts.
    """
    INSERT INTO ranking_ratings (media_id, kind, genres, platforms, rating, rd, games, wins)
    SELECT id, kind, genres, platforms, 1300 + random() * 500, 60 + random() * 200,
           (random() * 80)::int, 0
    FROM media
    ON CONFLICT (media_id) DO NOTHING
    """,
    # As autovacuum leaves a live database: statistics, and the GIN index of title words
    # with its pending list merged (a bulk insert leaves 20,000 titles in it, which every
    # search would scan word by word).
    "VACUUM ANALYZE",
]


async def fill(dsn: str, titles: int, interactions: int) -> None:
    """Titles, readers, likes and ratings, and what the workers would have counted."""
    users = max(1000, interactions // 100)
    conn = await asyncpg.connect(dsn)
    try:
        genres = "[" + ",".join(f"'{g}'" for g in GENRES) + "]"
        platforms = "[" + ",".join(f"'{p}'" for p in PLATFORMS) + "]"
        titles_sql, users_sql, likes_sql, ratings_sql = FILL
        await conn.execute(titles_sql.format(genres=genres, platforms=platforms), titles)
        await conn.execute(users_sql, users)
        await conn.execute(likes_sql, interactions // 2, users, titles)
        await conn.execute(ratings_sql, interactions // 2, users, titles)
        for statement in COUNTERS:
            await conn.execute(statement.replace("{histogram}", HISTOGRAM))
        counted = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM media) AS titles,"
            " (SELECT count(*) FROM likes) + (SELECT count(*) FROM ratings) AS interactions"
        )
        print(f"data: {counted['titles']} titles, {counted['interactions']} interactions")
    finally:
        await conn.close()


# --- measuring -----------------------------------------------------------------------

BARE = """
import sys
import uvloop
from aiohttp import web

body = open(sys.argv[2], "rb").read()

async def handler(request):
    return web.Response(body=body, content_type="application/json")

app = web.Application()
app.router.add_get("/", handler)
uvloop.install()
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


# The signed-in row of many readers: each request a reader and a title drawn at random, so
# that no two requests in flight are likely to ask for the same marks.
READERS = 32
READ_TITLES = 64


def random_requests(paths: list[str], tokens: list[str] | None = None) -> str:
    """A wrk script file: each request ``GET`` one of ``paths`` at random, as one of the
    bearer ``tokens`` at random when given; returns its path."""
    listed = ", ".join(f'"{path}"' for path in paths)
    bearers = ", ".join(f'"{token}"' for token in tokens or [])
    script = f"""
paths = {{{listed}}}
tokens = {{{bearers}}}
request = function()
  local path = paths[math.random(#paths)]
  if #tokens == 0 then return wrk.format("GET", path) end
  local token = tokens[math.random(#tokens)]
  return wrk.format("GET", path, {{["Authorization"] = "Bearer " .. token}})
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    return file.name


def start_bare(port: int, body_path: str) -> subprocess.Popen:
    """The ceiling: a bare aiohttp handler (uvloop, one process) answering ``body_path``."""
    return subprocess.Popen([PYTHON, "-c", BARE, str(port), body_path])


def wrk(
    url: str, seconds: int, headers: dict[str, str], script: str | None = None
) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 (ms) of ``url`` under wrk (1 thread, 32 connections)."""
    command = ["wrk", "-t1", "-c32", f"-d{seconds}s", "--latency", url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", script]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    return rate, _percentile(out, "50%"), _percentile(out, "99%")


def _percentile(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def main(args: argparse.Namespace) -> None:
    port = free_port()
    stack = Stack(port, REQUEST_LOG_SAMPLE=str(args.log_sample))
    bare = None
    try:
        await stack.database.create()
        await fill(stack.dsn, args.titles, args.interactions)
        stack.launch("web", "worker")
        await stack.wait_ready()
        base = stack.base_url
        async with aiohttp.ClientSession() as http:
            token = await stack.sign_up(http, 1)
            readers = [await stack.sign_up(http, n) for n in range(2, 2 + READERS)]
            async with http.get(f"{base}/api/v1/media?limit={READ_TITLES}") as response:
                items = (await response.json())["items"]
                titles = [item["id"] for item in items]
                slugs = [item["slug"] for item in items]
            media_id = titles[0]
            async with http.get(f"{base}/api/v1/genres") as response:
                genres = await response.read()
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as body:
            body.write(genres)
        bare_port = free_port()
        bare = start_bare(bare_port, body.name)
        await asyncio.sleep(1.5)

        signed_in = {"Authorization": f"Bearer {token}"}
        readers_script = random_requests([f"/api/v1/media/{m}" for m in titles], readers)
        slugs_script = random_requests([f"/api/v1/media/by-slug/{slug}" for slug in slugs])
        mix = [
            ("bare aiohttp handler", f"http://127.0.0.1:{bare_port}/", {}),
            ("GET /healthz", f"{base}/healthz", {}),
            ("GET /api/v1/genres", f"{base}/api/v1/genres", {}),
            ("GET /api/v1/media?limit=20", f"{base}/api/v1/media?limit=20", {}),
            (
                "GET /api/v1/media?limit=20&sort=newest",
                f"{base}/api/v1/media?limit=20&sort=newest",
                {},
            ),
            (f"GET /api/v1/media/{media_id}", f"{base}/api/v1/media/{media_id}", {}),
            (
                f"GET /api/v1/media/{media_id} (signed in)",
                f"{base}/api/v1/media/{media_id}",
                signed_in,
            ),
            (
                f"GET /api/v1/media/{{id}} ({READERS} readers, {READ_TITLES} titles)",
                base,
                {},
                readers_script,
            ),
            (
                f"GET /api/v1/media/by-slug/{{slug}} ({READ_TITLES} titles)",
                base,
                {},
                slugs_script,
            ),
            (
                "GET /api/v1/leaderboards/global?limit=20",
                f"{base}/api/v1/leaderboards/global?limit=20",
                {},
            ),
        ]
        results = []
        for label, url, headers, *script in mix:
            wrk(url, 1, headers, *script)  # warm up (connections, caches, the JIT of nothing)
            results.append((label, *wrk(url, args.seconds, headers, *script)))
        ceiling = results[0][1]
        print(f"\n{'endpoint':<44} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}")
        for label, rate, p50, p99 in results:
            print(f"{label:<44} {rate:>11,.0f} {p50:>8.1f} {p99:>8.1f} {rate / ceiling:>6.2f}")
    finally:
        if bare is not None:
            bare.terminate()
            bare.wait(timeout=10)
        await stack.stop()


# --- the mix ---------------------------------------------------------------------------


async def run_clients(jobs: list[dict]) -> list[dict]:
    """``jobs`` in as many client processes, at once."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(len(jobs), mp_context=context) as pool:
        return list(await asyncio.gather(*(loop.run_in_executor(pool, drive, j) for j in jobs)))


def merge(results: list[dict]) -> dict:
    latencies: dict[str, list[float]] = {}
    for result in results:
        for name, values in result["latencies"].items():
            latencies.setdefault(name, []).extend(values)
    return {
        "latencies": latencies,
        "errors": [error for result in results for error in result["errors"]],
        "error_count": sum(result["error_count"] for result in results),
        "accepted": sum(result["accepted"] for result in results),
        "deliveries": sum(result["deliveries"] for result in results),
        "watchers": sum(result["watchers"] for result in results),
        "elapsed": max(result["elapsed"] for result in results),
    }


def print_table(title: str, merged: dict, ceiling: float | None = None) -> float:
    elapsed = merged["elapsed"]
    print(f"\n{title}")
    print(f"{'endpoint':<40} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8}")
    total = 0
    order = [name for name, _ in MIX]
    names = sorted(merged["latencies"], key=lambda n: order.index(n) if n in order else -1)
    for name in names:
        values = merged["latencies"][name]
        total += len(values)
        p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
        print(f"{name:<40} {len(values) / elapsed:>11,.0f} {p50:>8.1f} {p99:>8.1f}")
    rate = total / elapsed
    ratio = f" ({rate / ceiling:.2f} of the bare handler)" if ceiling else ""
    print(f"{'all requests':<40} {rate:>11,.0f}{ratio}")
    print(f"errors: {merged['error_count']}")
    for error in merged["errors"][:5]:
        print(f"  {error}")
    return rate


async def stored_signals(dsn: str, expected: int, within: float = 60) -> tuple[int, float]:
    """Rows in ``signals`` once the writer caught up with ``expected`` (or gave up)."""
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        while (stored := await conn.fetchval("SELECT count(*) FROM signals")) < expected:
            if time.perf_counter() - started > within:
                break
            await asyncio.sleep(0.2)
        return stored, time.perf_counter() - started
    finally:
        await conn.close()


async def mix_run(args: argparse.Namespace, web: int, bare_rate: float) -> dict:
    """One stack with ``web`` web processes sharing the port: the mix, then a signals burst."""
    port = free_port()
    env = {"REQUEST_LOG_SAMPLE": str(args.log_sample), "ACCESS_TOKEN_TTL": "86400"}
    if web > 1:
        env["REUSE_PORT"] = "1"
    stack = Stack(port, **env)
    figures: dict = {}
    try:
        await stack.database.create()
        await fill(stack.dsn, args.titles, args.interactions)
        stack.launch(*["web"] * web, "worker", "scheduler")
        await stack.wait_ready()
        base = stack.base_url
        async with aiohttp.ClientSession() as http:
            tokens = [await stack.sign_up(http, n) for n in range(args.users)]
        conn = await asyncpg.connect(stack.dsn)
        try:
            rows = await conn.fetch("SELECT id FROM media ORDER BY popularity DESC LIMIT 2000")
        finally:
            await conn.close()
        media = [row["id"] for row in rows]
        processes = args.client_processes
        channels = (f"media:{media[0]}", f"media:{media[1]}", "leaderboard:global",
                    "leaderboard:kind:game")  # fmt: skip
        jobs = [
            {
                "base": base,
                "tokens": tokens[n::processes],
                "media": media,
                "seconds": args.seconds,
                "seed": n + 1,
                "watchers": args.watchers // processes,
                "channels": channels,
            }
            for n in range(processes)
        ]
        merged = merge(await run_clients(jobs))
        rate = print_table(f"mix, {web} web process(es)", merged, bare_rate)
        stored, lag = await stored_signals(stack.dsn, merged["accepted"])
        print(
            f"signals in the mix: {merged['accepted'] / merged['elapsed']:,.0f}/s accepted; "
            f"{stored} of {merged['accepted']} stored ({lag:.1f} s after the last POST)"
        )
        print(
            f"websocket: {merged['watchers']} watchers, "
            f"{merged['deliveries'] / merged['elapsed']:,.0f} deliveries/s"
        )
        figures.update(rate=rate, deliveries=merged["deliveries"] / merged["elapsed"],
                       errors=merged["error_count"])  # fmt: skip
        # The signals-only burst: anonymous batches of 500, as fast as the server takes them.
        before = stored
        jobs = [
            {"base": base, "tokens": [""] * (args.burst_concurrency // processes),
             "media": media, "seconds": args.seconds, "seed": 100 + n, "mode": "signals",
             "batch": 500}
            for n in range(processes)
        ]  # fmt: skip
        burst = merge(await run_clients(jobs))
        stored, lag = await stored_signals(stack.dsn, before + burst["accepted"])
        latencies = burst["latencies"].get("POST /api/v1/signals (500)", [])
        print(
            f"signals burst: {burst['accepted'] / burst['elapsed']:,.0f}/s accepted "
            f"(POST of 500: p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms), errors {burst['error_count']}; "
            f"{stored - before} of {burst['accepted']} stored {lag:.1f} s after the last POST"
        )
        for error in burst["errors"][:3]:
            print(f"  {error}")
        figures["signals"] = burst["accepted"] / burst["elapsed"]
    finally:
        await stack.stop()
    return figures


async def mix_main(args: argparse.Namespace) -> None:
    bare = None
    try:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as body:
            body.write(b'{"items": [' + b'{"slug": "action", "name": "Action"},' * 20 + b"{}]}")
        bare_port = free_port()
        bare = start_bare(bare_port, body.name)
        await asyncio.sleep(1.5)
        processes = args.client_processes
        jobs = [
            {"base": f"http://127.0.0.1:{bare_port}", "tokens": [""] * (args.users // processes),
             "media": [0], "seconds": args.seconds, "seed": n, "mode": "bare"}
            for n in range(processes)
        ]  # fmt: skip
        merged = merge(await run_clients(jobs))
        bare_rate = print_table("bare aiohttp handler, same clients", merged)
    finally:
        if bare is not None:
            bare.terminate()
            bare.wait(timeout=10)
    runs = {web: await mix_run(args, web, bare_rate) for web in args.web}
    if 1 in runs and 2 in runs:
        one, two = runs[1], runs[2]
        print(
            f"\n2 web processes / 1: requests {two['rate'] / one['rate']:.2f}x, "
            f"websocket deliveries {two['deliveries'] / max(1, one['deliveries']):.2f}x, "
            f"signals {two['signals'] / max(1, one['signals']):.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--titles", type=int, default=20_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--log-sample", type=float, default=0.01)
    parser.add_argument("--mix", action="store_true", help="the realistic mix (see above)")
    parser.add_argument(
        "--web",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2],
        help="web processes sharing the port, one run each (--mix; default 1,2)",
    )
    parser.add_argument("--users", type=int, default=32, help="signed-in users (--mix)")
    parser.add_argument("--watchers", type=int, default=200, help="websockets (--mix)")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--burst-concurrency", type=int, default=16)
    arguments = parser.parse_args()
    asyncio.run(mix_main(arguments) if arguments.mix else main(arguments))
