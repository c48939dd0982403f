"""The store's tables as typed SQLAlchemy 2 models.

Rows that carry evidence or signatures are immutable once written: an amended incident is a new
:class:`IncidentVersion`, a sealed segment is never rewritten, and the audit log refuses UPDATE and
DELETE at the database level (see the migration that creates it). Canonical record bytes are the
source of truth; columns beside them are derived for searching.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from examsite.clock import utc_now
from examsite.store.types import UTCDateTime, new_id

# Named constraints let Alembic's batch mode on SQLite find and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _id_column() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


def _created_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utc_now, nullable=False)


class StaffRole(StrEnum):
    """Staff roles of the 规程 (art. 8–11) plus the exam-room head of art. 15."""

    EXAM_AFFAIRS = "exam_affairs"  # 考务人员
    INVIGILATOR = "invigilator"  # 监考人员
    ITEM_WRITER = "item_writer"  # 命(审)题人员
    EXAMINER = "examiner"  # 考评人员
    INTERNAL_SUPERVISOR = "internal_supervisor"  # 内部质量督导人员
    EXTERNAL_SUPERVISOR = "external_supervisor"  # 外部质量督导人员
    ROOM_HEAD = "room_head"  # 考场负责人
    SITE_DEVICE = "site_device"  # 考点设备密钥: signs case-bundle manifests, never a person


class ExamSubject(StrEnum):
    """The subject of a sitting: theory, practical skills, or comprehensive review."""

    THEORY = "theory"  # 理论知识
    SKILLS = "skills"  # 操作技能
    REVIEW = "review"  # 综合评审


class IncidentState(StrEnum):
    """draft -> signed (two distinct staff) -> confirmed (room head) -> exported (art. 15 ¶1)."""

    DRAFT = "draft"
    SIGNED = "signed"
    CONFIRMED = "confirmed"
    EXPORTED = "exported"


class CameraKind(StrEnum):
    RTSP = "rtsp"
    USB = "usb"
    FILE = "file"
    DEMO = "demo"


class Institution(Base):
    """评价机构: the organisation that runs the site and adjudicates its cases."""

    __tablename__ = "institution"

    id: Mapped[str] = _id_column()
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = _created_column()

    sites: Mapped[list[Site]] = relationship(back_populates="institution")


class Site(Base):
    """考点: one exam site of an institution."""

    __tablename__ = "site"

    id: Mapped[str] = _id_column()
    institution_id: Mapped[str] = mapped_column(ForeignKey("institution.id"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = _created_column()

    institution: Mapped[Institution] = relationship(back_populates="sites")
    rooms: Mapped[list[Room]] = relationship(back_populates="site", order_by="Room.name")


class Room(Base):
    """An exam room under video surveillance (管理办法 art. 8(3))."""

    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[str] = _id_column()
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = _created_column()

    site: Mapped[Site] = relationship(back_populates="rooms")
    cameras: Mapped[list[Camera]] = relationship(back_populates="room", order_by="Camera.name")


class Camera(Base):
    """A camera of a room: RTSP main/sub streams, a USB device, a file, or the demo pattern.

    The password is kept in its own column so it never appears inside a URL that could be logged.
    """

    __tablename__ = "camera"
    __table_args__ = (UniqueConstraint("room_id", "name"),)

    id: Mapped[str] = _id_column()
    room_id: Mapped[str] = mapped_column(ForeignKey("room.id"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default=CameraKind.RTSP.value)
    main_url: Mapped[str] = mapped_column(String(500), default="")
    sub_url: Mapped[str] = mapped_column(String(500), default="")
    username: Mapped[str] = mapped_column(String(100), default="")
    password: Mapped[str] = mapped_column(String(200), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _created_column()

    room: Mapped[Room] = relationship(back_populates="cameras")


class ExamSession(Base):
    """批次/场次: one sitting of an occupation, level and subject in one or more rooms."""

    __tablename__ = "exam_session"

    id: Mapped[str] = _id_column()
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    occupation: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = _created_column()

    rooms: Mapped[list[Room]] = relationship(secondary="session_room")
    candidates: Mapped[list[Candidate]] = relationship(back_populates="session")


class SessionRoom(Base):
    __tablename__ = "session_room"

    session_id: Mapped[str] = mapped_column(ForeignKey("exam_session.id"), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("room.id"), primary_key=True)


class Candidate(Base):
    """参评人员 of one session, from the imported roster. ID numbers are text (18 digits or X)."""

    __tablename__ = "candidate"
    # Explicit names: the convention would call both "uq_candidate_session_id", which PostgreSQL refuses.
    __table_args__ = (
        UniqueConstraint("session_id", "id_number", name="uq_candidate_session_id_number"),
        UniqueConstraint("session_id", "admission_number", name="uq_candidate_session_admission"),
    )

    id: Mapped[str] = _id_column()
    session_id: Mapped[str] = mapped_column(ForeignKey("exam_session.id"))
    room_id: Mapped[str | None] = mapped_column(ForeignKey("room.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    admission_number: Mapped[str] = mapped_column(String(64))
    seat: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = _created_column()

    session: Mapped[ExamSession] = relationship(back_populates="candidates")


class StaffMember(Base):
    """工作人员: a person who may witness, sign or confirm; roles in :class:`StaffRoleGrant`."""

    __tablename__ = "staff_member"

    id: Mapped[str] = _id_column()
    staff_no: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(18), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = _created_column()

    roles: Mapped[list[StaffRoleGrant]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", order_by="StaffRoleGrant.role"
    )
    keys: Mapped[list[StaffKey]] = relationship(back_populates="staff", order_by="StaffKey.created_at")

    @property
    def role_names(self) -> list[str]:
        return [grant.role for grant in self.roles]


class StaffRoleGrant(Base):
    __tablename__ = "staff_role"

    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    staff: Mapped[StaffMember] = relationship(back_populates="roles")


class StaffKey(Base):
    """A staff member's Ed25519 public key; the private part lives in a sealed keystore file."""

    __tablename__ = "staff_key"

    key_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    keystore_path: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = _created_column()
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revocation_reason: Mapped[str] = mapped_column(String(300), default="")

    staff: Mapped[StaffMember] = relationship(back_populates="keys")


