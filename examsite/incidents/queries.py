"""Read-only views of incidents for lists and screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.store.models import Incident, IncidentVersion, Room, Signature


@dataclass(frozen=True)
class IncidentSummary:
    """One row of the incident list."""

    id: str
    marked_at: datetime
    room: str
    state: str
    version: int
    subject_kind: str
    subject: str
    article: str
    severity: str | None
    cosignatures: int
    confirmed: bool


def list_incidents(
    session: Session, *, state: str | None = None, subject_kind: str | None = None, text: str = ""
) -> list[IncidentSummary]:
    """Incidents newest first, filtered by state, subject kind and free text (subject or article)."""
    query = select(Incident).order_by(Incident.marked_at.desc())
    if state:
        query = query.where(Incident.state == state)
    rooms = {room.id: room.name for room in session.execute(select(Room)).scalars()}
    out = []
    for incident in session.execute(query).scalars():
        version = next((v for v in incident.versions if v.version == incident.current_version), None)
        summary = _summarise(session, incident, version, rooms)
        if subject_kind and summary.subject_kind != subject_kind:
            continue
        if text and text not in summary.subject and text not in summary.article:
            continue
        out.append(summary)
    return out


def _summarise(
    session: Session, incident: Incident, version: IncidentVersion | None, rooms: dict[str, str]
) -> IncidentSummary:
    cosign = confirmed = 0
    if version is not None:
        for signature in session.execute(
            select(Signature).where(Signature.incident_version_id == version.id)
        ).scalars():
            if signature.purpose == "cosign":
                cosign += 1
            elif signature.purpose == "confirm":
                confirmed += 1
    return IncidentSummary(
        id=incident.id,
        marked_at=incident.marked_at,
        room=rooms.get(incident.room_id or "", ""),
        state=incident.state,
        version=incident.current_version,
        subject_kind=version.subject_kind if version else "",
        subject=version.subject_ref if version else "",
        article=version.article_key if version else "",
        severity=version.severity if version else None,
        cosignatures=cosign,
        confirmed=confirmed > 0,
    )
