"""The working-day calendar of art. 19 deadlines, a panel of the cases page: the years it covers, one
year's holidays and adjusted workdays, the State Council notices transcribed into it, and adding or
removing a notice (:mod:`examsite.adjudication.calendar_admin`, the same as ``examsite calendar``).

A deadline that reaches into a year the ``chinesecalendar`` package does not know is refused until
that year's notice is entered here. The notice dialog keeps everything typed when the core refuses
it, and says why; the file changes only when the whole notice is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from examsite.adjudication import calendar_admin
from examsite.adjudication.calendar_admin import SpecialDay
from examsite.adjudication.workdays import HolidayNotice, WorkdayCalendar, package_years
from examsite.errors import ExamsiteError
from examsite.gui.case_dialogs import today
from examsite.gui.qt import (
    QT_TRANSLATE_NOOP,
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from examsite.gui.refusals import refusal_text
from examsite.gui.signals import emit
from examsite.gui.table_model import RowsTableModel

_WEEKDAYS = (
    QT_TRANSLATE_NOOP("SpecialDayModel", "Monday"),
    QT_TRANSLATE_NOOP("SpecialDayModel", "Tuesday"),
    QT_TRANSLATE_NOOP("SpecialDayModel", "Wednesday"),
    QT_TRANSLATE_NOOP("SpecialDayModel", "Thursday"),
    QT_TRANSLATE_NOOP("SpecialDayModel", "Friday"),
    QT_TRANSLATE_NOOP("SpecialDayModel", "Saturday"),
    QT_TRANSLATE_NOOP("SpecialDayModel", "Sunday"),
)


class SpecialDayModel(RowsTableModel[SpecialDay]):
    """One year's holidays (放假) and adjusted workdays (调休上班)."""

    COLUMNS = (
        QT_TRANSLATE_NOOP("SpecialDayModel", "Date"),
        QT_TRANSLATE_NOOP("SpecialDayModel", "Weekday"),
        QT_TRANSLATE_NOOP("SpecialDayModel", "Day"),
        QT_TRANSLATE_NOOP("SpecialDayModel", "Festival"),
        QT_TRANSLATE_NOOP("SpecialDayModel", "From"),
    )
    KINDS: ClassVar[dict[str, str]] = {
        "holiday": QT_TRANSLATE_NOOP("SpecialDayModel", "holiday (放假)"),
        "workday": QT_TRANSLATE_NOOP("SpecialDayModel", "adjusted workday (调休上班)"),
    }

    def display(self, row: SpecialDay, column: int) -> Any:
        weekday = self.tr(_WEEKDAYS[row.day.weekday()])
        return (row.day.isoformat(), weekday, self.tr(self.KINDS[row.kind]), row.name, row.source)[column]


@dataclass(frozen=True)
class NoticeRow:
    id: str  # the reference
    year: int
    complete_year: bool
    holidays: int
    workdays: int
    shipped: bool
    source: str


class NoticeModel(RowsTableModel[NoticeRow]):
    """The notices the calendar holds: shipped with examsite, or added by the administrator."""

    COLUMNS = (
        QT_TRANSLATE_NOOP("NoticeModel", "Year"),
        QT_TRANSLATE_NOOP("NoticeModel", "Notice"),
        QT_TRANSLATE_NOOP("NoticeModel", "Covers"),
        QT_TRANSLATE_NOOP("NoticeModel", "Holiday days"),
        QT_TRANSLATE_NOOP("NoticeModel", "Adjusted workdays"),
        QT_TRANSLATE_NOOP("NoticeModel", "Entered by"),
        QT_TRANSLATE_NOOP("NoticeModel", "Source"),
    )

    def display(self, row: NoticeRow, column: int) -> Any:
        covers = self.tr("the whole year") if row.complete_year else self.tr("some days")
        origin = self.tr("shipped with examsite") if row.shipped else self.tr("the administrator")
        return (str(row.year), row.id, covers, str(row.holidays), str(row.workdays), origin, row.source)[
            column
        ]


def _notice_rows(calendar: WorkdayCalendar) -> list[NoticeRow]:
    shipped = calendar_admin.shipped_references()
    rows = []
    for notice in calendar.notices:
        holidays, workdays = notice.day_counts()
        rows.append(
            NoticeRow(
                notice.reference,
                notice.year,
                notice.complete_year,
                holidays,
                workdays,
                notice.reference.strip() in shipped,
                notice.source,
            )
        )
    return sorted(rows, key=lambda row: (row.year, row.id))


