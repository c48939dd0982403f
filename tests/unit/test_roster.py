"""The signed staff roster: enrolment, rotation, revocation, pinning and rollback refusal."""

from __future__ import annotations

import base64
import json
import os
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examsite.canonical import canonical_bytes
from examsite.errors import ExamsiteError, InvalidInput, NotFound
from examsite.identity.dsse import PayloadType, sign_envelope
from examsite.identity.errors import (
    BadSignature,
    MalformedRoster,
    RevokedSigner,
    RosterRollback,
    UnknownKey,
    UnpinnedIssuer,
    UntrustedSigner,
    WrongPayloadType,
)
from examsite.identity.keys import LocalSigner, fingerprint, public_raw
from examsite.identity.roster import (
    MAX_ROSTER_BYTES,
    ROLE_LABELS_ZH,
    KeyStatus,
    RevocationReason,
    Role,
    Roster,
    RosterCheckpoint,
    RosterEntry,
    RosterTrust,
    export_roster,
    import_roster,
    parse_roles,
    sign_roster,
    verify_roster,
)


def signer(n: int) -> LocalSigner:
    """A fixed key pair per number, so failures are reproducible."""
    return LocalSigner(Ed25519PrivateKey.from_private_bytes(bytes([n]) * 32))


T0 = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
INSTITUTION = signer(100)
CITY = signer(101)
ZHANG, LI, WANG = signer(1), signer(2), signer(3)
PINS = frozenset({fingerprint(INSTITUTION.public_key)})


def base_roster() -> Roster:
    """Version 3: three people enrolled."""
    roster = Roster.first("HB-4201", "武汉市某职业技能等级认定站", INSTITUTION.public_key, T0)
    roster = roster.enrolled("S001", "张三", ["invigilator"], ZHANG.public_key, T0 + timedelta(minutes=1))
    roster = roster.enrolled(
        "S002", "李四", ["invigilator", "examiner"], LI.public_key, T0 + timedelta(minutes=2)
    )
    return roster.enrolled("S003", "王五", ["room_head"], WANG.public_key, T0 + timedelta(minutes=3))


def test_roles_are_the_regulation_roles_with_chinese_labels() -> None:
    assert set(ROLE_LABELS_ZH) == set(Role)
    assert ROLE_LABELS_ZH[Role.ROOM_HEAD] == "考场负责人"
    assert ROLE_LABELS_ZH[Role.EXTERNAL_SUPERVISOR] == "外部督导"
    assert parse_roles(["room_head", "invigilator", "invigilator"]) == (Role.INVIGILATOR, Role.ROOM_HEAD)
    with pytest.raises(InvalidInput, match="not a staff role") as info:
        parse_roles(["监考"])
    assert info.value.code == "unknown_role"


def test_enrolment_makes_new_versions_with_looked_up_keys() -> None:
    roster = base_roster()
    assert roster.version == 4
    assert roster.issued_at == T0 + timedelta(minutes=3)
    assert roster.issuer_key_id == INSTITUTION.key_id
    entry = roster.key_for(LI.key_id)
    assert (entry.staff_id, entry.name, entry.roles) == ("S002", "李四", (Role.EXAMINER, Role.INVIGILATOR))
    assert entry.status is KeyStatus.ACTIVE
    assert entry.has_role(Role.EXAMINER)
    assert not entry.has_role(Role.ROOM_HEAD)
    assert public_raw(entry.ed25519()) == public_raw(LI.public_key)
    assert roster.active_entry("S003").key_id == WANG.key_id
    assert set(roster.trusted_keys()) == {ZHANG.key_id, LI.key_id, WANG.key_id}
    assert roster.ed25519_issuer() is not None


def test_unknown_key_and_person() -> None:
    roster = base_roster()
    with pytest.raises(UntrustedSigner, match="not in roster version 4") as info:
        roster.key_for(CITY.key_id)
    assert info.value.code == "untrusted_signer"
    with pytest.raises(NotFound, match="S999"):
        roster.active_entry("S999")


