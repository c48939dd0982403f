"""Export from a site's store, import into an institution's store: the whole path of a case bundle.

Two installations with their own SQLite stores and folders; real keystores (test cost), real staff
signatures through the art. 15 workflow, real evidence files, real age encryption.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from examsite.bundle.errors import BundleError
from examsite.bundle.export import export_bundle
from examsite.bundle.importer import import_bundle
from examsite.bundle.recipients import (
    generate_identity,
    identity_file_text,
    identity_recipient,
    load_identities,
    recipient_fingerprint,
)
from examsite.config import Paths
from examsite.errors import ExamsiteError
from examsite.identity.staff import (
    enrol_staff,
    export_current_roster,
    import_roster_file,
    issuer_info,
    unlock_staff_key,
)
from examsite.incidents.workflow import create_draft
from examsite.store.engine import Store, open_store
from examsite.store.models import AuditEntry, BundleExport, Case, Incident, ReceivedBundle
from tests.support.bundle_factory import SITE_KEY_PASS, confirmed
from tests.support.signing import ISSUER_PASS, WEAK, Site, add_evidence, full_site, record_fields


@pytest.fixture
def site(store: Store, paths: Paths) -> Site:
    built = full_site(store, paths, people=("S1", "S2", "H1"))
    enrol_staff(
        store,
        paths,
        staff_no="S01",
        name="第一考点设备",
        roles=["site_device"],
        passphrase=SITE_KEY_PASS,
        issuer_passphrase=ISSUER_PASS,
        kdf=WEAK,
    )
    return built


@pytest.fixture
def institution(tmp_path: Path, site: Site) -> tuple[Store, Paths]:
    """The institution's own installation, with the site's roster imported and its issuer pinned."""
    paths = Paths(tmp_path / "institution")
    paths.data_dir.mkdir()
    opened = open_store(f"sqlite:///{paths.database}")
    roster_file = tmp_path / "roster.json"
    with site.store.session() as session:
        export_current_roster(session, roster_file)
        pin = issuer_info(session).fingerprint  # type: ignore[union-attr]
    with opened.session() as session:
        import_roster_file(session, roster_file, pin=pin, actor="clerk")
    yield opened, paths  # type: ignore[misc]
    opened.close()


def count(store: Store, model: Any) -> int:
    with store.session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_export_then_import_two_bundles_in_order(
    site: Site, institution: tuple[Store, Paths], tmp_path: Path
) -> None:
    inst_store, inst_paths = institution
    identity = generate_identity()
    site_key = unlock_staff_key(site.store, site.paths, "S01", SITE_KEY_PASS, WEAK)
    first_ids = [confirmed(site, os.urandom(50_000), "a.mp4"), confirmed(site, os.urandom(70_000), "b.mp4")]
    first = export_bundle(
        site.store,
        site.paths,
        out=tmp_path / "first.age",
        incident_ids=first_ids,
        recipients=[identity_recipient(identity)],
        site_key=site_key,
        actor="S1",
    )
    with site.store.session() as session:
        assert {i.state for i in session.execute(select(Incident)).scalars()} == {"exported"}
        row = session.get(BundleExport, first.bundle.bundle_id)
        assert row is not None
        assert row.sha256 == first.bundle.sha256
        logged = session.execute(
            select(AuditEntry).where(AuditEntry.action == "bundle.exported")
        ).scalar_one()
        assert json.loads(logged.detail)["sha256"] == first.bundle.sha256
    assert first.bundle.sha256.upper()[:8] in " ".join(first.slip).upper()
    assert any(line.startswith("SHA-256") for line in first.slip)

    imported = import_bundle(inst_store, inst_paths, first.bundle.path, identities=[identity], actor="clerk")
    assert len(imported.case_ids) == 2
    assert imported.archive == inst_paths.data_dir / "bundles" / first.bundle.bundle_id
    assert (imported.archive / "manifest.dsse.json").exists()
    assert list(inst_paths.quarantine.iterdir()) == []
    assert count(inst_store, ReceivedBundle) == 1
    assert count(inst_store, Case) == 2

    # importing the same file again changes nothing
    before = (count(inst_store, ReceivedBundle), count(inst_store, Case), count(inst_store, AuditEntry))
    with pytest.raises(BundleError) as caught:
        import_bundle(inst_store, inst_paths, first.bundle.path, identities=[identity], actor="clerk")
    assert caught.value.code == "replayed_bundle"
    assert (
        count(inst_store, ReceivedBundle),
        count(inst_store, Case),
        count(inst_store, AuditEntry),
    ) == before
    assert list(inst_paths.quarantine.iterdir()) == []

    # a second export carries only the entries since the first, with a proof from its checkpoint
    third = confirmed(site, os.urandom(30_000), "c.mp4")
    second = export_bundle(
        site.store,
        site.paths,
        out=tmp_path / "second.age",
        incident_ids=[third],
        recipients=[identity_recipient(identity)],
        site_key=site_key,
        actor="S1",
    )
    assert second.bundle.manifest.audit.previous_size == first.bundle.manifest.audit.tree_size
    again = import_bundle(inst_store, inst_paths, second.bundle.path, identities=[identity], actor="clerk")
    assert [p.tree_size for p in again.bundle.audit.checked_against] == [
        first.bundle.manifest.audit.tree_size
    ]
    assert count(inst_store, Case) == 3


def test_export_refuses_unconfirmed_and_changed_evidence(site: Site, tmp_path: Path) -> None:
    identity = generate_identity()
    site_key = unlock_staff_key(site.store, site.paths, "S01", SITE_KEY_PASS, WEAK)
    entry = add_evidence(site.store, site.paths, b"draft clip" * 100, "d.mp4")
    with site.store.session() as session:
        draft_id = create_draft(session, record_fields(evidence=[entry]), actor="S1").incident_id
    with pytest.raises(ExamsiteError) as caught:
        export_bundle(
            site.store,
            site.paths,
            out=tmp_path / "x.age",
            incident_ids=[draft_id],
            recipients=[identity_recipient(identity)],
            site_key=site_key,
            actor="S1",
        )
    assert caught.value.code == "wrong_state"
    done = confirmed(site, b"confirmed clip" * 100, "e.mp4")
    clip = site.paths.evidence / "e.mp4"
    clip.write_bytes(b"confirmed clip" * 99 + b"X" * 14)  # same size, other bytes
    entries_before = count(site.store, AuditEntry)
    with pytest.raises(ExamsiteError) as caught:
        export_bundle(
            site.store,
            site.paths,
            out=tmp_path / "y.age",
            incident_ids=[done],
            recipients=[identity_recipient(identity)],
            site_key=site_key,
            actor="S1",
        )
    assert caught.value.code in {"record_signature", "evidence_changed"}
    assert not (tmp_path / "y.age").exists()
    assert count(site.store, BundleExport) == 0
    assert count(site.store, AuditEntry) == entries_before


def test_import_refuses_without_pins_or_with_the_wrong_key(site: Site, tmp_path: Path) -> None:
    identity = generate_identity()
    site_key = unlock_staff_key(site.store, site.paths, "S01", SITE_KEY_PASS, WEAK)
    done = confirmed(site, b"clip" * 1000, "f.mp4")
    result = export_bundle(
        site.store,
        site.paths,
        out=tmp_path / "z.age",
        incident_ids=[done],
        recipients=[identity_recipient(identity)],
        site_key=site_key,
        actor="S1",
    )
    paths = Paths(tmp_path / "empty")
    paths.data_dir.mkdir()
    bare = open_store(f"sqlite:///{paths.database}")
    try:
        with pytest.raises(ExamsiteError) as caught:
            import_bundle(bare, paths, result.bundle.path, identities=[identity], actor="clerk")
        assert caught.value.code == "no_pins"
        assert count(bare, ReceivedBundle) == 0
    finally:
        bare.close()


def test_a_bundle_with_a_roster_older_than_the_recipients_is_refused(
    site: Site, institution: tuple[Store, Paths], tmp_path: Path
) -> None:
    inst_store, inst_paths = institution
    identity = generate_identity()
    site_key = unlock_staff_key(site.store, site.paths, "S01", SITE_KEY_PASS, WEAK)
    old = export_bundle(
        site.store,
        site.paths,
        out=tmp_path / "old.age",
        incident_ids=[confirmed(site, b"clip one" * 500, "g.mp4")],
        recipients=[identity_recipient(identity)],
        site_key=site_key,
        actor="S1",
    )
    # the institution enrols someone (a new roster version) and the recipient imports it
    enrol_staff(
        site.store,
        site.paths,
        staff_no="S9",
        name="新监考",
        roles=["invigilator"],
        passphrase="new invigilator passphrase",
        issuer_passphrase=ISSUER_PASS,
        kdf=WEAK,
    )
    with site.store.session() as session:
        export_current_roster(session, tmp_path / "roster-new.json")
    with inst_store.session() as session:
        import_roster_file(session, tmp_path / "roster-new.json", actor="clerk")
    with pytest.raises(BundleError) as caught:
        import_bundle(inst_store, inst_paths, old.bundle.path, identities=[identity], actor="clerk")
    assert caught.value.code == "roster_untrusted"
    assert count(inst_store, ReceivedBundle) == 0
    assert list(inst_paths.quarantine.iterdir()) == []
    # exported again with the current roster, the same incident imports
    again = export_bundle(
        site.store,
        site.paths,
        out=tmp_path / "again.age",
        incident_ids=list(old.incident_ids),
        recipients=[identity_recipient(identity)],
        site_key=site_key,
        actor="S1",
    )
    assert again.bundle.manifest.roster.version == old.bundle.manifest.roster.version + 1
    assert (
        len(
            import_bundle(
                inst_store, inst_paths, again.bundle.path, identities=[identity], actor="c"
            ).case_ids
        )
        == 1
    )


def test_a_failing_case_opener_imports_nothing(store: Store, paths: Paths, tmp_path: Path) -> None:
    """The adjudication side refusing a record rolls the whole import back, files included."""
    from examsite.bundle.writer import write_bundle
    from examsite.errors import InvalidInput
    from tests.support.bundle_factory import Keys, request

    keys = Keys()
    written = write_bundle(tmp_path / "b.age", request(keys, tmp_path / "site", records=2))
    calls: list[str] = []

    def refuse(session: Any, row: ReceivedBundle, bundle: Any, actor: str) -> list[str]:
        calls.append(row.id)
        raise InvalidInput("this record cannot open a case here", code="case_not_openable")

    entries = count(store, AuditEntry)
    with pytest.raises(ExamsiteError) as caught:
        import_bundle(
            store,
            paths,
            written.path,
            identities=[keys.recipient],
            actor="clerk",
            trust=keys.trust(),
            cases=refuse,
        )
    assert caught.value.code == "case_not_openable"
    assert calls == [written.bundle_id]
    assert count(store, ReceivedBundle) == 0
    assert count(store, AuditEntry) == entries
    assert not (paths.data_dir / "bundles" / written.bundle_id).exists()
    assert list(paths.quarantine.iterdir()) == []
    # without the case opener it imports; an archive folder already there is a replay
    result = import_bundle(
        store, paths, written.path, identities=[keys.recipient], actor="clerk", trust=keys.trust(), cases=None
    )
    assert result.case_ids == ()
    with store.session() as session:
        session.execute(ReceivedBundle.__table__.delete())
    with pytest.raises(BundleError, match="archive already holds"):
        import_bundle(
            store,
            paths,
            written.path,
            identities=[keys.recipient],
            actor="clerk",
            trust=keys.trust(),
            cases=None,
        )
    assert list(paths.quarantine.iterdir()) == []


def test_export_to_a_post_quantum_key_then_import(
    site: Site, institution: tuple[Store, Paths], tmp_path: Path
) -> None:
    """The city centre holds a post-quantum identity in a file beside an older X25519 one."""
    inst_store, inst_paths = institution
    identity = generate_identity(pq=True)
    key_file = tmp_path / "centre.key"
    key_file.write_bytes(identity_file_text(generate_identity()) + identity_file_text(identity))
    site_key = unlock_staff_key(site.store, site.paths, "S01", SITE_KEY_PASS, WEAK)
    exported = export_bundle(
        site.store,
        site.paths,
        out=tmp_path / "pq.age",
        incident_ids=[confirmed(site, os.urandom(40_000), "a.mp4")],
        recipients=[identity_recipient(identity)],
        site_key=site_key,
        actor="S1",
    )
    imported = import_bundle(
        inst_store, inst_paths, exported.bundle.path, identities=load_identities(key_file), actor="clerk"
    )
    assert len(imported.case_ids) == 1
    assert imported.bundle.manifest.recipients == (recipient_fingerprint(identity_recipient(identity)),)
    assert count(inst_store, ReceivedBundle) == 1
    assert list(inst_paths.quarantine.iterdir()) == []
