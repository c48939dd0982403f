"""Evidence of an incident (art. 15: collect and preserve it): clips, photos, documents, seized items.

Every file is stored once, read-only, under the evidence folder by its SHA-256 (``ab/abcdef….mp4``)
and indexed as an :class:`EvidenceItem`; the segments a clip was cut from are pinned, so retention
never deletes them. Nothing here overwrites or removes a file.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite import audit
from examsite.canonical import canonical_bytes
from examsite.clock import as_utc, iso_utc, utc_now
from examsite.errors import ExamsiteError, InvalidInput
from examsite.evidence.clips import DEFAULT_AFTER, DEFAULT_BEFORE, ClipSegment, cut_incident_clip, import_clip
from examsite.evidence.index import segments_between
from examsite.fsutil import atomic_writer, sha256_file
from examsite.incidents.record import EvidenceKind, EvidenceRef
from examsite.store.engine import Store
from examsite.store.models import Camera, EvidenceItem, Incident, IncidentEvidence, Segment

EVIDENCE_MODE = 0o400


def evidence_path(evidence_dir: Path, sha256: str, suffix: str) -> Path:
    """Where a file with this hash lives: content-addressed, two-level."""
    return evidence_dir / sha256[:2] / f"{sha256}{suffix}"


def _store_file(source: Path, evidence_dir: Path) -> tuple[str, int, Path]:
    """Copy ``source`` into the evidence folder under its hash; an identical file is stored once."""
    digest = sha256_file(source)
    target = evidence_path(evidence_dir, digest, source.suffix.lower())
    if target.exists():
        if sha256_file(target) != digest:
            raise ExamsiteError(
                f"evidence file {target.name} on disk no longer matches its name",
                code="evidence_mismatch",
                hint="the evidence folder was altered; report it before going on",
            )
        return digest, target.stat().st_size, target
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(target, EVIDENCE_MODE) as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out, 1 << 20)
    if sha256_file(target) != digest:  # the source changed while it was copied
        os.chmod(target, 0o600)
        target.unlink()
        raise ExamsiteError(f"{source.name} changed while it was being stored", code="evidence_changed")
    return digest, target.stat().st_size, target


def _link(
    session: Session,
    incident: Incident,
    item: EvidenceItem,
    actor: str,
) -> EvidenceItem:
    existing = session.execute(
        select(EvidenceItem).where(EvidenceItem.sha256 == item.sha256)
    ).scalar_one_or_none()
    if existing is None:
        session.add(item)
        session.flush()
        existing = item
    if session.get(IncidentEvidence, (incident.id, existing.id)) is None:
        session.add(IncidentEvidence(incident_id=incident.id, evidence_id=existing.id))
        audit.append(
            session,
            actor=actor,
            action="evidence.linked",
            object_type="incident",
            object_id=incident.id,
            content=existing.sha256,
            detail=f"{existing.kind} {existing.media_type} {existing.size} bytes",
        )
    return existing


def attach_file(
    session: Session,
    incident: Incident,
    source: Path,
    evidence_dir: Path,
    *,
    kind: EvidenceKind,
    actor: str,
    description: str = "",
    receipt_number: str = "",
) -> EvidenceItem:
    """Store a photo, a document or the record of a seized item (with its receipt number)."""
    source = Path(source)
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file", hint="check the path")
    if kind is EvidenceKind.SEIZED_ITEM and not receipt_number.strip():
        raise InvalidInput("a seized item needs its receipt number", hint="write the number on the receipt")
    digest, size, target = _store_file(source, evidence_dir)
    media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
    item = EvidenceItem(
        sha256=digest,
        size=size,
        media_type=media_type,
        kind=kind.value,
        path=target.relative_to(evidence_dir).as_posix(),
        description=description,
        receipt_number=receipt_number.strip(),
    )
    return _link(session, incident, item, actor)


@dataclass(frozen=True)
class ClipRequest:
    incident_id: str
    camera_id: str
    at: datetime
    before: timedelta = DEFAULT_BEFORE
    after: timedelta = DEFAULT_AFTER
    frame_accurate: bool = False


def wait_for_post_roll(
    store: Store,
    camera_id: str,
    until: datetime,
    timeout: float,
    cancelled: Callable[[], bool] | None = None,
) -> bool:
    """Wait until the camera's index reaches ``until`` (the post-roll is still being recorded).

    Returns False on timeout or when ``cancelled()`` turns true.
    """
    deadline = time.monotonic() + timeout
    while True:
        if cancelled is not None and cancelled():
            return False
        with store.session() as session:
            last = session.execute(
                select(Segment.end_at)
                .where(Segment.camera_id == camera_id)
                .order_by(Segment.end_at.desc())
                .limit(1)
            ).scalar_one_or_none()
        if last is not None and last >= as_utc(until):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


def cut_and_attach_clip(
    store: Store, request: ClipRequest, recordings: Path, evidence_dir: Path, actor: str
) -> EvidenceItem:
    """Cut the clip around the incident from the camera's indexed segments, store and link it."""
    start, end = as_utc(request.at) - request.before, as_utc(request.at) + request.after
    with store.session() as session:
        camera = session.get(Camera, request.camera_id)
        if camera is None:
            raise InvalidInput(f"no camera {request.camera_id}")
        segments = [
            ClipSegment(recordings / seg.path, seg.start_at, seg.end_at)
            for seg in segments_between(session, request.camera_id, start, end)
        ]
        camera_name = f"{camera.room.name}/{camera.name}"
    tmp = evidence_dir / ".incoming" / f"{request.incident_id}-{request.camera_id}.mp4"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    clip = cut_incident_clip(
        segments,
        request.at,
        tmp,
        before=request.before,
        after=request.after,
        frame_accurate=request.frame_accurate,
    )
    try:
        digest, size, target = _store_file(tmp, evidence_dir)
    finally:
        os.chmod(tmp, 0o600)
        tmp.unlink()
    if digest != clip.sha256:
        raise ExamsiteError("the clip changed between cutting and storing", code="evidence_changed")
    with store.session() as session:
        incident = session.get(Incident, request.incident_id)
        if incident is None:
            raise InvalidInput(f"no incident {request.incident_id}")
        item = EvidenceItem(
            sha256=digest,
            size=size,
            media_type=clip.media_type,
            kind=EvidenceKind.VIDEO_CLIP.value,
            path=target.relative_to(evidence_dir).as_posix(),
            camera_id=request.camera_id,
            span_start=clip.start,
            span_end=clip.end,
            description=f"{camera_name} {iso_utc(clip.start)} – {iso_utc(clip.end)}"
            + (f"; gaps: {len(clip.missing)}" if clip.missing else ""),
        )
        item = _link(session, incident, item, actor)
        used = {Path(p).resolve() for p in clip.segments}
        for seg in segments_between(session, request.camera_id, start, end):
            if (recordings / seg.path).resolve() in used and not seg.pinned:
                seg.pinned = True
        audit.append(
            session,
            actor=actor,
            action="evidence.clip_cut",
            object_type="incident",
            object_id=incident.id,
            content=canonical_bytes(
                {
                    "sha256": digest,
                    "camera": camera_name,
                    "requested": [iso_utc(clip.requested_start), iso_utc(clip.requested_end)],
                    "span": [iso_utc(clip.start), iso_utc(clip.end)],
                    "segments": sorted(p.name for p in used),
                    "frame_accurate": clip.frame_accurate,
                    "cut_at": iso_utc(utc_now()),
                }
            ),
        )
        return item


