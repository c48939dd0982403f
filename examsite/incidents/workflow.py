"""The incident workflow of art. 15: draft → signed → confirmed → exported.

- **draft**: version 1 is created from a marked moment (:mod:`examsite.incidents.marks`); each
  amendment is a new version naming the SHA-256 of the one it supersedes. Old versions and their
  signatures stay; an amendment sends the incident back to draft, since signatures cover one version.
- **signed**: two distinct staff members with witness roles (see
  :data:`~examsite.incidents.verification.WITNESS_ROLES`), neither of them the incident's subject nor
  the exam-room head on duty, have co-signed the current version (art. 15 ¶1 "两名以上工作人员签字").
- **confirmed**: the exam-room head, who is not a co-signer, has signed a confirmation naming the
  record hash and every co-signature (art. 15 ¶1 "考场负责人确认").
- **exported**: a case bundle carrying the confirmed version was written.

Every refusal raises :class:`WorkflowRefused` with a named code before anything is written, so the
caller's transaction rolls back and nothing changes. Every change adds an audit entry in the same
transaction; a signature's entry has the envelope as its content, so the log dates each signature
(used to judge signatures by keys revoked later).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite import audit
from examsite.canonical import canonical_bytes, parse_canonical, sha256_hex
from examsite.clock import iso_utc, utc_now
from examsite.config import Paths
from examsite.errors import ExamsiteError, InvalidInput, NotFound
from examsite.identity.dsse import PayloadType, envelope_sha256, sign_envelope
from examsite.identity.keystore import SigningKey
from examsite.identity.roster import RosterEntry
from examsite.identity.staff import current_roster, get_member
from examsite.incidents.marks import find_incident, mark_moment
from examsite.incidents.record import IncidentRecord
from examsite.incidents.verification import (
    HEAD_ROLE,
    MIN_COSIGNERS,
    WITNESS_ROLES,
    VerificationReport,
    confirmation_payload,
    cosignature_payload,
    verify_record,
)
from examsite.rules import SubjectKind
from examsite.sites.sessions import find_session
from examsite.sites.setup import current_site, find_room
from examsite.store.models import (
    AuditEntry,
    EvidenceItem,
    Incident,
    IncidentEvidence,
    IncidentState,
    IncidentVersion,
    SessionStaff,
    Signature,
    StaffMember,
)

COSIGN = "cosign"
CONFIRM = "confirm"
# fields the workflow sets itself; a caller giving them is refused rather than silently overruled
_FIXED_FIELDS = frozenset(
    {
        "schema",
        "incident_id",
        "version",
        "supersedes",
        "amendment_reason",
        "institution",
        "site",
        "recorded_at",
    }
)
_DEFAULTS: dict[str, Any] = {
    "room": None,
    "session": None,
    "severity": None,
    "reminder": None,
    "facts": "",
    "on_site_handling": "",
    "found_after_assessment": False,
    "acknowledgement": {"kind": "not_present", "note": ""},
    "evidence": [],
    "witnesses": [],
    "extra": {},
}


class WorkflowRefused(ExamsiteError):
    """A step of the workflow that the rules do not allow; nothing was changed."""

    code = "refused"


# --- reading ------------------------------------------------------------------------------------


def record_from_json(doc: Mapping[str, Any]) -> IncidentRecord:
    """An :class:`IncidentRecord` from its JSON form (as :meth:`IncidentRecord.to_json` writes it)."""
    return IncidentRecord.from_bytes(canonical_bytes(dict(doc)))


def version_row(session: Session, incident: Incident, version: int | None = None) -> IncidentVersion:
    """Version ``version`` (default: the current one) of ``incident``; ``not_found`` if absent."""
    wanted = incident.current_version if version is None else version
    row = session.execute(
        select(IncidentVersion).where(
            IncidentVersion.incident_id == incident.id, IncidentVersion.version == wanted
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(
            f"incident {incident.id[:8]} has no version {wanted}",
            hint="create the record first (`examsite incident create`)" if wanted == 0 else None,
        )
    return row


def envelopes_of(row: IncidentVersion) -> list[bytes]:
    """The stored co-signature and confirmation envelopes of a version, oldest first."""
    return [signature.envelope for signature in row.signatures]


# --- creating and amending ----------------------------------------------------------------------


def _subject_ref(record: IncidentRecord) -> str:
    subject = record.subject
    if subject.kind is SubjectKind.candidate:
        return subject.name
    if subject.kind is SubjectKind.staff:
        return f"{subject.name} ({subject.staff_id})" if subject.staff_id else subject.name
    return subject.institution_code or subject.name


def _add_version(session: Session, incident: Incident, record: IncidentRecord, actor: str) -> IncidentVersion:
    data = record.to_bytes()
    row = IncidentVersion(
        incident_id=incident.id,
        version=record.version,
        record=data,
        record_sha256=sha256_hex(data),
        supersedes_sha256=record.supersedes,
        subject_kind=record.subject.kind.value,
        subject_ref=_subject_ref(record)[:100],
        article_key=record.article[:8],
        severity=None if record.severity is None else record.severity.value,
        occurred_at=record.occurred_at,
        created_by=actor,
    )
    session.add(row)
    incident.current_version = record.version
    # evidence stored here is linked; the record's hashes stay the source of truth
    for item in record.evidence:
        evidence = session.execute(
            select(EvidenceItem).where(EvidenceItem.sha256 == item.sha256)
        ).scalar_one_or_none()
        if evidence is not None and session.get(IncidentEvidence, (incident.id, evidence.id)) is None:
            session.add(IncidentEvidence(incident_id=incident.id, evidence_id=evidence.id))
    session.flush()
    return row


def _refuse_fixed(fields: Mapping[str, Any], extra: frozenset[str] = frozenset()) -> None:
    fixed = sorted((_FIXED_FIELDS | extra) & set(fields))
    if fixed:
        raise InvalidInput(
            f"the record fields {', '.join(fixed)} are set by examsite, not by hand",
            code="fixed_field",
            hint="leave them out",
        )


def _resolve_place(session: Session, incident: Incident, doc: dict[str, Any]) -> None:
    """Replace a session code by the session's record form, and link the incident to the session
    and room the record names, so the derived columns follow the record."""
    if isinstance(doc.get("session"), str):
        exam = find_session(session, doc["session"])
        doc["session"] = {
            "code": exam.code,
            "occupation": exam.occupation,
            "level": exam.level,
            "subject": exam.subject,
            "starts_at": iso_utc(exam.starts_at),
            "ends_at": iso_utc(exam.ends_at),
        }
    if isinstance(doc.get("session"), dict):
        incident.session_id = find_session(session, str(doc["session"].get("code"))).id
    if isinstance(doc.get("room"), str):
        incident.room_id = find_room(session, current_site(session), doc["room"]).id


def create_draft(
    session: Session,
    fields: Mapping[str, Any],
    *,
    actor: str,
    incident_id: str | None = None,
    now: datetime | None = None,
) -> IncidentVersion:
    """Write version 1 of an incident's record from ``fields`` (the record's JSON form without the
    fields examsite sets: schema, id, version, supersedes, institution, site, recorded_at).

    ``incident_id`` names a moment marked earlier (its ``marked_at`` is kept, art. 15 ¶2); without it
    the moment is marked now. ``session`` may be given as a session code and ``room`` as a room name;
    both are looked up. Missing optional fields get their empty value. The draft may be incomplete;
    signing refuses it until :meth:`IncidentRecord.problems` is empty.
    """
    _refuse_fixed(fields)
    at = now or utc_now()
    # the record keeps milliseconds; mark at that precision so the two times are equal
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)
    site = current_site(session)
    if incident_id is not None:
        incident = find_incident(session, incident_id)
        if incident.current_version != 0:
            raise WorkflowRefused(
                f"incident {incident.id[:8]} already has a record (version {incident.current_version})",
                code="already_recorded",
                hint="amend it instead (`examsite incident amend`)",
            )
    else:
        incident = mark_moment(session, marked_by=actor, at=at)
    doc: dict[str, Any] = {**_DEFAULTS, "recorded_by": actor, "marked_at": iso_utc(incident.marked_at)}
    # found on the spot unless told otherwise: occurred and discovered when marked (art. 15 ¶2)
    doc["discovered_at"] = fields.get("discovered_at", doc["marked_at"])
    doc["occurred_at"] = fields.get("occurred_at", doc["discovered_at"])
    doc.update(fields)
    if doc["marked_at"] != iso_utc(incident.marked_at):
        raise WorkflowRefused(
            "marked_at is the moment the incident was marked and cannot be changed",
            code="fixed_field",
            hint="leave marked_at out",
        )
    _resolve_place(session, incident, doc)
    doc |= {
        "schema": "examsite.incident-record/1",
        "incident_id": incident.id,
        "version": 1,
        "supersedes": None,
        "amendment_reason": "",
        "institution": {"code": site.institution.code, "name": site.institution.name},
        "site": {"code": site.code, "name": site.name},
        "recorded_at": iso_utc(at),
    }
    record = record_from_json(doc)
    row = _add_version(session, incident, record, actor)
    audit.append(
        session,
        actor=actor,
        action="incident.recorded",
        object_type="incident",
        object_id=incident.id,
        content=row.record,
        detail=json.dumps({"version": 1, "record_sha256": row.record_sha256}),
    )
    return row


def amend_incident(
    session: Session,
    incident_id: str,
    *,
    reason: str,
    changes: Mapping[str, Any],
    actor: str,
    now: datetime | None = None,
) -> IncidentVersion:
    """Write the next version with ``changes`` (top-level record fields) and ``reason``.

    The new version supersedes the current one by its SHA-256 and needs new signatures, so the
    incident returns to draft; earlier versions and their signatures stay as they are. Refuses an
    empty reason (``no_reason``) and a version identical to the current one (``no_change``).
    """
    _refuse_fixed(changes, frozenset({"marked_at", "recorded_by"}))
    if not reason.strip():
        raise WorkflowRefused(
            "an amendment needs a reason", code="no_reason", hint="say what is corrected and why"
        )
    incident = find_incident(session, incident_id)
    previous = version_row(session, incident)
    doc = parse_canonical(previous.record)
    before = {key: doc[key] for key in changes if key in doc}
    if all(key in doc for key in changes) and canonical_bytes(before) == canonical_bytes(dict(changes)):
        raise WorkflowRefused(
            "the amendment changes nothing", code="no_change", hint="give the corrected fields"
        )
    doc.update(changes)
    _resolve_place(session, incident, doc)
    doc |= {
        "version": previous.version + 1,
        "supersedes": previous.record_sha256,
        "amendment_reason": reason,
        "recorded_by": actor,
        "recorded_at": iso_utc(now or utc_now()),
    }
    record = record_from_json(doc)
    row = _add_version(session, incident, record, actor)
    state_before = incident.state
    incident.state = IncidentState.DRAFT.value
    audit.append(
        session,
        actor=actor,
        action="incident.amended",
        object_type="incident",
        object_id=incident.id,
        content=row.record,
        detail=json.dumps(
            {
                "version": row.version,
                "supersedes": previous.record_sha256,
                "reason": reason,
                "state_before": state_before,
            },
            ensure_ascii=False,
        ),
    )
    return row


# --- signing --------------------------------------------------------------------------------------


def _signable(
    session: Session, incident_id: str, version: int, states: tuple[IncidentState, ...]
) -> tuple[Incident, IncidentVersion, IncidentRecord]:
    incident = find_incident(session, incident_id)
    if incident.state not in states:
        hint = "amend it to make a new version" if incident.state != IncidentState.DRAFT else None
        raise WorkflowRefused(
            f"incident {incident.id[:8]} is {incident.state}; this step needs "
            + " or ".join(state.value for state in states),
            code="wrong_state",
            hint=hint,
        )
    row = version_row(session, incident)
    if version != row.version:
        raise WorkflowRefused(
            f"version {version} was shown to the signer, but the current version is {row.version}",
            code="stale_version",
            hint="read the current version, then sign it",
        )
    record = IncidentRecord.from_bytes(row.record)
    record.validate()
    return incident, row, record


def _signer_entry(session: Session, key: SigningKey) -> tuple[RosterEntry, StaffMember]:
    roster = current_roster(session).roster
    entry = roster.key_for(key.key_id)  # untrusted_signer / revoked_signer
    member = get_member(session, entry.staff_id)
    if entry.staff_id != key.staff_id or member.status != "active":
        raise WorkflowRefused(
            f"the key {key.key_id} is not the active key of {key.staff_id}", code="untrusted_signer"
        )
    return entry, member


def _is_subject(record: IncidentRecord, member: StaffMember) -> bool:
    subject = record.subject
    if subject.kind is not SubjectKind.staff:
        return False
    same_id = bool(subject.id_number) and subject.id_number == member.id_number
    return subject.staff_id == member.staff_no or same_id


def _signatures(session: Session, row: IncidentVersion, purpose: str) -> list[Signature]:
    return list(
        session.execute(
            select(Signature).where(Signature.incident_version_id == row.id, Signature.purpose == purpose)
        ).scalars()
    )


def _store_signature(
    session: Session,
    row: IncidentVersion,
    purpose: str,
    member: StaffMember,
    key: SigningKey,
    payload_type: PayloadType,
    payload: bytes,
    at: datetime,
) -> Signature:
    """Sign ``payload`` as a DSSE envelope of ``payload_type`` and store it against the version."""
    envelope = sign_envelope(payload_type, payload, key)
    signature = Signature(
        incident_version_id=row.id,
        purpose=purpose,
        staff_id=member.id,
        key_id=key.key_id,
        envelope=envelope,
        envelope_sha256=envelope_sha256(envelope),
        created_at=at,
    )
    session.add(signature)
    session.flush()
    return signature


def sign_incident(
    session: Session,
    incident_id: str,
    key: SigningKey,
    *,
    version: int,
    role: str | None = None,
    now: datetime | None = None,
) -> Signature:
    """Co-sign the current version of an incident as a witness (art. 15 ¶1).

    ``version`` is the version the signer read; a newer one is refused (``stale_version``).
    ``role`` defaults to the signer's first witness role in the roster. Refusals, each changing
    nothing: ``wrong_state`` (confirmed or exported), ``record_incomplete``, ``untrusted_signer`` /
    ``revoked_signer``, ``wrong_role`` (no witness role), ``subject_signed`` (the signer is the
    subject), ``head_cosigned`` (the signer is the exam-room head on duty in the incident's session),
    ``same_signer_twice``.
    """
    incident, row, record = _signable(
        session, incident_id, version, (IncidentState.DRAFT, IncidentState.SIGNED)
    )
    entry, member = _signer_entry(session, key)
    who = f"{member.name} ({member.staff_no})"
    witness = [r for r in entry.roles if r in WITNESS_ROLES]
    chosen = role if role is not None else (witness[0].value if witness else None)
    if chosen is None or chosen not in {r.value for r in witness}:
        raise WorkflowRefused(
            f"{who} cannot co-sign as {chosen or 'a witness'}: the roster gives them "
            f"{', '.join(r.value for r in entry.roles)}",
            code="wrong_role",
            hint="co-signers need a witness role (invigilator, exam_affairs, examiner, supervisor); "
            "the room head confirms instead",
        )
    if _is_subject(record, member):
        raise WorkflowRefused(
            f"{who} is the subject of this incident and cannot sign it", code="subject_signed"
        )
    if incident.session_id is not None and (
        session.get(SessionStaff, (incident.session_id, member.id, HEAD_ROLE.value)) is not None
    ):
        raise WorkflowRefused(
            f"{who} is the exam-room head of this session and confirms; they cannot also co-sign",
            code="head_cosigned",
            hint="two other staff co-sign, then the head confirms",
        )
    if any(signature.staff_id == member.id for signature in _signatures(session, row, COSIGN)):
        raise WorkflowRefused(
            f"{who} has already co-signed version {row.version}",
            code="same_signer_twice",
            hint="art. 15 needs two different people",
        )
    at = now or utc_now()
    payload = cosignature_payload(
        incident_id=incident.id,
        version=row.version,
        record_sha256=row.record_sha256,
        staff_id=member.staff_no,
        key_id=key.key_id,
        role=chosen,
        at=at,
    )
    signature = _store_signature(session, row, COSIGN, member, key, PayloadType.COSIGNATURE, payload, at)
    signers = {s.staff_id for s in _signatures(session, row, COSIGN)}
    state_before = incident.state
    if len(signers) >= MIN_COSIGNERS:
        incident.state = IncidentState.SIGNED.value
    audit.append(
        session,
        actor=f"staff:{member.staff_no}",
        action="incident.cosigned",
        object_type="incident",
        object_id=incident.id,
        content=signature.envelope,
        detail=json.dumps(
            {
                "version": row.version,
                "role": chosen,
                "state_before": state_before,
                "state_after": incident.state,
            }
        ),
    )
    return signature


def confirm_incident(
    session: Session, incident_id: str, key: SigningKey, *, version: int, now: datetime | None = None
) -> Signature:
    """The exam-room head confirms the signed current version (art. 15 ¶1 "考场负责人确认").

    The confirmation names the record hash and the hash of every co-signature envelope, which are
    checked first against the current roster. Refusals, each changing nothing: ``wrong_state`` (not
    yet signed, or already confirmed), ``wrong_role`` (not a room head), ``head_cosigned`` (the head
    co-signed this version), ``subject_signed``, ``signatures_invalid``.
    """
    incident, row, record = _signable(session, incident_id, version, (IncidentState.SIGNED,))
    entry, member = _signer_entry(session, key)
    who = f"{member.name} ({member.staff_no})"
    if not entry.has_role(HEAD_ROLE):
        raise WorkflowRefused(f"{who} is not an exam-room head in the roster", code="wrong_role")
    cosignatures = _signatures(session, row, COSIGN)
    if any(signature.staff_id == member.id for signature in cosignatures):
        raise WorkflowRefused(
            f"{who} co-signed this version and cannot also confirm it",
            code="head_cosigned",
            hint="another room head confirms, or amend and re-sign without the head",
        )
    if _is_subject(record, member):
        raise WorkflowRefused(
            f"{who} is the subject of this incident and cannot confirm it", code="subject_signed"
        )
    report = verify_record(
        row.record,
        [s.envelope for s in cosignatures],
        current_roster(session).roster,
        require_confirmation=False,
    )
    if not report.ok:
        raise WorkflowRefused(
            "the co-signatures do not verify: " + "; ".join(e.message for e in report.errors),
            code="signatures_invalid",
        )
    at = now or utc_now()
    payload = confirmation_payload(
        incident_id=incident.id,
        version=row.version,
        record_sha256=row.record_sha256,
        cosignatures=[s.envelope_sha256 for s in cosignatures],
        staff_id=member.staff_no,
        key_id=key.key_id,
        at=at,
    )
    signature = _store_signature(session, row, CONFIRM, member, key, PayloadType.CONFIRMATION, payload, at)
    incident.state = IncidentState.CONFIRMED.value
    session.flush()
    audit.append(
        session,
        actor=f"staff:{member.staff_no}",
        action="incident.confirmed",
        object_type="incident",
        object_id=incident.id,
        content=signature.envelope,
        detail=json.dumps({"version": row.version, "cosignatures": len(cosignatures)}),
    )
    return signature


def mark_exported(session: Session, incident_id: str, *, actor: str, bundle_id: str) -> Incident:
    """Record that a case bundle ``bundle_id`` carries the confirmed current version.

    Refuses an incident that is not confirmed (``wrong_state``); exporting again is allowed (a
    recipient may need a new copy) and logged again.
    """
    incident = find_incident(session, incident_id)
    if incident.state not in (IncidentState.CONFIRMED, IncidentState.EXPORTED):
        raise WorkflowRefused(
            f"incident {incident.id[:8]} is {incident.state}; only a confirmed record is exported",
            code="wrong_state",
            hint="get two co-signatures and the head's confirmation first",
        )
    incident.state = IncidentState.EXPORTED.value
    audit.append(
        session,
        actor=actor,
        action="incident.exported",
        object_type="incident",
        object_id=incident.id,
        content=version_row(session, incident).record,
        detail=json.dumps({"bundle_id": bundle_id, "version": incident.current_version}),
    )
    return incident


# --- verifying and showing ------------------------------------------------------------------------


def _trusted_time(session: Session) -> Callable[[str], datetime | None]:
    """Dates an envelope by the audit entry written with it (its content hash is the envelope's)."""

    def lookup(digest: str) -> datetime | None:
        return session.execute(
            select(AuditEntry.at)
            .where(
                AuditEntry.content_sha256 == digest,
                AuditEntry.action.in_(("incident.cosigned", "incident.confirmed")),
            )
            .order_by(AuditEntry.seq)
            .limit(1)
        ).scalar_one_or_none()

    return lookup


def _evidence_lookup(session: Session, paths: Paths) -> Callable[[str], Path | None]:
    def lookup(digest: str) -> Path | None:
        item = session.execute(select(EvidenceItem).where(EvidenceItem.sha256 == digest)).scalar_one_or_none()
        return None if item is None else paths.evidence / item.path

    return lookup


def verify_incident(
    session: Session, paths: Paths, incident_id: str, version: int | None = None
) -> VerificationReport:
    """Verify a stored version (default: current) with its signatures, the store's roster and the
    evidence files. A confirmation is required once the incident is confirmed or the version has one;
    two co-signatures are always required (a draft reports ``missing_signatures``).
    """
    incident = find_incident(session, incident_id)
    row = version_row(session, incident, version)
    is_current = row.version == incident.current_version
    confirmed_state = incident.state in (IncidentState.CONFIRMED, IncidentState.EXPORTED)
    require = (is_current and confirmed_state) or any(s.purpose == CONFIRM for s in row.signatures)
    return verify_record(
        row.record,
        envelopes_of(row),
        current_roster(session).roster,
        _evidence_lookup(session, paths),
        require_confirmation=require,
        expected_sha256=row.record_sha256,
        trusted_time=_trusted_time(session),
    )


@dataclass(frozen=True)
class SignatureView:
    """One stored signature as lists and dialogs show it."""

    purpose: str
    staff_no: str
    name: str
    key_id: str
    at: datetime
    envelope_sha256: str


@dataclass(frozen=True)
class IncidentView:
    """An incident's current state and version, for ``incident show`` and the signing dialog."""

    id: str
    state: str
    version: int
    record_sha256: str
    record: IncidentRecord
    signatures: tuple[SignatureView, ...]
    versions: tuple[int, ...]


def describe_incident(session: Session, incident_id: str, version: int | None = None) -> IncidentView:
    """The record, hash and signatures of a version (default: current) of an incident."""
    incident = find_incident(session, incident_id)
    row = version_row(session, incident, version)
    views = []
    for signature in row.signatures:
        member = session.get(StaffMember, signature.staff_id)
        assert member is not None  # a foreign key
        views.append(
            SignatureView(
                signature.purpose,
                member.staff_no,
                member.name,
                signature.key_id,
                signature.created_at,
                signature.envelope_sha256,
            )
        )
    return IncidentView(
        id=incident.id,
        state=incident.state,
        version=row.version,
        record_sha256=row.record_sha256,
        record=IncidentRecord.from_bytes(row.record),
        signatures=tuple(views),
        versions=tuple(v.version for v in incident.versions),
    )


__all__ = [
    "CONFIRM",
    "COSIGN",
    "IncidentView",
    "SignatureView",
    "WorkflowRefused",
    "amend_incident",
    "confirm_incident",
    "create_draft",
    "describe_incident",
    "envelopes_of",
    "mark_exported",
    "record_from_json",
    "sign_incident",
    "verify_incident",
    "version_row",
]
