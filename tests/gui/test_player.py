"""The clip player on real evidence: a clip cut from real demo segments plays with its hash, size and
span shown and verified; a tampered or missing file, and a damaged recording segment, are flagged."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta

import pytest

from examsite.clock import to_local
from examsite.gui.player import ClipPlayerDialog, FileToPlay
from examsite.gui.qt import Qt
from examsite.incidents.evidence import ClipRequest, cut_and_attach_clip
from examsite.incidents.marks import mark_moment
from examsite.store.engine import Store
from examsite.store.models import EvidenceItem, Segment
from tests.gui.video_fixtures import *  # noqa: F403  (the recording fixtures)
from tests.gui.video_fixtures import Recorded

# QtMultimedia notes on a headless machine; "Immediate exit" is a media open cut short by closing.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.qt_log_ignore("pipewire", "No RHI backend", "No HW decoder", "Immediate exit requested"),
    pytest.mark.usefixtures("no_stray_threads"),
]


@pytest.fixture
def clip(recorded: Recorded, recorded_store: Store) -> EvidenceItem:
    """A real evidence clip: an incident marked during the recording, its clip cut and stored."""
    at = recorded.recorder_started + timedelta(seconds=4)
    with recorded_store.session() as session:
        incident_id = mark_moment(session, marked_by="t", room="101", at=at).id
    request = ClipRequest(
        incident_id, recorded.demo, at, before=timedelta(seconds=2), after=timedelta(seconds=2)
    )
    return cut_and_attach_clip(
        recorded_store, request, recorded.paths.recordings, recorded.paths.evidence, "t"
    )


@pytest.fixture
def dialog(qtbot, recorded: Recorded, recorded_store: Store, taskman) -> Iterator[ClipPlayerDialog]:  # type: ignore[no-untyped-def]
    player = ClipPlayerDialog(recorded_store, taskman, recorded.paths)
    qtbot.addWidget(player)
    player.show()
    yield player
    player.close()
    qtbot.waitUntil(lambda: not taskman.busy)


def test_evidence_clip_plays_verified_with_hash_size_and_span(
    qtbot, chinese, recorded: Recorded, clip: EvidenceItem, dialog: ClipPlayerDialog
) -> None:  # type: ignore[no-untyped-def]
    sink = dialog.video_widget.videoSink()
    with qtbot.waitSignal(dialog.verified, timeout=10000) as verified:
        dialog.open_evidence(clip.id)
    assert verified.args == ["verified"]
    ui = dialog.ui
    assert ui.sha256Value.text() == clip.sha256
    assert f"({clip.size} B)" in ui.sizeValue.text()
    assert clip.span_start is not None
    assert to_local(clip.span_start).strftime("%Y-%m-%d %H:%M:%S") in ui.spanValue.text()
    assert "北京时间" in ui.spanValue.text()
    assert ui.verifyValue.text().startswith("✔ 已校验")
    assert ui.verifyValue.property("state") == "ok"
    assert "前门" in ui.titleValue.text()
    # it really plays: decoded frames reach the video sink and the position moves
    with qtbot.waitSignal(sink.videoFrameChanged, timeout=10000) as frame:
        pass
    assert frame.args[0].size().width() == 640
    qtbot.waitUntil(lambda: dialog.player.position() > 300, timeout=10000)
    assert ui.playButton.text() == "暂停"
    assert "北京时间" in ui.timeValue.text()
    ui.playButton.click()
    qtbot.waitUntil(lambda: ui.playButton.text() == "播放")
    # the keyboard: Space plays again, Left steps back to the start of this short clip
    qtbot.keyClick(dialog, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: ui.playButton.text() == "暂停")
    qtbot.keyClick(dialog, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: dialog.player.position() < 1500)


def test_a_tampered_copy_shows_the_warning(
    qtbot, chinese, tmp_path, recorded: Recorded, clip: EvidenceItem, dialog: ClipPlayerDialog
) -> None:  # type: ignore[no-untyped-def]
    original = recorded.paths.evidence / clip.path
    copy = tmp_path / "copy.mp4"
    shutil.copyfile(original, copy)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit in the picture data
    copy.write_bytes(bytes(data))
    file = FileToPlay(copy, clip.sha256, clip.size, clip.span_start, clip.span_end, "copy")
    with qtbot.waitSignal(dialog.verified, timeout=10000) as verified:
        dialog.open_file(file)
    assert verified.args == ["mismatch"]
    text = dialog.ui.verifyValue.text()
    assert "警告" in text
    assert "不一致" in text
    assert dialog.verification is not None
    assert dialog.verification.actual_sha256 in text
    assert dialog.verification.actual_sha256 != clip.sha256
    assert dialog.ui.verifyValue.property("state") == "alert"
    assert dialog.ui.sha256Value.text() == clip.sha256  # the stored hash stays what is shown as expected


def test_evidence_changed_in_place_or_missing(
    qtbot, recorded: Recorded, recorded_store: Store, clip: EvidenceItem, taskman
) -> None:  # type: ignore[no-untyped-def]
    stored = recorded.paths.evidence / clip.path
    os.chmod(stored, 0o600)
    with open(stored, "r+b") as fh:
        fh.seek(-64, os.SEEK_END)  # inside the picture data (the index is at the front: faststart)
        fh.write(b"\x00\x00\x00\x00")
    first = ClipPlayerDialog(recorded_store, taskman, recorded.paths)
    qtbot.addWidget(first)
    with qtbot.waitSignal(first.verified, timeout=10000) as verified:
        first.open_evidence(clip.sha256)  # by hash works too
    assert verified.args == ["mismatch"]
    assert "does NOT match" in first.ui.verifyValue.text()
    first.close()

    stored.unlink()
    second = ClipPlayerDialog(recorded_store, taskman, recorded.paths)
    qtbot.addWidget(second)
    with qtbot.waitSignal(second.verified, timeout=10000) as verified:
        second.open_evidence(clip.id)
    assert verified.args == ["missing"]
    assert "MISSING" in second.ui.verifyValue.text()
    assert not second.ui.playButton.isEnabled()  # nothing to play
    second.close()

    third = ClipPlayerDialog(recorded_store, taskman, recorded.paths)
    qtbot.addWidget(third)
    third.open_evidence("no-such-item")
    qtbot.waitUntil(lambda: bool(third.error), timeout=10000)
    assert "no evidence item" in third.error
    third.close()


def test_a_damaged_recording_segment_is_named(
    qtbot, recorded: Recorded, recorded_store: Store, dialog: ClipPlayerDialog
) -> None:  # type: ignore[no-untyped-def]
    with recorded_store.session() as session:
        segments = session.query(Segment).filter_by(camera_id=recorded.demo).order_by(Segment.start_at).all()
        victim = segments[2]
        path = recorded.paths.recordings / victim.path
        at = victim.start_at
    os.chmod(path, 0o600)
    with open(path, "r+b") as fh:
        fh.seek(400)
        fh.write(b"\xff" * 8)
    with qtbot.waitSignal(dialog.verified, timeout=20000) as verified:
        dialog.open_recording(recorded.demo, at)
    assert verified.args == ["segments_mismatch"]
    assert path.name in dialog.ui.verifyValue.text()
    assert "do NOT match" in dialog.ui.verifyValue.text()
    # the mark button offers an art. 15 ¶2 incident at the moment being watched
    assert dialog.ui.markButton.isVisible()
    qtbot.waitUntil(lambda: dialog.player.position() > 0, timeout=10000)
    with qtbot.waitSignal(dialog.mark_requested) as marked:
        dialog.ui.markButton.click()
    camera_id, moment = marked.args
    assert camera_id == recorded.demo
    assert abs((moment - at).total_seconds()) < 5


def test_playback_moves_over_a_hole_in_the_recording(
    qtbot, recorded: Recorded, recorded_store: Store, dialog: ClipPlayerDialog
) -> None:  # type: ignore[no-untyped-def]
    """QtMultimedia stalls on a jump in timestamps; the player moves over the hole and keeps showing video."""
    from examsite.clock import utc_now

    with recorded_store.session() as session:
        segments = session.query(Segment).filter_by(camera_id=recorded.demo).order_by(Segment.start_at).all()
        gone = segments[2]
        gone.deleted_at = utc_now()  # as retention would: the index no longer offers it
        hole_start, hole_end = gone.start_at, gone.end_at
    with qtbot.waitSignal(dialog.verified, timeout=20000):
        dialog.open_recording(
            recorded.demo, hole_start - timedelta(milliseconds=500), before=timedelta(seconds=1),
            after=timedelta(seconds=4),
        )  # fmt: skip
    assert len(dialog.holes_ms) == 1
    assert (
        "此范围内未录像" in dialog.ui.verifyValue.text()
        or "Not recorded inside" in dialog.ui.verifyValue.text()
    )
    _, hole_end_ms = dialog.holes_ms[0]
    qtbot.waitUntil(lambda: dialog.player.position() > hole_end_ms + 300, timeout=15000)
    with qtbot.waitSignal(dialog.video_widget.videoSink().videoFrameChanged, timeout=5000):
        pass  # still showing video after the hole
    shown = dialog.wall_time_at(dialog.player.position())
    assert shown is not None
    assert shown > hole_end
