"""Adjudication dialogs on the selected case: 告知书, service, 决定书, review (arts. 18–20) and reports.

Each dialog mirrors a step of ``examsite case`` (see :mod:`examsite.cli.case_cmd`): the store work is
one :class:`StoreOp` calling the core, which applies every rule and refuses with a sentence; the
dialog shows that sentence and stays open so nothing typed is lost. The art. 19 deadlines shown
while typing come from the core's calendar functions (pure, so they run on the GUI thread); a date
the calendar does not cover shows the core's refusal instead of a guessed date.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examsite.adjudication import notices, reports
from examsite.adjudication.calendar_admin import ADMIN_FILE, admin_path
from examsite.adjudication.cases import get_case
from examsite.adjudication.determination import Decider, decide_recusal, decider_from_staff, request_recusal
from examsite.adjudication.documents import Document
from examsite.adjudication.workdays import (
    WorkdayCalendar,
    default_calendar,
    review_decision_deadline,
    review_request_deadline,
)
from examsite.clock import to_local, utc_now
from examsite.errors import ExamsiteError, InvalidInput, NotFound
from examsite.gui.pdf import render_pdf
from examsite.gui.qt import (
    QCheckBox,
    QComboBox,
    QCoreApplication,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    Signal,
)
from examsite.gui.refusals import refusal_text
from examsite.gui.signals import emit
from examsite.gui.taskman import StoreOp, TaskManager
from examsite.store.models import Recusal


class UnusableCalendar(WorkdayCalendar):
    """Stands in for a calendar whose override file could not be read: every deadline is refused.

    The window must still open (the archive is readable without a calendar), but a deadline computed
    without the administrator's corrections could be wrong, so each computation repeats the load error.
    """

    def __init__(self, error: ExamsiteError) -> None:
        super().__init__()
        self.error = error

    def _refuse(self) -> ExamsiteError:
        return ExamsiteError(
            f"no working-day deadline can be computed: {self.error.message}",
            code="calendar_unusable",
            hint=self.error.hint or f"correct {ADMIN_FILE} in the data folder and restart",
        )

    def covers(self, year: int) -> bool:
        return False

    def require_covered(self, day: date, purpose: str = "") -> None:
        raise self._refuse()

    def is_working_day(self, day: date) -> bool:
        raise self._refuse()

    def add_working_days(self, start: date, n: int) -> date:
        raise self._refuse()

    def working_days_between(self, a: date, b: date) -> int:
        raise self._refuse()


def load_calendar(data_dir: Path | None) -> WorkdayCalendar:
    """The command line's working-day calendar: shipped table plus ``<data>/calendar_overrides.json``.

    A file that cannot be read gives an :class:`UnusableCalendar` rather than the shipped table alone:
    art. 19 deadlines are then refused with the file's error, never computed without its corrections.
    """
    path = admin_path(data_dir) if data_dir is not None else None
    if path is None or not path.exists():
        return default_calendar()
    try:
        return WorkdayCalendar.load(path)
    except ExamsiteError as exc:
        return UnusableCalendar(exc)


def today() -> date:
    """Today in Beijing time (documents are dated in local days)."""
    return to_local(utc_now()).date()


def actor() -> str:
    """Who acts: the login name, as on the command line."""
    return getpass.getuser()


def date_edit(value: date | None = None) -> QDateEdit:
    """A yyyy-MM-dd date field with a calendar pop-up."""
    edit = QDateEdit(calendarPopup=True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(QDate(2000, 1, 1))
    edit.setMaximumDate(QDate(2199, 12, 31))
    set_date(edit, value or today())
    return edit


def set_date(edit: QDateEdit, value: date) -> None:
    edit.setDate(QDate(value.year, value.month, value.day))


def date_of(edit: QDateEdit) -> date:
    q = edit.date()
    return date(q.year(), q.month(), q.day())


def deadline_or_refusal(compute: Callable[[], date]) -> tuple[date | None, str]:
    """``compute()`` and its ISO text, or ``None`` and the core's sentence (an uncovered year)."""
    try:
        due = compute()
    except ExamsiteError as exc:
        return None, str(exc)
    return due, due.isoformat()