def attach_nvr_clip(
    session: Session,
    incident: Incident,
    source: Path,
    declared_start: datetime,
    evidence_dir: Path,
    *,
    actor: str,
    camera_label: str = "",
) -> EvidenceItem:
    """Take in a clip exported from a separate NVR, byte for byte, with the start time it declares.

    The file keeps the SHA-256 the NVR's export shows; its span is the declared start plus its own
    duration. The description names the NVR camera, since it is not one of this site's cameras.
    """
    tmp = evidence_dir / ".incoming" / f"nvr-{incident.id}{Path(source).suffix.lower() or '.mp4'}"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    clip = import_clip(Path(source), declared_start, tmp)
    try:
        digest, size, target = _store_file(tmp, evidence_dir)
    finally:
        os.chmod(tmp, 0o600)
        tmp.unlink()
    label = camera_label.strip() or Path(source).name
    item = EvidenceItem(
        sha256=digest,
        size=size,
        media_type=clip.media_type,
        kind=EvidenceKind.VIDEO_CLIP.value,
        path=target.relative_to(evidence_dir).as_posix(),
        span_start=clip.start,
        span_end=clip.end,
        description=f"NVR export {label}, declared start {iso_utc(declared_start)}",
    )
    return _link(session, incident, item, actor)


def evidence_refs(session: Session, incident: Incident) -> tuple[EvidenceRef, ...]:
    """The incident's evidence as the record lists it (hash, size, media type, camera, span)."""
    rows = session.execute(
        select(EvidenceItem)
        .join(IncidentEvidence, IncidentEvidence.evidence_id == EvidenceItem.id)
        .where(IncidentEvidence.incident_id == incident.id)
        .order_by(EvidenceItem.created_at)
    ).scalars()
    refs = []
    for item in rows:
        camera = session.get(Camera, item.camera_id) if item.camera_id else None
        refs.append(
            EvidenceRef(
                sha256=item.sha256,
                size=item.size,
                media_type=item.media_type,
                kind=EvidenceKind(item.kind),
                camera=f"{camera.room.name}/{camera.name}" if camera else None,
                span_start=item.span_start,
                span_end=item.span_end,
                description=item.description,
                receipt_number=item.receipt_number,
            )
        )
    return tuple(refs)
