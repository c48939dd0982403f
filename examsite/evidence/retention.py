"""Retention by age: which recorded segments may be deleted now.

A pure function, so the rule is tested on its own (Frigate keeps the same shape). Two things are never
deleted, whatever their age: a segment pinned by evidence (a clip was cut from it, art. 15: evidence
is kept) and a segment overlapping a protected span (an incident whose clip is not cut yet, or a
session still under review).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, TypeVar

from examsite.clock import as_utc
from examsite.errors import InvalidInput


class RetainedSegment(Protocol):
    """What retention needs of a segment (a ``SegmentInfo`` fits)."""

    @property
    def path(self) -> Path: ...

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


S = TypeVar("S", bound=RetainedSegment)


def segments_to_delete(
    segments: Iterable[S],
    now: datetime,
    max_age: timedelta,
    pinned: Collection[Path] = (),
    protected_spans: Iterable[tuple[datetime, datetime]] = (),
) -> list[S]:
    """The segments older than ``max_age`` (by their end) that nothing protects, oldest first.

    ``pinned`` holds paths of segments backing evidence; ``protected_spans`` wall-clock spans whose
    segments must stay. Raises :class:`InvalidInput` for a non-positive ``max_age``.
    """
    if max_age <= timedelta(0):
        raise InvalidInput(f"retention age must be positive, got {max_age}")
    cutoff = as_utc(now) - max_age
    pinned_set = {Path(p) for p in pinned}
    spans = [(as_utc(a), as_utc(b)) for a, b in protected_spans]
    doomed = []
    for seg in segments:
        start, end = as_utc(seg.start), as_utc(seg.end)
        if end > cutoff or Path(seg.path) in pinned_set:
            continue
        if any(start < span_end and end > span_start for span_start, span_end in spans):
            continue
        doomed.append(seg)
    return sorted(doomed, key=lambda s: as_utc(s.start))
