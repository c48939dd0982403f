"""Evidence files of an incident: stored once under their hash, read-only, linked, never overwritten."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from sqlalchemy import select

from examsite.cli.main import main
from examsite.config import Paths
from examsite.errors import ExamsiteError, InvalidInput
from examsite.incidents.evidence import attach_file, evidence_path, evidence_refs
from examsite.incidents.marks import mark_moment
from examsite.incidents.record import EvidenceKind
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.engine import Store
from examsite.store.models import AuditEntry, EvidenceItem, Incident, IncidentEvidence


def _incident(store: Store) -> str:
    with store.session() as session:
        init_site(session, SiteSpec("HB1", "机构", "", "S1", "考点", ("101",)))
        return mark_moment(session, marked_by="t", room="101").id


def _nvr_clip(path: Path, seconds: int = 2, fps: int = 10) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        stream.time_base = Fraction(1, fps)
        for i in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(np.full((96, 160, 3), i * 5 % 255, np.uint8), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_files_are_stored_once_read_only_and_linked(store: Store, paths: Paths, tmp_path: Path) -> None:
    incident_id = _incident(store)
    photo = tmp_path / "phone.JPG"
    photo.write_bytes(b"\xff\xd8\xff" + b"x" * 100)
    copy = tmp_path / "same.jpg"
    copy.write_bytes(photo.read_bytes())
    with store.session() as session:
        incident = session.get(Incident, incident_id)
        first = attach_file(session, incident, photo, paths.evidence, kind=EvidenceKind.PHOTO, actor="t")
        again = attach_file(session, incident, copy, paths.evidence, kind=EvidenceKind.PHOTO, actor="t")
        assert first.id == again.id  # one file, one row, one link
        assert session.execute(select(IncidentEvidence)).scalars().all() != []
        refs = evidence_refs(session, incident)
    stored = evidence_path(paths.evidence, first.sha256, ".jpg")
    assert stored.read_bytes() == photo.read_bytes()
    assert stored.stat().st_mode & 0o777 == 0o400
    assert [r.sha256 for r in refs] == [hashlib.sha256(photo.read_bytes()).hexdigest()]
    assert refs[0].media_type == "image/jpeg"


def test_seized_item_needs_a_receipt_and_a_missing_file_is_refused(
    store: Store, paths: Paths, tmp_path: Path
) -> None:
    incident_id = _incident(store)
    item = tmp_path / "receipt.pdf"
    item.write_bytes(b"%PDF-1.4 receipt")
    with store.session() as session:
        incident = session.get(Incident, incident_id)
        with pytest.raises(InvalidInput, match="receipt number"):
            attach_file(session, incident, item, paths.evidence, kind=EvidenceKind.SEIZED_ITEM, actor="t")
        with pytest.raises(InvalidInput, match="not a file"):
            attach_file(
                session, incident, tmp_path / "nope.jpg", paths.evidence, kind=EvidenceKind.PHOTO, actor="t"
            )
    assert not paths.evidence.exists() or not any(p.is_file() for p in paths.evidence.rglob("*"))


def test_a_file_altered_in_the_evidence_folder_is_reported_not_overwritten(
    store: Store, paths: Paths, tmp_path: Path
) -> None:
    incident_id = _incident(store)
    photo = tmp_path / "a.png"
    photo.write_bytes(b"\x89PNG original")
    with store.session() as session:
        incident = session.get(Incident, incident_id)
        item = attach_file(session, incident, photo, paths.evidence, kind=EvidenceKind.PHOTO, actor="t")
    stored = evidence_path(paths.evidence, item.sha256, ".png")
    stored.chmod(0o600)
    stored.write_bytes(b"tampered")
    with pytest.raises(ExamsiteError) as info, store.session() as session:
        attach_file(
            session,
            session.get(Incident, incident_id),
            photo,
            paths.evidence,
            kind=EvidenceKind.PHOTO,
            actor="t",
        )
    assert info.value.code == "evidence_mismatch"
    assert stored.read_bytes() == b"tampered"  # kept as found, for whoever investigates


def test_nvr_clip_is_taken_byte_for_byte_with_its_declared_start(
    store: Store, paths: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = _incident(store)
    clip = _nvr_clip(tmp_path / "nvr-export.mp4")
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    # Beijing time without a zone on the command line, as people read it off the NVR
    assert (
        main(
            [
                "incident",
                "import-clip",
                incident_id,
                str(clip),
                "--start",
                "2026-05-09T09:30:00",
                "--camera-label",
                "NVR-2 通道3",
            ]
        )
        == 0
    )
    assert digest in capsys.readouterr().out
    with store.session() as session:
        item = session.execute(select(EvidenceItem)).scalar_one()
        actions = [e.action for e in session.execute(select(AuditEntry)).scalars()]
    assert item.sha256 == digest
    assert item.span_start == datetime(2026, 5, 9, 1, 30, tzinfo=UTC)
    assert item.span_end is not None
    assert timedelta(seconds=1.8) <= item.span_end - item.span_start <= timedelta(seconds=2.2)
    assert "NVR-2 通道3" in item.description
    assert "evidence.linked" in actions


def test_an_unreadable_nvr_file_is_refused_and_nothing_is_kept(
    store: Store, paths: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = _incident(store)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    assert main(["incident", "import-clip", incident_id, str(junk), "--start", "2026-05-09T09:30:00"]) == 2
    assert "clip_unreadable" in capsys.readouterr().err
    with store.session() as session:
        assert session.execute(select(EvidenceItem)).scalars().all() == []
    assert not any(p.is_file() for p in paths.evidence.rglob("*")) if paths.evidence.exists() else True
