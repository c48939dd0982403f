"""Crash handling in the window: Qt messages logged, bugs reported with a dialog, reports offered later."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from examsite import logs
from examsite.config import Paths

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def handling(paths: Paths, qapp, monkeypatch: pytest.MonkeyPatch) -> Iterator:  # type: ignore[no-untyped-def]
    from examsite.gui.crash import install_crash_handling

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    installed = install_crash_handling(paths)
    yield installed
    for box in list(installed.dialogs):
        box.close()
    installed.uninstall()
    logs.close_logging()


def _raise(message: str) -> None:
    raise RuntimeError(message)


@pytest.mark.qt_log_ignore("routed into the log")
def test_qt_messages_reach_the_log_and_the_previous_handler_still_sees_them(
    handling, caplog: pytest.LogCaptureFixture, qtlog
) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.qt import QLoggingCategory, qCWarning, qInfo, qWarning

    with caplog.at_level(logging.DEBUG):
        qWarning("warning routed into the log")
        qInfo("info routed into the log")
        category = QLoggingCategory("qt.examsite.test")
        qCWarning(category, "categorised, routed into the log")
    by_message = {r.getMessage(): r for r in caplog.records}
    assert by_message["warning routed into the log"].name == "qt"
    assert by_message["warning routed into the log"].levelno == logging.WARNING
    assert by_message["info routed into the log"].levelno == logging.INFO
    assert by_message["categorised, routed into the log"].name == "qt.examsite.test"
    # pytest-qt's handler, installed before ours, is called too.
    assert "warning routed into the log" in [r.message for r in qtlog.records]


def test_install_is_idempotent_and_uninstall_puts_the_hooks_back(paths: Paths, qapp) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.crash import install_crash_handling

    before = (sys.excepthook, threading.excepthook)
    first = install_crash_handling(paths)
    try:
        assert install_crash_handling(paths) is first
        assert sys.excepthook is not before[0]
        assert (logs.crash_folder(paths) / f"fault-{os.getpid()}.log").exists()
    finally:
        first.uninstall()
        logs.close_logging()
    assert (sys.excepthook, threading.excepthook) == before
    # A clean exit removes the empty native-crash dump.
    assert not (logs.crash_folder(paths) / f"fault-{os.getpid()}.log").exists()


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_slot_writes_a_report_and_shows_one_dialog(handling, qtbot, paths: Paths) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.qt import QMessageBox, QTimer

    QTimer.singleShot(0, lambda: _raise("slot bug 17"))
    qtbot.waitUntil(lambda: len(handling.dialogs) == 1)
    (report,) = logs.pending_crash_reports(logs.crash_folder(paths))
    assert "RuntimeError: slot bug 17" in report.read_text(encoding="utf-8")
    box: QMessageBox = handling.dialogs[0]
    assert box.isVisible()
    assert str(report) in box.text()
    assert "slot bug 17" in box.text()
    assert [b.text() for b in box.buttons() if "Open folder" in b.text()] == ["打开文件夹 / Open folder"]
    # A second bug while the dialog is open writes its report but does not stack a dialog.
    QTimer.singleShot(0, lambda: _raise("second bug"))
    qtbot.waitUntil(lambda: len(logs.pending_crash_reports(logs.crash_folder(paths))) == 2)
    assert len(handling.dialogs) == 1
    box.close()
    qtbot.waitUntil(lambda: not handling.dialogs)
    assert handling.showing is False


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_worker_thread_reaches_the_gui_thread(handling, qtbot, paths: Paths) -> None:  # type: ignore[no-untyped-def]
    thread = threading.Thread(target=lambda: _raise("worker bug 5"), name="store-7")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(handling.dialogs) == 1)
    assert "worker bug 5" in handling.dialogs[0].text()
    (report,) = logs.pending_crash_reports(logs.crash_folder(paths))
    assert "thread: store-7" in report.read_text(encoding="utf-8")


def test_nothing_pending_offers_nothing(handling, main_window, paths: Paths) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.crash import offer_pending_reports

    assert offer_pending_reports(main_window, paths) is None


class _UrlCatcher:
    """A file URL handler (QDesktopServices.setUrlHandler) so no file manager is started."""

    def __init__(self) -> None:
        from examsite.gui.qt import QObject, Slot

        class Catcher(QObject):
            def __init__(self) -> None:
                super().__init__()
                self.urls: list[str] = []

            @Slot("QUrl")
            def open(self, url) -> None:  # type: ignore[no-untyped-def]
                self.urls.append(url.toLocalFile())

        self.catcher = Catcher()

    def __enter__(self) -> list[str]:
        from examsite.gui.qt import QDesktopServices

        QDesktopServices.setUrlHandler("file", self.catcher, "open")
        return self.catcher.urls

    def __exit__(self, *exc: object) -> None:
        from examsite.gui.qt import QDesktopServices

        QDesktopServices.unsetUrlHandler("file")


def _crash_in_a_real_process(paths: Paths, body: str) -> subprocess.CompletedProcess[str]:
    """The last run: a real process with crash handling installed that dies in ``body``."""
    script = textwrap.dedent(
        """
        import sys
        from examsite.config import Paths
        from examsite.gui.app import ensure_application
        from examsite.gui.crash import install_crash_handling
        from pathlib import Path
        install_crash_handling(Paths(Path(sys.argv[1])))
        app = ensure_application()
        """
    ) + textwrap.dedent(body)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EXAMSITE_DATA_DIR": str(paths.data_dir)}
    return subprocess.run(
        [sys.executable, "-c", script, str(paths.data_dir)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("raise LookupError('the last run failed here 99')", "LookupError: the last run failed here 99"),
        ("import faulthandler; faulthandler._sigsegv()", "Segmentation fault"),
        # PySide passes a fixed text for a qFatal from Python; the stack names the call.
        (
            "from examsite.gui.qt import qFatal\ndef qt_gives_up():\n    qFatal('qt gave up')\nqt_gives_up()",
            "in qt_gives_up",
        ),
    ],
    ids=["python-exception", "segfault", "qfatal"],
)
def test_a_crash_of_the_last_run_is_offered_at_the_next_start(  # type: ignore[no-untyped-def]
    body: str, expected: str, paths: Paths, qtbot, cli_context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from examsite.gui.app import create_main_window
    from examsite.gui.crash import CrashReportDialog, install_crash_handling, offer_pending_reports

    last_run = _crash_in_a_real_process(paths, body)
    assert last_run.returncode != 0, last_run.stderr
    # The next start: crash handling collects what the last run left, the window opens, the
    # report is offered over it.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    handling = install_crash_handling(paths)
    try:
        window = create_main_window(cli_context, offer_demo=False)
        qtbot.addWidget(window)
        window.show()
        dialog = offer_pending_reports(window, paths)
        assert isinstance(dialog, CrashReportDialog)
        assert dialog.isVisible()
        (pending,) = logs.pending_crash_reports(logs.crash_folder(paths))
        assert dialog.reports == [pending]
        assert expected in dialog.text.toPlainText()
        assert "examsite crash report" in dialog.text.toPlainText()
        with _UrlCatcher() as opened:
            dialog.open_folder_button.click()
        assert opened == [str(logs.crash_folder(paths))]
        dialog.reject()
        # Offered once: now seen, kept on disk, not offered again.
        assert logs.pending_crash_reports(logs.crash_folder(paths)) == []
        assert pending.with_name(pending.name.replace(".txt", ".seen.txt")).exists()
        assert offer_pending_reports(window, paths) is None
        window.close()
    finally:
        handling.uninstall()
        logs.close_logging()
