"""Exam sessions (批次/场次) and the staff on duty in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite import audit
from examsite.canonical import canonical_bytes
from examsite.clock import iso_utc
from examsite.errors import InvalidInput, NotFound
from examsite.sites.setup import find_room
from examsite.store.models import ExamSession, ExamSubject, SessionStaff, Site, StaffMember, StaffRole

SUBJECT_LABELS_ZH = {
    ExamSubject.THEORY: "理论知识",
    ExamSubject.SKILLS: "操作技能",
    ExamSubject.REVIEW: "综合评审",
}


@dataclass(frozen=True)
class SessionSpec:
    """What a new exam session needs."""

    code: str
    occupation: str
    level: str
    subject: ExamSubject
    starts_at: datetime
    ends_at: datetime
    rooms: tuple[str, ...]


def create_session(session: Session, site: Site, spec: SessionSpec, actor: str) -> ExamSession:
    """Create an exam session in some of the site's rooms; its code must be new."""
    code = spec.code.strip()
    if not code or not spec.occupation.strip() or not spec.level.strip():
        raise InvalidInput("a session needs a code, an occupation and a level", hint="fill in all three")
    if spec.starts_at.tzinfo is None or spec.ends_at.tzinfo is None:
        raise InvalidInput("session times need a time zone", hint="give times like 2026-06-13T09:00+08:00")
    if spec.ends_at <= spec.starts_at:
        raise InvalidInput("the session ends before it starts", hint="check the start and end times")
    if not spec.rooms:
        raise InvalidInput("a session takes place in at least one room", hint="name the room(s)")
    if session.execute(select(ExamSession).where(ExamSession.code == code)).scalar_one_or_none():
        raise InvalidInput(f"session {code} exists already", hint="choose another code")
    rooms = [find_room(session, site, name) for name in spec.rooms]
    exam = ExamSession(
        site_id=site.id,
        code=code,
        occupation=spec.occupation.strip(),
        level=spec.level.strip(),
        subject=ExamSubject(spec.subject).value,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
    )
    exam.rooms = rooms
    session.add(exam)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="session.created",
        object_type="exam_session",
        object_id=exam.id,
        content=canonical_bytes(
            {
                "code": code,
                "occupation": exam.occupation,
                "level": exam.level,
                "subject": exam.subject,
                "starts_at": iso_utc(spec.starts_at),
                "ends_at": iso_utc(spec.ends_at),
                "rooms": [room.name for room in rooms],
            }
        ),
    )
    return exam


def find_session(session: Session, code: str) -> ExamSession:
    exam = session.execute(select(ExamSession).where(ExamSession.code == code)).scalar_one_or_none()
    if exam is None:
        raise NotFound(f"no exam session with code {code!r}", hint="see `examsite session list`")
    return exam


def list_sessions(session: Session) -> list[ExamSession]:
    return list(session.execute(select(ExamSession).order_by(ExamSession.starts_at.desc())).scalars())


def current_session(session: Session, at: datetime) -> ExamSession | None:
    """The session running at ``at`` (the latest-starting one if several overlap)."""
    return session.execute(
        select(ExamSession)
        .where(ExamSession.starts_at <= at, ExamSession.ends_at >= at)
        .order_by(ExamSession.starts_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def assign_staff(
    session: Session, exam: ExamSession, staff: StaffMember, role: StaffRole, actor: str
) -> None:
    """Put a staff member on duty in a session with a role they hold."""
    if role.value not in staff.role_names:
        raise InvalidInput(
            f"{staff.name} does not hold the role {role.value}",
            hint="grant the role first (examsite staff enroll) or pick another role",
        )
    key = (exam.id, staff.id, role.value)
    if session.get(SessionStaff, key) is not None:
        return
    session.add(SessionStaff(session_id=exam.id, staff_id=staff.id, role=role.value))
    audit.append(
        session,
        actor=actor,
        action="session.staff_assigned",
        object_type="exam_session",
        object_id=exam.id,
        content=canonical_bytes({"staff": staff.staff_no, "role": role.value}),
    )


@dataclass(frozen=True)
class DutyEntry:
    """One staff member on duty in a session, in one role."""

    staff_no: str
    name: str
    role: str


def staff_on_duty(session: Session, exam: ExamSession) -> list[DutyEntry]:
    """The staff on duty in ``exam``, ordered by staff number then role."""
    rows = session.execute(
        select(StaffMember.staff_no, StaffMember.name, SessionStaff.role)
        .join(SessionStaff, SessionStaff.staff_id == StaffMember.id)
        .where(SessionStaff.session_id == exam.id)
        .order_by(StaffMember.staff_no, SessionStaff.role)
    ).all()
    return [DutyEntry(staff_no, name, role) for staff_no, name, role in rows]


def unassign_staff(
    session: Session, exam: ExamSession, staff: StaffMember, role: StaffRole, actor: str
) -> None:
    """Take a staff member off duty in a session for one role (a mistaken or changed assignment).

    The assignment row goes; the audit log keeps both the assignment and its removal, so who was on
    duty when is still on record (art. 15: the room head's confirmation is checked against duty).
    """
    row = session.get(SessionStaff, (exam.id, staff.id, role.value))
    if row is None:
        raise NotFound(
            f"{staff.name} ({staff.staff_no}) is not on duty as {role.value} in session {exam.code}",
            hint=f"`examsite session show {exam.code}` lists the staff on duty",
        )
    session.delete(row)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="session.staff_unassigned",
        object_type="exam_session",
        object_id=exam.id,
        content=canonical_bytes({"staff": staff.staff_no, "role": role.value}),
    )
