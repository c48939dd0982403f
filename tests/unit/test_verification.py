"""verify_record: every named error of art. 15 signing, from bytes, envelopes and a roster alone.

Envelopes are made with real Ed25519 keys; some are crafted the way the workflow would refuse to make
them (same person twice, the subject, the head co-signing), because a verifier meets forged or
foreign bundles, not only our own output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examsite.canonical import canonical_bytes
from examsite.identity.dsse import PayloadType, envelope_sha256, sign_envelope
from examsite.identity.keys import LocalSigner, generate_private_key
from examsite.identity.roster import RevocationReason, Roster
from examsite.incidents.record import (
    Acknowledgement,
    EvidenceKind,
    EvidenceRef,
    IncidentRecord,
    Subject,
)
from examsite.incidents.verification import (
    ErrorCode,
    confirmation_payload,
    cosignature_payload,
    verify_record,
)
from examsite.rules import SubjectKind
from examsite.sites.idnumber import check_character

T0 = datetime(2026, 6, 13, 1, 15, tzinfo=UTC)
ID = "42010619900307123" + check_character("42010619900307123")
CLIP = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8
ROLES = {
    "S1": ["invigilator"],
    "S2": ["examiner"],
    "S3": ["exam_affairs", "room_head"],
    "H1": ["room_head"],
    "W1": ["item_writer"],
    "H2": ["room_head"],
}


@dataclass
class World:
    roster: Roster
    signers: dict[str, LocalSigner]
    record: IncidentRecord

    @property
    def data(self) -> bytes:
        return self.record.to_bytes()

    def cosign(
        self, who: str, *, role: str | None = None, record: bytes | None = None, **over: object
    ) -> bytes:
        data = self.data if record is None else record
        parsed = IncidentRecord.from_bytes(data)
        fields: dict[str, object] = {
            "incident_id": parsed.incident_id,
            "version": parsed.version,
            "record_sha256": hashlib.sha256(data).hexdigest(),
            "staff_id": who,
            "key_id": self.signers[who].key_id,
            "role": role or ROLES[who][0],
            "at": T0 + timedelta(minutes=10),
        }
        fields.update(over)
        return sign_envelope(PayloadType.COSIGNATURE, cosignature_payload(**fields), self.signers[who])  # type: ignore[arg-type]

    def confirm(self, who: str, cosignatures: list[bytes], **over: object) -> bytes:
        fields: dict[str, object] = {
            "incident_id": self.record.incident_id,
            "version": self.record.version,
            "record_sha256": hashlib.sha256(self.data).hexdigest(),
            "cosignatures": [envelope_sha256(e) for e in cosignatures],
            "staff_id": who,
            "key_id": self.signers[who].key_id,
            "at": T0 + timedelta(minutes=20),
        }
        fields.update(over)
        return sign_envelope(PayloadType.CONFIRMATION, confirmation_payload(**fields), self.signers[who])  # type: ignore[arg-type]

    def complete(self) -> list[bytes]:
        c1, c2 = self.cosign("S1"), self.cosign("S2")
        return [c1, c2, self.confirm("H1", [c1, c2])]


def make_record(**changes: object) -> IncidentRecord:
    base = IncidentRecord(
        incident_id="0b7d6a0e-3a1d-4c39-9d0f-0d7c7f1b8a11",
        version=1,
        supersedes=None,
        institution_code="HB-0427",
        institution_name="武汉市某职业技能评价机构",
        site_code="S01",
        site_name="第一考点",
        room="101",
        session=None,
        subject=Subject(SubjectKind.candidate, "张三", id_number=ID, admission_number="A0001", seat="12"),
        article="6.1",
        severity=None,
        reminder_given=None,
        reminder_refused=None,
        facts="考生在座位上使用手机拍摄试题。",
        on_site_handling="监考人员当场收缴手机。",
        occurred_at=T0,
        discovered_at=T0 + timedelta(seconds=20),
        marked_at=T0 + timedelta(seconds=20),
        found_after_assessment=False,
        acknowledgement=Acknowledgement.REFUSED,
        recorded_by="S1",
        recorded_at=T0 + timedelta(minutes=5),
        evidence=(
            EvidenceRef(
                hashlib.sha256(CLIP).hexdigest(),
                len(CLIP),
                "video/mp4",
                EvidenceKind.VIDEO_CLIP,
                "101-前",
                T0,
                T0 + timedelta(minutes=3),
            ),
            EvidenceRef("b" * 64, 10, "text/plain", EvidenceKind.SEIZED_ITEM, receipt_number="R-7"),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def make_world(**record_changes: object) -> World:
    issuer = LocalSigner(generate_private_key())
    roster = Roster.first("HB-0427", "某评价机构", issuer.public_key, T0 - timedelta(days=1))
    signers: dict[str, LocalSigner] = {}
    for staff_id, roles in ROLES.items():
        signers[staff_id] = LocalSigner(generate_private_key())
        roster = roster.enrolled(
            staff_id, f"员工{staff_id}", roles, signers[staff_id].public_key, T0 - timedelta(days=1)
        )
    return World(roster, signers, make_record(**record_changes))


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


@pytest.fixture(scope="module")
def clip_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("evidence") / "clip.mp4"
    path.write_bytes(CLIP)
    return path


def lookup_for(path: Path) -> Callable[[str], Path | None]:
    return lambda digest: path if digest == hashlib.sha256(CLIP).hexdigest() else None


def codes(report: object) -> set[str]:
    return report.codes  # type: ignore[attr-defined, no-any-return]


# --- success ----------------------------------------------------------------------------------------


def test_two_cosignatures_and_the_heads_confirmation_verify(world: World, clip_file: Path) -> None:
    report = verify_record(world.data, world.complete(), world.roster, lookup_for(clip_file))
    assert report.ok, report.errors
    assert [s.staff_id for s in report.cosigners] == ["S1", "S2"]
    assert report.confirmation is not None
    assert report.confirmation.staff_id == "H1"
    assert report.confirmation.role == "room_head"
    assert report.evidence_checked == [hashlib.sha256(CLIP).hexdigest()]
    # the seized item has no file here: listed as unchecked, not silently passed or failed
    assert report.evidence_unchecked == ["b" * 64]
    assert report.record is not None
    assert report.record_sha256 == hashlib.sha256(world.data).hexdigest()


def test_three_cosigners_all_covered_verify(world: World) -> None:
    c1, c2, c3 = world.cosign("S1"), world.cosign("S2"), world.cosign("S3")
    report = verify_record(world.data, [c3, c1, c2, world.confirm("H1", [c1, c2, c3])], world.roster)
    assert report.ok, report.errors
    assert len(report.cosigners) == 3


def test_signed_but_unconfirmed_passes_only_when_confirmation_is_not_required(world: World) -> None:
    envelopes = [world.cosign("S1"), world.cosign("S2")]
    assert verify_record(world.data, envelopes, world.roster, require_confirmation=False).ok
    report = verify_record(world.data, envelopes, world.roster)
    assert codes(report) == {"missing_confirmation"}


# --- each named error ---------------------------------------------------------------------------------


def test_no_signatures_at_all(world: World) -> None:
    report = verify_record(world.data, [], world.roster)
    assert codes(report) == {"missing_signatures", "missing_confirmation"}
    assert not report.ok


def test_one_signature_is_not_enough(world: World) -> None:
    report = verify_record(world.data, [world.cosign("S1")], world.roster, require_confirmation=False)
    assert codes(report) == {"missing_signatures"}


def test_same_person_twice_counts_once(world: World) -> None:
    first = world.cosign("S1")
    again = world.cosign("S1", at=T0 + timedelta(minutes=11))
    report = verify_record(world.data, [first, again], world.roster, require_confirmation=False)
    assert codes(report) == {"same_signer_twice", "missing_signatures"}


def test_item_writer_and_head_role_are_not_witness_roles(world: World) -> None:
    report = verify_record(
        world.data, [world.cosign("S1"), world.cosign("W1")], world.roster, require_confirmation=False
    )
    assert codes(report) == {"wrong_role", "missing_signatures"}
    report = verify_record(
        world.data, [world.cosign("S1"), world.cosign("H2")], world.roster, require_confirmation=False
    )
    assert codes(report) == {"wrong_role", "missing_signatures"}


def test_claiming_a_role_the_roster_does_not_give(world: World) -> None:
    forged = world.cosign("S1", role="examiner")  # S1 is an invigilator only
    report = verify_record(world.data, [forged, world.cosign("S2")], world.roster, require_confirmation=False)
    assert "wrong_role" in codes(report)


def test_the_subject_cannot_sign() -> None:
    w = make_world(
        subject=Subject(SubjectKind.staff, "员工S1", staff_id="S1", role="invigilator"), article="10"
    )
    c1, c2, c3 = w.cosign("S1"), w.cosign("S2"), w.cosign("S3", role="exam_affairs")
    report = verify_record(w.data, [c1, c2, c3, w.confirm("H1", [c1, c2, c3])], w.roster)
    assert codes(report) == {"subject_signed"}


def test_the_head_must_not_cosign(world: World) -> None:
    c1, c3 = world.cosign("S1"), world.cosign("S3")  # S3 is exam affairs and also a room head
    report = verify_record(world.data, [c1, c3, world.confirm("S3", [c1, c3])], world.roster)
    assert codes(report) == {"head_cosigned"}
    assert report.confirmation is None


def test_confirmer_must_be_a_room_head(world: World) -> None:
    c1, c2 = world.cosign("S1"), world.cosign("S2")
    report = verify_record(world.data, [c1, c2, world.confirm("W1", [c1, c2])], world.roster)
    assert codes(report) == {"wrong_role"}


def test_confirmation_must_cover_exactly_these_cosignatures(world: World) -> None:
    c1, c2, c3 = world.cosign("S1"), world.cosign("S2"), world.cosign("S3")
    # a co-signature added after the confirmation, or one swapped in for another
    report = verify_record(world.data, [c1, c2, c3, world.confirm("H1", [c1, c2])], world.roster)
    assert codes(report) == {"confirmation_mismatch"}
    report = verify_record(world.data, [c1, c3, world.confirm("H1", [c1, c2])], world.roster)
    assert codes(report) == {"confirmation_mismatch"}


def test_two_confirmations_are_a_mismatch(world: World) -> None:
    c1, c2 = world.cosign("S1"), world.cosign("S2")
    report = verify_record(
        world.data, [c1, c2, world.confirm("H1", [c1, c2]), world.confirm("H2", [c1, c2])], world.roster
    )
    assert codes(report) == {"confirmation_mismatch"}
    assert report.confirmation is None


def test_signatures_over_another_version_do_not_count() -> None:
    w = make_world()
    envelopes = w.complete()
    newer = w.record.amended(w.data, "证据补充")
    report = verify_record(newer.to_bytes(), envelopes, w.roster)
    assert "record_changed" in codes(report)
    assert "missing_signatures" in codes(report)


def test_record_bytes_that_are_not_a_record(world: World) -> None:
    report = verify_record(b"{}", world.complete(), world.roster)
    assert "record_changed" in codes(report)
    assert report.record is None


def test_record_bytes_not_matching_their_known_hash(world: World) -> None:
    report = verify_record(world.data, world.complete(), world.roster, expected_sha256="0" * 64)
    assert codes(report) == {"record_changed"}


def test_untrusted_key(world: World) -> None:
    stranger = LocalSigner(generate_private_key())
    payload = cosignature_payload(
        incident_id=world.record.incident_id,
        version=1,
        record_sha256=hashlib.sha256(world.data).hexdigest(),
        staff_id="S1",
        key_id=stranger.key_id,
        role="invigilator",
        at=T0,
    )
    forged = sign_envelope(PayloadType.COSIGNATURE, payload, stranger)
    report = verify_record(world.data, [forged, world.cosign("S2")], world.roster, require_confirmation=False)
    assert codes(report) == {"untrusted_signer", "missing_signatures"}


def test_payload_naming_someone_else(world: World) -> None:
    # S2's key signing a statement that says S1 signed
    lying = world.cosign("S2", staff_id="S1", key_id=world.signers["S2"].key_id)
    report = verify_record(world.data, [world.cosign("S1"), lying], world.roster, require_confirmation=False)
    assert codes(report) == {"untrusted_signer", "missing_signatures"}


def test_wrong_payload_type_and_garbage_are_bad_signatures(world: World) -> None:
    record_env = sign_envelope(PayloadType.INCIDENT_RECORD, world.data, world.signers["S1"])
    unknown = sign_envelope("application/x-other", b"{}", world.signers["S1"])
    report = verify_record(
        world.data, [record_env, unknown, b"not json"], world.roster, require_confirmation=False
    )
    assert codes(report) == {"bad_signature", "missing_signatures"}
    assert len([e for e in report.errors if e.code is ErrorCode.BAD_SIGNATURE]) == 3


@pytest.mark.parametrize(
    "payload",
    [
        b"not canonical",
        canonical_bytes({"schema": "examsite.cosignature/1", "version": True}),
        canonical_bytes({"schema": "examsite.cosignature/1", "version": 1, "incident_id": 5}),
        canonical_bytes(
            {
                "schema": "examsite.cosignature/9",
                "incident_id": "x",
                "version": 1,
                "record_sha256": "0" * 64,
                "signer": {"staff_id": "S1", "key_id": "k", "role": "invigilator"},
                "signed_at": "2026-06-13T01:15:00.000Z",
            }
        ),
    ],
)
def test_validly_signed_but_malformed_cosignature_payloads(world: World, payload: bytes) -> None:
    envelope = sign_envelope(PayloadType.COSIGNATURE, payload, world.signers["S1"])
    report = verify_record(world.data, [envelope], world.roster, require_confirmation=False)
    assert "bad_signature" in codes(report)


@pytest.mark.parametrize("listed", ["not a list", [1, 2]])
def test_malformed_confirmation_hash_list(world: World, listed: object) -> None:
    doc = {
        "schema": "examsite.confirmation/1",
        "incident_id": world.record.incident_id,
        "version": 1,
        "record_sha256": hashlib.sha256(world.data).hexdigest(),
        "cosignatures": listed,
        "head": {"staff_id": "H1", "key_id": world.signers["H1"].key_id, "role": "room_head"},
        "confirmed_at": "2026-06-13T01:15:00.000Z",
    }
    envelope = sign_envelope(PayloadType.CONFIRMATION, canonical_bytes(doc), world.signers["H1"])
    c1, c2 = world.cosign("S1"), world.cosign("S2")
    report = verify_record(world.data, [c1, c2, envelope], world.roster)
    assert codes(report) == {"bad_signature", "missing_confirmation"}


def test_revoked_key_counts_only_when_a_trusted_time_precedes_the_revocation() -> None:
    w = make_world()
    envelopes = w.complete()
    revoked_at = T0 + timedelta(hours=1)
    superseded = w.roster.revoked(w.signers["S1"].key_id, revoked_at, RevocationReason.SUPERSEDED)
    report = verify_record(w.data, envelopes, superseded)
    assert "revoked_signer" in codes(report)
    # the audit log says the co-signature was made before the revocation: it still counts
    before = verify_record(
        w.data, envelopes, superseded, trusted_time=lambda digest: T0 + timedelta(minutes=10)
    )
    assert before.ok, before.errors
    unknown = verify_record(w.data, envelopes, superseded, trusted_time=lambda digest: None)
    assert "revoked_signer" in codes(unknown)
    # a compromised key voids its signatures whenever they were made
    compromised = w.roster.revoked(w.signers["S1"].key_id, revoked_at, RevocationReason.COMPROMISED)
    report = verify_record(w.data, envelopes, compromised, trusted_time=lambda digest: T0)
    assert "revoked_signer" in codes(report)


# --- evidence -------------------------------------------------------------------------------------------


def test_evidence_changed_missing_or_resized(world: World, tmp_path: Path) -> None:
    envelopes = world.complete()
    changed = tmp_path / "changed.mp4"
    changed.write_bytes(CLIP[:-1] + bytes([CLIP[-1] ^ 1]))
    report = verify_record(world.data, envelopes, world.roster, lookup_for(changed))
    assert codes(report) == {"evidence_mismatch"}
    assert "hash" in report.errors[0].message
    shorter = tmp_path / "short.mp4"
    shorter.write_bytes(CLIP[:-1])
    report = verify_record(world.data, envelopes, world.roster, lookup_for(shorter))
    assert codes(report) == {"evidence_mismatch"}
    assert "bytes" in report.errors[0].message
    report = verify_record(world.data, envelopes, world.roster, lookup_for(tmp_path / "gone.mp4"))
    assert codes(report) == {"evidence_mismatch"}
    assert "cannot be read" in report.errors[0].message


# --- any single changed byte is found and named (hypothesis) -------------------------------------------


@pytest.fixture(scope="module")
def signed_case(world: World) -> tuple[bytes, list[bytes]]:
    return world.data, world.complete()


def _flip(data: bytes, index: int, mask: int) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


def _keyid_span(envelope: bytes) -> range:
    start = envelope.index(b'"keyid":"') + len(b'"keyid":"')
    return range(start, envelope.index(b'"', start))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_is_named(
    world: World, signed_case: tuple[bytes, list[bytes]], clip_file: Path, tmp_path: Path, data: st.DataObject
) -> None:
    record, envelopes = signed_case
    target = data.draw(st.sampled_from(["record", "cosign-0", "cosign-1", "confirmation", "evidence"]))
    mask = data.draw(st.integers(1, 255))
    envelopes = list(envelopes)
    lookup = lookup_for(clip_file)
    if target == "record":
        record = _flip(record, data.draw(st.integers(0, len(record) - 1)), mask)
        expected = {"record_changed"}
    elif target == "evidence":
        index = data.draw(st.integers(0, len(CLIP) - 1))
        changed = tmp_path / "flipped.mp4"
        changed.write_bytes(_flip(CLIP, index, mask))
        lookup = lookup_for(changed)
        expected = {"evidence_mismatch"}
    else:
        which = {"cosign-0": 0, "cosign-1": 1, "confirmation": 2}[target]
        index = data.draw(st.integers(0, len(envelopes[which]) - 1))
        in_keyid = index in _keyid_span(envelopes[which])
        envelopes[which] = _flip(envelopes[which], index, mask)
        # a changed key id names a key the roster does not list; any other change breaks the signature
        expected = {"untrusted_signer", "bad_signature"} if in_keyid else {"bad_signature"}
    report = verify_record(record, envelopes, world.roster, lookup)
    assert not report.ok
    assert codes(report) & expected, (target, report.errors)


def test_a_repeated_finding_is_listed_once(world: World) -> None:
    envelope = world.cosign("S1")
    report = verify_record(world.data, [envelope] * 3, world.roster, require_confirmation=False)
    assert [e.code.value for e in report.errors] == ["same_signer_twice", "missing_signatures"]
