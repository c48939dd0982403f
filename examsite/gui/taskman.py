"""Work off the GUI thread (Anki ``aqt/taskman.py``, ``aqt/operations``).

Store work runs on one worker thread, in order; the result comes back to the GUI thread through a
queued signal, so callbacks may touch widgets. Usage::

    StoreOp(store, lambda s: load_overview(s)).success(self._on_overview_loaded).run(taskman)
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from examsite.gui.qt import QObject, Signal
from examsite.gui.signals import emit

log = logging.getLogger(__name__)


class _Bridge(QObject):
    finished = Signal(object, object)  # (callback, future)


class TaskManager(QObject):
    """A single-worker executor for store work whose results are delivered on the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._bridge = _Bridge()
        self._bridge.finished.connect(self._on_finished)
        self._pending = 0

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def run(self, fn: Callable[[], Any], on_done: Callable[[Future[Any]], None]) -> None:
        """Run ``fn`` on the worker; call ``on_done(future)`` on the GUI thread afterwards."""
        self._pending += 1
        future = self._executor.submit(fn)
        future.add_done_callback(lambda fut: emit(self._bridge.finished, on_done, fut))

    def _on_finished(self, callback: Callable[[Future[Any]], None], future: Future[Any]) -> None:
        self._pending -= 1
        callback(future)

    def shutdown(self) -> None:
        """Wait for queued store work to finish (called when the window closes)."""
        self._executor.shutdown(wait=True)


class StoreOp:
    """One unit of store work: ``fn(session)`` in a transaction, then ``success`` or ``failure``."""

    def __init__(self, store: Any, fn: Callable[[Any], Any]) -> None:
        self._store = store
        self._fn = fn
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None

    def success(self, callback: Callable[[Any], None]) -> StoreOp:
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> StoreOp:
        self._failure = callback
        return self

    def _call(self) -> Any:
        with self._store.session() as session:
            return self._fn(session)

    def run(self, taskman: TaskManager) -> None:
        def done(future: Future[Any]) -> None:
            exc = future.exception()
            if exc is None:
                if self._success is not None:
                    self._success(future.result())
                return
            if self._failure is not None:
                self._failure(exc)
            else:
                log.error("store operation failed:\n%s", "".join(traceback.format_exception(exc)))

        taskman.run(self._call, done)


class LongJob(QObject):
    """A long job (clip cut, export, import) on its own thread, with progress and cancel.

    ``fn(job)`` runs off the GUI thread; it may call ``job.report(done, total, text)`` and should
    stop when ``job.cancelled`` is true. ``finished`` / ``failed`` arrive on the GUI thread.
    """

    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[LongJob], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def report(self, done: int, total: int, text: str = "") -> None:
        emit(self.progressed, done, total, text)

    def start(self) -> None:
        def run() -> None:
            try:
                result = self._fn(self)
            except BaseException as exc:  # delivered to the GUI thread, which shows it
                emit(self.failed, exc)
            else:
                emit(self.finished, result)

        self._thread = threading.Thread(target=run, name="long-job", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Join the thread (tests and shutdown); True when it has ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()