def test_rotation_revokes_the_old_key_and_keeps_name_and_roles() -> None:
    roster = base_roster()
    new_key = signer(4)
    at = T0 + timedelta(days=1)
    rotated = roster.rotated("S002", new_key.public_key, at, note="换新电脑")
    assert rotated.version == roster.version + 1
    old = rotated.lookup(LI.key_id)
    assert old.status is KeyStatus.REVOKED
    assert (old.revoked_at, old.revocation_reason, old.revocation_note) == (
        at,
        RevocationReason.SUPERSEDED,
        "换新电脑",
    )
    new = rotated.active_entry("S002")
    assert (new.key_id, new.name, new.roles, new.valid_from) == (new_key.key_id, "李四", old.roles, at)
    with pytest.raises(RevokedSigner, match=r"revoked at 2025-06-02T08:00:00\.000Z") as info:
        rotated.key_for(LI.key_id)
    assert info.value.code == "revoked_signer"
    assert info.value.revoked_at == at
    assert LI.key_id not in rotated.trusted_keys()
    assert LI.key_id in rotated.trusted_keys(include_revoked=True)


def test_revocation_and_validity_in_time() -> None:
    roster = base_roster()
    at = T0 + timedelta(days=2)
    revoked = roster.revoked(ZHANG.key_id, at, RevocationReason.WITHDRAWN, "调离")
    entry = revoked.lookup(ZHANG.key_id)
    assert entry.status is KeyStatus.REVOKED
    assert entry.was_valid_at(at - timedelta(seconds=1))
    assert not entry.was_valid_at(at)
    assert not entry.was_valid_at(entry.valid_from - timedelta(seconds=1))
    assert revoked.lookup(LI.key_id).was_valid_at(at + timedelta(days=999))
    # a compromised key was never trustworthy: nobody knows when the theft happened
    stolen = roster.revoked(LI.key_id, at, RevocationReason.COMPROMISED).lookup(LI.key_id)
    assert not stolen.was_valid_at(at - timedelta(days=1))
    with pytest.raises(NotFound):
        revoked.active_entry("S001")
    # the person can be enrolled again with a new key after a withdrawal
    again = revoked.enrolled("S001", "张三", ["invigilator"], signer(5).public_key, at)
    assert again.active_entry("S001").key_id == signer(5).key_id


def test_changes_that_would_break_the_roster_are_refused() -> None:
    roster = base_roster()
    later = T0 + timedelta(days=1)
    with pytest.raises(InvalidInput, match="already enrolled") as info:
        roster.enrolled("S001", "张三", ["invigilator"], signer(9).public_key, later)
    assert info.value.code == "already_enrolled"
    with pytest.raises(InvalidInput, match="already in the roster") as info:
        roster.enrolled("S009", "赵六", ["invigilator"], LI.public_key, later)
    assert info.value.code == "duplicate_key"
    with pytest.raises(InvalidInput, match="already in the roster"):
        roster.rotated("S001", LI.public_key, later)
    revoked = roster.revoked(ZHANG.key_id, later, RevocationReason.WITHDRAWN)
    # a revoked key never comes back, under any name
    with pytest.raises(InvalidInput, match="already in the roster"):
        revoked.enrolled("S001", "张三", ["invigilator"], ZHANG.public_key, later)
    with pytest.raises(RevokedSigner):
        revoked.revoked(ZHANG.key_id, later, RevocationReason.WITHDRAWN)
    with pytest.raises(NotFound):
        roster.rotated("S999", signer(9).public_key, later)
    with pytest.raises(InvalidInput, match="check the computer's clock"):
        roster.enrolled("S009", "赵六", ["invigilator"], signer(9).public_key, T0)
    with pytest.raises(InvalidInput, match="the issuer's key cannot also be a staff key"):
        roster.enrolled("S009", "赵六", ["invigilator"], INSTITUTION.public_key, later)