class SessionStaff(Base):
    """Staff on duty for a session, with the role they hold there."""

    __tablename__ = "session_staff"

    session_id: Mapped[str] = mapped_column(ForeignKey("exam_session.id"), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class Incident(Base):
    """A violation case on the site side; its content lives in immutable versions."""

    __tablename__ = "incident"

    id: Mapped[str] = _id_column()
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("exam_session.id"), nullable=True)
    room_id: Mapped[str | None] = mapped_column(ForeignKey("room.id"), nullable=True)
    # The moment the key was pressed, stored before any form opens (issue 5).
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    marked_by: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(16), default=IncidentState.DRAFT.value, index=True)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = _created_column()

    versions: Mapped[list[IncidentVersion]] = relationship(
        back_populates="incident", order_by="IncidentVersion.version"
    )


class IncidentVersion(Base):
    """One immutable version of an incident record: RFC 8785 bytes, stored and signed as they are."""

    __tablename__ = "incident_version"
    __table_args__ = (UniqueConstraint("incident_id", "version"),)

    id: Mapped[str] = _id_column()
    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id"))
    version: Mapped[int] = mapped_column(Integer)
    record: Mapped[bytes] = mapped_column(LargeBinary)
    record_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    supersedes_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Derived from the record bytes for searching; never the source of truth.
    subject_kind: Mapped[str] = mapped_column(String(16), default="")
    subject_ref: Mapped[str] = mapped_column(String(100), default="")
    article_key: Mapped[str] = mapped_column(String(8), default="", index=True)
    severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = _created_column()
    created_by: Mapped[str] = mapped_column(String(100), default="")

    incident: Mapped[Incident] = relationship(back_populates="versions")
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="incident_version", order_by="Signature.created_at"
    )


class EvidenceItem(Base):
    """A file of evidence stored once, read-only, named by its SHA-256."""

    __tablename__ = "evidence_item"

    id: Mapped[str] = _id_column()
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))  # video_clip | photo | document | seized_item
    path: Mapped[str] = mapped_column(String(500))  # relative to the evidence folder
    camera_id: Mapped[str | None] = mapped_column(ForeignKey("camera.id"), nullable=True)
    span_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    span_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    receipt_number: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = _created_column()


class IncidentEvidence(Base):
    """Which evidence an incident refers to (the record bytes list it too, with hashes)."""

    __tablename__ = "incident_evidence"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incident.id"), primary_key=True)
    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence_item.id"), primary_key=True)


class Signature(Base):
    """A DSSE envelope over a record version: a co-signature or the head's confirmation."""

    __tablename__ = "signature"
    __table_args__ = (UniqueConstraint("incident_version_id", "staff_id", "purpose"),)

    id: Mapped[str] = _id_column()
    incident_version_id: Mapped[str] = mapped_column(ForeignKey("incident_version.id"))
    purpose: Mapped[str] = mapped_column(String(16))  # cosign | confirm
    staff_id: Mapped[str] = mapped_column(ForeignKey("staff_member.id"))
    key_id: Mapped[str] = mapped_column(String(80))
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    envelope_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = _created_column()

    incident_version: Mapped[IncidentVersion] = relationship(back_populates="signatures")


