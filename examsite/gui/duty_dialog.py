"""The staff on duty dialog: pick a session, see who is on duty in which role, put someone on duty with
a role they hold, or take them off.

Who is on duty matters later: the room head's confirmation of an incident is checked against it
(art. 15 ¶1), so every change goes through :mod:`examsite.sites.sessions` and its audit entries, and the
store's refusal (a role not held, an assignment already gone) is shown as it is worded there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examsite.clock import to_local
from examsite.errors import ExamsiteError
from examsite.gui.forms.ui_duty_dialog import Ui_DutyDialog
from examsite.gui.qt import QDialog, QEvent, Qt, QTableWidgetItem, QWidget, Signal
from examsite.gui.refusals import refusal_text
from examsite.gui.signals import emit
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.identity.roster import ROLE_LABELS_ZH, Role
from examsite.identity.staff import StaffView, get_member, list_staff
from examsite.sites.sessions import (
    SUBJECT_LABELS_ZH,
    DutyEntry,
    assign_staff,
    find_session,
    list_sessions,
    staff_on_duty,
    unassign_staff,
)
from examsite.store.models import Candidate, ExamSubject, StaffRole

ACTOR_GUI = "window"
#: Roles a person can be on duty in; the site device key is not a person.
DUTY_ROLES = tuple(role.value for role in StaffRole if role is not StaffRole.SITE_DEVICE)


def role_text(role: str) -> str:
    """``监考 (invigilator)``: the Chinese name and the stored value, as the signing dialog shows roles."""
    try:
        return f"{ROLE_LABELS_ZH[Role(role)]} ({role})"
    except ValueError:
        return role


@dataclass(frozen=True)
class SessionDuty:
    """One session as the dialog shows it, loaded in one store transaction."""

    code: str
    occupation: str
    level: str
    subject: str
    starts: str
    ends: str
    rooms: tuple[str, ...]
    candidates: int
    duty: tuple[DutyEntry, ...]


def load_duty(session: Session, code: str) -> SessionDuty:
    """The session ``code`` with its candidates count and staff on duty."""
    exam = find_session(session, code)
    count = session.scalar(select(func.count()).select_from(Candidate).where(Candidate.session_id == exam.id))
    return SessionDuty(
        code=exam.code,
        occupation=exam.occupation,
        level=exam.level,
        subject=SUBJECT_LABELS_ZH[ExamSubject(exam.subject)],
        starts=f"{to_local(exam.starts_at):%Y-%m-%d %H:%M}",
        ends=f"{to_local(exam.ends_at):%H:%M}",
        rooms=tuple(sorted(room.name for room in exam.rooms)),
        candidates=int(count or 0),
        duty=tuple(staff_on_duty(session, exam)),
    )


def load_choices(session: Session) -> tuple[list[str], list[StaffView]]:
    """Session codes (newest first) and the people who can be on duty (some role besides the device)."""
    people = [view for view in list_staff(session) if any(role in DUTY_ROLES for role in view.roles)]
    return [exam.code for exam in list_sessions(session)], people


class DutyDialog(QDialog):
    """Staff on duty per session, with the roles they hold."""

    #: the session code whose duty list changed
    duty_changed = Signal(str)

    def __init__(
        self, store: Any, taskman: TaskManager, parent: QWidget | None = None, session_code: str = ""
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.people: list[StaffView] = []
        self.current: SessionDuty | None = None
        self._wanted_session = session_code
        self.ui = Ui_DutyDialog()
        self.ui.setupUi(self)
        self.ui.errorLabel.setProperty("state", "alert")
        self._set_headers()
        header = self.ui.duty.horizontalHeader()
        header.setSectionResizeMode(0, header.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, header.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, header.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.ui.duty.verticalHeader().hide()
        self.ui.session.currentIndexChanged.connect(lambda _i: self.reload_duty())
        self.ui.staff.currentIndexChanged.connect(lambda _i: self._on_staff_changed())
        self.ui.duty.itemSelectionChanged.connect(self._update_buttons)
        self.ui.addButton.clicked.connect(self._on_add_clicked)
        self.ui.removeButton.clicked.connect(self._on_remove_clicked)
        self.ui.buttons.rejected.connect(self.reject)
        self._update_buttons()
        StoreOp(store, load_choices).success(self._on_choices_loaded).failure(self._on_failed).run(taskman)

    # -- loading ------------------------------------------------------------------------------
    def _on_choices_loaded(self, choices: tuple[list[str], list[StaffView]]) -> None:
        codes, self.people = choices
        self.ui.staff.blockSignals(True)
        for view in self.people:
            label = f"{view.staff_no}  {view.name}"
            if view.status != "active":
                label += "  " + self.tr("(%1)").replace("%1", view.status)
            self.ui.staff.addItem(label, view.staff_no)
        self.ui.staff.blockSignals(False)
        self._on_staff_changed()
        self.ui.session.blockSignals(True)
        self.ui.session.addItems(codes)
        if self._wanted_session in codes:
            self.ui.session.setCurrentText(self._wanted_session)
        self.ui.session.blockSignals(False)
        if not codes:
            self.ui.sessionInfo.setText(
                self.tr("No exam session yet: create one with File ▸ New exam session…")
            )
        if not self.people:
            self.ui.errorLabel.setText(
                self.tr("No staff enrolled yet: enrol staff with `examsite staff enroll`.")
            )
        self.reload_duty()

    def reload_duty(self) -> None:
        code = self.ui.session.currentText()
        if not code:
            self._update_buttons()
            return
        StoreOp(self.store, lambda s: load_duty(s, code)).success(self._on_duty_loaded).failure(
            self._on_failed
        ).run(self.taskman)

    def _on_duty_loaded(self, duty: SessionDuty) -> None:
        if duty.code != self.ui.session.currentText():
            return  # the user picked another session meanwhile; its own load follows
        self.current = duty
        self.ui.sessionInfo.setText(self._session_text(duty))
        table = self.ui.duty
        table.setRowCount(len(duty.duty))
        for row, entry in enumerate(duty.duty):
            for column, text in enumerate((entry.staff_no, entry.name, role_text(entry.role))):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, (entry.staff_no, entry.role))
                table.setItem(row, column, item)
        self._update_buttons()

    def _session_text(self, duty: SessionDuty) -> str:
        return (
            self.tr("%1 %2 %3 · %4–%5 · rooms %6 · %7 candidates · %8 on duty")
            .replace("%1", duty.occupation)
            .replace("%2", duty.level)
            .replace("%3", duty.subject)
            .replace("%4", duty.starts)
            .replace("%5", duty.ends)
            .replace("%6", ", ".join(duty.rooms))
            .replace("%7", str(duty.candidates))
            .replace("%8", str(len(duty.duty)))
        )

    # -- choosing -----------------------------------------------------------------------------
    def _on_staff_changed(self) -> None:
        self.ui.role.clear()
        index = self.ui.staff.currentIndex()
        if 0 <= index < len(self.people):
            for role in self.people[index].roles:
                if role in DUTY_ROLES:
                    self.ui.role.addItem(role_text(role), role)
        self._update_buttons()

    def selected_entry(self) -> tuple[str, str] | None:
        """(staff no, role) of the selected duty row."""
        items = self.ui.duty.selectedItems()
        if not items:
            return None
        staff_no, role = items[0].data(Qt.ItemDataRole.UserRole)
        return str(staff_no), str(role)

    def _update_buttons(self) -> None:
        has_session = bool(self.ui.session.currentText())
        self.ui.addButton.setEnabled(has_session and self.ui.role.count() > 0)
        self.ui.removeButton.setEnabled(has_session and self.selected_entry() is not None)

    # -- changing -----------------------------------------------------------------------------
    def _on_add_clicked(self) -> None:
        staff_no, role = self.ui.staff.currentData(), self.ui.role.currentData()
        if staff_no and role:
            self.put_on_duty(str(staff_no), str(role))

    def put_on_duty(self, staff_no: str, role: str) -> None:
        """Put ``staff_no`` on duty in the current session as ``role``; the store decides if they may."""
        code = self.ui.session.currentText()

        def assign(session: Session) -> str:
            exam, member = find_session(session, code), get_member(session, staff_no)
            assign_staff(session, exam, member, StaffRole(role), actor=ACTOR_GUI)
            return code

        self._run_change(assign)

    def _on_remove_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        staff_no, role = entry
        code = self.ui.session.currentText()

        def remove(session: Session) -> str:
            exam, member = find_session(session, code), get_member(session, staff_no)
            unassign_staff(session, exam, member, StaffRole(role), actor=ACTOR_GUI)
            return code

        self._run_change(remove)

    def _run_change(self, change: Any) -> None:
        self.ui.errorLabel.clear()
        self.ui.addButton.setEnabled(False)
        self.ui.removeButton.setEnabled(False)
        StoreOp(self.store, change).success(self._on_changed).failure(self._on_failed).run(self.taskman)

    def _on_changed(self, code: str) -> None:
        emit(self.duty_changed, code)
        self.reload_duty()

    def _on_failed(self, exc: BaseException) -> None:
        self._update_buttons()
        if not isinstance(exc, ExamsiteError):
            raise exc
        # the refusal and what to do about it (the hint), as the core words them
        self.ui.errorLabel.setText(refusal_text(exc))

    # -- language -----------------------------------------------------------------------------
    def _set_headers(self) -> None:
        self.ui.duty.setHorizontalHeaderLabels([self.tr("Staff no."), self.tr("Name"), self.tr("Role")])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
            self._set_headers()
            if self.current is not None:
                self.ui.sessionInfo.setText(self._session_text(self.current))
        super().changeEvent(event)
