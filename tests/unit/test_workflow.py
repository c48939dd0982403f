"""The art. 15 workflow on a real store: draft → signed → confirmed → exported, and every refusal.

A refusal must change nothing: each refused step is checked against a snapshot of the incident,
its versions, signatures and the audit log taken before it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from examsite.config import Paths
from examsite.errors import ExamsiteError
from examsite.identity.keystore import create_keystore, unlock
from examsite.identity.roster import RevocationReason
from examsite.identity.staff import revoke_staff_key, rotate_staff_key
from examsite.incidents.marks import mark_moment
from examsite.incidents.workflow import (
    CONFIRM,
    COSIGN,
    amend_incident,
    confirm_incident,
    create_draft,
    describe_incident,
    envelopes_of,
    mark_exported,
    record_from_json,
    sign_incident,
    verify_incident,
    version_row,
)
from examsite.sites.sessions import SessionSpec, assign_staff, create_session
from examsite.sites.setup import current_site
from examsite.store.engine import Store
from examsite.store.models import (
    AuditEntry,
    ExamSubject,
    Incident,
    IncidentEvidence,
    IncidentVersion,
    Signature,
    StaffMember,
    StaffRole,
)
from tests.support.signing import (
    ISSUER_PASS,
    T0,
    WEAK,
    Site,
    add_evidence,
    evidence_path,
    full_site,
    record_fields,
    staff_subject,
)


@pytest.fixture
def site(store: Store, paths: Paths) -> Site:
    return full_site(store, paths)


def draft(site: Site, **changes: Any) -> str:
    with site.store.session() as session:
        return create_draft(session, record_fields(**changes), actor="cli").incident_id


def sign(site: Site, incident_id: str, who: str, version: int = 1, **kw: Any) -> Signature:
    with site.store.session() as session:
        return sign_incident(session, incident_id, site.keys[who], version=version, **kw)


def confirm(site: Site, incident_id: str, who: str, version: int = 1) -> Signature:
    with site.store.session() as session:
        return confirm_incident(session, incident_id, site.keys[who], version=version)


def state(site: Site, incident_id: str) -> str:
    with site.store.session() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        return incident.state


def snapshot(site: Site) -> tuple[Any, ...]:
    with site.store.session() as session:
        return (
            [(i.id, i.state, i.current_version) for i in session.execute(select(Incident)).scalars()],
            session.execute(select(func.count()).select_from(IncidentVersion)).scalar_one(),
            session.execute(select(func.count()).select_from(Signature)).scalar_one(),
            session.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
        )


def refused(site: Site, step: Callable[[], object], code: str) -> str:
    before = snapshot(site)
    with pytest.raises(ExamsiteError) as err:
        step()
    assert err.value.code == code, err.value
    assert snapshot(site) == before
    return str(err.value)


# --- drafts ---------------------------------------------------------------------------------------------


def test_draft_is_version_one_with_derived_columns_and_an_audit_entry(site: Site) -> None:
    evidence = add_evidence(site.store, site.paths, b"clip" * 100)
    incident_id = draft(site, evidence=[evidence])
    with site.store.session() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        assert (incident.state, incident.current_version) == ("draft", 1)
        row = version_row(session, incident)
        record = record_from_json(json.loads(row.record))
        assert record.to_bytes() == row.record
        assert (row.subject_kind, row.subject_ref, row.article_key) == ("candidate", "张三", "6.1")
        assert row.supersedes_sha256 is None
        assert record.marked_at == incident.marked_at
        assert record.site_code == "S01"
        assert record.institution_code == "HB-0427"
        assert incident.room_id == current_site(session).rooms[0].id
        assert session.execute(select(func.count()).select_from(IncidentEvidence)).scalar_one() == 1
        actions = [e.action for e in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()]
    assert actions[-2:] == ["incident.marked", "incident.recorded"]
    with site.store.session() as session:
        amend_incident(session, incident_id, reason="更正", changes={"facts": "更正后的事实。"}, actor="S1")
        # the evidence both versions name is linked once
        assert session.execute(select(func.count()).select_from(IncidentEvidence)).scalar_one() == 1


def test_draft_about_the_institution_without_a_room(site: Site) -> None:
    subject = {"kind": "institution", "name": "某评价机构", "institution_code": "HB-0427"}
    incident_id = draft(site, room=None, subject=subject, article="12.1", severity="minor")
    with site.store.session() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        assert incident.room_id is None
        row = version_row(session, incident)
        assert (row.subject_kind, row.subject_ref, row.severity) == ("institution", "HB-0427", "minor")


def test_draft_from_a_moment_marked_earlier_keeps_that_moment(site: Site) -> None:
    with site.store.session() as session:
        moment = mark_moment(session, marked_by="S1", at=T0)
        incident_id = moment.id
    with site.store.session() as session:
        row = create_draft(session, record_fields(), actor="S1", incident_id=incident_id[:8])
        assert record_from_json(json.loads(row.record)).marked_at == T0

    def again() -> None:
        with site.store.session() as session:
            create_draft(session, record_fields(), actor="S1", incident_id=incident_id)

    refused(site, again, "already_recorded")


def test_draft_resolves_a_session_code(site: Site) -> None:
    with site.store.session() as session:
        create_session(
            session,
            current_site(session),
            SessionSpec(
                "2026-06-A",
                "电工",
                "四级",
                ExamSubject.THEORY,
                T0 - timedelta(hours=1),
                T0 + timedelta(hours=1),
                ("101",),
            ),
            "cli",
        )
    incident_id = draft(site, session="2026-06-A")
    with site.store.session() as session:
        view = describe_incident(session, incident_id)
        assert view.record.session is not None
        assert view.record.session.occupation == "电工"
        assert session.get(Incident, incident_id).session_id is not None  # type: ignore[union-attr]


@pytest.mark.parametrize("field", ["incident_id", "version", "site", "recorded_at"])
def test_fields_examsite_sets_are_refused(site: Site, field: str) -> None:
    def step() -> None:
        with site.store.session() as session:
            create_draft(session, record_fields(**{field: "x"}), actor="cli")

    assert field in refused(site, step, "fixed_field")


def test_marked_at_cannot_be_typed_in(site: Site) -> None:
    def step() -> None:
        with site.store.session() as session:
            create_draft(session, record_fields(marked_at="2026-06-13T01:00:00.000Z"), actor="cli")

    refused(site, step, "fixed_field")


# --- the happy path ---------------------------------------------------------------------------------


def test_two_witnesses_sign_the_head_confirms_and_it_is_exported(site: Site) -> None:
    evidence = add_evidence(site.store, site.paths, b"clip" * 100)
    incident_id = draft(site, evidence=[evidence])
    sign(site, incident_id, "S1")
    assert state(site, incident_id) == "draft"
    sign(site, incident_id, "S2", role="examiner")
    assert state(site, incident_id) == "signed"
    sign(site, incident_id, "S3")  # a third witness is welcome while not confirmed
    assert state(site, incident_id) == "signed"
    confirm(site, incident_id, "H1")
    assert state(site, incident_id) == "confirmed"
    with site.store.session() as session:
        report = verify_incident(session, site.paths, incident_id)
        assert report.ok, report.errors
        assert [s.role for s in report.cosigners] == ["invigilator", "examiner", "external_supervisor"]
        assert report.evidence_checked == [evidence["sha256"]]
        view = describe_incident(session, incident_id)
        assert [(s.purpose, s.staff_no) for s in view.signatures] == [
            (COSIGN, "S1"),
            (COSIGN, "S2"),
            (COSIGN, "S3"),
            (CONFIRM, "H1"),
        ]
        assert view.versions == (1,)
        mark_exported(session, incident_id, actor="cli", bundle_id="b-1")
    with site.store.session() as session:
        mark_exported(session, incident_id, actor="cli", bundle_id="b-2")  # a second copy is allowed
        report = verify_incident(session, site.paths, incident_id)
        assert report.ok
        actions = [e.action for e in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()]
    assert actions.count("incident.cosigned") == 3
    assert actions.count("incident.confirmed") == 1
    assert actions.count("incident.exported") == 2
    assert state(site, incident_id) == "exported"


def test_a_draft_verifies_as_unsigned(site: Site) -> None:
    incident_id = draft(site)
    with site.store.session() as session:
        assert verify_incident(session, site.paths, incident_id).codes == {"missing_signatures"}


# --- amendments ------------------------------------------------------------------------------------


def test_amendment_is_a_new_version_back_in_draft_and_the_old_one_keeps_its_signatures(site: Site) -> None:
    incident_id = draft(site)
    sign(site, incident_id, "S1")
    sign(site, incident_id, "S2")
    confirm(site, incident_id, "H1")
    with site.store.session() as session:
        old = version_row(session, session.get(Incident, incident_id))  # type: ignore[arg-type]
        new = amend_incident(
            session,
            incident_id,
            reason="座位号更正",
            changes={"facts": "考生使用手机拍摄试题并外传。"},
            actor="S1",
        )
        assert new.supersedes_sha256 == old.record_sha256
        assert new.version == 2
    assert state(site, incident_id) == "draft"
    with site.store.session() as session:
        record = describe_incident(session, incident_id).record
        assert record.amendment_reason == "座位号更正"
        assert record.supersedes == old.record_sha256
        # version 1 keeps its signatures and still verifies, confirmation included
        assert verify_incident(session, site.paths, incident_id, version=1).ok
        assert len(envelopes_of(version_row(session, session.get(Incident, incident_id), 1))) == 3  # type: ignore[arg-type]
        assert verify_incident(session, site.paths, incident_id).codes == {"missing_signatures"}
    # signatures of version 1 do not carry over; signing version 1 now is stale
    refused(site, lambda: sign(site, incident_id, "S1", version=1), "stale_version")
    sign(site, incident_id, "S1", version=2)
    sign(site, incident_id, "S2", version=2)
    confirm(site, incident_id, "H1", version=2)
    with site.store.session() as session:
        assert verify_incident(session, site.paths, incident_id).ok


def test_amendment_refusals(site: Site) -> None:
    incident_id = draft(site)

    def amend(reason: str, changes: dict[str, Any]) -> Callable[[], object]:
        def step() -> object:
            with site.store.session() as session:
                return amend_incident(session, incident_id, reason=reason, changes=changes, actor="S1")

        return step

    refused(site, amend(" ", {"facts": "x"}), "no_reason")
    refused(site, amend("nothing", {"article": "6.1"}), "no_change")
    refused(site, amend("fixed", {"marked_at": "2026-06-13T01:00:00.000Z"}), "fixed_field")
    refused(site, amend("fixed", {"version": 7}), "fixed_field")


def test_a_moment_without_a_record_has_no_version(site: Site) -> None:
    with site.store.session() as session:
        incident_id = mark_moment(session, marked_by="S1").id
    with site.store.session() as session, pytest.raises(ExamsiteError) as err:
        describe_incident(session, incident_id)
    assert err.value.code == "not_found"
    assert err.value.hint is not None


# --- refusals of co-signing -------------------------------------------------------------------------


def test_same_person_twice_is_refused(site: Site) -> None:
    incident_id = draft(site)
    sign(site, incident_id, "S1")
    assert "already co-signed" in refused(site, lambda: sign(site, incident_id, "S1"), "same_signer_twice")


def test_the_subject_cannot_sign(site: Site) -> None:
    incident_id = draft(site, **staff_subject("S1"))
    refused(site, lambda: sign(site, incident_id, "S1"), "subject_signed")
    sign(site, incident_id, "S2")


def test_the_subject_is_recognised_by_id_number_too(site: Site) -> None:
    with site.store.session() as session:
        member = session.execute(select(StaffMember).where(StaffMember.staff_no == "S1")).scalar_one()
        member.id_number = "420106199003071234"
    subject = staff_subject("S9")
    subject["subject"] |= {"name": "李四", "staff_id": "", "id_number": "420106199003071234"}
    incident_id = draft(site, **subject)
    refused(site, lambda: sign(site, incident_id, "S1"), "subject_signed")


def test_the_room_head_on_duty_cannot_cosign(site: Site) -> None:
    with site.store.session() as session:
        exam = create_session(
            session,
            current_site(session),
            SessionSpec(
                "2026-06-B",
                "电工",
                "四级",
                ExamSubject.SKILLS,
                T0 - timedelta(hours=1),
                T0 + timedelta(hours=1),
                ("101",),
            ),
            "cli",
        )
        head = session.execute(select(StaffMember).where(StaffMember.staff_no == "X1")).scalar_one()
        assign_staff(session, exam, head, StaffRole.ROOM_HEAD, "cli")
    incident_id = draft(site, session="2026-06-B")
    refused(site, lambda: sign(site, incident_id, "X1"), "head_cosigned")
    # without that duty the same person may witness another incident as an invigilator
    other = draft(site)
    sign(site, other, "X1")


@pytest.mark.parametrize(
    ("who", "role"), [("H1", None), ("W1", None), ("S1", "examiner"), ("S1", "room_head")]
)
def test_cosigning_needs_a_witness_role(site: Site, who: str, role: str | None) -> None:
    incident_id = draft(site)
    refused(site, lambda: sign(site, incident_id, who, role=role), "wrong_role")


def test_an_incomplete_record_cannot_be_signed(site: Site) -> None:
    incident_id = draft(site, facts="")
    assert "facts" in refused(site, lambda: sign(site, incident_id, "S1"), "record_incomplete")


def test_a_confirmed_incident_takes_no_more_cosignatures(site: Site) -> None:
    incident_id = draft(site)
    sign(site, incident_id, "S1")
    sign(site, incident_id, "S2")
    confirm(site, incident_id, "H1")
    message = refused(site, lambda: sign(site, incident_id, "S3"), "wrong_state")
    assert "amend" in message
    refused(site, lambda: confirm(site, incident_id, "H1"), "wrong_state")


def test_revoked_and_unknown_keys_cannot_sign(site: Site, tmp_path: Any) -> None:
    incident_id = draft(site)
    revoke_staff_key(
        site.store,
        site.paths,
        staff_no="S3",
        reason=RevocationReason.WITHDRAWN,
        issuer_passphrase=ISSUER_PASS,
        kdf=WEAK,
    )
    refused(site, lambda: sign(site, incident_id, "S3"), "revoked_signer")
    # a key nobody enrolled, claiming to be S1
    create_keystore(
        tmp_path / "k",
        "S1",
        ["invigilator"],
        "stranger passphrase",
        argon_memory_kib=256,
        argon_time_cost=1,
        allow_weak_kdf=True,
    )
    site.keys["fake"] = unlock(tmp_path / "k", "stranger passphrase", allow_weak_kdf=True)
    refused(site, lambda: sign(site, incident_id, "fake"), "untrusted_signer")
    # S1's real key sealed under another staff number
    create_keystore(
        tmp_path / "k2",
        "S9",
        ["invigilator"],
        "stranger passphrase",
        argon_memory_kib=256,
        argon_time_cost=1,
        allow_weak_kdf=True,
        private_key=site.keys["S1"]._private_key,
    )
    site.keys["relabelled"] = unlock(tmp_path / "k2", "stranger passphrase", allow_weak_kdf=True)
    refused(site, lambda: sign(site, incident_id, "relabelled"), "untrusted_signer")


def test_a_suspended_member_cannot_sign(site: Site) -> None:
    incident_id = draft(site)
    with site.store.session() as session:
        session.execute(update(StaffMember).where(StaffMember.staff_no == "S1").values(status="suspended"))
    refused(site, lambda: sign(site, incident_id, "S1"), "untrusted_signer")


# --- refusals of confirming ------------------------------------------------------------------------------


def test_confirmation_refusals(site: Site) -> None:
    incident_id = draft(site)
    sign(site, incident_id, "S1")
    refused(site, lambda: confirm(site, incident_id, "H1"), "wrong_state")  # one signature only
    sign(site, incident_id, "X1")  # X1 holds room_head too, but co-signed
    refused(site, lambda: confirm(site, incident_id, "S2"), "wrong_role")
    assert "co-signed" in refused(site, lambda: confirm(site, incident_id, "X1"), "head_cosigned")
    refused(site, lambda: confirm(site, incident_id, "H1", version=2), "stale_version")
    confirm(site, incident_id, "H1")


def test_the_head_who_is_the_subject_cannot_confirm(site: Site) -> None:
    incident_id = draft(site, **staff_subject("H1"))
    sign(site, incident_id, "S1")
    sign(site, incident_id, "S2")
    refused(site, lambda: confirm(site, incident_id, "H1"), "subject_signed")


def test_confirmation_rechecks_the_cosignatures(site: Site) -> None:
    incident_id = draft(site)
    sign(site, incident_id, "S1")
    sign(site, incident_id, "S2")
    revoke_staff_key(
        site.store,
        site.paths,
        staff_no="S2",
        reason=RevocationReason.COMPROMISED,
        issuer_passphrase=ISSUER_PASS,
        kdf=WEAK,
    )
    assert "revoked" in refused(site, lambda: confirm(site, incident_id, "H1"), "signatures_invalid")


def test_a_superseded_key_keeps_its_earlier_signatures(site: Site) -> None:
    incident_id = draft(site)
    sign(site, incident_id, "S1")
    sign(site, incident_id, "S2")
    confirm(site, incident_id, "H1")
    rotate_staff_key(
        site.store,
        site.paths,
        staff_no="S1",
        new_passphrase="S1 new passphrase",
        issuer_passphrase=ISSUER_PASS,
        kdf=WEAK,
    )
    with site.store.session() as session:
        # the audit log dates S1's co-signature before the rotation
        assert verify_incident(session, site.paths, incident_id).ok


def test_only_a_confirmed_incident_is_exported(site: Site) -> None:
    incident_id = draft(site)

    def step() -> None:
        with site.store.session() as session:
            mark_exported(session, incident_id, actor="cli", bundle_id="b")

    refused(site, step, "wrong_state")


# --- tampering in the store is found ------------------------------------------------------------------


@pytest.fixture
def confirmed(site: Site) -> tuple[Site, str, dict[str, Any]]:
    evidence = add_evidence(site.store, site.paths, bytes(range(256)) * 4)
    incident_id = draft(site, evidence=[evidence])
    sign(site, incident_id, "S1")
    sign(site, incident_id, "S2")
    confirm(site, incident_id, "H1")
    return site, incident_id, evidence


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.mark.parametrize("where", [0, 57, -3])
def test_a_changed_byte_in_the_stored_record(confirmed: tuple[Site, str, dict[str, Any]], where: int) -> None:
    site, incident_id, _ = confirmed
    with site.store.session() as session:
        row = version_row(session, session.get(Incident, incident_id))  # type: ignore[arg-type]
        row.record = _flip(row.record, where % len(row.record))
    with site.store.session() as session:
        assert "record_changed" in verify_incident(session, site.paths, incident_id).codes


@pytest.mark.parametrize("purpose", [COSIGN, CONFIRM])
def test_a_changed_byte_in_a_stored_signature(
    confirmed: tuple[Site, str, dict[str, Any]], purpose: str
) -> None:
    site, incident_id, _ = confirmed
    with site.store.session() as session:
        signature = session.execute(
            select(Signature).where(Signature.purpose == purpose).limit(1)
        ).scalar_one()
        index = signature.envelope.index(b'"sig":"') + 10
        signature.envelope = _flip(signature.envelope, index)
    with site.store.session() as session:
        assert "bad_signature" in verify_incident(session, site.paths, incident_id).codes


def test_a_changed_or_removed_evidence_file(confirmed: tuple[Site, str, dict[str, Any]]) -> None:
    site, incident_id, _ = confirmed
    path = evidence_path(site.paths)
    path.write_bytes(_flip(path.read_bytes(), 100))
    with site.store.session() as session:
        assert verify_incident(session, site.paths, incident_id).codes == {"evidence_mismatch"}
    path.unlink()
    with site.store.session() as session:
        assert verify_incident(session, site.paths, incident_id).codes == {"evidence_mismatch"}


def test_a_deleted_signature_row_is_found(confirmed: tuple[Site, str, dict[str, Any]]) -> None:
    site, incident_id, _ = confirmed
    with site.store.session() as session:
        signature = session.execute(
            select(Signature).where(Signature.purpose == COSIGN).limit(1)
        ).scalar_one()
        session.delete(signature)
    with site.store.session() as session:
        codes = verify_incident(session, site.paths, incident_id).codes
    assert codes == {"missing_signatures", "confirmation_mismatch"}


def test_an_amendment_can_name_another_room_and_a_session(site: Site) -> None:
    with site.store.session() as session:
        create_session(
            session,
            current_site(session),
            SessionSpec(
                "2026-06-C",
                "焊工",
                "三级",
                ExamSubject.SKILLS,
                T0 - timedelta(hours=1),
                T0 + timedelta(hours=1),
                ("102",),
            ),
            "cli",
        )
    incident_id = draft(site)
    with site.store.session() as session:
        amend_incident(
            session,
            incident_id,
            reason="考场记错",
            changes={"room": "102", "session": "2026-06-C"},
            actor="S1",
        )
        incident = session.get(Incident, incident_id)
        assert incident is not None
        record = describe_incident(session, incident_id).record
        assert record.room == "102"
        assert record.session is not None
        assert record.session.occupation == "焊工"
        rooms = {room.name: room.id for room in current_site(session).rooms}
        assert incident.room_id == rooms["102"]
        assert incident.session_id is not None
    with site.store.session() as session, pytest.raises(ExamsiteError) as err:
        amend_incident(session, incident_id, reason="x", changes={"session": "NO-SUCH"}, actor="S1")
    assert err.value.code == "not_found"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_in_the_store_is_named(
    confirmed: tuple[Site, str, dict[str, Any]], data: st.DataObject
) -> None:
    """One byte of the stored record, of a stored envelope, or of the evidence file changes; the
    verification names the right error, and all is well again once the byte is restored."""
    site, incident_id, _ = confirmed
    target = data.draw(st.sampled_from(["record", COSIGN, CONFIRM, "evidence"]))
    mask = data.draw(st.integers(1, 255))
    if target == "evidence":
        path = evidence_path(site.paths)
        original = path.read_bytes()
        path.write_bytes(_flip_mask(original, data.draw(st.integers(0, len(original) - 1)), mask))
        expected = {"evidence_mismatch"}

        def restore() -> None:
            path.write_bytes(original)

    else:
        with site.store.session() as session:
            if target == "record":
                row: Any = version_row(session, session.get(Incident, incident_id))  # type: ignore[arg-type]
                column = "record"
            else:
                row = session.execute(
                    select(Signature).where(Signature.purpose == target).limit(1)
                ).scalar_one()
                column = "envelope"
            original = getattr(row, column)
            index = data.draw(st.integers(0, len(original) - 1))
            setattr(row, column, _flip_mask(original, index, mask))
            key = (type(row), row.id)
        if target == "record":
            expected = {"record_changed"}
        else:
            start = original.index(b'"keyid":"') + len(b'"keyid":"')
            in_keyid = start <= index < original.index(b'"', start)
            expected = {"bad_signature", "untrusted_signer"} if in_keyid else {"bad_signature"}

        def restore() -> None:
            with site.store.session() as session:
                setattr(session.get(*key), column, original)

    try:
        with site.store.session() as session:
            codes = verify_incident(session, site.paths, incident_id).codes
        assert codes & expected, (target, codes)
    finally:
        restore()
    with site.store.session() as session:
        assert verify_incident(session, site.paths, incident_id).ok


def _flip_mask(data: bytes, index: int, mask: int) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]
