"""The cameras dialog: adding cameras through the form, the connection test off the GUI thread (OK with
the picture's size, or the redacted error), the live preview, enable/disable, and a camera password
that never reaches a label, a list row, a log line or stderr."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from examsite.gui.camera_dialog import CameraDialog
from examsite.gui.qt import QLabel, QLineEdit, QTreeWidgetItemIterator
from examsite.gui.taskman import TaskManager
from examsite.sites.cameras import find_camera, list_cameras
from examsite.store.engine import Store
from examsite.store.models import AuditEntry, CameraKind
from tests.support.signing import make_site

# QtMultimedia's notes on this headless machine (no PipeWire, no GPU) and the closed port's refusal.
pytestmark = [
    pytest.mark.qt_log_ignore("pipewire", "No RHI backend", "Could not open media"),
    pytest.mark.usefixtures("no_stray_threads"),
]

PASSWORD = "Pa55:w@rd/秘"  # characters that must be quoted in a URL, so both spellings are checked


@pytest.fixture
def dialog(qtbot, store: Store, taskman: TaskManager) -> Iterator[CameraDialog]:  # type: ignore[no-untyped-def]
    make_site(store)  # rooms 101 and 102
    dlg = CameraDialog(store, taskman)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.ui.room.count() == 2)
    yield dlg
    dlg.close()
    assert dlg.tile is None or not dlg.tile.previewing


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fill(dlg: CameraDialog, room: str, name: str, kind: CameraKind, main: str = "", sub: str = "",
         user: str = "", password: str = "") -> None:  # fmt: skip
    dlg.ui.room.setCurrentText(room)
    dlg.ui.name.setText(name)
    dlg.ui.kind.setCurrentIndex(dlg.ui.kind.findData(kind.value))
    dlg.ui.mainUrl.setText(main)
    dlg.ui.subUrl.setText(sub)
    dlg.ui.username.setText(user)
    dlg.ui.password.setText(password)


def add(qtbot, dlg: CameraDialog) -> str:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dlg.camera_added, timeout=5000) as added:
        dlg.ui.addButton.click()
    camera_id = str(added.args[0])
    qtbot.waitUntil(lambda: dlg.selected_camera_id() == camera_id)
    return camera_id


def visible_texts(dlg: CameraDialog) -> list[str]:
    """Every text the dialog shows: labels (the preview tile's too), list rows, line edits but the
    password field (which shows dots)."""
    texts = [label.text() for label in dlg.findChildren(QLabel)]
    texts += [edit.text() for edit in dlg.findChildren(QLineEdit) if edit is not dlg.ui.password]
    iterator = QTreeWidgetItemIterator(dlg.ui.cameras)
    while iterator.value() is not None:
        item = iterator.value()
        texts += [item.text(column) for column in range(item.columnCount())]
        texts.append(item.toolTip(0))
        iterator += 1
    return texts


def test_demo_camera_added_tested_and_previewed(qtbot, store: Store, dialog: CameraDialog) -> None:  # type: ignore[no-untyped-def]
    fill(dialog, "102", "前门", CameraKind.DEMO)
    assert not dialog.ui.mainUrl.isEnabled()
    assert not dialog.ui.password.isEnabled()
    camera_id = add(qtbot, dialog)
    row = dialog.ui.cameras.currentItem()
    assert row.parent().text(0) == "Room 102"
    assert [row.text(c) for c in range(4)] == ["前门", "Demo pattern", "generated test pattern", "Enabled"]

    # the preview is the live wall's tile, showing the generated pattern
    tile = dialog.tile
    assert tile is not None
    assert tile.camera_id == camera_id
    assert tile.previewing
    with qtbot.waitSignal(tile.video_sink.videoFrameChanged, timeout=5000) as frame:
        pass
    assert (frame.args[0].toImage().width(), frame.args[0].toImage().height()) == (640, 360)
    assert tile.state_text()[0] == "Not recorded yet"  # the store's word, not the preview's

    with qtbot.waitSignal(dialog.test_finished, timeout=5000) as finished:
        dialog.ui.testButton.click()
        assert not dialog.ui.testButton.isEnabled()  # one test at a time
    assert finished.args == [True, "demo pattern 640x360@10"]
    assert dialog.ui.resultLabel.text() == "Connection OK: demo pattern 640x360@10"
    assert dialog.ui.resultLabel.property("state") == "ok"
    assert dialog.ui.testButton.isEnabled()

    # disable, then enable again: the list follows the store, each change is audited
    dialog.ui.enableButton.click()
    qtbot.waitUntil(lambda: dialog.ui.cameras.currentItem().text(3) == "Disabled")
    assert dialog.ui.enableButton.text() == "Enable"
    dialog.ui.enableButton.click()
    qtbot.waitUntil(lambda: dialog.ui.cameras.currentItem().text(3) == "Enabled")
    with store.session() as session:
        actions = session.execute(
            select(AuditEntry.action).where(AuditEntry.object_id == camera_id).order_by(AuditEntry.seq)
        ).scalars()
        assert list(actions) == ["camera.added", "camera.disabled", "camera.enabled"]
        assert find_camera(session, "102/前门").enabled


def test_rtsp_camera_on_a_closed_port_fails_without_showing_the_password(  # type: ignore[no-untyped-def]
    qtbot, capfd, caplog, store: Store, dialog: CameraDialog
) -> None:
    caplog.set_level(logging.DEBUG)
    port = closed_port()
    main = f"rtsp://127.0.0.1:{port}/Streaming/Channels/101"
    sub = f"rtsp://127.0.0.1:{port}/Streaming/Channels/102"
    fill(dialog, "101", "后门", CameraKind.RTSP, main, sub, "admin", PASSWORD)
    assert dialog.ui.password.echoMode() == QLineEdit.EchoMode.Password
    camera_id = add(qtbot, dialog)
    assert dialog.ui.password.text() == ""  # not kept in the form once stored
    with store.session() as session:
        stored = find_camera(session, camera_id)
        assert (stored.username, stored.password, stored.main_url) == ("admin", PASSWORD, main)

    dialog.test_timeout = 3.0
    with qtbot.waitSignal(dialog.test_finished, timeout=15000) as finished:
        dialog.ui.testButton.click()
    ok, detail = finished.args
    assert ok is False
    assert "Connection refused" in detail  # FFmpeg's reason, with its URL redacted
    assert dialog.ui.resultLabel.text() == f"Connection failed: {detail}"
    assert dialog.ui.resultLabel.property("state") == "alert"
    # the preview tried the sub stream too and failed the same way
    tile = dialog.tile
    assert tile is not None
    assert tile.preview.kind == "rtsp"
    qtbot.waitUntil(lambda: bool(tile.preview_error), timeout=15000)

    texts = visible_texts(dialog)
    assert any(f"rtsp://127.0.0.1:{port}/Streaming/Channels/101" in t for t in texts)  # the redacted URL
    for secret in (PASSWORD, "Pa55", "w@rd", "%40rd"):
        assert not [t for t in texts if secret in t], secret
        assert not [r.getMessage() for r in caplog.records if secret in r.getMessage()], secret
    assert "connection test of 后门" in caplog.text  # the test is logged, redacted
    dialog.close()
    err = capfd.readouterr().err
    assert "Pa55" not in err
    assert "%40rd" not in err


def test_bad_input_is_refused_with_the_reason_and_nothing_stored(
    qtbot, store: Store, dialog: CameraDialog
) -> None:  # type: ignore[no-untyped-def]
    fill(dialog, "101", "", CameraKind.DEMO)
    dialog.ui.addButton.click()
    qtbot.waitUntil(lambda: dialog.ui.errorLabel.text() != "")
    assert dialog.ui.errorLabel.text().startswith("a camera needs a name")
    assert dialog.ui.addButton.isEnabled()

    fill(dialog, "101", "侧门", CameraKind.RTSP, "http://127.0.0.1/x", "", "admin", PASSWORD)
    dialog.ui.errorLabel.clear()
    dialog.ui.addButton.click()
    qtbot.waitUntil(lambda: dialog.ui.errorLabel.text() != "")
    assert PASSWORD not in dialog.ui.errorLabel.text()
    assert dialog.ui.password.text() == PASSWORD  # kept (as dots) so the user can fix the URL only

    fill(dialog, "101", "侧门", CameraKind.FILE, "/nonexistent/video.mp4")
    dialog.ui.errorLabel.clear()
    dialog.ui.addButton.click()
    qtbot.waitUntil(lambda: dialog.ui.errorLabel.text() != "")
    with store.session() as session:
        assert list_cameras(session) == []


@pytest.mark.rtsp
def test_rtsp_camera_that_answers_reports_codec_and_size(qtbot, store: Store, dialog: CameraDialog) -> None:  # type: ignore[no-untyped-def]
    """A real RTSP server (GStreamer on 127.0.0.1) with a password: OK, H.264 and the picture size."""
    from tests.support import rtsp

    rtsp.need_gstreamer()
    spec = rtsp.MediaSpec(width=640, height=360, fps=10, seconds=30, bitrate="400k")
    server = rtsp.RtspServer(rtsp.ensure_media(spec), spec)
    server.start()
    try:
        fill(dialog, "101", "讲台", CameraKind.RTSP, server.url, server.url, "admin", PASSWORD)
        add(qtbot, dialog)
        with qtbot.waitSignal(dialog.test_finished, timeout=20000) as finished:
            dialog.ui.testButton.click()
        assert finished.args == [True, "h264 640x360"]
        assert dialog.ui.resultLabel.text() == "Connection OK: h264 640x360"
    finally:
        dialog.close()
        server.stop()
