"""Emitting Qt signals from Python without losing a reference to ``True`` (PySide6 6.12.0 bug).

In PySide6 6.12.0 ``SignalInstance.emit()`` returns ``True`` without a new reference, so every emit
from Python (whatever its arguments) takes one reference from ``True``; when the count reaches zero
CPython 3.11 aborts with "bool_dealloc: deallocating True or False". A few thousand emits are enough:
the demo preview alone emits 10 frames a second per camera. :func:`emit` gives the reference back,
and only when the installed PySide6 is found (once, at import) to have the bug.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from examsite.gui.qt import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def _emit_drops_a_reference(tries: int = 16) -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(tries):
        probe.ping.emit()
    # Other threads may move the count a little; the bug moves it by exactly one per emit.
    return before - sys.getrefcount(True) >= tries


EMIT_DROPS_A_REFERENCE = _emit_drops_a_reference()


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, repairing the reference PySide6 6.12.0 takes from the result."""
    result = signal.emit(*args)
    if EMIT_DROPS_A_REFERENCE and isinstance(result, bool):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
