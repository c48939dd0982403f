"""Verify one version of an incident record with its signatures against a staff roster (art. 15).

Art. 15 ¶1 asks that an incident record be signed by two or more staff and confirmed by the exam-room
head. Here that is:

- two or more **co-signatures**: DSSE envelopes of type ``cosignature`` whose payload names the
  incident, the version and the SHA-256 of the record bytes, by distinct staff members holding a
  **witness role** (invigilator, exam affairs, internal or external supervisor, examiner), none of
  them the incident's subject;
- one **confirmation**: an envelope of type ``confirmation`` by a staff member holding the room-head
  role, naming the record hash and the SHA-256 of every co-signature envelope; the head is not one of
  the co-signers (the confirmation is a second, independent look, not a third signature).

Item writers (命审题) do not witness an exam room and room heads confirm rather than co-sign, so
neither role counts as a witness role.

:func:`verify_record` never stops at the first problem: it returns a :class:`VerificationReport`
with every named error, so the command line, the window and the bundle reader show the same list.
It uses only the bytes, the roster and the evidence files, never the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from examsite.canonical import NotCanonical, canonical_bytes, parse_canonical
from examsite.clock import iso_utc, parse_iso_utc
from examsite.errors import ExamsiteError
from examsite.fsutil import sha256_file
from examsite.identity.dsse import PayloadType, envelope_sha256, unverified_fields, verify_envelope
from examsite.identity.roster import Role, Roster, RosterEntry
from examsite.incidents.record import IncidentRecord
from examsite.rules import SubjectKind

WITNESS_ROLES: frozenset[Role] = frozenset(
    {Role.INVIGILATOR, Role.EXAM_AFFAIRS, Role.INTERNAL_SUPERVISOR, Role.EXTERNAL_SUPERVISOR, Role.EXAMINER}
)
HEAD_ROLE = Role.ROOM_HEAD
MIN_COSIGNERS = 2
COSIGNATURE_SCHEMA = "examsite.cosignature/1"
CONFIRMATION_SCHEMA = "examsite.confirmation/1"

EvidenceLookup = Callable[[str], Path | None]
TrustedTime = Callable[[str], datetime | None]


class ErrorCode(StrEnum):
    """The named ways a record can fail verification; stable for scripts, tests and bundle readers."""

    BAD_SIGNATURE = "bad_signature"
    UNTRUSTED_SIGNER = "untrusted_signer"
    REVOKED_SIGNER = "revoked_signer"
    SAME_SIGNER_TWICE = "same_signer_twice"
    WRONG_ROLE = "wrong_role"
    SUBJECT_SIGNED = "subject_signed"
    HEAD_COSIGNED = "head_cosigned"
    CONFIRMATION_MISMATCH = "confirmation_mismatch"
    RECORD_CHANGED = "record_changed"
    EVIDENCE_MISMATCH = "evidence_mismatch"
    MISSING_SIGNATURES = "missing_signatures"
    MISSING_CONFIRMATION = "missing_confirmation"


@dataclass(frozen=True)
class VerificationError:
    """One finding; ``subject`` names the envelope hash or evidence hash it is about, if any."""

    code: ErrorCode
    message: str
    subject: str | None = None


@dataclass(frozen=True)
class SignerInfo:
    """A signature that verified: who, with which key and role, and when they said they signed."""

    staff_id: str
    name: str
    key_id: str
    role: str
    signed_at: datetime
    envelope_sha256: str


@dataclass
class VerificationReport:
    """The outcome of :func:`verify_record`: ``ok`` when ``errors`` is empty."""

    record_sha256: str
    record: IncidentRecord | None
    cosigners: list[SignerInfo] = field(default_factory=list)
    confirmation: SignerInfo | None = None
    errors: list[VerificationError] = field(default_factory=list)
    evidence_checked: list[str] = field(default_factory=list)
    evidence_unchecked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if nothing is wrong."""
        return not self.errors

    @property
    def codes(self) -> set[str]:
        """The distinct error codes found."""
        return {error.code.value for error in self.errors}

    def add(self, code: ErrorCode, message: str, subject: str | None = None) -> None:
        """Record a finding once (the same code about the same thing is not repeated)."""
        error = VerificationError(code, message, subject)
        if error not in self.errors:
            self.errors.append(error)


