"""Dialogs that set up a sitting: a new exam session, and its candidate roster import."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from examsite.clock import SHANGHAI, utc_now
from examsite.errors import ExamsiteError
from examsite.gui.forms.ui_roster_dialog import Ui_RosterImportDialog
from examsite.gui.forms.ui_session_dialog import Ui_SessionDialog
from examsite.gui.qt import (
    QDateTime,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QListWidgetItem,
    QPushButton,
    Qt,
    QTableWidgetItem,
    QTimeZone,
    QWidget,
    Signal,
)
from examsite.gui.refusals import refusal_text
from examsite.gui.signals import emit
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.sites.candidates import RosterPreview, import_roster, preview_roster
from examsite.sites.sessions import SessionSpec, create_session, find_session, list_sessions
from examsite.sites.setup import current_site
from examsite.store.models import ExamSubject

ACTOR_GUI = "window"
LEVELS = ("五级", "四级", "三级", "二级", "一级")


def _to_qt(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()), QTimeZone(b"Asia/Shanghai"))


def _from_qt(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), SHANGHAI)


def ban_lookup() -> Any:
    """The adjudication ban registry's check for roster imports, where this installation has it."""
    try:
        from examsite.adjudication.bans import roster_ban_lookup
    except ImportError:
        return None
    return roster_ban_lookup


class SessionDialog(QDialog):
    """Create an exam session in some of the site's rooms."""

    session_created = Signal(str)

    def __init__(self, store: Any, taskman: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.ui = Ui_SessionDialog()
        self.ui.setupUi(self)
        self.ui.errorLabel.setProperty("state", "alert")
        self.ui.level.addItems(LEVELS)
        for edit in (self.ui.startsAt, self.ui.endsAt):
            edit.setTimeZone(QTimeZone(b"Asia/Shanghai"))
        for subject, text in (
            (ExamSubject.THEORY, self.tr("Theory (理论知识)")),
            (ExamSubject.SKILLS, self.tr("Practical skills (操作技能)")),
            (ExamSubject.REVIEW, self.tr("Comprehensive review (综合评审)")),
        ):
            self.ui.subject.addItem(text, subject.value)
        now = utc_now().astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
        self.ui.startsAt.setDateTime(_to_qt(now))
        self.ui.endsAt.setDateTime(_to_qt(now.replace(hour=min(now.hour + 2, 23))))
        self.ui.code.setText(f"{now:%Y%m%d-%H%M}")
        self.ui.buttons.accepted.connect(self._on_save_clicked)
        self.ui.buttons.rejected.connect(self.reject)
        StoreOp(store, lambda s: [room.name for room in current_site(s).rooms]).success(
            self._on_rooms_loaded
        ).failure(self._on_failed).run(taskman)

    def _on_rooms_loaded(self, rooms: list[str]) -> None:
        for name in rooms:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if len(rooms) == 1 else Qt.CheckState.Unchecked)
            self.ui.rooms.addItem(item)

    def spec(self) -> SessionSpec:
        rooms = tuple(
            self.ui.rooms.item(i).text()
            for i in range(self.ui.rooms.count())
            if self.ui.rooms.item(i).checkState() == Qt.CheckState.Checked
        )
        return SessionSpec(
            code=self.ui.code.text(),
            occupation=self.ui.occupation.text(),
            level=self.ui.level.currentText(),
            subject=ExamSubject(self.ui.subject.currentData()),
            starts_at=_from_qt(self.ui.startsAt.dateTime()),
            ends_at=_from_qt(self.ui.endsAt.dateTime()),
            rooms=rooms,
        )

    def _on_save_clicked(self) -> None:
        spec = self.spec()

        def save(session: Session) -> str:
            return create_session(session, current_site(session), spec, actor=ACTOR_GUI).code

        self.ui.buttons.setEnabled(False)
        StoreOp(self.store, save).success(self._on_saved).failure(self._on_failed).run(self.taskman)

    def _on_saved(self, code: str) -> None:
        emit(self.session_created, code)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.ui.buttons.setEnabled(True)
        if not isinstance(exc, ExamsiteError):
            raise exc
        self.ui.errorLabel.setText(refusal_text(exc))


