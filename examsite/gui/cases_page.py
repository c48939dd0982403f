"""Adjudication screens: the case archive (art. 21), a case's history, and the 认定 dialog (arts. 5–18).

Store work runs on the task manager's worker; the page and dialog only show plain data that comes
back. Refusals (recusal under art. 18, a changed clause without a reason, an unanswered condition)
are shown in the dialog, which stays open so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from examsite.adjudication.cases import CaseSearch, current_record, get_case, search_cases
from examsite.adjudication.determination import KEEP, Decider, current_determination, determine, outcome_of
from examsite.adjudication.notices import case_documents
from examsite.clock import to_local, utc_now
from examsite.errors import ExamsiteError
from examsite.gui.qt import (
    QT_TRANSLATE_NOOP,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
    Signal,
)
from examsite.gui.table_model import RowsTableModel
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.rules import Severity, load_catalogue
from examsite.store.models import CaseState


@dataclass(frozen=True)
class CaseRow:
    """One line of the archive, as plain data made on the worker."""

    id: str
    occurred: str
    subject_kind: str
    name: str
    article: str
    severity: str
    state: str
    major: bool


def load_rows(session: Session, search: CaseSearch) -> list[CaseRow]:
    """The archive rows for ``search`` (runs on the worker)."""
    return [
        CaseRow(
            c.id,
            f"{to_local(c.occurred_at):%Y-%m-%d %H:%M}",
            c.subject_kind,
            c.subject_name,
            c.article_key,
            c.severity or "",
            c.state,
            c.major,
        )
        for c in search_cases(session, search)
    ]


def load_detail(session: Session, case_id: str) -> str:
    """A case's history as text: record, signatures, determinations, documents (runs on the worker)."""
    case = get_case(session, case_id)
    record = current_record(case)
    lines = [
        f"{case.id}  [{case.state}]" + ("  [major: " + case.major_reasons + "]" if case.major else ""),
        f"{record.subject.kind.value}: {record.subject.name}",
        f"art. {record.article}" + (f" ({record.severity.value})" if record.severity else ""),
        f"bundle {case.bundle_id} sha256 {case.bundle_sha256}",
        "",
        record.facts,
        record.on_site_handling,
        "",
    ]
    for row in case.records:
        lines.append(f"record v{row.version} {row.record_sha256[:16]}…, {len(row.signatures)} signature(s)")
    det = current_determination(session, case)
    if det is not None:
        lines.append(
            f"determination #{det.seq} on {det.determined_on} by {det.decider_name}: {det.cited_keys}"
        )
        lines += [f"  {s}" for s in outcome_of(det).sentences_zh()]
    for doc in case_documents(session, case):
        served = doc.served_on.isoformat() if doc.served_on else "—"
        lines.append(f"{doc.kind} {doc.reference} {doc.issued_on} served {served}")
    return "\n".join(lines)


class CaseTableModel(RowsTableModel[CaseRow]):
    """Rows of :class:`CaseRow`."""

    COLUMNS = (
        QT_TRANSLATE_NOOP("CaseTableModel", "Occurred"),
        QT_TRANSLATE_NOOP("CaseTableModel", "Subject"),
        QT_TRANSLATE_NOOP("CaseTableModel", "Name"),
        QT_TRANSLATE_NOOP("CaseTableModel", "Article"),
        QT_TRANSLATE_NOOP("CaseTableModel", "State"),
    )

    def display(self, row: CaseRow, column: int) -> Any:
        return (
            row.occurred,
            row.subject_kind,
            row.name,
            row.article + (f" {row.severity}" if row.severity else ""),
            row.state + (" ★" if row.major else ""),
        )[column]