# --- payloads -----------------------------------------------------------------------------------


def cosignature_payload(
    *, incident_id: str, version: int, record_sha256: str, staff_id: str, key_id: str, role: str, at: datetime
) -> bytes:
    """The canonical JSON a witness signs: which record (by hash), who, in which role, when."""
    return canonical_bytes(
        {
            "schema": COSIGNATURE_SCHEMA,
            "incident_id": incident_id,
            "version": version,
            "record_sha256": record_sha256,
            "signer": {"staff_id": staff_id, "key_id": key_id, "role": role},
            "signed_at": iso_utc(at),
        }
    )


def confirmation_payload(
    *,
    incident_id: str,
    version: int,
    record_sha256: str,
    cosignatures: Sequence[str],
    staff_id: str,
    key_id: str,
    at: datetime,
) -> bytes:
    """The canonical JSON the room head signs: the record hash and the co-signature envelope hashes."""
    return canonical_bytes(
        {
            "schema": CONFIRMATION_SCHEMA,
            "incident_id": incident_id,
            "version": version,
            "record_sha256": record_sha256,
            "cosignatures": sorted(cosignatures),
            "head": {"staff_id": staff_id, "key_id": key_id, "role": HEAD_ROLE.value},
            "confirmed_at": iso_utc(at),
        }
    )


@dataclass(frozen=True)
class _Statement:
    """A signature-checked envelope with its parsed payload."""

    kind: PayloadType
    envelope_sha256: str
    entry: RosterEntry
    incident_id: str
    version: int
    record_sha256: str
    staff_id: str
    key_id: str
    role: str
    at: datetime
    cosignatures: frozenset[str]


def _text(doc: Any, name: str) -> str:
    value = doc.get(name) if isinstance(doc, dict) else None
    if not isinstance(value, str):
        raise ValueError(f"{name} is not text")
    return value


def _parse_payload(kind: PayloadType, payload: bytes) -> dict[str, Any]:
    """The payload's fields, checked to be exactly what :func:`cosignature_payload` or
    :func:`confirmation_payload` writes; anything else raises ValueError."""
    doc = parse_canonical(payload)
    person = "signer" if kind is PayloadType.COSIGNATURE else "head"
    stamp = "signed_at" if kind is PayloadType.COSIGNATURE else "confirmed_at"
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError("version is not an integer")
    who = doc.get(person)
    fields: dict[str, Any] = {
        "incident_id": _text(doc, "incident_id"),
        "version": version,
        "record_sha256": _text(doc, "record_sha256"),
        "staff_id": _text(who, "staff_id"),
        "key_id": _text(who, "key_id"),
        "role": _text(who, "role"),
        "at": parse_iso_utc(_text(doc, stamp)),
        "cosignatures": frozenset(),
    }
    if kind is PayloadType.COSIGNATURE:
        again = cosignature_payload(**{k: v for k, v in fields.items() if k != "cosignatures"})
    else:
        listed = doc.get("cosignatures")
        if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
            raise ValueError("cosignatures is not a list of hashes")
        fields["cosignatures"] = frozenset(listed)
        again = confirmation_payload(
            cosignatures=listed, **{k: v for k, v in fields.items() if k not in ("cosignatures", "role")}
        )
    # the exact bytes must come back: no extra field, no other schema, no reordered hash list
    if again != payload:
        raise ValueError("the payload is not in the form examsite writes")
    return fields


