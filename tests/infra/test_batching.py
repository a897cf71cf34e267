"""``Batched``: the lookups of one loop turn are answered by one call, each its own."""

from __future__ import annotations

import asyncio

import pytest

from metacult.infra.batching import Batched

pytestmark = pytest.mark.unit


class Recorder:
    def __init__(self, fail: bool = False, leave_out: object = None) -> None:
        self.calls: list[list[int]] = []
        self.fail = fail
        self.leave_out = leave_out
        self.release = asyncio.Event()
        self.release.set()
        self.called = asyncio.Event()

    async def fetch(self, keys: list[int]) -> dict[int, str]:
        self.calls.append(keys)
        self.called.set()
        await self.release.wait()
        if self.fail:
            raise RuntimeError("the database is away")
        return {key: f"value {key}" for key in keys if key != self.leave_out}


async def test_the_keys_of_one_turn_are_fetched_by_one_call_each_answered_its_own() -> None:
    recorder = Recorder()
    batched = Batched(recorder.fetch)

    answers = await asyncio.gather(*(batched.load(key) for key in [3, 1, 3, 2]))

    assert answers == ["value 3", "value 1", "value 3", "value 2"]
    assert recorder.calls == [[3, 1, 2]]


async def test_a_later_turn_is_a_call_of_its_own_and_a_large_turn_is_split() -> None:
    recorder = Recorder()
    batched = Batched(recorder.fetch, most=2)

    assert await batched.load(1) == "value 1"
    assert await asyncio.gather(*(batched.load(key) for key in [4, 5, 6])) == [
        "value 4",
        "value 5",
        "value 6",
    ]

    assert recorder.calls == [[1], [4, 5], [6]]


async def test_a_failed_call_fails_each_of_its_callers_and_a_missing_key_only_its_own() -> None:
    failing = Batched(Recorder(fail=True).fetch)
    answers = await asyncio.gather(failing.load(1), failing.load(2), return_exceptions=True)
    assert [type(answer) for answer in answers] == [RuntimeError, RuntimeError]

    partial = Batched(Recorder(leave_out=2).fetch)
    one, two = await asyncio.gather(partial.load(1), partial.load(2), return_exceptions=True)
    assert one == "value 1"
    assert isinstance(two, KeyError)


async def test_a_caller_that_stops_waiting_leaves_the_others_answered() -> None:
    recorder = Recorder()
    recorder.release.clear()
    batched = Batched(recorder.fetch)
    leaving, staying = batched.load(1), batched.load(2)
    await recorder.called.wait()  # the turn ended: the call is under way
    leaving.cancel()
    recorder.release.set()

    assert await staying == "value 2"
    with pytest.raises(asyncio.CancelledError):
        await leaving
    await batched.close()
    assert recorder.calls == [[1, 2]]


async def test_a_key_nobody_waits_for_any_more_is_not_fetched() -> None:
    recorder = Recorder()
    batched = Batched(recorder.fetch)
    gone, wanted = batched.load(1), batched.load(2)
    gone.cancel()

    assert await wanted == "value 2"
    assert recorder.calls == [[2]]
