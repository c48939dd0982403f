"""Crashes in the window: Qt's messages into the log, bugs into a report and a dialog, reports offered.

:func:`install_crash_handling` routes Qt's own messages (``qt.qpa.*``, ``qt.multimedia.*``...) into
:mod:`logging`, turns an uncaught exception (of the GUI thread or a worker) into a crash report and a
dialog naming it, and records native crashes with faulthandler. :func:`offer_pending_reports` shows
the newest report not yet seen, at the next start, with a button that opens the folder.

The dialogs' text is bilingual and fixed rather than translated: they must work when the crash
happened before (or inside) the translations were loaded.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from examsite import logs
from examsite.config import Paths
from examsite.gui.qt import (
    QApplication,
    QCoreApplication,
    QDesktopServices,
    QDialog,
    QDialogButtonBox,
    QFontDatabase,
    QLabel,
    QMessageBox,
    QObject,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QThread,
    QtMsgType,
    QUrl,
    QVBoxLayout,
    QWidget,
    Signal,
    qInstallMessageHandler,
    qVersion,
)
from examsite.gui.signals import emit

__all__ = ["CrashHandling", "CrashReportDialog", "install_crash_handling", "offer_pending_reports"]

log = logging.getLogger(__name__)

QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


class QtFatalError(Exception):
    """Stands for a qFatal() message: Qt aborts the process right after the handler returns."""


def qt_context() -> dict[str, str]:
    """What a crash report says about Qt."""
    app = QCoreApplication.instance()
    platform = QApplication.platformName() if isinstance(app, QApplication) else "none"
    return {"qt": qVersion(), "qt platform": platform}


class _Notifier(QObject):
    """Carries a report from any thread to the GUI thread (a queued signal)."""

    crashed = Signal(str, str)  # (summary, report path or "")


@dataclass
class CrashHandling:
    """What :func:`install_crash_handling` replaced, so that :meth:`uninstall` can put it back."""

    paths: Paths
    folder: Path
    previous_qt_handler: Any
    previous_excepthook: Any
    previous_threading_hook: Any
    notifier: _Notifier
    dialogs: list[QMessageBox] = field(default_factory=list)
    showing: bool = False

    def on_qt_message(self, mode: QtMsgType, context: Any, message: str) -> None:
        category = getattr(context, "category", None) or "default"
        # Qt's categories mostly start with "qt." already (qt.qpa.plugin); others go under "qt".
        name = category if category.startswith("qt.") else "qt" if category == "default" else f"qt.{category}"
        logging.getLogger(name).log(QT_LEVELS.get(mode, logging.WARNING), "%s", message)
        if mode == QtMsgType.QtFatalMsg:
            # Qt aborts after this returns: the report must be on disk before; faulthandler's dump
            # of the abort would only repeat it.
            stack = "".join(traceback.format_stack()[:-1])
            error = QtFatalError(f"{message}\nPython stack when Qt gave up:\n{stack}".rstrip())
            logs.report_uncaught((QtFatalError, error, None), self.folder, context=qt_context())
            logs.disable_native_crash_log()
        if self.previous_qt_handler is not None:
            # pytest-qt, or another embedding tool, still sees every message.
            self.previous_qt_handler(mode, context, message)

    def on_report(self, exc_info: logs.ExcInfo, path: Path | None) -> None:
        """Called by the excepthook after the report was written, in whichever thread failed."""
        summary = "".join(f"{exc_info[0].__name__}: {exc_info[1]}".splitlines()[:1])
        emit(self.notifier.crashed, summary, str(path) if path else "")

    def show_crash_dialog(self, summary: str, path: str) -> QMessageBox | None:
        """A non-blocking message naming the report; one at a time."""
        if self.showing or not isinstance(QCoreApplication.instance(), QApplication):
            # One dialog at a time; none before the QApplication exists (the report is on disk).
            return None
        self.showing = True
        where = path or "(no report could be written / 未能写入报告)"
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "examsite — 程序错误 / unexpected error",
            "examsite 遇到一个程序错误。已保存的数据不受影响；请保存工作后重新启动。\n"
            "examsite hit a bug. Saved data is not affected; save your work and restart.\n\n"
            f"{summary}\n\n报告 / report: {where}",
            QMessageBox.StandardButton.Close,
            QApplication.activeWindow(),
        )
        if path:
            folder = str(Path(path).parent)
            button = box.addButton("打开文件夹 / Open folder", QMessageBox.ButtonRole.ActionRole)
            button.clicked.connect(lambda: open_folder(folder))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _code: self._closed(box))
        self.dialogs.append(box)
        box.open()
        return box

    def _closed(self, box: QMessageBox) -> None:
        self.showing = False
        if box in self.dialogs:
            self.dialogs.remove(box)

    def uninstall(self) -> None:
        """Put back the handlers found at installation and stop recording native crashes."""
        global _installed
        qInstallMessageHandler(self.previous_qt_handler)
        sys.excepthook = self.previous_excepthook
        threading.excepthook = self.previous_threading_hook
        logs.disable_native_crash_log()
        if _installed is self:
            _installed = None


_installed: CrashHandling | None = None


def install_crash_handling(paths: Paths) -> CrashHandling:
    """Route Qt's messages into the log and uncaught exceptions into reports and a dialog.

    Call once the QApplication exists (the dialog needs it) and before the window is built.
    Earlier native crashes found on disk become reports (offered by :func:`offer_pending_reports`).
    Calling it again returns the handling already installed.
    """
    global _installed
    if _installed is not None:
        return _installed

    logs.log_start("window starting")
    folder = logs.crash_folder(paths)
    handling = CrashHandling(
        paths=paths,
        folder=folder,
        previous_qt_handler=None,
        previous_excepthook=sys.excepthook,
        previous_threading_hook=threading.excepthook,
        notifier=_Notifier(),
    )
    handling.notifier.crashed.connect(handling.show_crash_dialog)
    handling.previous_qt_handler = qInstallMessageHandler(handling.on_qt_message)
    logs.install_excepthooks(folder, on_report=handling.on_report)
    try:
        logs.collect_native_crashes(folder)
    except OSError as exc:
        log.warning("cannot read earlier native crash dumps in %s: %s", folder, exc)
    logs.enable_native_crash_log(folder)
    _installed = handling
    return handling


def open_folder(folder: str | Path) -> bool:
    """Open ``folder`` in the desktop's file manager."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))