class Segment(Base):
    """A sealed recording segment: its wall-clock span, hash, and the hash chain per camera."""

    __tablename__ = "segment"
    __table_args__ = (UniqueConstraint("camera_id", "start_at"),)

    id: Mapped[str] = _id_column()
    camera_id: Mapped[str] = mapped_column(ForeignKey("camera.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))  # relative to the recordings folder
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    prev_chain: Mapped[str] = mapped_column(String(64))
    chain: Mapped[str] = mapped_column(String(64))
    codec: Mapped[str] = mapped_column(String(32), default="")
    camera_skew_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)  # backs evidence: never deleted
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = _created_column()


class CoverageGap(Base):
    """A span without recording and why (camera offline, stalled, disk full, recorder stopped)."""

    __tablename__ = "coverage_gap"

    id: Mapped[str] = _id_column()
    camera_id: Mapped[str] = mapped_column(ForeignKey("camera.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # open while ongoing
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class CameraAlert(Base):
    """Offline, back online, tamper (covered, defocused, moved), disk space, clock skew."""

    __tablename__ = "camera_alert"

    id: Mapped[str] = _id_column()
    camera_id: Mapped[str | None] = mapped_column(ForeignKey("camera.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[str] = mapped_column(Text, default="")
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditEntry(Base):
    """One entry of the append-only, hash-chained audit log (see :mod:`examsite.audit`)."""

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(100))
    content_sha256: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditCheckpoint(Base):
    """An RFC 9162 Merkle root over the first ``tree_size`` audit entries, optionally signed."""

    __tablename__ = "audit_checkpoint"

    tree_size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    envelope: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Setting(Base):
    """Small key/value settings of the installation (site identity, defaults)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class BundleExport(Base):
    """A case bundle this site wrote: what it holds and where its audit checkpoint stood."""

    __tablename__ = "bundle_export"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the bundle id in its manifest
    created_at: Mapped[datetime] = _created_column()
    created_by: Mapped[str] = mapped_column(String(100), default="")
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    recipients: Mapped[str] = mapped_column(Text)  # JSON list of recipient fingerprints
    incidents: Mapped[str] = mapped_column(Text)  # JSON list of incident ids
    checkpoint_size: Mapped[int] = mapped_column(Integer)
    checkpoint_root: Mapped[str] = mapped_column(String(64))


class ReceivedBundle(Base):
    """A case bundle verified and imported on the adjudicating side (replays are refused by id and hash)."""

    __tablename__ = "received_bundle"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = _created_column()
    received_by: Mapped[str] = mapped_column(String(100), default="")
    site_code: Mapped[str] = mapped_column(String(64), index=True)
    institution_code: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[bytes] = mapped_column(LargeBinary)
    checkpoint_size: Mapped[int] = mapped_column(Integer)
    checkpoint_root: Mapped[str] = mapped_column(String(64))
    archive_path: Mapped[str] = mapped_column(String(500))  # where the verified members are kept


# -- adjudication (issue 7, arts. 15-21): cases opened from verified bundles and what follows ---------


class CaseState(StrEnum):
    """Where a case stands (arts. 15-19); the archive of art. 21 keeps every case in every state."""

    OPEN = "open"  # imported from a verified bundle, nothing determined yet
    DETERMINED = "determined"  # 认定 recorded; the notice of art. 18 is next
    NOTIFIED = "notified"  # 告知书 issued
    DECIDED = "decided"  # 决定书 issued
    SERVED = "served"  # 决定书 served; the art. 19 review window runs
    UNDER_REVIEW = "under_review"  # review requested (art. 19)
    REVIEWED = "reviewed"  # review decided


class Case(Base):
    """One violation case on the adjudicating side, opened from an incident in a verified bundle.

    The subject and session columns are copied from the newest record version for searching
    (art. 21); the record bytes in :class:`CaseRecord` stay the source of truth.
    """

    __tablename__ = "case_file"

    id: Mapped[str] = _id_column()
    incident_id: Mapped[str] = mapped_column(String(64), unique=True)
    bundle_id: Mapped[str] = mapped_column(ForeignKey("received_bundle.id"))
    bundle_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=CaseState.OPEN.value, index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_name: Mapped[str] = mapped_column(String(100), index=True)
    subject_id_number: Mapped[str] = mapped_column(String(30), default="", index=True)
    subject_staff_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    subject_role: Mapped[str] = mapped_column(String(32), default="")
    subject_institution_code: Mapped[str] = mapped_column(String(64), default="")
    institution_code: Mapped[str] = mapped_column(String(64), index=True)
    institution_name: Mapped[str] = mapped_column(String(200), default="")
    site_code: Mapped[str] = mapped_column(String(64), default="")
    session_code: Mapped[str] = mapped_column(String(64), default="")
    occupation: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(40), default="")
    exam_subject: Mapped[str] = mapped_column(String(16), default="")
    article_key: Mapped[str] = mapped_column(String(8), index=True)  # the record's, then the determination's
    severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    found_after_assessment: Mapped[bool] = mapped_column(Boolean, default=False)
    # art. 20: a major situation reported up level by level
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    major_reasons: Mapped[str] = mapped_column(Text, default="")
    escalated_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    opened_at: Mapped[datetime] = _created_column()
    updated_at: Mapped[datetime] = _created_column()

    records: Mapped[list[CaseRecord]] = relationship(back_populates="case", order_by="CaseRecord.version")


class CaseRecord(Base):
    """One incident record version as received: its canonical bytes, never re-serialised."""

    __tablename__ = "case_record"
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: Mapped[str] = _id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"))
    bundle_id: Mapped[str] = mapped_column(ForeignKey("received_bundle.id"))
    version: Mapped[int] = mapped_column(Integer)
    record: Mapped[bytes] = mapped_column(LargeBinary)
    record_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    supersedes_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received_at: Mapped[datetime] = _created_column()

    case: Mapped[Case] = relationship(back_populates="records")
    signatures: Mapped[list[CaseSignature]] = relationship(order_by="CaseSignature.envelope_sha256")


class CaseSignature(Base):
    """A verified DSSE envelope over a received record (co-signature or confirmation, art. 15)."""

    __tablename__ = "case_signature"

    id: Mapped[str] = _id_column()
    case_record_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"))
    payload_type: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str] = mapped_column(String(80), index=True)
    signer_staff_id: Mapped[str] = mapped_column(String(64), default="")  # from the roster, when known
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    envelope_sha256: Mapped[str] = mapped_column(String(64), unique=True)


class Determination(Base):
    """认定: the clause, severity and computed consequences; a later one supersedes (higher ``seq``)."""

    __tablename__ = "case_determination"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[str] = _id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"))
    seq: Mapped[int] = mapped_column(Integer)
    article_key: Mapped[str] = mapped_column(String(8))
    record_article_key: Mapped[str] = mapped_column(String(8))
    change_reason: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    cited_keys: Mapped[str] = mapped_column(String(40))  # comma-separated, e.g. "13.1,12.2"
    facts_zh: Mapped[str] = mapped_column(Text)
    outcome_json: Mapped[str] = mapped_column(Text)  # the computed consequences, canonical JSON
    ban_years: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decider_staff_id: Mapped[str] = mapped_column(String(64))
    decider_name: Mapped[str] = mapped_column(String(100))
    determined_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = _created_column()


class CaseDocument(Base):
    """An issued 告知书, 决定书 or review answer (art. 18, 19): the exact text and model, and service."""

    __tablename__ = "case_document"

    id: Mapped[str] = _id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    determination_id: Mapped[str] = mapped_column(ForeignKey("case_determination.id"))
    kind: Mapped[str] = mapped_column(String(16))  # notice | decision | review
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    statement_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)  # notice only
    served_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    service_method: Mapped[str] = mapped_column(String(100), default="")
    review_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)  # decision, once served
    content_json: Mapped[str] = mapped_column(Text)  # the Document model, to re-render exactly
    text: Mapped[str] = mapped_column(Text)  # document_text(): what the PDF must extract to
    text_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created_column()
    created_by: Mapped[str] = mapped_column(String(100), default="")


class ReviewRequest(Base):
    """A request for review (复核, art. 19) and its outcome."""

    __tablename__ = "case_review"

    id: Mapped[str] = _id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("case_document.id"))
    requested_on: Mapped[date] = mapped_column(Date)
    grounds: Mapped[str] = mapped_column(Text)
    decide_by: Mapped[date] = mapped_column(Date)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # upheld | varied | revoked
    outcome_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome_text: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = _created_column()


class Recusal(Base):
    """A recusal (回避, art. 18): requested by the party or declared, and decided by someone else."""

    __tablename__ = "case_recusal"

    id: Mapped[str] = _id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    staff_name: Mapped[str] = mapped_column(String(100), default="")
    requested_by: Mapped[str] = mapped_column(String(16))  # party | self | system
    reason: Mapped[str] = mapped_column(Text)
    requested_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | granted | refused
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")


class Ban(Base):
    """A ban on taking part in assessment (arts. 6, 7), from the decision date to ``ends_on`` inclusive."""

    __tablename__ = "ban"

    id: Mapped[str] = _id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("case_document.id"))
    person_name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(30), index=True)
    article_key: Mapped[str] = mapped_column(String(8))
    years: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    lifted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    lifted_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = _created_column()


class CertificateVoid(Base):
    """A certificate to void and its online data to correct (art. 15 ¶2), until done."""

    __tablename__ = "certificate_void"

    id: Mapped[str] = _id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("case_document.id"))
    person_name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(30), index=True)
    occupation: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(40), default="")
    certificate_number: Mapped[str] = mapped_column(String(64), default="")
    online_action: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | cancelled
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    done_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