def _check_envelope(
    envelope: bytes, roster: Roster, trusted_time: TrustedTime | None, report: VerificationReport
) -> _Statement | None:
    """Signature, signer and payload checks of one envelope; None (with an error) if it fails."""
    digest = envelope_sha256(envelope)
    short = digest[:12]
    try:
        kind_text, _payload, key_id = unverified_fields(envelope)
        kind = PayloadType(kind_text)
        if kind not in (PayloadType.COSIGNATURE, PayloadType.CONFIRMATION):
            raise ValueError(kind_text)
    except (ExamsiteError, ValueError):
        report.add(
            ErrorCode.BAD_SIGNATURE, f"envelope {short}… is not a co-signature or confirmation", digest
        )
        return None
    try:
        entry = roster.lookup(key_id)
    except ExamsiteError:
        report.add(
            ErrorCode.UNTRUSTED_SIGNER,
            f"envelope {short}… is signed by key {key_id}, which roster version {roster.version} of "
            f"{roster.issuer_code} does not list",
            digest,
        )
        return None
    try:
        verified = verify_envelope(envelope, {key_id: entry.ed25519()}, kind)
        fields = _parse_payload(kind, verified.payload)
    except (ExamsiteError, ValueError) as exc:
        report.add(
            ErrorCode.BAD_SIGNATURE, f"envelope {short}… by {entry.staff_id} does not verify: {exc}", digest
        )
        return None
    if entry.revoked_at is not None:
        # a revoked key counts only for a signature a trusted source (the audit log) dates before it
        when = None if trusted_time is None else trusted_time(digest)
        if when is None or not entry.was_valid_at(when):
            report.add(
                ErrorCode.REVOKED_SIGNER,
                f"the key of {entry.staff_id} that made envelope {short}… was revoked at "
                f"{iso_utc(entry.revoked_at)} ({entry.revocation_reason})",
                digest,
            )
            return None
    if fields["key_id"] != key_id or fields["staff_id"] != entry.staff_id:
        report.add(
            ErrorCode.UNTRUSTED_SIGNER,
            f"envelope {short}… names {fields['staff_id']} but its key belongs to {entry.staff_id}",
            digest,
        )
        return None
    return _Statement(kind=kind, envelope_sha256=digest, entry=entry, **fields)


def _info(statement: _Statement) -> SignerInfo:
    return SignerInfo(
        staff_id=statement.staff_id,
        name=statement.entry.name,
        key_id=statement.key_id,
        role=statement.role,
        signed_at=statement.at,
        envelope_sha256=statement.envelope_sha256,
    )


def _check_evidence(record: IncidentRecord, lookup: EvidenceLookup, report: VerificationReport) -> None:
    for item in record.evidence:
        path = lookup(item.sha256)
        if path is None:
            # not held here (a seized item, or a bundle without this file): listed, not judged
            report.evidence_unchecked.append(item.sha256)
            continue
        short = item.sha256[:12]
        try:
            size = path.stat().st_size
            digest = sha256_file(path) if size == item.size else None
        except OSError as exc:
            report.add(ErrorCode.EVIDENCE_MISMATCH, f"evidence {short}… cannot be read: {exc}", item.sha256)
            continue
        if size != item.size:
            report.add(
                ErrorCode.EVIDENCE_MISMATCH,
                f"evidence {short}… is {size} bytes, the record says {item.size}",
                item.sha256,
            )
        elif digest != item.sha256:
            report.add(
                ErrorCode.EVIDENCE_MISMATCH,
                f"evidence {short}… does not have the hash the record names",
                item.sha256,
            )
        else:
            report.evidence_checked.append(item.sha256)


