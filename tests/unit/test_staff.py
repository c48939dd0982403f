"""Staff enrolment, rotation, revocation and the roster kept in the store, with real keystores."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from examsite.canonical import canonical_bytes
from examsite.config import Paths
from examsite.errors import ExamsiteError
from examsite.identity.keys import fingerprint
from examsite.identity.roster import KeyStatus, RevocationReason
from examsite.identity.staff import (
    KdfChoice,
    current_roster,
    describe_roster,
    enrol_staff,
    export_current_roster,
    import_roster_file,
    init_issuer,
    issuer_info,
    list_staff,
    pinned_fingerprints,
    revoke_staff_key,
    roster_versions,
    rotate_staff_key,
    unlock_staff_key,
)
from examsite.store.engine import Store, open_store
from examsite.store.models import AuditEntry, Setting, StaffKey, StaffMember
from tests.support.signing import (
    ISSUER_CODE,
    ISSUER_PASS,
    PEOPLE,
    WEAK,
    enrol,
    make_issuer,
    make_site,
    unlock_key,
)


@pytest.fixture
def issued(store: Store, paths: Paths) -> Store:
    make_site(store)
    make_issuer(store, paths)
    return store


def audit_actions(store: Store) -> list[str]:
    with store.session() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def counts(store: Store) -> tuple[int, int, int, int]:
    with store.session() as session:
        return (
            session.execute(select(func.count()).select_from(StaffMember)).scalar_one(),
            session.execute(select(func.count()).select_from(StaffKey)).scalar_one(),
            session.execute(select(func.count()).select_from(Setting)).scalar_one(),
            current_roster(session).roster.version,
        )


def test_kdf_choice_from_environment() -> None:
    assert KdfChoice.from_env({}) == KdfChoice()
    assert KdfChoice().memory_kib == 64 * 1024
    weak = KdfChoice.from_env({"EXAMSITE_TEST_WEAK_KDF": "1"})
    assert weak.allow_weak
    assert weak.memory_kib < 64 * 1024
    assert KdfChoice.from_env({"EXAMSITE_TEST_WEAK_KDF": "yes"}) == KdfChoice()


def test_issuer_makes_roster_version_one_and_pins_itself(issued: Store, paths: Paths) -> None:
    with issued.session() as session:
        info = issuer_info(session)
        assert info is not None
        verified = current_roster(session)
        assert verified.roster.version == 1
        assert verified.roster.entries == ()
        assert fingerprint(verified.roster.ed25519_issuer()) == info.fingerprint
        assert pinned_fingerprints(session) == {info.fingerprint.replace(" ", "").lower()}
        assert roster_versions(session, ISSUER_CODE) == [1]
    assert (paths.keys / info.keystore).is_file()
    assert "roster.issued" in audit_actions(issued)


def test_a_second_issuer_and_a_weak_issuer_passphrase_are_refused(issued: Store, paths: Paths) -> None:
    with pytest.raises(ExamsiteError) as err:
        init_issuer(issued, paths, code="OTHER", name="x", passphrase=ISSUER_PASS, kdf=WEAK)
    assert err.value.code == "issuer_exists"


def test_weak_issuer_passphrase(store: Store, paths: Paths) -> None:
    with pytest.raises(ExamsiteError) as err:
        init_issuer(store, paths, code="HB", name="x", passphrase="short", kdf=WEAK)
    assert err.value.code == "weak_passphrase"
    with store.session() as session:
        assert issuer_info(session) is None
        with pytest.raises(ExamsiteError) as missing:
            current_roster(session)
        assert missing.value.code == "not_found"


def test_enrol_adds_roster_version_key_row_keystore_and_audit(issued: Store, paths: Paths) -> None:
    enrol(issued, paths, "S1")
    with issued.session() as session:
        roster = current_roster(session).roster
        assert roster.version == 2
        entry = roster.active_entry("S1")
        assert entry.name == "李四"
        assert [r.value for r in entry.roles] == ["invigilator"]
        member = session.execute(select(StaffMember).where(StaffMember.staff_no == "S1")).scalar_one()
        assert member.role_names == ["invigilator"]
        assert member.keys[0].key_id == entry.key_id
        keystore = paths.keys / member.keys[0].keystore_path
    assert keystore.is_file()
    assert oct(keystore.stat().st_mode & 0o777) == "0o600"
    key = unlock_key(issued, paths, "S1")
    assert key.key_id == entry.key_id
    assert key.staff_id == "S1"
    actions = audit_actions(issued)
    assert {"staff.enrolled", "roster.enrolled"} <= set(actions)
    # the issuer unlock and the person's unlock are each on record
    assert actions.count("key.unlock") == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"roles": ["janitor"]}, "unknown_role"),
        ({"roles": []}, "no_role"),
        ({"passphrase": "too short"}, "weak_passphrase"),
        ({"staff_no": "bad id!"}, "invalid_input"),
        ({"issuer_passphrase": "wrong issuer passphrase"}, "bad_passphrase"),
    ],
)
def test_bad_enrolments_change_nothing(
    issued: Store, paths: Paths, changes: dict[str, object], code: str
) -> None:
    before = counts(issued)
    args: dict[str, object] = {
        "staff_no": "S1",
        "name": "李四",
        "roles": ["invigilator"],
        "passphrase": "a good long passphrase",
        "issuer_passphrase": ISSUER_PASS,
    } | changes
    with pytest.raises(ExamsiteError) as err:
        enrol_staff(issued, paths, kdf=WEAK, **args)  # type: ignore[arg-type]
    assert err.value.code == code
    assert counts(issued) == before
    assert not (paths.keys / "staff" / "S1").exists() or not any((paths.keys / "staff" / "S1").iterdir())


def test_wrong_issuer_passphrase_is_audited_though_nothing_else_changes(issued: Store, paths: Paths) -> None:
    with pytest.raises(ExamsiteError):
        enrol_staff(
            issued,
            paths,
            staff_no="S1",
            name="李四",
            roles=["invigilator"],
            passphrase="a good long passphrase",
            issuer_passphrase="not the issuer's",
            kdf=WEAK,
        )
    with issued.session() as session:
        entry = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
    assert entry.action == "key.unlock"
    assert json.loads(entry.detail)["outcome"] == "bad_passphrase"
    assert entry.actor == f"staff:{ISSUER_CODE}"


def test_enrolling_twice_is_refused(issued: Store, paths: Paths) -> None:
    enrol(issued, paths, "S1")
    before = counts(issued)
    with pytest.raises(ExamsiteError) as err:
        enrol(issued, paths, "S1")
    assert err.value.code == "already_enrolled"
    assert counts(issued) == before


def test_enrolment_needs_an_issuer(store: Store, paths: Paths) -> None:
    make_site(store)
    with pytest.raises(ExamsiteError) as err:
        enrol(store, paths, "S1")
    assert err.value.code == "not_found"


def test_rotation_gives_a_new_key_and_supersedes_the_old(issued: Store, paths: Paths) -> None:
    enrol(issued, paths, "S1")
    old = unlock_key(issued, paths, "S1")
    rotate_staff_key(
        issued,
        paths,
        staff_no="S1",
        new_passphrase="a brand new passphrase",
        issuer_passphrase=ISSUER_PASS,
        note="laptop replaced",
        kdf=WEAK,
    )
    with issued.session() as session:
        roster = current_roster(session).roster
        assert roster.version == 3
        assert roster.lookup(old.key_id).revocation_reason is RevocationReason.SUPERSEDED
        assert roster.lookup(old.key_id).revocation_note == "laptop replaced"
        new_entry = roster.active_entry("S1")
    with pytest.raises(ExamsiteError):
        unlock_staff_key(
            issued, paths, "S1", PEOPLE["S1"][2], WEAK
        )  # the old passphrase opens the old file only
    new = unlock_staff_key(issued, paths, "S1", "a brand new passphrase", WEAK)
    assert new.key_id == new_entry.key_id != old.key_id
    assert [v.fingerprint is not None for v in list_staff_views(issued)] == [True]


def list_staff_views(store: Store) -> list:  # type: ignore[type-arg]
    with store.session() as session:
        return list_staff(session)


def test_rotation_and_revocation_need_an_active_key(issued: Store, paths: Paths) -> None:
    with pytest.raises(ExamsiteError) as err:
        rotate_staff_key(
            issued,
            paths,
            staff_no="S1",
            new_passphrase="a brand new passphrase",
            issuer_passphrase=ISSUER_PASS,
            kdf=WEAK,
        )
    assert err.value.code == "not_found"
    enrol(issued, paths, "S1")
    revoke_staff_key(
        issued,
        paths,
        staff_no="S1",
        reason=RevocationReason.WITHDRAWN,
        issuer_passphrase=ISSUER_PASS,
        kdf=WEAK,
    )
    for call in (
        lambda: rotate_staff_key(
            issued,
            paths,
            staff_no="S1",
            new_passphrase="a brand new passphrase",
            issuer_passphrase=ISSUER_PASS,
            kdf=WEAK,
        ),
        lambda: revoke_staff_key(
            issued,
            paths,
            staff_no="S1",
            reason=RevocationReason.WITHDRAWN,
            issuer_passphrase=ISSUER_PASS,
            kdf=WEAK,
        ),
        lambda: unlock_staff_key(issued, paths, "S1", PEOPLE["S1"][2], WEAK),
    ):
        with pytest.raises(ExamsiteError) as err:
            call()
        assert err.value.code == "no_active_key"


def test_revocation(issued: Store, paths: Paths) -> None:
    enrol(issued, paths, "S1")
    key_id = revoke_staff_key(
        issued,
        paths,
        staff_no="S1",
        reason=RevocationReason.COMPROMISED,
        issuer_passphrase=ISSUER_PASS,
        note="keystore copied",
        kdf=WEAK,
    )
    with issued.session() as session:
        entry = current_roster(session).roster.lookup(key_id)
        assert entry.status is KeyStatus.REVOKED
        assert entry.revocation_reason is RevocationReason.COMPROMISED
    (view,) = list_staff_views(issued)
    assert (view.staff_no, view.status, view.key_id, view.fingerprint) == ("S1", "revoked", None, None)
    # enrolling the person again gives a new key under the same member row
    enrol(issued, paths, "S1")
    (view,) = list_staff_views(issued)
    assert view.status == "active"
    assert view.key_id not in (None, key_id)


def test_a_keystore_swapped_in_from_another_person_is_refused(issued: Store, paths: Paths) -> None:
    enrol(issued, paths, "S1")
    enrol(issued, paths, "S2")
    with issued.session() as session:
        rows = {m.staff_no: m.keys[0].keystore_path for m in session.execute(select(StaffMember)).scalars()}
    shutil.copyfile(paths.keys / rows["S2"], paths.keys / rows["S1"])
    with pytest.raises(ExamsiteError) as err:
        unlock_staff_key(issued, paths, "S1", PEOPLE["S2"][2], WEAK)
    assert err.value.code == "keystore_mismatch"


def test_a_roster_edited_in_the_database_is_refused(issued: Store, paths: Paths) -> None:
    enrol(issued, paths, "S1")
    with issued.session() as session:
        key = f"roster.{ISSUER_CODE}.v2"
        doc = json.loads(session.get(Setting, key).value)  # type: ignore[union-attr]
        payload = base64.b64decode(doc["payload"]).decode("utf-8").replace("李四", "李五")
        doc["payload"] = base64.b64encode(payload.encode("utf-8")).decode("ascii")
        forged = canonical_bytes(doc).decode("utf-8")
        session.execute(update(Setting).where(Setting.key == key).values(value=forged))
    with issued.session() as session, pytest.raises(ExamsiteError) as err:
        current_roster(session)
    assert err.value.code == "bad_signature"


def test_export_and_import_at_a_verifier_that_pinned_the_fingerprint(
    issued: Store, paths: Paths, tmp_path: Path
) -> None:
    enrol(issued, paths, "S1")
    v2 = tmp_path / "roster-v2.json"
    with issued.session() as session:
        exported = export_current_roster(session, v2)
        fp = issuer_info(session).fingerprint  # type: ignore[union-attr]
        assert describe_roster(exported.roster)["version"] == 2
    enrol(issued, paths, "S2")
    v3 = tmp_path / "roster-v3.json"
    with issued.session() as session:
        export_current_roster(session, v3)

    centre = open_store(f"sqlite:///{tmp_path / 'centre.sqlite3'}")
    try:
        with centre.session() as session, pytest.raises(ExamsiteError) as err:
            import_roster_file(session, v2)
        assert err.value.code == "not_found"  # nothing pinned yet
        other = "00" * 32
        with centre.session() as session, pytest.raises(ExamsiteError) as err:
            import_roster_file(session, v2, pin=other)
        assert err.value.code == "unpinned_issuer"
        with centre.session() as session:
            assert import_roster_file(session, v2, pin=fp, actor="centre").roster.version == 2
            assert current_roster(session, ISSUER_CODE).roster.version == 2
        with centre.session() as session:
            assert import_roster_file(session, v3).roster.version == 3
        with centre.session() as session, pytest.raises(ExamsiteError) as err:
            import_roster_file(session, v2)
        assert err.value.code == "roster_rollback"
        # the same version again is accepted without a new entry
        before = audit_actions(centre)
        with centre.session() as session:
            import_roster_file(session, v3)
        assert audit_actions(centre) == before
        assert before.count("roster.imported") == 2
        # a pin that is not the roster issuer's, while the right one is pinned already
        with centre.session() as session, pytest.raises(ExamsiteError) as err:
            import_roster_file(session, v3, pin=other)
        assert err.value.code == "pin_mismatch"
        with centre.session() as session, pytest.raises(ExamsiteError) as err:
            current_roster(session)  # the centre has no issuer of its own
        assert err.value.code == "not_found"
        with centre.session() as session, pytest.raises(ExamsiteError) as err:
            current_roster(session, "NOBODY")
        assert err.value.code == "not_found"
    finally:
        centre.close()


def test_a_failure_after_the_keystore_is_written_removes_it_and_changes_nothing(
    issued: Store, paths: Paths
) -> None:
    before = counts(issued)
    with issued.engine.begin() as conn:
        # the database refuses the last row of the enrolment, after the keystore file was written
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse_enrolment BEFORE INSERT ON audit_entry WHEN NEW.action = 'staff.enrolled' "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    with pytest.raises(IntegrityError, match="disk full"):
        enrol(issued, paths, "S1")
    assert counts(issued) == before
    assert list((paths.keys / "staff" / "S1").glob("*.keystore")) == []


def test_enrolment_keeps_the_id_number_for_recognising_the_subject(issued: Store, paths: Paths) -> None:
    enrol_staff(
        issued,
        paths,
        staff_no="S1",
        name="李四",
        roles=["invigilator"],
        passphrase="a good long passphrase",
        issuer_passphrase=ISSUER_PASS,
        id_number="420106199003071234",
        kdf=WEAK,
    )
    with issued.session() as session:
        member = session.execute(select(StaffMember).where(StaffMember.staff_no == "S1")).scalar_one()
        assert member.id_number == "420106199003071234"


def test_without_pins_no_stored_roster_is_trusted(issued: Store) -> None:
    with issued.session() as session:
        session.delete(session.get(Setting, "roster.pins"))
    with issued.session() as session, pytest.raises(ExamsiteError) as err:
        current_roster(session)
    assert err.value.code == "not_found"
    assert "pin" in str(err.value)
