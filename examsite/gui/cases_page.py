"""Adjudication screens: the case archive (art. 21), a case's history, and the 认定 dialog (arts. 5–18).

The page also carries the later steps on the selected case (notice, service, decision, review,
reports: :mod:`examsite.gui.case_dialogs`), "Save PDF…" for every issued document, and the registers
beside the archive (deadlines, bans, statistics: :mod:`examsite.gui.deadlines_page`) as tabs.

Store work runs on the task manager's worker; the page and dialog only show plain data that comes
back. Refusals (recusal under art. 18, a changed clause without a reason, an unanswered condition)
are shown in the dialog, which stays open so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.adjudication.calendar_admin import admin_path
from examsite.adjudication.cases import CaseSearch, current_record, get_case, search_cases
from examsite.adjudication.determination import KEEP, Decider, current_determination, determine, outcome_of
from examsite.adjudication.notices import case_documents
from examsite.adjudication.reports import export_cases_csv
from examsite.adjudication.workdays import WorkdayCalendar
from examsite.clock import to_local, utc_now
from examsite.errors import ExamsiteError
from examsite.gui.calendar_panel import CalendarPanel
from examsite.gui.case_dialogs import (
    CaseStepDialog,
    DecisionDialog,
    NoticeDialog,
    RecusalDialog,
    ReportDialog,
    ReviewDialog,
    ServiceDialog,
    StoredDocument,
    load_calendar,
    load_documents,
    save_pdf,
)
from examsite.gui.deadlines_page import BansPanel, DeadlinesPanel, StatisticsPanel, ask_csv_path
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
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from examsite.gui.refusals import refusal_text
from examsite.gui.signals import emit
from examsite.gui.table_model import RowsTableModel
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.rules import Severity, load_catalogue
from examsite.store.models import CaseState, Recusal, ReviewRequest


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
        # A served decision opens the art. 19 window; show its end where the case is read.
        until = f", review may be requested until {doc.review_deadline}" if doc.review_deadline else ""
        lines.append(f"{doc.kind} {doc.reference} {doc.issued_on} served {served}{until}")
    for recusal in session.execute(
        select(Recusal).where(Recusal.case_id == case.id).order_by(Recusal.requested_on)
    ).scalars():
        lines.append(
            f"recusal of {recusal.staff_id} {recusal.staff_name} ({recusal.requested_by}, "
            f"{recusal.requested_on}): {recusal.status}"
        )
    for review in session.execute(
        select(ReviewRequest).where(ReviewRequest.case_id == case.id).order_by(ReviewRequest.requested_on)
    ).scalars():
        extended = " (extended)" if review.extended else ""
        outcome = f"{review.outcome} on {review.outcome_on}" if review.outcome else "open"
        lines.append(
            f"review requested {review.requested_on}, decide by {review.decide_by}{extended}: {outcome}"
        )
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

    STATES: ClassVar[dict[str, str]] = {
        "open": QT_TRANSLATE_NOOP("CaseTableModel", "open"),
        "determined": QT_TRANSLATE_NOOP("CaseTableModel", "determined"),
        "notified": QT_TRANSLATE_NOOP("CaseTableModel", "notified"),
        "decided": QT_TRANSLATE_NOOP("CaseTableModel", "decided"),
        "served": QT_TRANSLATE_NOOP("CaseTableModel", "decision served"),
        "under_review": QT_TRANSLATE_NOOP("CaseTableModel", "under review"),
        "reviewed": QT_TRANSLATE_NOOP("CaseTableModel", "reviewed"),
    }
    SUBJECTS: ClassVar[dict[str, str]] = {
        "candidate": QT_TRANSLATE_NOOP("CaseTableModel", "candidate"),
        "staff": QT_TRANSLATE_NOOP("CaseTableModel", "staff member"),
        "institution": QT_TRANSLATE_NOOP("CaseTableModel", "institution"),
    }

    def word_for(self, table: dict[str, str], value: str) -> str:
        """The translated word for a stored value (a state or subject kind); unknown values as stored."""
        return self.tr(table[value]) if value in table else value

    def display(self, row: CaseRow, column: int) -> Any:
        return (
            row.occurred,
            self.word_for(self.SUBJECTS, row.subject_kind),
            row.name,
            row.article + (f" {row.severity}" if row.severity else ""),
            self.word_for(self.STATES, row.state) + (" ★" if row.major else ""),
        )[column]


class CasesPage(QWidget):
    """The archive with filters, the selected case's history and actions, and the registers as tabs."""

    case_determined = Signal(str)
    case_changed = Signal(str)  # any later step (notice, service, decision, review, flag) was stored
    pdf_saved = Signal(str)

    def __init__(
        self,
        store: Any,
        taskman: TaskManager,
        parent: QWidget | None = None,
        *,
        calendar: WorkdayCalendar | None = None,
        data_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        # The administrator's holiday overrides live in the data folder, as for the command line.
        self.calendar = calendar or load_calendar(data_dir)
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
        self.error = QLabel(wordWrap=True, objectName="errorLabel")
        self.determine_button = QPushButton()
        self.notice_button = QPushButton()
        self.service_button = QPushButton()
        self.decision_button = QPushButton()
        self.review_button = QPushButton()
        self.recusal_button = QPushButton()
        self.pdf_button = QPushButton()
        self.reports_button = QPushButton()
        self.export_button = QPushButton()
        self.service_menu = QMenu(self)
        self.service_notice = self.service_menu.addAction("")
        self.service_decision = self.service_menu.addAction("")
        self.service_button.setMenu(self.service_menu)
        self.reports_menu = QMenu(self)
        self.report_result = self.reports_menu.addAction("")
        self.report_escalation = self.reports_menu.addAction("")
        self.reports_button.setMenu(self.reports_menu)
        self.case_buttons = (
            self.recusal_button,
            self.determine_button,
            self.notice_button,
            self.service_button,
            self.decision_button,
            self.review_button,
            self.pdf_button,
            self.reports_button,
        )
        for button in self.case_buttons:
            button.setEnabled(False)
        filters = QHBoxLayout()
        filters.addWidget(self.state_filter)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.export_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for button in self.case_buttons:
            actions.addWidget(button)
        archive = QWidget()
        archive_layout = QVBoxLayout(archive)
        archive_layout.setContentsMargins(0, 0, 0, 0)
        archive_layout.addLayout(filters)
        archive_layout.addWidget(split, 1)
        archive_layout.addWidget(self.error)
        archive_layout.addLayout(actions)
        self.deadlines = DeadlinesPanel(store, taskman, self.calendar)
        self.bans = BansPanel(store, taskman)
        self.statistics = StatisticsPanel(store, taskman)
        self.calendar_panel = CalendarPanel(admin_path(data_dir) if data_dir is not None else None)
        self.tabs = QTabWidget()
        self.tabs.addTab(archive, "")
        self.tabs.addTab(self.deadlines, "")
        self.tabs.addTab(self.bans, "")
        self.tabs.addTab(self.statistics, "")
        self.tabs.addTab(self.calendar_panel, "")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.tabs, 1)
        self.dialog: DecideDialog | None = None
        self.step_dialog: CaseStepDialog | ReportDialog | None = None
        self.retranslate()
        self.state_filter.currentIndexChanged.connect(self.refresh)
        self.search.textChanged.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.determine_button.clicked.connect(self._on_determine_clicked)
        self.notice_button.clicked.connect(lambda: self._open_step(NoticeDialog))
        self.service_notice.triggered.connect(lambda: self._open_service("notice"))
        self.service_decision.triggered.connect(lambda: self._open_service("decision"))
        self.decision_button.clicked.connect(lambda: self._open_step(DecisionDialog))
        self.review_button.clicked.connect(lambda: self._open_step(ReviewDialog))
        self.recusal_button.clicked.connect(lambda: self._open_step(RecusalDialog))
        self.report_result.triggered.connect(lambda: self._open_report("result"))
        self.report_escalation.triggered.connect(lambda: self._open_report("escalation"))
        self.pdf_button.clicked.connect(self._on_pdf_clicked)
        self.export_button.clicked.connect(self._on_export_clicked)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.calendar_panel.calendar_changed.connect(self._on_calendar_changed)
        self.deadlines.calendar_wanted.connect(self._open_calendar)

    def retranslate(self) -> None:
        self.title.setText(self.tr("Cases"))
        current = self.state_filter.currentData()
        self.state_filter.blockSignals(True)
        self.state_filter.clear()
        self.state_filter.addItem(self.tr("All states"), "")
        for state in CaseState:
            self.state_filter.addItem(self.model.word_for(CaseTableModel.STATES, state.value), state.value)
        self.state_filter.setCurrentIndex(max(0, self.state_filter.findData(current)))
        self.state_filter.blockSignals(False)
        self.search.setPlaceholderText(self.tr("name or ID number"))
        self.determine_button.setText(self.tr("Determine…"))
        self.notice_button.setText(self.tr("Issue notice (告知书)…"))
        self.service_button.setText(self.tr("Record service"))
        self.service_notice.setText(self.tr("Service of the notice…"))
        self.service_decision.setText(self.tr("Service of the decision…"))
        self.decision_button.setText(self.tr("Issue decision (决定书)…"))
        self.review_button.setText(self.tr("Review (复核)…"))
        self.recusal_button.setText(self.tr("Recusal (回避)…"))
        self.pdf_button.setText(self.tr("Save PDF…"))
        self.reports_button.setText(self.tr("Reports"))
        self.report_result.setText(self.tr("Result report (art. 16)…"))
        self.report_escalation.setText(self.tr("Major situation (art. 20)…"))
        self.export_button.setText(self.tr("Export CSV…"))
        for index, text in enumerate(
            (
                self.tr("Archive"),
                self.tr("Deadlines due soon"),
                self.tr("Bans and certificates"),
                self.tr("Statistics"),
                self.tr("Working-day calendar"),
            )
        ):
            self.tabs.setTabText(index, text)
        self.deadlines.retranslate()
        self.bans.retranslate()
        self.statistics.retranslate()
        self.calendar_panel.retranslate()

    def _open_calendar(self, year: int) -> None:
        """The working-day calendar tab, showing ``year`` (the one the deadlines found missing)."""
        self.tabs.setCurrentWidget(self.calendar_panel)
        self.calendar_panel.year.setValue(year)

    def _on_calendar_changed(self, calendar: WorkdayCalendar) -> None:
        """A notice was entered or removed: deadlines count with the new calendar from now on."""
        self.calendar = calendar
        self.deadlines.calendar = calendar
        if self.tabs.currentWidget() is self.deadlines:
            self.deadlines.refresh()

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
        StoreOp(self.store, lambda s: load_rows(s, search)).success(self._on_rows).run(self.taskman)

    def _on_rows(self, rows: list[CaseRow]) -> None:
        # A refresh after an action must not drop the case being worked on (the model reset would).
        selected = self.selected_id()
        self.model.set_rows(rows)
        index = next((i for i, r in enumerate(rows) if r.id == selected), None)
        if index is not None:
            self.table.selectRow(index)

    def _on_tab_changed(self, index: int) -> None:
        panel = self.tabs.widget(index)
        if isinstance(panel, DeadlinesPanel | BansPanel | StatisticsPanel | CalendarPanel):
            panel.refresh()

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.data(rows[0], Qt.ItemDataRole.UserRole) if rows else None

    def _on_selection_changed(self, *_: Any) -> None:
        case_id = self.selected_id()
        for button in self.case_buttons:
            button.setEnabled(case_id is not None)
        self.error.clear()
        if case_id is None:
            self.detail.clear()
            return
        self._load_detail(case_id)

    def _load_detail(self, case_id: str) -> None:
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
        emit(self.case_determined, case_id)
        self.refresh()
        self._load_detail(case_id)

    def _open_step(
        self, cls: type[NoticeDialog] | type[DecisionDialog] | type[ReviewDialog] | type[RecusalDialog]
    ) -> None:
        case_id = self.selected_id()
        if case_id is None:
            return
        dialog = cls(self.store, self.taskman, case_id, self.calendar, self)
        self._show_step(dialog)

    def _open_service(self, kind: str) -> None:
        case_id = self.selected_id()
        if case_id is None:
            return
        which: Any = kind
        self._show_step(ServiceDialog(self.store, self.taskman, case_id, self.calendar, which, self))

    def _show_step(self, dialog: CaseStepDialog) -> None:
        self.step_dialog = dialog
        dialog.done.connect(self._on_changed)
        dialog.open()

    def _open_report(self, kind: str) -> None:
        case_id = self.selected_id()
        if case_id is None:
            return
        which: Any = kind
        dialog = ReportDialog(self.store, self.taskman, case_id, which, self)
        dialog.flagged.connect(self._on_changed)
        dialog.saved.connect(lambda path: emit(self.pdf_saved, path))
        self.step_dialog = dialog
        dialog.open()

    def _on_changed(self, case_id: str) -> None:
        emit(self.case_changed, case_id)
        self.refresh()
        self._load_detail(case_id)

    def _on_pdf_clicked(self) -> None:
        case_id = self.selected_id()
        if case_id is None:
            return
        self.error.clear()
        StoreOp(self.store, lambda s: load_documents(s, case_id)).success(self._choose_document).failure(
            self._show_error
        ).run(self.taskman)

    def _choose_document(self, documents: list[StoredDocument]) -> None:
        if not documents:
            self.error.setText(self.tr("This case has no issued document yet."))
            return
        labels = [f"{d.kind} {d.reference} ({d.issued_on})" for d in documents]
        chosen = documents[0]
        if len(documents) > 1:
            label, ok = QInputDialog.getItem(
                self, self.tr("Save PDF"), self.tr("Which document?"), labels, len(labels) - 1, False
            )
            if not ok:
                return
            chosen = documents[labels.index(label)]
        self.render_document(chosen)

    def render_document(self, stored: StoredDocument) -> None:
        """Ask where and render the stored document to PDF on the GUI thread (its text extracts exactly)."""
        safe = stored.reference.replace("/", "-").replace("\\", "-")
        try:
            path = save_pdf(self, stored.document, f"{safe}.pdf")
        except ExamsiteError as exc:
            self._show_error(exc)
            return
        if path is not None:
            emit(self.pdf_saved, str(path))

    def _on_export_clicked(self) -> None:
        path = ask_csv_path(self, "cases.csv")
        if path is None:
            return
        search = self._search()

        def run(session: Session) -> str:
            export_cases_csv(search_cases(session, search), path)
            return str(path)

        StoreOp(self.store, run).failure(self._show_error).run(self.taskman)

    def _show_error(self, exc: BaseException) -> None:
        if isinstance(exc, ExamsiteError):
            self.error.setText(refusal_text(exc))
        else:
            self.error.setText(self.tr("Unexpected error: %1").replace("%1", repr(exc)))


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
            self.error.setText(refusal_text(exc))
            return
        qdate = self.on.date()
        on = date(qdate.year(), qdate.month(), qdate.day())
        severity_text = self.severity.currentData()
        article = self.article.text().strip()
        try:
            clause = self.catalogue.get(article) if article else None
        except ExamsiteError as exc:
            self.error.setText(refusal_text(exc))
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
        emit(self.determined, case_id)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, ExamsiteError):
            self.error.setText(refusal_text(exc))
        else:
            self.error.setText(self.tr("Unexpected error: %1").replace("%1", repr(exc)))