def entry(**changes: Any) -> RosterEntry:
    fields: dict[str, Any] = {
        "staff_id": "S001",
        "name": "张三",
        "roles": ("invigilator",),
        "public_key": public_raw(ZHANG.public_key),
        "valid_from": T0,
    }
    return RosterEntry(**(fields | changes))


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"staff_id": ""}, "not a valid id"),
        ({"staff_id": "S 001"}, "not a valid id"),
        ({"staff_id": "-S001"}, "not a valid id"),
        ({"staff_id": "S" * 65}, "not a valid id"),
        ({"name": "  "}, "non-empty text"),
        ({"name": "名" * 101}, "non-empty text"),
        ({"name": "张\n三"}, "control"),
        ({"roles": ()}, "at least one role"),
        ({"roles": ("boss",)}, "not a staff role"),
        ({"public_key": b"\x01" * 31}, "32 raw Ed25519 bytes"),
        ({"valid_from": datetime(2025, 6, 1)}, "with a zone"),
        ({"revoked_at": T0}, "both a time and a reason"),
        ({"revocation_reason": RevocationReason.WITHDRAWN}, "both a time and a reason"),
        ({"revoked_at": T0 - timedelta(1), "revocation_reason": "withdrawn"}, "before it became valid"),
        ({"revoked_at": T0, "revocation_reason": "fired"}, "is unknown"),
        ({"revoked_at": datetime(2025, 7, 1), "revocation_reason": "withdrawn"}, "with a zone"),
        ({"revocation_note": "note"}, "needs a revocation"),
        ({"revoked_at": T0, "revocation_reason": "withdrawn", "revocation_note": "\x00"}, "control"),
    ],
)
def test_invalid_entries(changes: dict[str, Any], why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        entry(**changes)


def test_entry_times_are_utc_milliseconds() -> None:
    beijing = timezone(timedelta(hours=8))
    made = entry(valid_from=datetime(2025, 6, 1, 16, 0, 0, 123456, tzinfo=beijing))
    assert made.valid_from == datetime(2025, 6, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert entry(name="e\u0301").name == "é"


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"issuer_code": "HB 4201"}, "not a valid id"),
        ({"issuer_name": ""}, "non-empty text"),
        ({"issuer_public_key": b""}, "32 raw Ed25519 bytes"),
        ({"version": 0}, "out of range"),
        ({"version": 2**53}, "out of range"),
        ({"version": True}, "must be an integer"),
        ({"version": "2"}, "must be an integer"),
        ({"entries": (entry(), entry())}, "listed twice"),
        ({"entries": (entry(), entry(public_key=public_raw(LI.public_key)))}, "two active keys"),
        ({"entries": (entry(valid_from=T0 + timedelta(1)),)}, "later than the roster's issue time"),
        (
            {"entries": (entry(revoked_at=T0 + timedelta(1), revocation_reason="withdrawn"),)},
            "later than the roster's issue time",
        ),
    ],
)
def test_invalid_rosters(changes: dict[str, Any], why: str) -> None:
    fields: dict[str, Any] = {
        "issuer_code": "HB-4201",
        "issuer_name": "认定站",
        "issuer_public_key": public_raw(INSTITUTION.public_key),
        "version": 1,
        "issued_at": T0,
        "entries": (),
    }
    with pytest.raises(InvalidInput, match=why):
        Roster(**(fields | changes))


def test_payload_round_trip_is_exact() -> None:
    roster = base_roster().rotated("S001", signer(6).public_key, T0 + timedelta(days=3), note="轮换")
    payload = roster.to_payload()
    assert Roster.from_payload(payload) == roster
    doc = json.loads(payload)
    assert doc["format"] == "examsite-roster/1"
    assert doc["issuer"]["key_id"] == INSTITUTION.key_id
    assert [e["key_id"] for e in doc["entries"]] == sorted(e["key_id"] for e in doc["entries"])
    assert {e["status"] for e in doc["entries"]} == {"active", "revoked"}


def payload_with(mutate: Any) -> bytes:
    doc = base_roster().revoked(LI.key_id, T0 + timedelta(1), RevocationReason.WITHDRAWN).to_json()
    mutate(doc)
    return canonical_bytes(doc)


def first_entry(doc: dict[str, Any]) -> dict[str, Any]:
    entries: list[dict[str, Any]] = doc["entries"]
    return entries[0]