def verify_record(
    record_bytes: bytes,
    envelopes: Sequence[bytes],
    roster: Roster,
    evidence_lookup: EvidenceLookup | None = None,
    *,
    require_confirmation: bool = True,
    expected_sha256: str | None = None,
    trusted_time: TrustedTime | None = None,
) -> VerificationReport:
    """Verify a record version and its co-signature and confirmation envelopes (art. 15).

    ``roster`` must already be verified against a pinned issuer (see
    :class:`~examsite.identity.roster.RosterTrust`). ``evidence_lookup`` maps an evidence SHA-256 to
    the file holding it, or None when this verifier does not hold it (listed in
    ``evidence_unchecked``). ``expected_sha256`` is the hash the record is known by (a store column,
    a bundle manifest). ``trusted_time`` dates an envelope (by its SHA-256) from a source the signer
    cannot backdate, such as the audit log; only then can a key revoked later still count.
    ``require_confirmation=False`` checks a record that is signed but not yet confirmed.
    """
    record_sha = hashlib.sha256(record_bytes).hexdigest()
    try:
        record: IncidentRecord | None = IncidentRecord.from_bytes(record_bytes)
    except (ExamsiteError, NotCanonical):
        record = None
    report = VerificationReport(record_sha256=record_sha, record=record)
    if record is None:
        report.add(ErrorCode.RECORD_CHANGED, "the record bytes are not a readable incident record")
    if expected_sha256 is not None and expected_sha256 != record_sha:
        report.add(ErrorCode.RECORD_CHANGED, "the record bytes do not have the SHA-256 they are known by")

    statements = [s for s in (_check_envelope(e, roster, trusted_time, report) for e in envelopes) if s]
    current: list[_Statement] = []
    for statement in statements:
        names = (statement.incident_id, statement.version, statement.record_sha256)
        if record is None or names != (record.incident_id, record.version, record_sha):
            report.add(
                ErrorCode.RECORD_CHANGED,
                f"{statement.staff_id} signed a record with SHA-256 {statement.record_sha256[:12]}…, "
                f"not these bytes ({record_sha[:12]}…)",
            )
        else:
            current.append(statement)

    cosigned = [s for s in current if s.kind is PayloadType.COSIGNATURE]
    cosign_hashes = {s.envelope_sha256 for s in cosigned}
    counted: dict[str, _Statement] = {}
    for statement in cosigned:
        who = statement.staff_id
        if statement.role not in WITNESS_ROLES or not statement.entry.has_role(Role(statement.role)):
            report.add(
                ErrorCode.WRONG_ROLE,
                f"{who} co-signed as {statement.role!r}, which is not a witness role the roster gives them",
                statement.envelope_sha256,
            )
        elif (
            record is not None and record.subject.kind is SubjectKind.staff and record.subject.staff_id == who
        ):
            report.add(ErrorCode.SUBJECT_SIGNED, f"{who} is the subject of the incident and signed it")
        elif who in counted:
            report.add(ErrorCode.SAME_SIGNER_TWICE, f"{who} co-signed more than once; one person counts once")
        else:
            counted[who] = statement
    report.cosigners = [_info(s) for s in counted.values()]
    if len(counted) < MIN_COSIGNERS:
        report.add(
            ErrorCode.MISSING_SIGNATURES,
            f"{len(counted)} valid co-signature(s); art. 15 needs {MIN_COSIGNERS} distinct staff",
        )

    confirmations = [s for s in current if s.kind is PayloadType.CONFIRMATION]
    if len(confirmations) > 1:
        report.add(
            ErrorCode.CONFIRMATION_MISMATCH, f"{len(confirmations)} confirmations; one head confirms once"
        )
    for statement in confirmations:
        who = statement.staff_id
        if not statement.entry.has_role(HEAD_ROLE):
            report.add(ErrorCode.WRONG_ROLE, f"{who} confirmed but is not an exam-room head in the roster")
        elif who in {s.staff_id for s in cosigned}:
            report.add(
                ErrorCode.HEAD_COSIGNED, f"the head {who} also co-signed; the confirmation must be by another"
            )
        elif statement.cosignatures != cosign_hashes:
            report.add(
                ErrorCode.CONFIRMATION_MISMATCH,
                "the confirmation does not cover exactly these co-signatures "
                f"({len(statement.cosignatures)} named, {len(cosign_hashes)} present and valid)",
                statement.envelope_sha256,
            )
        elif len(confirmations) == 1:
            report.confirmation = _info(statement)
    if require_confirmation and not confirmations:
        report.add(ErrorCode.MISSING_CONFIRMATION, "the exam-room head has not confirmed this version")

    if record is not None and evidence_lookup is not None:
        _check_evidence(record, evidence_lookup, report)
    return report