@dataclass(frozen=True)
class StoredDocument:
    """An issued document of a case, loaded on the worker for the GUI thread to render."""

    kind: str
    reference: str
    issued_on: date
    document: Document


def load_documents(session: Session, case_id: str) -> list[StoredDocument]:
    """The case's issued documents (notice, decision, review) with their stored models (worker)."""
    case = get_case(session, case_id)
    return [
        StoredDocument(row.kind, row.reference, row.issued_on, notices.document_model(row))
        for row in notices.case_documents(session, case)
    ]


def save_pdf(parent: QWidget, document: Document, suggested: str) -> Path | None:
    """Ask where, then render ``document`` on the GUI thread (Qt painting); ``None`` when cancelled."""
    title = QCoreApplication.translate("CaseDialogs", "Save PDF")
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, "PDF (*.pdf)")
    if not name:
        return None
    return render_pdf(document, Path(name))


class CaseStepDialog(QDialog):
    """Common frame: a form, a line for the computed deadline, the refusal line, OK / Cancel."""

    done = Signal(str)  # the case id, once the store committed

    def __init__(
        self,
        store: Any,
        taskman: TaskManager,
        case_id: str,
        calendar: WorkdayCalendar,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.case_id = case_id
        self.calendar = calendar
        self.form = QFormLayout()
        self.deadline = QLabel(wordWrap=True, objectName="deadlineLabel")
        self.error = QLabel(wordWrap=True, objectName="errorLabel")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.deadline)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_accepted)
        self.buttons.rejected.connect(self.reject)

    def work(self) -> Callable[[Session], Any]:
        """The store work for the typed values; raise ``InvalidInput`` for a missing field."""
        raise NotImplementedError

    def _on_accepted(self) -> None:
        self.error.clear()
        try:
            fn = self.work()
        except ExamsiteError as exc:
            self.error.setText(refusal_text(exc))
            self.grow()
            return
        self.buttons.setEnabled(False)
        StoreOp(self.store, fn).success(self._on_done).failure(self._on_failed).run(self.taskman)

    def _on_done(self, _result: Any) -> None:
        self.buttons.setEnabled(True)
        emit(self.done, self.case_id)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(refusal_text(exc))
        self.grow()

    def grow(self) -> None:
        """Grow to fit a refusal or deadline sentence that appeared; the form must not be squeezed."""
        hint = self.sizeHint()
        self.resize(max(self.width(), hint.width()), max(self.height(), hint.height()))


def _served_row(checked: bool = False) -> tuple[QCheckBox, QDateEdit]:
    check = QCheckBox(QCoreApplication.translate("CaseDialogs", "Served on"))
    check.setChecked(checked)
    edit = date_edit()
    edit.setEnabled(checked)
    check.toggled.connect(edit.setEnabled)
    return check, edit