def revoked_entry(doc: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in doc["entries"] if e["status"] == "revoked")


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda d: d.update(format="examsite-roster/2"), "format"),
        (lambda d: d.pop("version"), "'version' is missing"),
        (lambda d: d.update(version="5"), "'version' has the wrong type"),
        (lambda d: d.update(version=True), "'version' has the wrong type"),
        (lambda d: d.update(issuer="HB"), "'issuer' has the wrong type"),
        (lambda d: d.update(entries=[1]), "'revoked_at' is missing"),
        (lambda d: d.update(issued_at="yesterday"), "not an RFC 3339 time"),
        (lambda d: d.update(issued_at="2025-06-01T08:03:00"), "not an RFC 3339 time"),
        (lambda d: d.update(issued_at="2025-06-02T16:00:00.000+08:00"), "exact form"),
        (lambda d: d["issuer"].update(public_key="AA"), "not base64"),
        (lambda d: d["issuer"].update(public_key="AAA="), "32 raw Ed25519 bytes"),
        (lambda d: d["issuer"].update(key_id="ed25519:00"), "issuer.key_id does not match"),
        (lambda d: first_entry(d).update(key_id="ed25519:00"), "key id or status does not match"),
        (lambda d: first_entry(d).update(status="revoked"), "key id or status does not match"),
        (lambda d: revoked_entry(d).update(revocation_reason="bored"), "is unknown"),
        (lambda d: revoked_entry(d).update(revocation_reason=None), "both a time and a reason"),
        (lambda d: first_entry(d).update(roles=["invigilator", "invigilator"]), "exact form"),
        (lambda d: d["entries"].reverse(), "exact form"),
        (lambda d: d.update(version=2**53 - 1, extra=1), "exact form"),
    ],
)
def test_malformed_payloads(mutate: Any, why: str) -> None:
    with pytest.raises(MalformedRoster, match=why) as info:
        Roster.from_payload(payload_with(mutate))
    assert info.value.code == "malformed_roster"


def test_non_canonical_payload_is_malformed() -> None:
    with pytest.raises(MalformedRoster, match="canonical"):
        Roster.from_payload(base_roster().to_payload() + b"\n")


# --- signing, pinning, rollback -----------------------------------------------------------------


def test_sign_and_verify_against_a_pinned_fingerprint() -> None:
    roster = base_roster()
    envelope = sign_roster(roster, INSTITUTION)
    verified = verify_roster(envelope, PINS)
    assert verified.roster == roster
    assert verified.envelope == envelope
    assert verified.checkpoint == RosterCheckpoint(4, verified.checkpoint.payload_sha256)
    # a fingerprint typed in lower case without spaces pins the same key
    typed = fingerprint(INSTITUTION.public_key).replace(" ", "").lower()
    assert verify_roster(envelope, [typed]).roster.version == 4


def test_only_the_named_issuer_key_can_sign() -> None:
    with pytest.raises(InvalidInput, match="signer holds") as info:
        sign_roster(base_roster(), CITY)
    assert info.value.code == "wrong_issuer_key"


def test_a_city_centre_roster_needs_its_own_pin() -> None:
    roster = Roster.first("WH-CENTRE", "武汉市职业技能鉴定指导中心", CITY.public_key, T0)
    envelope = sign_roster(
        roster.enrolled("S001", "张三", ["external_supervisor"], ZHANG.public_key, T0), CITY
    )
    with pytest.raises(UnpinnedIssuer, match="not pinned") as info:
        verify_roster(envelope, PINS)
    assert info.value.code == "unpinned_issuer"
    both = PINS | {fingerprint(CITY.public_key)}
    assert verify_roster(envelope, both).roster.issuer_code == "WH-CENTRE"


def test_a_forged_roster_naming_the_pinned_issuer_fails_the_signature() -> None:
    roster = base_roster()
    forged = sign_envelope(PayloadType.ROSTER, roster.to_payload(), replace_key_id(CITY, INSTITUTION.key_id))
    with pytest.raises(BadSignature):
        verify_roster(forged, PINS)


def replace_key_id(real: LocalSigner, claimed: str) -> Any:
    """A signer that claims another key's id: what a forger would try."""

    class Claiming:
        key_id = claimed

        def sign(self, data: bytes) -> bytes:
            return real.sign(data)

    return Claiming()


def test_envelope_signed_under_another_key_id_is_unknown() -> None:
    envelope = sign_envelope(PayloadType.ROSTER, base_roster().to_payload(), CITY)
    with pytest.raises(UnknownKey):
        verify_roster(envelope, PINS)