class CrashReportDialog(QDialog):
    """The newest unseen report, its text, and buttons to open its folder or close."""

    def __init__(self, reports: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reports = reports
        self.folder = reports[0].parent
        self.setWindowTitle("examsite — 上次异常退出 / closed unexpectedly")
        self.resize(760, 520)
        layout = QVBoxLayout(self)
        more = f"（共 {len(reports)} 份 / {len(reports)} reports）" if len(reports) > 1 else ""
        self.message = QLabel(
            "examsite 上次运行时意外退出。下面是错误报告，可发给维护人员；报告只保存在本机。"
            f"{more}\n"
            "examsite closed unexpectedly last time. The report below helps the maintainers; "
            "it stays on this computer.",
            self,
        )
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlainText(logs.read_crash_report(reports[0]))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.open_folder_button = QPushButton("打开文件夹 / Open folder", self)
        buttons.addButton(self.open_folder_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder_button.clicked.connect(lambda: open_folder(self.folder))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.finished.connect(self._mark_seen)

    def _mark_seen(self, _code: int) -> None:
        try:
            logs.mark_reports_seen(self.reports)
        except OSError as exc:
            # It will be offered again next time; nothing is lost.
            log.warning("cannot mark crash reports as seen in %s: %s", self.folder, exc)


def offer_pending_reports(parent: QWidget | None, paths: Paths) -> CrashReportDialog | None:
    """Show the newest crash report not yet seen (non-blocking); None when there is none.

    Closing the dialog marks every pending report as seen, so it is offered once.
    """
    folder = logs.crash_folder(paths)
    if QThread.currentThread() != QCoreApplication.instance().thread():
        raise RuntimeError("offer_pending_reports must run on the GUI thread")
    reports = logs.pending_crash_reports(folder)
    if not reports:
        return None
    dialog = CrashReportDialog(reports, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