class RosterImportDialog(QDialog):
    """Check a roster file row by row, then import it (skipping listed rows only when accepted)."""

    imported = Signal(int)

    def __init__(self, store: Any, taskman: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.preview: RosterPreview | None = None
        self.ui = Ui_RosterImportDialog()
        self.ui.setupUi(self)
        self.import_button = QPushButton(self.tr("Import"))
        self.ui.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.ui.problems.setHorizontalHeaderLabels([self.tr("Row"), self.tr("Problem")])
        self.ui.problems.horizontalHeader().setStretchLastSection(True)
        self.ui.problems.verticalHeader().hide()
        self.ui.chooseButton.clicked.connect(self._on_choose_clicked)
        self.ui.session.currentIndexChanged.connect(lambda _i: self.check_file())
        self.ui.skipRows.toggled.connect(lambda _on: self._update_import_button())
        self.import_button.clicked.connect(self._on_import_clicked)
        self.ui.buttons.rejected.connect(self.reject)
        StoreOp(store, lambda s: [e.code for e in list_sessions(s)]).success(
            self._on_sessions_loaded
        ).failure(self._on_failed).run(taskman)

    def _on_sessions_loaded(self, codes: list[str]) -> None:
        self.ui.session.addItems(codes)

    def _on_choose_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Candidate roster"), "", self.tr("Rosters (*.xlsx *.csv)")
        )
        if path:
            self.set_file(Path(path))

    def set_file(self, path: Path) -> None:
        self.ui.filePath.setText(str(path))
        self.check_file()

    def check_file(self) -> None:
        path, code = self.ui.filePath.text(), self.ui.session.currentText()
        if not path or not code:
            return
        lookup = ban_lookup()

        def check(session: Session) -> RosterPreview:
            return preview_roster(session, find_session(session, code), Path(path), ban_lookup=lookup)

        self.import_button.setEnabled(False)
        StoreOp(self.store, check).success(self._on_checked).failure(self._on_failed).run(self.taskman)

    def _on_checked(self, preview: RosterPreview) -> None:
        self.preview = preview
        self.ui.problems.setRowCount(len(preview.problems))
        for row, problem in enumerate(preview.problems):
            self.ui.problems.setItem(row, 0, QTableWidgetItem(str(problem.line)))
            self.ui.problems.setItem(row, 1, QTableWidgetItem(problem.message))
        bad = len(preview.problem_lines)
        self.ui.summaryLabel.setText(
            self.tr("%1 candidates ready; %2 rows with problems.")
            .replace("%1", str(len(preview.rows)))
            .replace("%2", str(bad))
        )
        self.ui.skipRows.setEnabled(bad > 0)
        self.ui.skipRows.setChecked(False)
        self._update_import_button()

    def _update_import_button(self) -> None:
        preview = self.preview
        ok = (
            preview is not None
            and bool(preview.rows)
            and (not preview.problems or self.ui.skipRows.isChecked())
        )
        self.import_button.setEnabled(ok)

    def _on_import_clicked(self) -> None:
        preview, code = self.preview, self.ui.session.currentText()
        if preview is None:
            return
        skip = preview.problem_lines if self.ui.skipRows.isChecked() else set()

        def run(session: Session) -> int:
            return len(
                import_roster(session, find_session(session, code), preview, actor=ACTOR_GUI, skip_lines=skip)
            )

        self.import_button.setEnabled(False)
        StoreOp(self.store, run).success(self._on_imported).failure(self._on_failed).run(self.taskman)

    def _on_imported(self, count: int) -> None:
        emit(self.imported, count)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, ExamsiteError):
            raise exc
        self.ui.summaryLabel.setText(str(exc))
        self.ui.summaryLabel.setProperty("state", "alert")
        self.ui.summaryLabel.style().polish(self.ui.summaryLabel)
        self._update_import_button()