class NoticeDialog(CaseStepDialog):
    """Issue the 告知书 (art. 18): reference, date, last day to state and defend, route; served on."""

    def __init__(
        self,
        store: Any,
        taskman: TaskManager,
        case_id: str,
        calendar: WorkdayCalendar,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(store, taskman, case_id, calendar, parent)
        self.setWindowTitle(self.tr("Issue notice (告知书) for case %1").replace("%1", case_id[:8]))
        self.reference = QLineEdit()
        self.issued_on = date_edit()
        self.statement_until = date_edit(today() + timedelta(days=7))
        self.route = QLineEdit()
        self.served, self.served_on = _served_row()
        self.method = QLineEdit("直接送达")
        self.form.addRow(self.tr("Reference (文号)"), self.reference)
        self.form.addRow(self.tr("Date"), self.issued_on)
        self.form.addRow(self.tr("Last day to state and defend"), self.statement_until)
        self.form.addRow(self.tr("How to state and defend"), self.route)
        self.form.addRow(self.served, self.served_on)
        self.form.addRow(self.tr("Service method"), self.method)
        for edit in (self.issued_on, self.statement_until, self.served_on):
            edit.dateChanged.connect(self._update_deadline)
        self.served.toggled.connect(self._update_deadline)
        self._update_deadline()

    def _update_deadline(self) -> None:
        start = date_of(self.served_on) if self.served.isChecked() else date_of(self.issued_on)
        until = date_of(self.statement_until)
        try:
            days = self.calendar.working_days_between(start, until)
        except ExamsiteError as exc:
            self.deadline.setText(str(exc))
            return
        self.deadline.setText(
            self.tr("%1 working day(s) to state and defend, until %2")
            .replace("%1", str(days))
            .replace("%2", until.isoformat())
        )

    def work(self) -> Callable[[Session], Any]:
        reference, route = self.reference.text().strip(), self.route.text().strip()
        if not reference or not route:
            raise InvalidInput(self.tr("A notice needs its reference and how to state and defend (art. 18)."))
        issued_on, until = date_of(self.issued_on), date_of(self.statement_until)
        served_on = date_of(self.served_on) if self.served.isChecked() else None
        method, calendar, case_id, who = self.method.text().strip(), self.calendar, self.case_id, actor()

        def run(session: Session) -> str:
            case = get_case(session, case_id)
            row = notices.issue_notice(
                session,
                case,
                reference=reference,
                issued_on=issued_on,
                statement_deadline=until,
                statement_route=route,
                actor=who,
            )
            if served_on is not None:
                notices.record_service(
                    session, row, served_on=served_on, method=method, actor=who, calendar=calendar
                )
            return row.reference

        return run


class ServiceDialog(CaseStepDialog):
    """Record the day the notice or decision reached the party (送达); a decision's review deadline."""

    def __init__(
        self,
        store: Any,
        taskman: TaskManager,
        case_id: str,
        calendar: WorkdayCalendar,
        kind: Literal["notice", "decision"],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(store, taskman, case_id, calendar, parent)
        self.kind = kind
        title = (
            self.tr("Record service of the notice")
            if kind == "notice"
            else self.tr("Record service of the decision")
        )
        self.setWindowTitle(title)
        self.served_on = date_edit()
        self.method = QLineEdit("直接送达")
        self.form.addRow(self.tr("Served on"), self.served_on)
        self.form.addRow(self.tr("Service method"), self.method)
        self.served_on.dateChanged.connect(self._update_deadline)
        self._update_deadline()

    def _update_deadline(self) -> None:
        if self.kind != "decision":
            self.deadline.clear()
            return
        served = date_of(self.served_on)
        due, text = deadline_or_refusal(lambda: review_request_deadline(served, self.calendar))
        self.deadline.setText(
            self.tr("Review may be requested until %1 (art. 19)").replace("%1", text) if due else text
        )

    def work(self) -> Callable[[Session], Any]:
        served_on, method = date_of(self.served_on), self.method.text().strip()
        kind, calendar, case_id, who = self.kind, self.calendar, self.case_id, actor()

        def run(session: Session) -> str:
            case = get_case(session, case_id)
            row = notices.latest_document(session, case, kind)
            if row is None:
                raise NotFound(f"case {case_id[:8]} has no {kind} yet", hint=f"issue the {kind} first")
            notices.record_service(
                session, row, served_on=served_on, method=method, actor=who, calendar=calendar
            )
            return row.reference

        return run


def _decider_fields() -> tuple[QLineEdit, QLineEdit, QLineEdit]:
    """Staff id, name and ID number of the deciding person (art. 18 recusal is checked on all three)."""
    return QLineEdit(), QLineEdit(), QLineEdit()


def _decider(session: Session, staff_id: str, name: str, id_number: str) -> Decider:
    """As ``--decider`` on the command line: typed name, else the staff register's entry."""
    if not staff_id:
        raise InvalidInput("who decides? give the decider's staff id")
    if name:
        return Decider(staff_id, name, id_number)
    return decider_from_staff(session, staff_id)


class DecisionDialog(CaseStepDialog):
    """Issue the 决定书 (art. 18): decider (recusal checked), statement summary, review route, certificates.

    The decider is refused under art. 18 when they signed, witnessed or are the subject; the core says so.
    """

    def __init__(
        self,
        store: Any,
        taskman: TaskManager,
        case_id: str,
        calendar: WorkdayCalendar,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(store, taskman, case_id, calendar, parent)
        self.setWindowTitle(self.tr("Issue decision (决定书) for case %1").replace("%1", case_id[:8]))
        self.decider_id, self.decider_name, self.decider_id_number = _decider_fields()
        self.reference = QLineEdit()
        self.decided_on = date_edit()
        self.statement_summary = QPlainTextEdit()
        self.statement_summary.setFixedHeight(70)
        self.party_stated = QCheckBox(self.tr("The party has stated (decide before the deadline)"))
        self.review_route = QLineEdit()
        self.review_body = QLineEdit()
        self.certificates = QPlainTextEdit()
        self.certificates.setPlaceholderText(self.tr("one certificate number per line"))
        self.certificates.setFixedHeight(50)
        self.served, self.served_on = _served_row()
        self.method = QLineEdit("直接送达")
        self.form.addRow(self.tr("Decider staff id"), self.decider_id)
        self.form.addRow(self.tr("Decider name"), self.decider_name)
        self.form.addRow(self.tr("Decider ID number"), self.decider_id_number)
        self.form.addRow(self.tr("Reference (文号)"), self.reference)
        self.form.addRow(self.tr("Date"), self.decided_on)
        self.form.addRow(self.tr("Statement and how it was weighed"), self.statement_summary)
        self.form.addRow("", self.party_stated)
        self.form.addRow(self.tr("How to request review"), self.review_route)
        self.form.addRow(self.tr("Review body"), self.review_body)
        self.form.addRow(self.tr("Certificates to void"), self.certificates)
        self.form.addRow(self.served, self.served_on)
        self.form.addRow(self.tr("Service method"), self.method)
        self.served.toggled.connect(self._update_deadline)
        self.served_on.dateChanged.connect(self._update_deadline)
        self._update_deadline()

    def _update_deadline(self) -> None:
        if not self.served.isChecked():
            self.deadline.setText(self.tr("The review deadline runs from the day the decision is served."))
            return
        served = date_of(self.served_on)
        due, text = deadline_or_refusal(lambda: review_request_deadline(served, self.calendar))
        self.deadline.setText(
            self.tr("Review may be requested until %1 (art. 19)").replace("%1", text) if due else text
        )

    def work(self) -> Callable[[Session], Any]:
        staff_id = self.decider_id.text().strip()
        name, number = self.decider_name.text().strip(), self.decider_id_number.text().strip()
        reference = self.reference.text().strip()
        summary, route = self.statement_summary.toPlainText().strip(), self.review_route.text().strip()
        if not staff_id or not reference or not summary or not route:
            raise InvalidInput(
                self.tr(
                    "A decision needs the decider, its reference, the statement summary and the review route."
                )
            )
        certificates = tuple(
            line.strip() for line in self.certificates.toPlainText().splitlines() if line.strip()
        )
        decided_on, body, stated = (
            date_of(self.decided_on),
            self.review_body.text().strip(),
            self.party_stated.isChecked(),
        )
        served_on = date_of(self.served_on) if self.served.isChecked() else None
        method, calendar, case_id, who = self.method.text().strip(), self.calendar, self.case_id, actor()

        def run(session: Session) -> str:
            case = get_case(session, case_id)
            row = notices.issue_decision(
                session,
                case,
                decider=_decider(session, staff_id, name, number),
                reference=reference,
                decided_on=decided_on,
                statement_summary=summary,
                review_route=route,
                review_body=body,
                party_stated=stated,
                served_on=served_on,
                service_method=method,
                certificate_numbers=certificates,
                actor=who,
                calendar=calendar,
            )
            return row.reference

        return run


@dataclass(frozen=True)
class ReviewState:
    """The open review of a case, if any (worker → GUI)."""

    requested_on: date | None
    decide_by: date | None
    extended: bool


def load_review_state(session: Session, case_id: str) -> ReviewState:
    review = notices.open_review(session, get_case(session, case_id))
    if review is None:
        return ReviewState(None, None, False)
    return ReviewState(review.requested_on, review.decide_by, review.extended)


OUTCOMES = ("upheld", "varied", "revoked")


class ReviewDialog(CaseStepDialog):
    """Review (复核, art. 19): record a request, extend by 10 working days, or decide it; one tab each."""

    def __init__(
        self,
        store: Any,
        taskman: TaskManager,
        case_id: str,
        calendar: WorkdayCalendar,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(store, taskman, case_id, calendar, parent)
        self.setWindowTitle(self.tr("Review (复核) of case %1").replace("%1", case_id[:8]))
        self.state = ReviewState(None, None, False)
        self.tabs = QTabWidget()
        request = QWidget()
        rform = QFormLayout(request)
        self.requested_on = date_edit()
        self.grounds = QPlainTextEdit()
        self.grounds.setFixedHeight(70)
        rform.addRow(self.tr("Requested on"), self.requested_on)
        rform.addRow(self.tr("Grounds"), self.grounds)
        extend = QWidget()
        eform = QFormLayout(extend)
        self.extend_on = date_edit()
        self.extend_reason = QLineEdit()
        eform.addRow(self.tr("Date"), self.extend_on)
        eform.addRow(self.tr("Reason for the extension"), self.extend_reason)
        decide = QWidget()
        dform = QFormLayout(decide)
        self.outcome = QComboBox()
        for value, label in zip(
            OUTCOMES,
            (self.tr("upheld (维持)"), self.tr("varied (变更)"), self.tr("revoked (撤销)")),
            strict=True,
        ):
            self.outcome.addItem(label, value)
        self.outcome_on = date_edit()
        self.outcome_text = QPlainTextEdit()
        self.outcome_text.setFixedHeight(70)
        self.outcome_reference = QLineEdit()
        self.decider_id, self.decider_name, self.decider_id_number = _decider_fields()
        dform.addRow(self.tr("Outcome"), self.outcome)
        dform.addRow(self.tr("Date"), self.outcome_on)
        dform.addRow(self.tr("Findings"), self.outcome_text)
        dform.addRow(self.tr("Reference (文号)"), self.outcome_reference)
        dform.addRow(self.tr("Decider staff id"), self.decider_id)
        dform.addRow(self.tr("Decider name"), self.decider_name)
        dform.addRow(self.tr("Decider ID number"), self.decider_id_number)
        self.tabs.addTab(request, self.tr("Request"))
        self.tabs.addTab(extend, self.tr("Extend by 10 working days"))
        self.tabs.addTab(decide, self.tr("Decide"))
        self.form.addRow(self.tabs)
        self.tabs.currentChanged.connect(self._update_deadline)
        self.requested_on.dateChanged.connect(self._update_deadline)
        self.loaded = False
        StoreOp(store, lambda s: load_review_state(s, case_id)).success(self._on_state).failure(
            self._on_failed
        ).run(taskman)
        self._update_deadline()

    def _on_state(self, state: ReviewState) -> None:
        self.state = state
        self.loaded = True
        if state.requested_on is not None:
            self.tabs.setCurrentIndex(2)
        self._update_deadline()

    def _update_deadline(self) -> None:
        tab = self.tabs.currentIndex()
        if tab == 0:
            requested = date_of(self.requested_on)
            due, text = deadline_or_refusal(lambda: review_decision_deadline(requested, False, self.calendar))
            self.deadline.setText(
                self.tr("The review must be decided by %1 (15 working days, art. 19)").replace("%1", text)
                if due
                else text
            )
            return
        if self.state.requested_on is None:
            self.deadline.setText(self.tr("No open review: record the request first."))
            return
        requested = self.state.requested_on
        if tab == 1:
            due, text = deadline_or_refusal(lambda: review_decision_deadline(requested, True, self.calendar))
            self.deadline.setText(
                self.tr("Extended, the review must be decided by %1 (25 working days, art. 19)").replace(
                    "%1", text
                )
                if due
                else text
            )
            return
        assert self.state.decide_by is not None
        self.deadline.setText(
            self.tr("Requested on %1; to be decided by %2")
            .replace("%1", requested.isoformat())
            .replace("%2", self.state.decide_by.isoformat())
        )

    def work(self) -> Callable[[Session], Any]:
        calendar, case_id, who = self.calendar, self.case_id, actor()
        tab = self.tabs.currentIndex()
        if tab == 0:
            requested_on, grounds = date_of(self.requested_on), self.grounds.toPlainText().strip()

            def request(session: Session) -> date:
                row = notices.request_review(
                    session,
                    get_case(session, case_id),
                    requested_on=requested_on,
                    grounds=grounds,
                    actor=who,
                    calendar=calendar,
                )
                return row.decide_by

            return request
        if tab == 1:
            reason, on = self.extend_reason.text().strip(), date_of(self.extend_on)

            def extend(session: Session) -> date:
                review = self._open_review(session)
                notices.extend_review(session, review, reason=reason, on=on, actor=who, calendar=calendar)
                return review.decide_by

            return extend
        staff_id = self.decider_id.text().strip()
        name, number = self.decider_name.text().strip(), self.decider_id_number.text().strip()
        outcome = self.outcome.currentData()
        on, text = date_of(self.outcome_on), self.outcome_text.toPlainText().strip()
        reference = self.outcome_reference.text().strip()

        def decide(session: Session) -> str:
            review = self._open_review(session)
            notices.decide_review(
                session,
                review,
                outcome=outcome,
                outcome_on=on,
                text=text,
                decider=_decider(session, staff_id, name, number),
                reference=reference,
                actor=who,
            )
            return reference

        return decide

    def _open_review(self, session: Session) -> Any:
        review = notices.open_review(session, get_case(session, self.case_id))
        if review is None:
            raise NotFound(
                f"case {self.case_id[:8]} has no open review", hint="record the request on the first tab"
            )
        return review


class ReportDialog(QDialog):
    """The result report (art. 16) or the major-situation report (art. 20) of a case, saved as PDF.

    For ``escalation`` the case can first be flagged as a major situation (art. 20) with the reasons
    the core suggests. The report is built on the worker, shown, and rendered on the GUI thread.
    """

    flagged = Signal(str)
    saved = Signal(str)  # the PDF's path

    def __init__(
        self,
        store: Any,
        taskman: TaskManager,
        case_id: str,
        kind: Literal["result", "escalation"],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.taskman = taskman
        self.case_id = case_id
        self.kind = kind
        title = (
            self.tr("Result report (art. 16) of case %1")
            if kind == "result"
            else self.tr("Major-situation report (art. 20) of case %1")
        )
        self.setWindowTitle(title.replace("%1", case_id[:8]))
        self.reporter = QLineEdit()
        self.reference = QLineEdit()
        self.reported_on = date_edit()
        self.recipient = QLineEdit(reports.CITY_CENTRE)
        self.preview = QPlainTextEdit(readOnly=True)
        self.error = QLabel(wordWrap=True, objectName="errorLabel")
        form = QFormLayout()
        self.reasons = QPlainTextEdit()
        self.reasons.setFixedHeight(60)
        self.flag_button = None
        layout = QVBoxLayout(self)
        if kind == "escalation":
            self.reasons.setPlaceholderText(self.tr("one reason per line"))
            form.addRow(self.tr("Why a major situation"), self.reasons)
            self.flag_button = QDialogButtonBox()
            flag = self.flag_button.addButton(
                self.tr("Flag as major (art. 20)"), QDialogButtonBox.ButtonRole.ActionRole
            )
            flag.clicked.connect(self.flag_major)
            form.addRow("", self.flag_button)
            StoreOp(store, self._suggest).success(self._on_suggested).run(taskman)
        form.addRow(self.tr("Reporting body"), self.reporter)
        form.addRow(self.tr("Reference (文号)"), self.reference)
        form.addRow(self.tr("Date"), self.reported_on)
        form.addRow(self.tr("Recipient"), self.recipient)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.addButton(
            self.tr("Save PDF…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def _suggest(self, session: Session) -> list[str]:
        case = get_case(session, self.case_id)
        return case.major_reasons.split("；") if case.major else reports.suggest_major_reasons(session, case)

    def _on_suggested(self, reasons: list[str]) -> None:
        if not self.reasons.toPlainText().strip():
            self.reasons.setPlainText("\n".join(r for r in reasons if r))

    def flag_major(self) -> None:
        """Flag the case a major situation with the typed reasons (art. 20)."""
        self.error.clear()
        reasons = [line for line in self.reasons.toPlainText().splitlines() if line.strip()]
        on, case_id, who = date_of(self.reported_on), self.case_id, actor()

        def run(session: Session) -> str:
            reports.flag_major(
                session, get_case(session, case_id), reasons=reasons, escalated_on=on, actor=who
            )
            return case_id

        StoreOp(self.store, run).success(lambda cid: emit(self.flagged, cid)).failure(self._on_failed).run(
            self.taskman
        )

    def save(self) -> None:
        """Build the report on the worker, show its text, then ask where to save the PDF."""
        self.error.clear()
        reporter, reference = self.reporter.text().strip(), self.reference.text().strip()
        on, recipient, case_id, kind = (
            date_of(self.reported_on),
            self.recipient.text().strip(),
            self.case_id,
            self.kind,
        )

        def run(session: Session) -> Document:
            build = reports.result_report if kind == "result" else reports.escalation_report
            return build(
                session,
                get_case(session, case_id),
                reporter=reporter,
                reported_on=on,
                reference=reference,
                recipient=recipient or reports.CITY_CENTRE,
            )

        StoreOp(self.store, run).success(self._on_built).failure(self._on_failed).run(self.taskman)

    def _on_built(self, doc: Document) -> None:
        from examsite.adjudication.documents import document_text

        self.preview.setPlainText(document_text(doc))
        try:
            path = save_pdf(self, doc, f"{doc.reference or self.kind}.pdf")
        except ExamsiteError as exc:
            self.error.setText(refusal_text(exc))
            return
        if path is not None:
            emit(self.saved, str(path))

    def _on_failed(self, exc: BaseException) -> None:
        self.error.setText(refusal_text(exc))


@dataclass(frozen=True)
class PendingRecusal:
    """A recusal request still to be decided (worker → GUI)."""

    id: str
    staff_id: str
    staff_name: str
    reason: str


def load_pending_recusals(session: Session, case_id: str) -> list[PendingRecusal]:
    """The case's pending recusal requests, oldest first (worker)."""
    rows = session.execute(
        select(Recusal)
        .where(Recusal.case_id == case_id, Recusal.status == "pending")
        .order_by(Recusal.requested_on)
    ).scalars()
    return [PendingRecusal(r.id, r.staff_id, r.staff_name, r.reason) for r in rows]


class RecusalDialog(CaseStepDialog):
    """Recusal (回避, art. 18): record a request by the party or a declaration, or decide a pending one."""

    def __init__(
        self,
        store: Any,
        taskman: TaskManager,
        case_id: str,
        calendar: WorkdayCalendar,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(store, taskman, case_id, calendar, parent)
        self.setWindowTitle(self.tr("Recusal (回避) in case %1").replace("%1", case_id[:8]))
        self.tabs = QTabWidget()
        request = QWidget()
        rform = QFormLayout(request)
        self.staff_id = QLineEdit()
        self.staff_name = QLineEdit()
        self.requested_by = QComboBox()
        self.requested_by.addItem(self.tr("the party asks"), "party")
        self.requested_by.addItem(self.tr("the person declares it"), "self")
        self.reason = QLineEdit()
        self.requested_on = date_edit()
        rform.addRow(self.tr("Who should recuse (staff id)"), self.staff_id)
        rform.addRow(self.tr("Their name"), self.staff_name)
        rform.addRow(self.tr("Requested by"), self.requested_by)
        rform.addRow(self.tr("Reason"), self.reason)
        rform.addRow(self.tr("Date"), self.requested_on)
        decide = QWidget()
        dform = QFormLayout(decide)
        self.pending = QComboBox()
        self.granted = QComboBox()
        self.granted.addItem(self.tr("granted"), True)
        self.granted.addItem(self.tr("refused"), False)
        self.decision_reason = QLineEdit()
        self.decided_on = date_edit()
        self.decider_id, self.decider_name, self.decider_id_number = _decider_fields()
        dform.addRow(self.tr("Request"), self.pending)
        dform.addRow(self.tr("Decision"), self.granted)
        dform.addRow(self.tr("Reason"), self.decision_reason)
        dform.addRow(self.tr("Date"), self.decided_on)
        dform.addRow(self.tr("Decided by (staff id)"), self.decider_id)
        dform.addRow(self.tr("Decider name"), self.decider_name)
        self.tabs.addTab(request, self.tr("Request"))
        self.tabs.addTab(decide, self.tr("Decide"))
        self.form.addRow(self.tabs)
        self.loaded = False
        StoreOp(store, lambda s: load_pending_recusals(s, case_id)).success(self._on_pending).failure(
            self._on_failed
        ).run(taskman)

    def _on_pending(self, pending: list[PendingRecusal]) -> None:
        self.pending.clear()
        for p in pending:
            self.pending.addItem(f"{p.staff_id} {p.staff_name}: {p.reason}", p.id)
        self.loaded = True

    def work(self) -> Callable[[Session], Any]:
        case_id, who = self.case_id, actor()
        if self.tabs.currentIndex() == 0:
            staff_id, name = self.staff_id.text().strip(), self.staff_name.text().strip()
            by, reason, on = self.requested_by.currentData(), self.reason.text(), date_of(self.requested_on)

            def request(session: Session) -> str:
                row = request_recusal(
                    session,
                    get_case(session, case_id),
                    staff_id=staff_id,
                    staff_name=name,
                    requested_by=by,
                    reason=reason,
                    requested_on=on,
                    actor=who,
                )
                return row.id

            return request
        recusal_id = self.pending.currentData()
        if not recusal_id:
            raise InvalidInput(self.tr("There is no pending recusal request in this case."))
        granted, reason, on = (
            bool(self.granted.currentData()),
            self.decision_reason.text(),
            date_of(self.decided_on),
        )
        staff_id, name = self.decider_id.text().strip(), self.decider_name.text().strip()
        number = self.decider_id_number.text().strip()

        def decide(session: Session) -> str:
            row = session.get(Recusal, recusal_id)
            if row is None or row.case_id != case_id:
                raise NotFound(f"no recusal request {recusal_id} in this case")
            decide_recusal(
                session,
                row,
                granted=granted,
                decided_by=_decider(session, staff_id, name, number),
                reason=reason,
                decided_on=on,
                actor=who,
            )
            return row.status

        return decide
