"""Registers beside the case archive: deadlines due soon (arts. 18–19), bans and certificates to void
(arts. 6, 7, 15 ¶2), annual statistics (art. 21) — each a panel of the cases page, with CSV/PDF export.

Rows are loaded on the store worker as plain data; files are written by the core's CSV functions on
the worker and PDFs rendered on the GUI thread (Qt painting).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from examsite.adjudication import bans as ban_registry
from examsite.adjudication import calendar_admin, notices, reports
from examsite.adjudication.documents import mask_id_number
from examsite.adjudication.workdays import WorkdayCalendar
from examsite.errors import ExamsiteError, InvalidInput
from examsite.gui.case_dialogs import actor, date_edit, date_of, save_pdf, today
from examsite.gui.qt import (
    QT_TRANSLATE_NOOP,
    QAbstractItemView,
    QBrush,
    QColor,
    QCoreApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QModelIndex,
    QPersistentModelIndex,
    QPushButton,
    QSpinBox,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from examsite.gui.refusals import refusal_text
from examsite.gui.signals import emit
from examsite.gui.table_model import RowsTableModel
from examsite.gui.taskman import StoreOp, TaskManager

OVERDUE_COLOUR = QColor("#c62828")


def _table(model: RowsTableModel[Any]) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().hide()
    return view


def ask_csv_path(parent: QWidget, suggested: str) -> Path | None:
    title = QCoreApplication.translate("CaseDialogs", "Export CSV")
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, "CSV (*.csv)")
    return Path(name) if name else None


# -- deadlines --------------------------------------------------------------------------------


class DeadlineTableModel(RowsTableModel[notices.Deadline]):
    """Deadlines due soon; overdue ones in red."""

    COLUMNS = (
        QT_TRANSLATE_NOOP("DeadlineTableModel", "Due on"),
        QT_TRANSLATE_NOOP("DeadlineTableModel", "Deadline"),
        QT_TRANSLATE_NOOP("DeadlineTableModel", "Case"),
        QT_TRANSLATE_NOOP("DeadlineTableModel", "Working days left"),
    )
    KINDS: ClassVar[dict[str, str]] = {
        "statement": QT_TRANSLATE_NOOP("DeadlineTableModel", "statement and defence (art. 18)"),
        "review_request": QT_TRANSLATE_NOOP("DeadlineTableModel", "review request (art. 19)"),
        "review_decision": QT_TRANSLATE_NOOP("DeadlineTableModel", "review decision (art. 19)"),
    }

    def display(self, row: notices.Deadline, column: int) -> Any:
        if column == 3:
            if row.overdue:
                return self.tr("OVERDUE")
            return "?" if row.working_days_left is None else str(row.working_days_left)
        return (row.due_on.isoformat(), self.tr(self.KINDS[row.kind]), row.case_label)[column]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.UserRole:
            return self.rows[index.row()].case_id
        if index.isValid() and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(OVERDUE_COLOUR) if self.rows[index.row()].overdue else None
        return super().data(index, role)


class DeadlinesPanel(QWidget):
    """Statement and review deadlines within N working days of a day (today by default).

    When the weeks ahead reach into a year the working-day calendar does not cover, a warning says
    so before any deadline is refused for it, with a link (``calendar_wanted``) to the calendar.
    """

    calendar_wanted = Signal(int)  # the year to enter

    def __init__(
        self, store: Any, taskman: TaskManager, calendar: WorkdayCalendar, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.calendar = calendar
        self.model = DeadlineTableModel(self)
        self.within = QSpinBox(minimum=0, maximum=60, value=5)
        self.on = date_edit()
        self.table = _table(self.model)
        self.error = QLabel(wordWrap=True, objectName="errorLabel")
        self.calendar_warning = QLabel(wordWrap=True)
        self.calendar_warning.setProperty("state", "warn")
        self.calendar_warning.setTextFormat(Qt.TextFormat.RichText)
        self.calendar_warning.hide()
        self.within_label = QLabel()
        self.on_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.within_label)
        top.addWidget(self.within)
        top.addWidget(self.on_label)
        top.addWidget(self.on)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.calendar_warning)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        self.missing_year: int | None = None
        self.retranslate()
        self.within.valueChanged.connect(self.refresh)
        self.on.dateChanged.connect(self.refresh)
        self.calendar_warning.linkActivated.connect(self._on_calendar_link)

    def retranslate(self) -> None:
        self.within_label.setText(self.tr("Due within (working days)"))
        self.on_label.setText(self.tr("as of"))
        self._warn_of_missing_year(date_of(self.on))

    def refresh(self) -> None:
        on, within, calendar = date_of(self.on), self.within.value(), self.calendar
        self.error.clear()
        self._warn_of_missing_year(on)
        StoreOp(
            self.store,
            lambda s: notices.deadlines_due(s, on, within_working_days=within, calendar=calendar),
        ).success(self.model.set_rows).failure(lambda exc: self.error.setText(refusal_text(exc))).run(
            self.taskman
        )

    def _on_calendar_link(self, _link: str) -> None:
        if self.missing_year is not None:
            emit(self.calendar_wanted, self.missing_year)

    def _warn_of_missing_year(self, on: date) -> None:
        try:
            missing = calendar_admin.uncovered_year_ahead(self.calendar, on)
        except ExamsiteError:  # a calendar file that cannot be read: the deadlines say so themselves
            missing = None
        self.missing_year = missing
        if missing is None:
            self.calendar_warning.hide()
            return
        text = self.tr(
            "The working-day calendar does not cover %1 yet: deadlines reaching into %1 cannot be "
            "computed until the State Council holiday notice for %1 is entered. "
            '<a href="calendar">Open the working-day calendar</a>'
        )
        self.calendar_warning.setText(text.replace("%1", str(missing)))
        self.calendar_warning.show()


# -- bans and certificates ---------------------------------------------------------------------


@dataclass(frozen=True)
class BanRow:
    id: str
    person: str
    id_masked: str
    article: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class VoidRow:
    id: str
    person: str
    id_masked: str
    occupation: str
    level: str
    certificate: str
    status: str


def _mask(number: str) -> str:
    try:
        return mask_id_number(number)
    except ExamsiteError:
        return "*" * max(0, len(number) - 4) + number[-4:]


def load_bans(session: Session, on: date) -> tuple[list[BanRow], list[VoidRow]]:
    """Bans in force on ``on`` and pending certificates to void, ID numbers masked but the last 4."""
    bans = [
        BanRow(b.id, b.person_name, _mask(b.id_number), b.article_key, b.starts_on, b.ends_on)
        for b in ban_registry.active_bans(session, on)
    ]
    voids = [
        VoidRow(
            v.id, v.person_name, _mask(v.id_number), v.occupation, v.level, v.certificate_number, v.status
        )
        for v in ban_registry.certificate_voids(session, "pending")
    ]
    return bans, voids


class BanTableModel(RowsTableModel[BanRow]):
    COLUMNS = (
        QT_TRANSLATE_NOOP("BanTableModel", "Person"),
        QT_TRANSLATE_NOOP("BanTableModel", "ID number"),
        QT_TRANSLATE_NOOP("BanTableModel", "Article"),
        QT_TRANSLATE_NOOP("BanTableModel", "From"),
        QT_TRANSLATE_NOOP("BanTableModel", "Until"),
    )

    def display(self, row: BanRow, column: int) -> Any:
        return (row.person, row.id_masked, row.article, row.starts_on.isoformat(), row.ends_on.isoformat())[
            column
        ]


class VoidTableModel(RowsTableModel[VoidRow]):
    COLUMNS = (
        QT_TRANSLATE_NOOP("VoidTableModel", "Person"),
        QT_TRANSLATE_NOOP("VoidTableModel", "ID number"),
        QT_TRANSLATE_NOOP("VoidTableModel", "Occupation"),
        QT_TRANSLATE_NOOP("VoidTableModel", "Level"),
        QT_TRANSLATE_NOOP("VoidTableModel", "Certificate"),
        QT_TRANSLATE_NOOP("VoidTableModel", "Status"),
    )

    STATUSES: ClassVar[dict[str, str]] = {
        "pending": QT_TRANSLATE_NOOP("VoidTableModel", "to void"),
        "done": QT_TRANSLATE_NOOP("VoidTableModel", "voided"),
        "cancelled": QT_TRANSLATE_NOOP("VoidTableModel", "cancelled"),
    }

    def display(self, row: VoidRow, column: int) -> Any:
        status = self.tr(self.STATUSES[row.status]) if row.status in self.STATUSES else row.status
        return (row.person, row.id_masked, row.occupation, row.level, row.certificate, status)[column]


class BansPanel(QWidget):
    """Active bans (arts. 6, 7) and certificates to void (art. 15 ¶2), each exportable as CSV."""

    exported = Signal(str)

    def __init__(self, store: Any, taskman: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.bans = BanTableModel(self)
        self.voids = VoidTableModel(self)
        self.bans_label = QLabel()
        self.voids_label = QLabel()
        self.export_bans_button = QPushButton()
        self.export_voids_button = QPushButton()
        self.voided_button = QPushButton()
        self.voided_button.setEnabled(False)
        self.voids_view = _table(self.voids)
        self.error = QLabel(wordWrap=True, objectName="errorLabel")
        layout = QVBoxLayout(self)
        for label, view, buttons in (
            (self.bans_label, _table(self.bans), (self.export_bans_button,)),
            (self.voids_label, self.voids_view, (self.voided_button, self.export_voids_button)),
        ):
            head = QHBoxLayout()
            head.addWidget(label, 1)
            for button in buttons:
                head.addWidget(button)
            layout.addLayout(head)
            layout.addWidget(view, 1)
        layout.addWidget(self.error)
        self.retranslate()
        self.export_bans_button.clicked.connect(self._on_export_bans)
        self.export_voids_button.clicked.connect(self._on_export_voids)
        self.voided_button.clicked.connect(self._on_voided_clicked)
        self.voids_view.selectionModel().selectionChanged.connect(
            lambda *_: self.voided_button.setEnabled(bool(self.voids_view.selectionModel().selectedRows()))
        )

    def retranslate(self) -> None:
        self.bans_label.setText(self.tr("Bans in force"))
        self.voids_label.setText(self.tr("Certificates to void and online data to correct"))
        self.export_bans_button.setText(self.tr("Export CSV…"))
        self.export_voids_button.setText(self.tr("Export CSV…"))
        self.voided_button.setText(self.tr("Recorded as voided…"))

    def refresh(self) -> None:
        on = today()
        StoreOp(self.store, lambda s: load_bans(s, on)).success(self._on_loaded).failure(self._show).run(
            self.taskman
        )

    def _on_loaded(self, loaded: tuple[list[BanRow], list[VoidRow]]) -> None:
        self.bans.set_rows(loaded[0])
        self.voids.set_rows(loaded[1])

    def _show(self, exc: BaseException) -> None:
        self.error.setText(refusal_text(exc))

    def _on_export_bans(self) -> None:
        path = ask_csv_path(self, "bans.csv")
        if path is not None:
            self.export("bans", path)

    def _on_export_voids(self) -> None:
        path = ask_csv_path(self, "certificates-to-void.csv")
        if path is not None:
            self.export("certificates", path)

    def _on_voided_clicked(self) -> None:
        rows = self.voids_view.selectionModel().selectedRows()
        if not rows:
            return
        row = self.voids.rows[rows[0].row()]
        number, ok = QInputDialog.getText(
            self,
            self.tr("Certificate voided"),
            self.tr("Number of the certificate voided (and its online data corrected) by %1:").replace(
                "%1", row.person
            ),
            text=row.certificate,
        )
        if ok:
            self.mark_voided(row.id, number)

    def mark_voided(self, void_id: str, number: str) -> None:
        """Record that the certificate was voided today (art. 15 ¶2), then reload the lists."""
        self.error.clear()
        on, who = today(), actor()

        def run(session: Session) -> str:
            done = ban_registry.mark_certificate_done(
                session, void_id, certificate_number=number, done_on=on, actor=who
            )
            return done.certificate_number

        StoreOp(self.store, run).success(lambda _n: self.refresh()).failure(self._show).run(self.taskman)

    def export(self, what: str, path: Path) -> None:
        """Write the bans in force or the pending certificates to ``path`` (the core's CSV, on the worker)."""
        self.error.clear()
        on = today()

        def run(session: Session) -> str:
            if what == "bans":
                ban_registry.export_bans_csv(session, path, on)
            else:
                ban_registry.export_certificate_voids_csv(session, path, "pending")
            return str(path)

        StoreOp(self.store, run).success(lambda p: emit(self.exported, p)).failure(self._show).run(
            self.taskman
        )


# -- statistics --------------------------------------------------------------------------------


class StatTableModel(RowsTableModel[reports.StatRow]):
    COLUMNS = (
        QT_TRANSLATE_NOOP("StatTableModel", "Occupation"),
        QT_TRANSLATE_NOOP("StatTableModel", "Level"),
        QT_TRANSLATE_NOOP("StatTableModel", "Article"),
        QT_TRANSLATE_NOOP("StatTableModel", "Cases"),
        QT_TRANSLATE_NOOP("StatTableModel", "Decided"),
        QT_TRANSLATE_NOOP("StatTableModel", "Bans"),
        QT_TRANSLATE_NOOP("StatTableModel", "Certificates voided"),
        QT_TRANSLATE_NOOP("StatTableModel", "Reviews (changed)"),
    )

    def display(self, row: reports.StatRow, column: int) -> Any:
        return (
            row.occupation,
            row.level,
            str(row.article),
            str(row.cases),
            str(row.decided),
            str(row.bans),
            str(row.certificates_voided),
            f"{row.reviews} ({row.reviews_changed})",
        )[column]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.UserRole:
            return None  # statistics rows have no id
        return super().data(index, role)


class StatisticsPanel(QWidget):
    """Annual statistics by occupation, level and article, as CSV or as a PDF document."""

    exported = Signal(str)

    def __init__(self, store: Any, taskman: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.model = StatTableModel(self)
        self.year = QSpinBox(minimum=2025, maximum=2199, value=today().year)
        self.issuer = QLineEdit()
        self.reference = QLineEdit()
        self.year_label = QLabel()
        self.csv_button = QPushButton()
        self.pdf_button = QPushButton()
        self.error = QLabel(wordWrap=True, objectName="errorLabel")
        top = QHBoxLayout()
        top.addWidget(self.year_label)
        top.addWidget(self.year)
        top.addWidget(self.issuer, 1)
        top.addWidget(self.reference, 1)
        top.addWidget(self.csv_button)
        top.addWidget(self.pdf_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(_table(self.model), 1)
        layout.addWidget(self.error)
        self.retranslate()
        self.year.valueChanged.connect(self.refresh)
        self.csv_button.clicked.connect(self._on_csv)
        self.pdf_button.clicked.connect(self._on_pdf)

    def retranslate(self) -> None:
        self.year_label.setText(self.tr("Year"))
        self.issuer.setPlaceholderText(self.tr("issuing body (for the PDF)"))
        self.reference.setPlaceholderText(self.tr("reference (for the PDF)"))
        self.csv_button.setText(self.tr("Export CSV…"))
        self.pdf_button.setText(self.tr("Save PDF…"))

    def refresh(self) -> None:
        year = self.year.value()
        self.error.clear()
        StoreOp(self.store, lambda s: reports.annual_statistics(s, year)).success(
            self.model.set_rows
        ).failure(self._show).run(self.taskman)

    def _show(self, exc: BaseException) -> None:
        self.error.setText(refusal_text(exc))

    def _on_csv(self) -> None:
        path = ask_csv_path(self, f"statistics-{self.year.value()}.csv")
        if path is None:
            return
        try:
            reports.export_statistics_csv(self.model.rows, path)
        except (ExamsiteError, OSError) as exc:
            self._show(exc if isinstance(exc, ExamsiteError) else InvalidInput(f"cannot write {path}: {exc}"))
            return
        emit(self.exported, str(path))

    def _on_pdf(self) -> None:
        self.error.clear()
        issuer, reference = self.issuer.text().strip(), self.reference.text().strip()
        try:
            if not issuer or not reference:
                raise InvalidInput(self.tr("A statistics PDF needs the issuing body and a reference."))
            doc = reports.statistics_document(
                self.model.rows, self.year.value(), issuer=issuer, issued_on=today(), reference=reference
            )
            path = save_pdf(self, doc, f"statistics-{self.year.value()}.pdf")
        except ExamsiteError as exc:
            self._show(exc)
            return
        if path is not None:
            emit(self.exported, str(path))
