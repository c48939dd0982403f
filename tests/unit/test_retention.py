"""Retention by age never deletes a segment that backs evidence or lies in a protected span."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examsite.errors import InvalidInput
from examsite.evidence.retention import segments_to_delete

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Seg:
    path: Path
    start: datetime
    end: datetime


def make(count: int, first: datetime, step: timedelta = timedelta(hours=6)) -> list[Seg]:
    return [
        Seg(Path(f"/rec/{i:03d}.ts"), first + i * step, first + i * step + timedelta(seconds=10))
        for i in range(count)
    ]


def test_deletes_only_segments_older_than_the_age_oldest_first() -> None:
    segs = make(12, NOW - 3 * DAY)  # every 6 h over three days
    doomed = segments_to_delete(reversed(segs), NOW, max_age=2 * DAY)
    assert doomed == [s for s in segs if s.end <= NOW - 2 * DAY]
    assert [s.start for s in doomed] == sorted(s.start for s in doomed)
    assert len(doomed) == 4


def test_a_segment_ending_inside_the_window_is_kept() -> None:
    seg = Seg(Path("/rec/edge.ts"), NOW - DAY - timedelta(seconds=5), NOW - DAY + timedelta(seconds=5))
    assert segments_to_delete([seg], NOW, DAY) == []


def test_pinned_segments_are_never_deleted() -> None:
    segs = make(8, NOW - 30 * DAY)
    pinned = {segs[1].path, segs[5].path}
    doomed = segments_to_delete(segs, NOW, DAY, pinned=pinned)
    assert {s.path for s in doomed} == {s.path for s in segs} - pinned


def test_protected_spans_keep_overlapping_segments() -> None:
    segs = make(8, NOW - 30 * DAY)
    span = (segs[2].start + timedelta(seconds=5), segs[3].start + timedelta(seconds=1))
    doomed = segments_to_delete(segs, NOW, DAY, protected_spans=[span])
    assert segs[2] not in doomed
    assert segs[3] not in doomed
    assert len(doomed) == 6


def test_naive_times_are_taken_as_utc() -> None:
    seg = Seg(Path("/rec/a.ts"), datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 0, 10))
    assert segments_to_delete([seg], NOW, DAY) == [seg]


@pytest.mark.parametrize("age", [timedelta(0), -DAY])
def test_non_positive_age_is_refused(age: timedelta) -> None:
    with pytest.raises(InvalidInput, match="retention age"):
        segments_to_delete([], NOW, age)


@given(
    ages=st.lists(st.integers(min_value=0, max_value=60 * 24 * 60), min_size=1, max_size=40),
    pin_mask=st.lists(st.booleans(), min_size=40, max_size=40),
    keep_minutes=st.integers(min_value=1, max_value=60 * 24 * 30),
)
def test_property_never_deletes_pinned_or_young(
    ages: list[int], pin_mask: list[bool], keep_minutes: int
) -> None:
    segs = [
        Seg(Path(f"/rec/{i}.ts"), NOW - timedelta(minutes=a, seconds=10), NOW - timedelta(minutes=a))
        for i, a in enumerate(ages)
    ]
    pinned = {s.path for s, pin in zip(segs, pin_mask, strict=False) if pin}
    doomed = segments_to_delete(segs, NOW, timedelta(minutes=keep_minutes), pinned=pinned)
    assert all(s.path not in pinned for s in doomed)
    assert all(NOW - s.end >= timedelta(minutes=keep_minutes) for s in doomed)
    expected = [s for s in segs if s.path not in pinned and NOW - s.end >= timedelta(minutes=keep_minutes)]
    assert sorted(doomed, key=lambda s: s.path) == sorted(expected, key=lambda s: s.path)
