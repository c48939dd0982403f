"""The store's index of recordings: sealed segments, gaps with reasons, camera alerts, coverage.

The recorder reports through :class:`StoreSink`; each camera's journal on disk stays the recorder's
own truth, and :func:`sync_journal` brings the index level with it after a crash (the recorder may be
killed between sealing a segment and indexing it). Coverage answers 管理办法 art. 8(3): every second
of a camera's session is either recorded or a gap with a reason.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite import audit
from examsite.clock import as_utc
from examsite.evidence.recorder import GapReason
from examsite.evidence.segments import RECORDED, SegmentInfo, SegmentJournal
from examsite.evidence.segments import coverage as timeline
from examsite.store.engine import Store
from examsite.store.models import CameraAlert, CoverageGap, Segment

log = logging.getLogger(__name__)

RECORDER_ACTOR = "recorder"
# Segments are cut back to back; closer than this is one continuous recording.
CONTIGUOUS = timedelta(milliseconds=50)


def _index_segment(session: Session, info: SegmentInfo, recordings: Path, skew_ms: int | None) -> bool:
    """Add one sealed segment to the index; False when it is there already."""
    start = as_utc(info.start)
    exists = session.execute(
        select(Segment.id).where(Segment.camera_id == info.camera_id, Segment.start_at == start)
    ).first()
    if exists:
        return False
    session.add(
        Segment(
            camera_id=info.camera_id,
            path=Path(info.path).resolve().relative_to(recordings.resolve()).as_posix(),
            start_at=start,
            end_at=as_utc(info.end),
            size=info.size,
            sha256=info.sha256,
            prev_chain=info.prev_chain,
            chain=info.chain,
            codec=info.video_codec,
            camera_skew_ms=skew_ms,
        )
    )
    return True


class StoreSink:
    """Receives the recorder's events (from its camera threads) and writes them to the store.

    A store error never stops recording: it is logged and the segment stays in the camera's journal,
    from which :func:`sync_journal` indexes it at the next start.
    """

    def __init__(self, store: Store, recordings: Path) -> None:
        self.store = store
        self.recordings = recordings
        self._skew_ms: dict[str, int] = {}
        self._open_gaps: dict[str, str] = {}
        self._lock = threading.Lock()

    def segment_sealed(self, info: SegmentInfo) -> None:
        try:
            with self.store.session() as session:
                _index_segment(session, info, self.recordings, self._skew_ms.get(info.camera_id))
        except Exception:
            log.exception("could not index segment %s; it stays in the journal", Path(info.path).name)

    def gap_opened(self, camera_id: str, start: datetime, reason: GapReason, detail: str) -> None:
        try:
            with self.store.session() as session:
                gap = CoverageGap(
                    camera_id=camera_id, start_at=as_utc(start), reason=str(reason), detail=detail
                )
                session.add(gap)
                session.flush()
                audit.append(
                    session,
                    actor=RECORDER_ACTOR,
                    action="coverage.gap_opened",
                    object_type="camera",
                    object_id=camera_id,
                    content=f"{reason}:{detail}",
                    detail=str(reason),
                )
                with self._lock:
                    self._open_gaps[camera_id] = gap.id
        except Exception:
            log.exception("could not record a gap of camera %s", camera_id)

    def gap_closed(
        self, camera_id: str, start: datetime, end: datetime, reason: GapReason, detail: str
    ) -> None:
        try:
            with self.store.session() as session:
                with self._lock:
                    gap_id = self._open_gaps.pop(camera_id, None)
                gap = session.get(CoverageGap, gap_id) if gap_id else None
                if gap is None:
                    gap = CoverageGap(
                        camera_id=camera_id, start_at=as_utc(start), reason=str(reason), detail=detail
                    )
                    session.add(gap)
                gap.end_at = as_utc(end)
                gap.detail = detail or gap.detail
                audit.append(
                    session,
                    actor=RECORDER_ACTOR,
                    action="coverage.gap_closed",
                    object_type="camera",
                    object_id=camera_id,
                    content=f"{reason}:{detail}",
                    detail=f"{reason}, {(as_utc(end) - as_utc(start)).total_seconds():.1f} s",
                )
        except Exception:
            log.exception("could not close a gap of camera %s", camera_id)

    def alert(self, camera_id: str | None, kind: str, detail: str, at: datetime) -> None:
        try:
            with self.store.session() as session:
                session.add(CameraAlert(camera_id=camera_id, kind=kind, detail=detail, at=as_utc(at)))
                clear_alerts(session, camera_id, kind, as_utc(at))
        except Exception:
            log.exception("could not record alert %s", kind)

    def skew(self, camera_id: str, seconds: float, at: datetime) -> None:
        self._skew_ms[camera_id] = round(seconds * 1000)


# An alert that ends others: the camera is back, the disk has room again, a tamper state ended.
_CLEARS = {
    "camera_online": ("camera_offline",),
    "disk_ok": ("disk_low", "disk_full"),
}


def clear_alerts(session: Session, camera_id: str | None, kind: str, at: datetime) -> int:
    """Mark the open alerts that ``kind`` ends as cleared at ``at``; returns how many.

    ``tamper_covered_cleared`` ends ``tamper_covered`` (and likewise for every ``*_cleared`` kind),
    ``camera_online`` ends ``camera_offline``, ``disk_ok`` ends ``disk_low`` and ``disk_full``, so the
    live wall stops showing a problem that is over while the history keeps both rows.
    """
    ended = _CLEARS.get(kind, (kind.removesuffix("_cleared"),) if kind.endswith("_cleared") else ())
    if not ended:
        return 0
    query = select(CameraAlert).where(CameraAlert.kind.in_(ended), CameraAlert.cleared_at.is_(None))
    query = query.where(
        CameraAlert.camera_id.is_(None) if camera_id is None else CameraAlert.camera_id == camera_id
    )
    rows = session.execute(query).scalars().all()
    for row in rows:
        row.cleared_at = at
    return len(rows)


def sync_journal(store: Store, recordings: Path, camera_id: str) -> int:
    """Index every sealed segment of the camera's journal missing from the store; returns how many."""
    journal = SegmentJournal(recordings / camera_id, camera_id)
    added = 0
    with store.session() as session:
        for info in journal.load():
            added += _index_segment(session, info, recordings, None)
    return added