def _table(model: RowsTableModel[Any]) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().hide()
    return view


class CalendarPanel(QWidget):
    """Coverage, one year's exceptions, the notices, and adding or removing one.

    ``path`` is the administrator's override file (``<data>/calendar_overrides.json``); without one
    the panel only shows. ``calendar_changed`` carries the new calendar after a notice was added or
    removed, for the deadlines to count with.
    """

    calendar_changed = Signal(object)

    def __init__(self, path: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.calendar: WorkdayCalendar | None = None
        self.coverage = QLabel(wordWrap=True)
        self.file_label = QLabel(wordWrap=True)
        self.year_label = QLabel()
        self.year = QSpinBox(minimum=2000, maximum=2099, value=today().year)
        self.year_state = QLabel()
        self.days_model = SpecialDayModel(self)
        self.days = _table(self.days_model)
        self.notices_label = QLabel()
        self.notices_model = NoticeModel(self)
        self.notices = _table(self.notices_model)
        self.add_button = QPushButton()
        self.remove_button = QPushButton(enabled=False)
        self.error = QLabel(wordWrap=True, objectName="errorLabel")
        self.dialog: HolidayNoticeDialog | None = None
        self.confirm: QMessageBox | None = None
        year_row = QHBoxLayout()
        year_row.addWidget(self.year_label)
        year_row.addWidget(self.year)
        year_row.addWidget(self.year_state, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.coverage)
        layout.addLayout(year_row)
        layout.addWidget(self.days, 3)
        layout.addWidget(self.notices_label)
        layout.addWidget(self.notices, 1)
        layout.addWidget(self.file_label)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.add_button.setEnabled(path is not None)
        self.retranslate()
        self.year.valueChanged.connect(self._show_year)
        self.notices.selectionModel().selectionChanged.connect(self._on_selection)
        self.add_button.clicked.connect(self.open_add)
        self.remove_button.clicked.connect(self.ask_remove)
        self.refresh()

    def retranslate(self) -> None:
        self.year_label.setText(self.tr("Holidays and adjusted workdays of"))
        self.notices_label.setText(self.tr("State Council holiday notices entered"))
        self.add_button.setText(self.tr("Enter a notice…"))
        self.remove_button.setText(self.tr("Remove the notice"))
        if self.path is None:
            self.file_label.setText(self.tr("No data folder: notices cannot be entered here."))
        else:
            self.file_label.setText(
                self.tr("Notices entered here are kept in %1").replace("%1", str(self.path))
            )
        self._show_coverage()
        self._show_year()

    def refresh(self) -> None:
        """Read the calendar again (the shipped table and the administrator's file)."""
        self.error.clear()
        try:
            self.calendar = calendar_admin.calendar_for(self.path)
        except ExamsiteError as exc:
            self.calendar = None
            self.error.setText(refusal_text(exc))
        self.notices_model.set_rows([] if self.calendar is None else _notice_rows(self.calendar))
        self._show_coverage()
        self._show_year()

    def _show_coverage(self) -> None:
        years = package_years()
        text = (
            self.tr("Working days are known for %1–%2 from the chinesecalendar package.")
            .replace("%1", str(years[0]))
            .replace("%2", str(years[1]))
            if years
            else self.tr("The chinesecalendar package knows no years.")
        )
        whole = sorted(n.year for n in self.calendar.notices if n.complete_year) if self.calendar else []
        sentences = [text]
        if whole:
            years_text = ", ".join(map(str, whole))
            sentences.append(self.tr("Whole years from notices: %1.").replace("%1", years_text))
        sentences.append(
            self.tr("A deadline that reaches into any other year is refused until its notice is entered.")
        )
        # Chinese sentences follow each other without a space
        text = "".join(s if s.endswith("。") else s + " " for s in sentences).strip()
        self.coverage.setText(text)

    def _show_year(self) -> None:
        year = self.year.value()
        if self.calendar is None:
            self.days_model.set_rows([])
            self.year_state.clear()
            return
        self.days_model.set_rows(calendar_admin.year_exceptions(self.calendar, year))
        if self.calendar.covers(year):
            self.year_state.setText(
                self.tr("covered: deadlines in %1 can be computed").replace("%1", str(year))
            )
        else:
            self.year_state.setText(
                self.tr("NOT covered: enter the State Council notice for %1").replace("%1", str(year))
            )

    def selected_notice(self) -> NoticeRow | None:
        rows = self.notices.selectionModel().selectedRows()
        return self.notices_model.rows[rows[0].row()] if rows else None

    def _on_selection(self, *_: Any) -> None:
        row = self.selected_notice()
        self.remove_button.setEnabled(self.path is not None and row is not None and not row.shipped)

    def open_add(self) -> None:
        """The dialog to enter a notice, for the shown year."""
        if self.path is None:
            return
        self.dialog = HolidayNoticeDialog(self.path, self.year.value(), self)
        self.dialog.added.connect(self._changed)
        self.dialog.open()

    def ask_remove(self) -> None:
        """Ask before removing the selected notice (its days would have to be typed again)."""
        row = self.selected_notice()
        if row is None or row.shipped or self.path is None:
            return
        self.confirm = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Remove the notice"),
            self.tr("Remove notice %1 (%2)? Deadlines in that year may no longer be computable.")
            .replace("%1", row.id)
            .replace("%2", str(row.year)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        self.confirm.setDefaultButton(QMessageBox.StandardButton.Cancel)
        reference = row.id
        self.confirm.accepted.connect(lambda: self._remove(reference))
        self.confirm.open()

    def _remove(self, reference: str) -> None:
        assert self.path is not None
        try:
            calendar = calendar_admin.remove_notice(self.path, reference)
        except ExamsiteError as exc:
            self.error.setText(refusal_text(exc))
            return
        self._changed(calendar)

    def _changed(self, calendar: WorkdayCalendar) -> None:
        self.refresh()
        emit(self.calendar_changed, calendar)


class HolidayNoticeDialog(QDialog):
    """Enter one State Council notice: its number, year, days off and adjusted workdays.

    Days are typed one per line, as the notice lists them: ``2027-02-06..2027-02-13 春节``. A refusal
    is shown in the dialog, which stays open with everything typed; ``added`` carries the calendar
    with the notice once it is stored.
    """

    added = Signal(object)

    def __init__(self, path: Path, year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.reference = QLineEdit()
        self.year = QSpinBox(minimum=2000, maximum=2099, value=year)
        self.whole_year = QCheckBox(checked=True)
        self.holidays = QPlainTextEdit()
        self.workdays = QPlainTextEdit()
        self.source = QLineEdit()
        self.error = QLabel(wordWrap=True, objectName="errorLabel")
        self.help = QLabel(wordWrap=True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.labels = [QLabel() for _ in range(6)]
        form = QFormLayout()
        fields = (self.reference, self.year, self.whole_year, self.holidays, self.workdays, self.source)
        for label, field in zip(self.labels, fields, strict=True):
            label.setBuddy(field)
            form.addRow(label, field)
        layout = QVBoxLayout(self)
        layout.addWidget(self.help)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(640, 620)
        self.retranslate()
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Enter a State Council holiday notice"))
        self.help.setText(
            self.tr(
                "Copy the notice (国务院办公厅关于××年部分节假日安排的通知) day by day. One entry per "
                "line: a date or a range, then the festival, e.g. 2027-02-06..2027-02-13 春节. "
                "List every day off, weekends inside a holiday included."
            )
        )
        labels = (
            self.tr("Notice number"),
            self.tr("Year"),
            self.tr("Covers"),
            self.tr("Days off (放假)"),
            self.tr("Adjusted workdays (调休上班)"),
            self.tr("Read from"),
        )
        for label, text in zip(self.labels, labels, strict=True):
            label.setText(text)
        self.reference.setPlaceholderText(self.tr("e.g. 国办发明电〔2025〕7号"))
        self.whole_year.setText(self.tr("the notice lists every holiday and adjusted workday of the year"))
        self.holidays.setPlaceholderText("2027-01-01..2027-01-03 元旦\n2027-02-06..2027-02-13 春节")
        self.workdays.setPlaceholderText("2027-02-14 春节")
        self.source.setPlaceholderText(self.tr("e.g. www.gov.cn, 2026-11-27"))

    def notice(self) -> HolidayNotice:
        """The notice as typed; :class:`~examsite.errors.InvalidInput` names a line that is no date."""
        reference = self.reference.text().strip()
        days = calendar_admin.parse_days(self.holidays.toPlainText(), "holiday", reference)
        days += calendar_admin.parse_days(self.workdays.toPlainText(), "workday", reference)
        return HolidayNotice(
            reference, self.year.value(), self.whole_year.isChecked(), days, self.source.text().strip()
        )

    def _on_save(self) -> None:
        try:
            calendar = calendar_admin.add_notice(self.path, self.notice())
        except ExamsiteError as exc:
            self.error.setText(refusal_text(exc))
            return
        emit(self.added, calendar)
        self.accept()