class CasesPage(QWidget):
    """The archive with filters, the selected case's history, and the determine action."""

    case_determined = Signal(str)

    def __init__(self, store: Any, taskman: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.model = CaseTableModel(self)
        self.title = QLabel(objectName="pageTitle")
        self.state_filter = QComboBox()
        self.search = QLineEdit()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.detail = QPlainTextEdit(readOnly=True)
        self.determine_button = QPushButton()
        self.determine_button.setEnabled(False)
        filters = QHBoxLayout()
        filters.addWidget(self.state_filter)
        filters.addWidget(self.search, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.determine_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(filters)
        layout.addWidget(split, 1)
        layout.addLayout(actions)
        self.dialog: DecideDialog | None = None
        self.retranslate()
        self.state_filter.currentIndexChanged.connect(self.refresh)
        self.search.textChanged.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.determine_button.clicked.connect(self._on_determine_clicked)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Cases"))
        current = self.state_filter.currentData()
        self.state_filter.blockSignals(True)
        self.state_filter.clear()
        self.state_filter.addItem(self.tr("All states"), "")
        for state in CaseState:
            self.state_filter.addItem(state.value, state.value)
        self.state_filter.setCurrentIndex(max(0, self.state_filter.findData(current)))
        self.state_filter.blockSignals(False)
        self.search.setPlaceholderText(self.tr("name or ID number"))
        self.determine_button.setText(self.tr("Determine…"))

    def _search(self) -> CaseSearch:
        text = self.search.text().strip()
        # An ID number is digits (the last may be X); anything else is part of a name.
        is_id = len(text) >= 15 and text[:-1].isdigit()
        return CaseSearch(
            name="" if is_id else text,
            id_number=text if is_id else "",
            state=self.state_filter.currentData() or "",
        )

    def refresh(self) -> None:
        search = self._search()
        StoreOp(self.store, lambda s: load_rows(s, search)).success(self.model.set_rows).run(self.taskman)

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.data(rows[0], Qt.ItemDataRole.UserRole) if rows else None

    def _on_selection_changed(self, *_: Any) -> None:
        case_id = self.selected_id()
        self.determine_button.setEnabled(case_id is not None)
        if case_id is None:
            self.detail.clear()
            return
        StoreOp(self.store, lambda s: load_detail(s, case_id)).success(self.detail.setPlainText).run(
            self.taskman
        )

    def _on_determine_clicked(self) -> None:
        case_id = self.selected_id()
        row = next((r for r in self.model.rows if r.id == case_id), None)
        if row is None:
            return
        self.dialog = DecideDialog(self.store, self.taskman, row, self)
        self.dialog.determined.connect(self._on_determined)
        self.dialog.open()

    def _on_determined(self, case_id: str) -> None:
        self.case_determined.emit(case_id)
        self.refresh()
        StoreOp(self.store, lambda s: load_detail(s, case_id)).success(self.detail.setPlainText).run(
            self.taskman
        )


class DecideDialog(QDialog):
    """认定: decider, clause (prefilled), severity, reason for a change, conditions, date."""

    determined = Signal(str)

    def __init__(self, store: Any, taskman: TaskManager, row: CaseRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.row = row
        self.catalogue = load_catalogue()
        self.setWindowTitle(self.tr("Determine case %1").replace("%1", row.id[:8]))
        self.decider_id = QLineEdit()
        self.decider_name = QLineEdit()
        self.article = QLineEdit(row.article)
        self.severity = QComboBox()
        self.severity.addItem(self.tr("(none)"), "")
        for s in Severity:
            self.severity.addItem(s.value, s.value)
        self.severity.setCurrentIndex(max(0, self.severity.findData(row.severity)))
        self.reason = QLineEdit()
        self.on = QDateEdit(calendarPopup=True)
        self.on.setDisplayFormat("yyyy-MM-dd")
        today = to_local(utc_now()).date()
        self.on.setDate(QDate(today.year, today.month, today.day))
        self.conditions_box = QVBoxLayout()
        self.condition_checks: dict[str, QCheckBox] = {}
        self.error = QLabel(wordWrap=True, objectName="errorLabel")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        form = QFormLayout()
        form.addRow(self.tr("Decider staff id"), self.decider_id)
        form.addRow(self.tr("Decider name"), self.decider_name)
        form.addRow(self.tr("Clause"), self.article)
        form.addRow(self.tr("Severity"), self.severity)
        form.addRow(self.tr("Reason for a change"), self.reason)
        form.addRow(self.tr("Conditions that hold"), self.conditions_box)
        form.addRow(self.tr("Date"), self.on)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.article.textChanged.connect(self._rebuild_conditions)
        self.buttons.accepted.connect(self._on_accepted)
        self.buttons.rejected.connect(self.reject)
        self._rebuild_conditions()

    def _rebuild_conditions(self) -> None:
        """One check box per conditional consequence of the typed clause (all severities)."""
        for check in self.condition_checks.values():
            self.conditions_box.removeWidget(check)
            check.deleteLater()
        self.condition_checks = {}
        try:
            clause = self.catalogue.get(self.article.text())
        except ExamsiteError:
            return
        severities = list(Severity) if clause.requires_severity else [None]
        kinds: dict[str, str] = {}
        for s in severities:
            for c in clause.consequences(s):
                if c.conditional and c.article != 15:
                    kinds[c.kind.value] = f"{c.label('zh')}（{c.condition_zh}）"
        for kind, label in kinds.items():
            check = QCheckBox(label)
            self.condition_checks[kind] = check
            self.conditions_box.addWidget(check)

    def _on_accepted(self) -> None:
        self.error.clear()
        try:
            decider = Decider(self.decider_id.text().strip(), self.decider_name.text().strip())
        except ExamsiteError as exc:
            self.error.setText(str(exc))
            return
        qdate = self.on.date()
        on = date(qdate.year(), qdate.month(), qdate.day())
        severity_text = self.severity.currentData()
        article = self.article.text().strip()
        try:
            clause = self.catalogue.get(article) if article else None
        except ExamsiteError as exc:
            self.error.setText(str(exc))
            return
        severity: Any = KEEP
        if clause is not None and clause.requires_severity:
            severity = Severity(severity_text) if severity_text else None
        elif clause is not None:
            severity = None
        conditions = {kind: check.isChecked() for kind, check in self.condition_checks.items()}
        reason = self.reason.text()
        case_id = self.row.id

        def work(session: Session) -> str:
            case = get_case(session, case_id)
            determine(
                session,
                case,
                decider=decider,
                determined_on=on,
                article_key=article or None,
                change_reason=reason,
                severity=severity,
                conditions=conditions,
            )
            return case_id

        self.buttons.setEnabled(False)
        StoreOp(self.store, work).success(self._on_done).failure(self._on_failed).run(self.taskman)

    def _on_done(self, case_id: str) -> None:
        self.buttons.setEnabled(True)
        self.determined.emit(case_id)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, ExamsiteError):
            self.error.setText(str(exc))
        else:
            self.error.setText(self.tr("Unexpected error: %1").replace("%1", repr(exc)))
