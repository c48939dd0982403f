"""Run an iterator on a worker thread, a few items ahead of the loop that consumes it.

Bundle export and verify each have two heavy halves that release the GIL: hashing (hashlib) and
file reads on one side, ChaCha20-Poly1305 (OpenSSL) and file writes on the other. Run one after the
other they leave the second core of an exam-room laptop idle; :class:`Ahead` runs the producing half
on its own thread so the two overlap, while the consumer still sees exactly the sequence, and the
failure, that a plain ``for`` loop over the iterator would give:

- items arrive in order, at most ``depth`` of them waiting (memory stays constant);
- an exception raised by the iterator is raised by the consumer's ``next`` at the place in the
  sequence where it happened, after every item before it was handed over, never earlier;
- leaving the ``with`` block (the consumer finished, failed or was cancelled) stops the worker at its
  next item and waits for it, so the iterator's ``finally`` and ``with`` blocks (open files) have
  run when the block is left.

Items cross threads as they are. A producer may still reuse its buffers, without allocating one
per item, because the queue bounds how far it runs ahead: while it makes item ``k``, the consumer
has asked for item ``k - depth - 1`` and is therefore done with every item before it. So views into
the ``depth + 2`` buffers of :func:`ring`, taken in turn, are never overwritten while in use, as long
as the consumer keeps no reference to an item once it asks for the next one (it copies what it
keeps).
"""

from __future__ import annotations

import itertools
import mmap
import queue
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

# how long a blocked worker waits before looking whether the consumer has left
_POLL_SECONDS = 0.05


def ring(depth: int, size: int) -> Iterator[memoryview]:
    """Endless turns over ``depth + 2`` buffers of ``size`` bytes: enough for a producer under
    :class:`Ahead` with that ``depth`` (see the module docstring). The buffers are anonymous memory
    maps, so page-aligned, as reads that bypass the page cache require."""
    return itertools.cycle([memoryview(mmap.mmap(-1, size)) for _ in range(depth + 2)])


class _End:
    """Marks the end of the sequence in the queue."""


class _Failed:
    """The iterator's exception, in the queue at its place in the sequence."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = _End()


class Ahead(Generic[T]):
    """``items`` produced on a worker thread named ``name``, up to ``depth`` items ahead.

    Use as a context manager and iterate over it; see the module docstring for the guarantees.
    """

    def __init__(self, items: Iterator[T], *, depth: int = 2, name: str = "ahead") -> None:
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._items = items
        self._queue: queue.Queue[T | _End | _Failed] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._ended = False
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there in sequence
            self._put(_Failed(exc))
            return
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()  # a generator left early runs its finally blocks here, on its own thread
        self._put(_END)

    def _put(self, entry: T | _End | _Failed) -> bool:
        """Queue ``entry``; False when the consumer left before there was room."""
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=_POLL_SECONDS)
            except queue.Full:
                continue
            return True
        return False

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._ended:
            raise StopIteration
        entry = self._queue.get()
        if isinstance(entry, _End):
            self._ended = True
            self._thread.join()
            raise StopIteration
        if isinstance(entry, _Failed):
            self._ended = True
            self._thread.join()
            raise entry.error
        return entry

    def close(self) -> None:
        """Stop the worker and wait for it; the items it had produced are dropped."""
        self._ended = True
        self._stop.set()
        # make room: a worker blocked on a full queue finishes that put at once and then, at its
        # next item, sees the stop
        self._drain()
        self._thread.join()
        self._drain()

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def __enter__(self) -> Ahead[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
