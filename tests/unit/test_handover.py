"""The hand-over slip (交接单) of an exported bundle: its facts come from the store and agree with the
bundle's own manifest; the document names what the bundle carries and no person it concerns."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy import text as sql

from examsite.adjudication.documents import document_text
from examsite.bundle.export import ExportResult, export_bundle
from examsite.bundle.format import Kind
from examsite.bundle.handover import (
    HANDOVER_TITLE,
    SIGNATURE_LINES,
    find_export,
    grouped,
    handover_document,
    load_handover,
    size_text,
)
from examsite.bundle.recipients import generate_identity, identity_recipient, show_fingerprint
from examsite.clock import to_local
from examsite.config import Paths
from examsite.errors import ExamsiteError, InvalidInput, NotFound
from examsite.identity.staff import unlock_staff_key
from examsite.store.engine import Store
from examsite.store.models import AuditEntry
from tests.support.bundle_factory import SITE_KEY_PASS
from tests.support.export_site import SITE_DEVICE, confirmed_incidents, exporting_site
from tests.support.signing import WEAK, Site


@pytest.fixture
def site(store: Store, paths: Paths) -> Site:
    return exporting_site(store, paths)


@pytest.fixture
def exported(site: Site, tmp_path: Path) -> ExportResult:
    ids = confirmed_incidents(site)
    (tmp_path / "usb").mkdir()
    key = unlock_staff_key(site.store, site.paths, SITE_DEVICE, SITE_KEY_PASS, WEAK)
    recipients = [identity_recipient(generate_identity()), identity_recipient(generate_identity())]
    return export_bundle(
        site.store,
        site.paths,
        out=tmp_path / "usb" / "case.age",
        incident_ids=ids,
        recipients=recipients,
        site_key=key,
        actor="李四（S1）",
    )


def test_facts_agree_with_the_bundle_manifest(site: Site, exported: ExportResult) -> None:
    manifest = exported.bundle.manifest
    with site.store.session() as session:
        facts = load_handover(session, exported.bundle.bundle_id)
    assert facts.bundle_id == manifest.bundle_id
    assert (facts.sha256, facts.size, facts.file_name) == (
        exported.bundle.sha256,
        exported.bundle.size,
        "case.age",
    )
    assert facts.exported_at == manifest.created_at  # the time the receiver reads in the manifest
    assert facts.exporter == "李四（S1）"
    assert facts.recipients == manifest.recipients
    assert (facts.checkpoint_size, facts.checkpoint_root) == (
        manifest.audit.tree_size,
        manifest.audit.root_hash,
    )
    assert [(r.incident_id, r.version, r.signatures) for r in facts.records] == [
        (r.incident_id, r.version, r.signature_count) for r in manifest.records
    ]
    assert all(r.signatures == 3 for r in facts.records)  # two co-signatures and the confirmation
    carried = {m.sha256: m.size for m in manifest.members if m.kind is Kind.EVIDENCE}
    assert {e.sha256: e.size for e in facts.evidence} == carried
    assert (facts.site_code, facts.site_name) == (manifest.site.code, manifest.site.name)


def test_document_names_the_file_contents_and_signature_lines(site: Site, exported: ExportResult) -> None:
    with site.store.session() as session:
        facts = load_handover(session, exported.bundle.bundle_id)
    doc = handover_document(facts)
    text = document_text(doc)
    lines = text.splitlines()
    assert doc.kind == "handover"
    assert lines[0] == HANDOVER_TITLE
    assert lines[1] == f"案卷包编号：{exported.bundle.bundle_id}"
    assert f"文件 SHA-256：{grouped(exported.bundle.sha256)}" in lines
    assert f"文件大小：{size_text(exported.bundle.size)}" in lines
    assert str(exported.bundle.size) in size_text(exported.bundle.size)  # the exact count, for comparing
    assert "文件名：case.age" in lines
    assert "导出人：李四（S1）" in lines
    local = to_local(exported.bundle.manifest.created_at)
    assert f"导出时间（北京时间）：{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}" in lines
    for n, fp in enumerate(exported.bundle.manifest.recipients, 1):
        assert f"接收方公钥指纹 {n}：{show_fingerprint(fp)}" in lines
    for record in facts.records:
        assert any(record.incident_id in line and "《规程》第六条第（一）项" in line for line in lines)
    for item in facts.evidence:
        assert sum(grouped(item.sha256) in line for line in lines) == 1
    assert "一、违纪违规记录（共 2 件）" in lines
    assert "二、证据文件（共 2 个，合计" in text
    assert lines[-3:-1] == list(SIGNATURE_LINES)
    # the slip travels on paper next to the encrypted bundle: no candidate's name or ID number
    assert "张三" not in text
    assert "4201061990" not in text


def test_bundle_found_by_prefix_and_unknown_ids_refused(site: Site, exported: ExportResult) -> None:
    bundle_id = exported.bundle.bundle_id
    with site.store.session() as session:
        assert find_export(session, bundle_id[:8]).id == bundle_id
        for wrong in ("no-such-bundle", bundle_id[:7], ""):
            with pytest.raises(NotFound) as caught:
                load_handover(session, wrong)
            assert "exported no bundle" in str(caught.value)


def test_a_slip_without_the_audit_trail_of_its_versions_is_refused(
    site: Site, exported: ExportResult
) -> None:
    # the exported versions come from the incident.exported entries; without them nothing is guessed.
    # The log refuses deletion (a trigger); someone editing the database file by hand drops it first.
    with site.store.session() as session:
        session.execute(sql("DROP TRIGGER audit_entry_no_delete"))
        gone = session.execute(
            delete(AuditEntry).where(
                AuditEntry.action == "incident.exported",
                AuditEntry.object_id == exported.incident_ids[1],
            )
        )
        assert gone.rowcount == 1
    with site.store.session() as session, pytest.raises(ExamsiteError) as caught:
        load_handover(session, exported.bundle.bundle_id)
    assert caught.value.code == "slip_incomplete"
    assert exported.incident_ids[1][:8] in str(caught.value)


def test_an_empty_slip_and_line_breaks_in_values(site: Site, exported: ExportResult) -> None:
    with site.store.session() as session:
        facts = load_handover(session, exported.bundle.bundle_id)
    with pytest.raises(InvalidInput):
        handover_document(replace(facts, records=()))
    doc = handover_document(replace(facts, exporter="王五\n(S2)", file_name="a\nb.age"))
    text = document_text(doc)
    assert "导出人：王五 (S2)" in text.splitlines()
    assert "文件名：a b.age" in text.splitlines()
    blank = handover_document(replace(facts, exporter=""))
    assert "导出人：（未记录）" in document_text(blank).splitlines()
