"""Creating the institution, the site and its rooms (``examsite init``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite import audit
from examsite.canonical import canonical_bytes
from examsite.errors import InvalidInput, NotFound
from examsite.store.models import Institution, Room, Site

SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class SiteSpec:
    """What ``examsite init`` asks for."""

    institution_code: str
    institution_name: str
    city: str
    site_code: str
    site_name: str
    rooms: tuple[str, ...]
    address: str = ""


def _require(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{what} is empty", hint=f"give the {what}")
    return value


def init_site(session: Session, spec: SiteSpec, actor: str = SYSTEM_ACTOR) -> Site:
    """Create (or extend) the institution and site, and add any rooms not there yet.

    Running it again with more rooms adds them; a site code already used by another institution is
    refused, so two installations never silently merge.
    """
    inst_code = _require(spec.institution_code, "institution code")
    site_code = _require(spec.site_code, "site code")
    rooms = [_require(room, "room name") for room in spec.rooms]
    if len(set(rooms)) != len(rooms):
        raise InvalidInput("a room name is given twice", hint="give each room once")
    institution = session.execute(
        select(Institution).where(Institution.code == inst_code)
    ).scalar_one_or_none()
    if institution is None:
        institution = Institution(
            code=inst_code, name=_require(spec.institution_name, "institution name"), city=spec.city.strip()
        )
        session.add(institution)
        session.flush()
        audit.append(
            session,
            actor=actor,
            action="institution.created",
            object_type="institution",
            object_id=institution.id,
            content=canonical_bytes({"code": inst_code, "name": institution.name, "city": institution.city}),
        )
    site = session.execute(select(Site).where(Site.code == site_code)).scalar_one_or_none()
    if site is None:
        site = Site(
            institution=institution,
            code=site_code,
            name=_require(spec.site_name, "site name"),
            address=spec.address.strip(),
        )
        session.add(site)
        session.flush()
        audit.append(
            session,
            actor=actor,
            action="site.created",
            object_type="site",
            object_id=site.id,
            content=canonical_bytes({"code": site_code, "name": site.name, "institution": inst_code}),
        )
    elif site.institution_id != institution.id:
        raise InvalidInput(
            f"site {site_code} belongs to another institution",
            hint="use that institution's code or another site code",
        )
    existing = {room.name for room in site.rooms}
    for name in rooms:
        if name in existing:
            continue
        room = Room(site=site, name=name)
        session.add(room)
        session.flush()
        audit.append(
            session,
            actor=actor,
            action="room.created",
            object_type="room",
            object_id=room.id,
            content=canonical_bytes({"site": site_code, "name": name}),
        )
    session.flush()
    session.refresh(site)
    return site


def current_site(session: Session) -> Site:
    """The site of this installation (the first one created)."""
    site = session.execute(select(Site).order_by(Site.created_at).limit(1)).scalar_one_or_none()
    if site is None:
        raise NotFound("no site is set up yet", hint="run `examsite init` or use the first-run dialog")
    return site


def find_room(session: Session, site: Site, name: str) -> Room:
    """A room of ``site`` by name."""
    room = session.execute(
        select(Room).where(Room.site_id == site.id, Room.name == name)
    ).scalar_one_or_none()
    if room is None:
        names = ", ".join(r.name for r in site.rooms) or "none"
        raise NotFound(f"no room named {name!r} at site {site.code}", hint=f"rooms: {names}")
    return room
