"""examsite.bundle.ahead: an iterator run on a worker thread behaves like the plain iterator."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from examsite.bundle.ahead import Ahead, ring


def _numbers(count: int, seen: list[int] | None = None) -> Iterator[int]:
    for number in range(count):
        if seen is not None:
            seen.append(number)
        yield number


def test_items_arrive_in_order_from_another_thread() -> None:
    threads: list[str] = []

    def produce() -> Iterator[int]:
        for number in range(1000):
            threads.append(threading.current_thread().name)
            yield number

    with Ahead(produce(), depth=3, name="producer") as items:
        assert list(items) == list(range(1000))
        assert next(items, None) is None  # stays ended
    assert set(threads) == {"producer"}


def test_an_empty_iterator_ends_at_once() -> None:
    with Ahead(iter([]), depth=1) as items:
        assert list(items) == []


def test_the_error_comes_at_its_place_after_every_item_before_it() -> None:
    def produce() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("third item is bad")

    got: list[int] = []

    def consume() -> None:
        with Ahead(produce(), depth=5) as items:
            for item in items:
                got.append(item)

    with pytest.raises(ValueError, match="third item"):
        consume()
    assert got == [1, 2]


def test_the_producer_runs_at_most_depth_items_ahead() -> None:
    seen: list[int] = []
    with Ahead(_numbers(100, seen), depth=2) as items:
        assert next(items) == 0
        time.sleep(0.2)  # plenty of time to run ahead if it could
        # item 0 taken; items 1 and 2 wait in the queue; item 3 is made and waits for room
        assert len(seen) <= 4
        assert list(items) == list(range(1, 100))


def test_leaving_early_stops_the_producer_and_runs_its_finally() -> None:
    closed = threading.Event()
    seen: list[int] = []

    def produce() -> Iterator[int]:
        try:
            yield from _numbers(10_000, seen)
        finally:
            closed.set()

    def consume() -> None:
        with Ahead(produce(), depth=2) as items:
            for item in items:
                if item == 5:
                    raise RuntimeError("the consumer fails")

    with pytest.raises(RuntimeError):
        consume()
    # the with block waited for the worker: its finally has run, and it stopped near where we left
    assert closed.is_set()
    assert len(seen) < 20


def test_closing_a_finished_or_failed_ahead_is_harmless() -> None:
    items = Ahead(iter([1]), depth=1)
    assert list(items) == [1]
    items.close()
    items.close()

    def produce() -> Iterator[int]:
        raise OSError("at once")
        yield 0  # pragma: no cover - makes this a generator

    failing = Ahead(produce(), depth=1)
    with pytest.raises(OSError, match="at once"):
        next(failing)
    failing.close()


def test_an_exception_object_can_be_an_item() -> None:
    """Items are passed as they are, even exceptions: only a raise ends the sequence."""
    error = ValueError("just data")
    with Ahead(iter([error]), depth=1) as items:
        assert list(items) == [error]


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Ahead(iter([]), depth=0)


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_ring_buffers_are_never_overwritten_while_the_consumer_holds_them(depth: int) -> None:
    """The producer fills each buffer of a ring with its item's number; the consumer, slower, reads
    every byte of each item before asking for the next: a buffer reused too early would show another
    number."""

    def produce() -> Iterator[memoryview]:
        buffers = ring(depth, 4096)
        for number in range(300):
            buffer = next(buffers)
            buffer[:] = bytes([number % 251]) * 4096
            yield buffer

    with Ahead(produce(), depth=depth) as items:
        for number, item in enumerate(items):
            first = bytes(item[:1])
            if number % 7 == 0:
                time.sleep(0.001)  # let the producer run as far ahead as it can
            assert bytes(item) == first * 4096
            assert first == bytes([number % 251])


def test_ring_buffers_are_page_aligned_and_cycle() -> None:
    import ctypes

    buffers = ring(2, 8192)
    first = [next(buffers) for _ in range(4)]
    assert next(buffers) is first[0]
    for view in first:
        assert len(view) == 8192
        address = ctypes.addressof(ctypes.c_char.from_buffer(view))
        assert address % 4096 == 0