def test_other_statements_are_not_rosters() -> None:
    envelope = sign_envelope(PayloadType.CHECKPOINT, base_roster().to_payload(), INSTITUTION)
    with pytest.raises(WrongPayloadType, match="not a roster"):
        verify_roster(envelope, PINS)


def test_rollback_and_forks_are_refused() -> None:
    v4 = base_roster()
    v5 = v4.revoked(ZHANG.key_id, T0 + timedelta(1), RevocationReason.COMPROMISED)
    env4, env5 = sign_roster(v4, INSTITUTION), sign_roster(v5, INSTITUTION)
    trust = RosterTrust(PINS)
    trust = trust.accepted(trust.verify(env4))
    trust = trust.accepted(trust.verify(env5))
    assert trust.last_accepted == RosterCheckpoint(5, trust.verify(env5).checkpoint.payload_sha256)
    # replaying v4 would bring back the stolen key
    with pytest.raises(RosterRollback, match="older than or conflicts") as info:
        trust.verify(env4)
    assert info.value.code == "roster_rollback"
    # same version, different content: a fork
    fork = v4.revoked(LI.key_id, T0 + timedelta(1), RevocationReason.WITHDRAWN)
    with pytest.raises(RosterRollback):
        trust.verify(sign_roster(fork, INSTITUTION))
    # the very same roster again is fine (re-import)
    assert trust.verify(env5).roster == v5
    with pytest.raises(RosterRollback, match="older than version 5"):
        verify_roster(env4, PINS, min_version=5)


def test_trust_needs_a_valid_pin() -> None:
    with pytest.raises(InvalidInput, match="pin at least one"):
        RosterTrust(frozenset())
    with pytest.raises(InvalidInput, match="not a key fingerprint"):
        RosterTrust(frozenset({"1234"}))


# --- files --------------------------------------------------------------------------------------


def test_export_and_import(tmp_path: Path) -> None:
    envelope = sign_roster(base_roster(), INSTITUTION)
    path = tmp_path / "roster.dsse.json"
    export_roster(path, envelope)
    assert path.read_bytes() == envelope
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert not list(tmp_path.glob("*.part"))
    verified = import_roster(path, RosterTrust(PINS))
    assert verified.roster == base_roster()


def test_import_refuses_missing_huge_and_tampered_files(tmp_path: Path) -> None:
    trust = RosterTrust(PINS)
    with pytest.raises(NotFound, match="does not exist"):
        import_roster(tmp_path / "nope.json", trust)
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as fh:
        fh.truncate(MAX_ROSTER_BYTES + 1)
    with pytest.raises(MalformedRoster, match="larger than"):
        import_roster(huge, trust)
    tampered = tmp_path / "tampered.json"
    envelope = sign_roster(base_roster(), INSTITUTION)
    doc = json.loads(envelope)
    # give someone an extra role without the institution's signature
    payload = base_roster().to_json()
    payload["entries"][0]["roles"] = ["examiner", "invigilator"]
    doc["payload"] = base64.b64encode(canonical_bytes(payload)).decode()
    export_roster(tampered, canonical_bytes(doc))
    with pytest.raises(BadSignature):
        import_roster(tampered, trust)


ENVELOPE = sign_roster(base_roster(), INSTITUTION)
ROSTER_ERRORS = {
    "malformed_envelope",
    "malformed_roster",
    "wrong_payload_type",
    "unpinned_issuer",
    "unknown_key",
    "bad_signature",
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(ENVELOPE) - 1), mask=st.integers(1, 255))
def test_any_flipped_byte_of_a_signed_roster_is_refused(index: int, mask: int) -> None:
    damaged = bytearray(ENVELOPE)
    damaged[index] ^= mask
    with pytest.raises(ExamsiteError) as info:
        verify_roster(bytes(damaged), PINS)
    assert info.value.code in ROSTER_ERRORS


def test_replace_keeps_roster_checks() -> None:
    # dataclasses.replace re-runs validation: a copy cannot smuggle in a bad version
    with pytest.raises(InvalidInput):
        replace(base_roster(), version=-1)
