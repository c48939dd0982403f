"""Real ingredients for case-bundle tests: keys, a signed roster with a site device key, chained
audit entries, confirmed records with Ed25519 envelopes, evidence files, age identities."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyrage import x25519

from examsite.audit.log import GENESIS, entry_hash
from examsite.bundle import auditlog
from examsite.bundle.auditlog import AuditSection
from examsite.bundle.recipients import Identity
from examsite.bundle.writer import BundleRequest, EvidenceFile, RecordItem, SiteInfo
from examsite.canonical import sha256_hex
from examsite.identity.dsse import PayloadType, envelope_sha256, sign_envelope
from examsite.identity.keys import LocalSigner, fingerprint, generate_private_key
from examsite.identity.roster import Roster, RosterTrust, sign_roster
from examsite.incidents.record import EvidenceKind, EvidenceRef
from examsite.incidents.verification import confirmation_payload, cosignature_payload
from examsite.incidents.workflow import confirm_incident, create_draft, sign_incident
from tests.support.cases import make_record
from tests.support.signing import Site as SigningSite
from tests.support.signing import add_evidence, record_fields

T0 = datetime(2026, 5, 16, 1, 0, tzinfo=UTC)
SITE = SiteInfo("WH-01", "武汉第一考点", "HB-INST-7")


@dataclass
class Entry:
    """An audit entry with the fields the log hashes (what a store row carries)."""

    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    content_sha256: str
    detail: str
    prev_hash: str
    entry_hash: str


def make_entries(count: int, start: Sequence[Entry] = ()) -> list[Entry]:
    """``start`` extended by ``count`` chained entries with real hashes."""
    out = list(start)
    for _ in range(count):
        seq = len(out) + 1
        prev = out[-1].entry_hash if out else GENESIS
        at = T0 + timedelta(seconds=seq)
        content = hashlib.sha256(b"action %d" % seq).hexdigest()
        fields = (seq, at, "staff-a", "incident.signed", "incident", f"inc-{seq}", content, "", prev)
        out.append(Entry(*fields, entry_hash=entry_hash(*fields)))
    return out


@dataclass
class Keys:
    """An institution with a roster listing the site device key, three staff and a room head."""

    institution: LocalSigner = field(default_factory=lambda: LocalSigner(generate_private_key()))
    site: LocalSigner = field(default_factory=lambda: LocalSigner(generate_private_key()))
    staff_a: LocalSigner = field(default_factory=lambda: LocalSigner(generate_private_key()))
    staff_b: LocalSigner = field(default_factory=lambda: LocalSigner(generate_private_key()))
    head: LocalSigner = field(default_factory=lambda: LocalSigner(generate_private_key()))
    # X25519 by default; a test may give post-quantum ones (recipients.generate_identity(pq=True))
    recipient: Identity = field(default_factory=x25519.Identity.generate)
    centre: Identity = field(default_factory=x25519.Identity.generate)

    def roster(self, site_code: str = SITE.code, site_roles: tuple[str, ...] = ("site_device",)) -> Roster:
        roster = Roster.first("HB-INST-7", "湖北某评价机构", self.institution.public_key, T0)
        roster = roster.enrolled(site_code, "考点设备", site_roles, self.site.public_key, T0)
        roster = roster.enrolled("staff-a", "张三", ["invigilator"], self.staff_a.public_key, T0)
        roster = roster.enrolled("staff-b", "李四", ["invigilator"], self.staff_b.public_key, T0)
        return roster.enrolled("head-1", "王五", ["room_head"], self.head.public_key, T0)

    def roster_envelope(self, **kwargs: object) -> bytes:
        return sign_roster(self.roster(**kwargs), self.institution)  # type: ignore[arg-type]

    def trust(self) -> RosterTrust:
        return RosterTrust(frozenset({fingerprint(self.institution.public_key)}))

    @property
    def recipients(self) -> tuple[str, ...]:
        return (str(self.recipient.to_public()), str(self.centre.to_public()))


def confirmed_record(
    keys: Keys, incident_id: str, evidence: Sequence[EvidenceFile], version: int = 1
) -> RecordItem:
    """A real incident record version co-signed by two invigilators and confirmed by the room head
    (art. 15), with the payloads the incident workflow signs."""
    record = make_record(
        incident_id=incident_id,
        version=version,
        institution_code=SITE.institution_code,
        site_code=SITE.code,
        evidence=tuple(
            EvidenceRef(item.sha256, item.size, item.media_type, EvidenceKind.VIDEO_CLIP, "101-前", T0, T0)
            for item in sorted(evidence, key=lambda e: e.sha256)
        ),
    ).to_bytes()
    record_sha = sha256_hex(record)
    cosigns = [
        sign_envelope(
            PayloadType.COSIGNATURE,
            cosignature_payload(
                incident_id=incident_id,
                version=version,
                record_sha256=record_sha,
                staff_id=staff_id,
                key_id=signer.key_id,
                role="invigilator",
                at=T0,
            ),
            signer,
        )
        for staff_id, signer in (("staff-a", keys.staff_a), ("staff-b", keys.staff_b))
    ]
    confirmation = sign_envelope(
        PayloadType.CONFIRMATION,
        confirmation_payload(
            incident_id=incident_id,
            version=version,
            record_sha256=record_sha,
            cosignatures=[envelope_sha256(env) for env in cosigns],
            staff_id="head-1",
            key_id=keys.head.key_id,
            at=T0,
        ),
        keys.head,
    )
    shas = tuple(sorted({item.sha256 for item in evidence}))
    return RecordItem(incident_id, version, record, (*cosigns, confirmation), shas)


def evidence_file(folder: Path, data: bytes, media_type: str = "video/mp4") -> EvidenceFile:
    """Store ``data`` as an evidence file named by its hash."""
    folder.mkdir(parents=True, exist_ok=True)
    sha = hashlib.sha256(data).hexdigest()
    path = folder / sha
    path.write_bytes(data)
    return EvidenceFile(sha, len(data), media_type, path)


def request(
    keys: Keys,
    folder: Path,
    *,
    records: int = 2,
    clip_size: int = 3000,
    entries: Sequence[Entry] | None = None,
    previous_sizes: Sequence[int] = (),
    recipients: Sequence[str] | None = None,
) -> BundleRequest:
    """A request with ``records`` confirmed records, two evidence files each (one shared)."""
    shared = evidence_file(folder / "evidence", b"photo of the seized phone", "image/jpeg")
    evidence = [shared]
    items = []
    for n in range(records):
        clip = evidence_file(folder / "evidence", os.urandom(clip_size + n))
        evidence.append(clip)
        items.append(confirmed_record(keys, f"inc-{n:03d}", [clip, shared]))
    log = list(entries) if entries is not None else make_entries(5)
    section: AuditSection = auditlog.build_section(
        site_code=SITE.code, entries=log, previous_sizes=previous_sizes, signer=keys.site, at=T0
    )
    return BundleRequest(
        site=SITE,
        signer=keys.site,
        roster_envelope=keys.roster_envelope(),
        recipients=tuple(recipients) if recipients is not None else keys.recipients,
        audit=section,
        records=tuple(items),
        evidence=tuple(evidence),
        created_at=T0,
    )


# --- a site's store with the art. 15 workflow -----------------------------------------------------

SITE_KEY_PASS = "site device key passphrase"


def confirmed(site: SigningSite, clip: bytes, name: str) -> str:
    """An incident with one evidence file, co-signed by S1 and S2 and confirmed by H1."""
    entry = add_evidence(site.store, site.paths, clip, name)
    with site.store.session() as session:
        incident_id: str = create_draft(session, record_fields(evidence=[entry]), actor="S1").incident_id
    for who in ("S1", "S2"):
        with site.store.session() as session:
            sign_incident(session, incident_id, site.keys[who], version=1)
    with site.store.session() as session:
        confirm_incident(session, incident_id, site.keys["H1"], version=1)
    return incident_id
