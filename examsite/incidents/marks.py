"""The one-key mark: the moment is stored first, before any form opens (issue 5).

Whatever is typed into the record later cannot shift this time: it is written with its own audit
entry the instant the key is pressed, and the record's ``marked_at`` must equal it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite import audit
from examsite.canonical import canonical_bytes
from examsite.clock import iso_utc, utc_now
from examsite.errors import NotFound
from examsite.sites.sessions import current_session
from examsite.sites.setup import current_site, find_room
from examsite.store.models import Incident, IncidentState


def mark_moment(
    session: Session, *, marked_by: str, room: str | None = None, at: datetime | None = None
) -> Incident:
    """Store an incident moment now (or at ``at`` for one found later on video, art. 15 ¶2)."""
    moment = at or utc_now()
    site = current_site(session)
    room_row = find_room(session, site, room) if room else None
    running = current_session(session, moment)
    incident = Incident(
        site_id=site.id,
        session_id=running.id if running else None,
        room_id=room_row.id if room_row else None,
        marked_at=moment,
        marked_by=marked_by,
        state=IncidentState.DRAFT.value,
        current_version=0,
    )
    session.add(incident)
    session.flush()
    audit.append(
        session,
        actor=marked_by,
        action="incident.marked",
        object_type="incident",
        object_id=incident.id,
        content=canonical_bytes(
            {"marked_at": iso_utc(moment), "room": room, "session": running.code if running else None}
        ),
        at=moment if at is None else None,
    )
    return incident


def find_incident(session: Session, incident_id: str) -> Incident:
    """An incident by id or by a unique prefix of at least 6 characters (as the CLI prints them)."""
    found = session.get(Incident, incident_id)
    if found is not None:
        return found
    if len(incident_id) >= 6:
        matches = session.execute(select(Incident).where(Incident.id.startswith(incident_id))).scalars().all()
        if len(matches) == 1:
            return matches[0]
    raise NotFound(f"no incident {incident_id!r}", hint="see `examsite incident list`")
