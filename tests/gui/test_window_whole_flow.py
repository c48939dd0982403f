"""Issue 5's whole flow in the window, on the demo site with its camera really recording.

The demo is set up; a real `examsite record` process records the demo camera; F8 stores the moment;
the form is filled (candidate by seat, art. 6(1), facts, handling); the form's button cuts the clip
around the moment once the post-roll is recorded; the record is saved; two invigilators co-sign and
the exam-room head confirms in the signing dialog; the record verifies with its clip.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from examsite.demo import DEMO_STAFF, create_demo
from examsite.gui.qt import QDialogButtonBox, QProgressDialog, Qt
from examsite.incidents.workflow import describe_incident, verify_incident

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_window(
    qtbot: Any, cli_context: Any, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> Iterator[Any]:
    from examsite.gui.app import create_main_window

    monkeypatch.setenv("EXAMSITE_TEST_WEAK_KDF", "1")
    create_demo(cli_context.store, cli_context.paths)
    recorder = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "examsite.cli.main",
            "record",
            "--segment-seconds",
            "1",
            "--tamper-interval",
            "0",
        ],
        env={**os.environ, "EXAMSITE_DATA_DIR": str(data_dir)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    window = create_main_window(cli_context, offer_demo=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.room_combo.currentText() == "演示考场")
    yield window
    recorder.send_signal(signal.SIGTERM)
    assert recorder.wait(timeout=60) == 0
    window.close()


def _sign(qtbot: Any, window: Any, incident_id: str, staff_no: str, passphrase: str, confirm: bool) -> None:
    from examsite.gui.signing_dialog import SigningDialog

    window.open_signing(incident_id, confirm=confirm)
    dialog = next(d for d in window.findChildren(SigningDialog) if d.isVisible())
    qtbot.waitUntil(lambda: dialog.context is not None)
    people = [dialog.ui.person.itemData(i) for i in range(dialog.ui.person.count())]
    dialog.ui.person.setCurrentIndex(people.index(staff_no))
    qtbot.keyClicks(dialog.ui.passphrase, passphrase)
    done = dialog.incident_confirmed if confirm else dialog.incident_signed
    with qtbot.waitSignal(done, timeout=30_000):
        qtbot.mouseClick(
            dialog.ui.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )


def test_mark_record_clip_sign_confirm_in_the_window(qtbot: Any, demo_window: Any) -> None:
    window = demo_window
    qtbot.wait(3000)  # a few seconds of recording before the incident happens
    with qtbot.waitSignal(window.incident_marked, timeout=10_000) as marked:
        qtbot.keyClick(window, Qt.Key.Key_F8)
    incident_id = marked.args[0]
    form = window.incident_form
    qtbot.waitUntil(lambda: form.context is not None)
    assert form.context.cameras  # the room's demo camera
    form.ui.findEdit.setText("1")
    form.ui.articleSearch.setText("6.1")
    form.ui.articleList.setCurrentRow(0)
    form.ui.facts.setPlainText("考生在座位上使用手机拍摄试题。")
    form.ui.handling.setPlainText("监考人员当场收缴手机，开具暂扣收据。")
    assert form.problems() == []

    form.ui.beforeSeconds.setValue(2)
    form.ui.afterSeconds.setValue(2)
    form.ui.cutClipButton.click()
    qtbot.waitUntil(lambda: form.job is not None)
    with qtbot.waitSignal(form.job.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: form.ui.evidenceList.count() == 1, timeout=10_000)
    assert "视频片段" in form.ui.evidenceList.item(0).text()
    assert not [d for d in form.findChildren(QProgressDialog) if d.isVisible()]
    with qtbot.waitSignal(form.record_saved):
        form.ui.buttons.accepted.emit()

    head = next(p for p in DEMO_STAFF if p.role == "room_head")
    first, second = (p for p in DEMO_STAFF if p.role == "invigilator")
    _sign(qtbot, window, incident_id, first.staff_no, first.passphrase, confirm=False)
    _sign(qtbot, window, incident_id, second.staff_no, second.passphrase, confirm=False)
    _sign(qtbot, window, incident_id, head.staff_no, head.passphrase, confirm=True)

    with window.store.session() as session:
        view = describe_incident(session, incident_id)
        report = verify_incident(session, window.ctx.paths, incident_id)
    assert view.state == "confirmed"
    assert [e.kind.value for e in view.record.evidence] == ["video_clip"]
    assert report.ok, report.errors
    assert report.evidence_checked  # the clip's bytes were hashed against the record
    page = window.incidents_page
    window.show_incidents()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.rows[0].confirmed)
