"""Builders for adjudication tests: incident records, a received bundle row, real signature envelopes.

The bundle importer is not needed to test the adjudicating side: records are built with
:class:`IncidentRecord`, signed with real Ed25519 keys as DSSE envelopes, and handed to
:func:`open_cases_from_bundle` with a :class:`ReceivedBundle` row inserted as the importer would.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from examsite.adjudication.cases import open_cases_from_bundle
from examsite.canonical import canonical_bytes
from examsite.identity.dsse import PayloadType, sign_envelope
from examsite.identity.keys import LocalSigner, generate_private_key
from examsite.incidents.record import (
    Acknowledgement,
    EvidenceKind,
    EvidenceRef,
    IncidentRecord,
    SessionRef,
    Subject,
    Witness,
)
from examsite.rules import SubjectKind
from examsite.sites.idnumber import check_character
from examsite.store.models import Case, ReceivedBundle

INSTITUTION = "HB-0427"
INSTITUTION_NAME = "武汉市某职业技能评价机构"
SITE = "S01"
# 10:00 Shanghai on Thursday 2026-09-17: a theory sitting 09:00-11:00.
T0 = datetime(2026, 9, 17, 2, 0, tzinfo=UTC)


def id_number(body17: str) -> str:
    """A valid resident ID number from its first 17 digits."""
    return body17 + check_character(body17)


CANDIDATE_ID = id_number("42010619900307123")
OTHER_ID = id_number("42010219880512456")


def candidate(name: str = "张行", number: str = CANDIDATE_ID) -> Subject:
    return Subject(SubjectKind.candidate, name, id_number=number, admission_number="A0001", seat="07")


def staff_subject(name: str = "赵督", staff_id: str = "staff-7", role: str = "exam_affairs") -> Subject:
    return Subject(
        SubjectKind.staff, name, staff_id=staff_id, role=role, id_number=id_number("42010119800101001")
    )


def institution_subject() -> Subject:
    return Subject(SubjectKind.institution, INSTITUTION_NAME, institution_code=INSTITUTION)


def make_record(**changes: object) -> IncidentRecord:
    """A complete art. 6(1) candidate record (phone used in a theory sitting); override any field."""
    base = IncidentRecord(
        incident_id=str(uuid.uuid4()),
        version=1,
        supersedes=None,
        institution_code=INSTITUTION,
        institution_name=INSTITUTION_NAME,
        site_code=SITE,
        site_name="第一考点",
        room="101",
        session=SessionRef(
            "2026-09-A", "电工", "四级", "theory", T0 - timedelta(hours=1), T0 + timedelta(hours=1)
        ),
        subject=candidate(),
        article="6.1",
        severity=None,
        reminder_given=None,
        reminder_refused=None,
        facts="考生在座位上使用手机拍摄试题并发送，行为持续约3分钟。",
        on_site_handling="监考人员当场收缴手机，开具暂扣收据。",
        occurred_at=T0,
        discovered_at=T0 + timedelta(seconds=20),
        marked_at=T0 + timedelta(seconds=20),
        found_after_assessment=False,
        acknowledgement=Acknowledgement.REFUSED,
        acknowledgement_note="考生拒绝签字",
        recorded_by="staff-1",
        recorded_at=T0 + timedelta(minutes=5),
        evidence=(
            EvidenceRef(
                "a" * 64, 1234, "video/mp4", EvidenceKind.VIDEO_CLIP, "101-前", T0, T0 + timedelta(minutes=3)
            ),
        ),
        witnesses=(Witness("李四", "invigilator", "staff-2"),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@dataclass
class Signers:
    """Two witnesses and the room head with real keys; ``owners`` maps key ids to staff ids."""

    first: LocalSigner
    second: LocalSigner
    head: LocalSigner

    @classmethod
    def new(cls) -> Signers:
        return cls(*(LocalSigner(generate_private_key()) for _ in range(3)))

    @property
    def owners(self) -> dict[str, str]:
        return {self.first.key_id: "staff-1", self.second.key_id: "staff-2", self.head.key_id: "staff-3"}

    def envelopes(self, record_bytes: bytes) -> list[bytes]:
        digest = hashlib.sha256(record_bytes).hexdigest()
        cosign = canonical_bytes({"record_sha256": digest})
        first = sign_envelope(PayloadType.COSIGNATURE, cosign, self.first)
        second = sign_envelope(PayloadType.COSIGNATURE, cosign, self.second)
        confirm = canonical_bytes(
            {
                "record_sha256": digest,
                "cosignatures": sorted(hashlib.sha256(e).hexdigest() for e in (first, second)),
            }
        )
        return [first, second, sign_envelope(PayloadType.CONFIRMATION, confirm, self.head)]


def received_bundle(session: Session, *, site: str = SITE, institution: str = INSTITUTION) -> ReceivedBundle:
    """A received-bundle row as the importer inserts it before opening cases."""
    bundle_id = str(uuid.uuid4())
    row = ReceivedBundle(
        id=bundle_id,
        sha256=hashlib.sha256(bundle_id.encode()).hexdigest(),
        received_by="clerk",
        site_code=site,
        institution_code=institution,
        manifest=b"{}",
        checkpoint_size=1,
        checkpoint_root="0" * 64,
        archive_path=f"bundles/{bundle_id}",
    )
    session.add(row)
    session.flush()
    return row


def open_case(session: Session, record: IncidentRecord, signers: Signers | None = None) -> Case:
    """Open one case from ``record`` through a fresh received bundle."""
    signers = signers or Signers.new()
    data = record.to_bytes()
    bundle = received_bundle(session)
    (case,) = open_cases_from_bundle(
        session, bundle, [(data, signers.envelopes(data))], key_owners=signers.owners
    )
    return case