def close_open_gaps(store: Store, at: datetime, reason: str = GapReason.RECORDER_STOPPED) -> int:
    """Close gaps left open by a recorder that died, at the time it is found to have died."""
    with store.session() as session:
        gaps = session.execute(select(CoverageGap).where(CoverageGap.end_at.is_(None))).scalars().all()
        for gap in gaps:
            gap.end_at = as_utc(at)
            gap.detail = (gap.detail + "; " if gap.detail else "") + f"closed at restart ({reason})"
        return len(gaps)


@dataclass(frozen=True)
class Span:
    """A stretch of a camera's timeline: recorded, or a gap with its reason."""

    start: datetime
    end: datetime
    kind: str  # recorded | gap
    reason: str = ""

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def segments_between(session: Session, camera_id: str, start: datetime, end: datetime) -> list[Segment]:
    """Indexed, not deleted segments of a camera overlapping [start, end), in time order."""
    return list(
        session.execute(
            select(Segment)
            .where(
                Segment.camera_id == camera_id,
                Segment.end_at > as_utc(start),
                Segment.start_at < as_utc(end),
                Segment.deleted_at.is_(None),
            )
            .order_by(Segment.start_at)
        ).scalars()
    )


def coverage(session: Session, camera_id: str, start: datetime, end: datetime) -> list[Span]:
    """Every second of [start, end) as recorded spans and gaps with their reasons.

    Time that neither a segment nor a reported gap accounts for (no recorder was running, or the
    app was closed) is a gap with reason ``unaccounted``: shown, never hidden (管理办法 art. 8(3)).
    """
    start, end = as_utc(start), as_utc(end)
    segments = [
        _Stretch(seg.start_at, seg.end_at) for seg in segments_between(session, camera_id, start, end)
    ]
    rows = session.execute(
        select(CoverageGap)
        .where(CoverageGap.camera_id == camera_id, CoverageGap.start_at < end)
        .order_by(CoverageGap.start_at)
    ).scalars()
    gaps = [(g.start_at, g.end_at or end, g.reason) for g in rows if g.end_at is None or g.end_at > start]
    return [
        Span(
            span.start,
            span.end,
            "recorded" if span.state == RECORDED else "gap",
            "" if span.state == RECORDED else span.state,
        )
        for span in timeline(segments, gaps, start, end, tolerance=CONTIGUOUS)
    ]


@dataclass(frozen=True)
class _Stretch:
    start: datetime
    end: datetime
