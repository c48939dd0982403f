"""The adjudication dialogs on a real SQLite store: notice, service, decision, review, PDFs, registers.

Each dialog is driven as a user would (fields typed, OK pressed) and the store is read afterwards; the
refusals that matter (recusal, a year the calendar does not cover, a decision before the notice is
served) must show the core's sentence, keep the dialog open and store nothing.
"""

from __future__ import annotations

import csv
import getpass
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from examsite.adjudication import bans as ban_registry
from examsite.adjudication import notices
from examsite.adjudication.cases import get_case
from examsite.adjudication.determination import Decider, determine
from examsite.adjudication.workdays import default_calendar, review_decision_deadline, review_request_deadline
from examsite.gui.case_dialogs import (
    DecisionDialog,
    NoticeDialog,
    RecusalDialog,
    ReportDialog,
    ReviewDialog,
    ServiceDialog,
    set_date,
)
from examsite.gui.cases_page import CasesPage
from examsite.gui.qt import QFileDialog, QInputDialog, Qt
from examsite.gui.taskman import TaskManager
from examsite.store.engine import Store
from tests.support.cases import CANDIDATE_ID, make_record, open_case

DECIDER = Decider("staff-9", "王决")
ROUTE = "书面送交考务办公室"


@pytest.fixture
def page(qtbot, store: Store) -> Iterator[CasesPage]:  # type: ignore[no-untyped-def]
    """The cases page on one determined art. 6(1) case (phone in a theory sitting, 2026-09-17): all scores
    cancelled, a ban, and the certificate to void."""
    with store.session() as s:
        case = open_case(s, make_record())
        # An earlier certificate obtained at that sitting's occupation is to be voided (art. 15 ¶2).
        determine(
            s,
            case,
            decider=DECIDER,
            determined_on=date(2026, 9, 18),
            conditions={"issued_certificate_void": True, "online_certificate_data_corrected": True},
        )
    taskman = TaskManager()
    widget = CasesPage(store, taskman, calendar=default_calendar())
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.refresh()
    qtbot.waitUntil(lambda: len(widget.model.rows) == 1)
    widget.table.selectRow(0)
    qtbot.waitUntil(lambda: "determination #1" in widget.detail.toPlainText())
    yield widget
    taskman.shutdown()


def _case_id(page: CasesPage) -> str:
    return page.model.rows[0].id


def _notify(store: Store, case_id: str, served: bool = True) -> None:
    with store.session() as s:
        row = notices.issue_notice(
            s,
            get_case(s, case_id),
            reference="武某评告〔2026〕12号",
            issued_on=date(2026, 9, 18),
            statement_deadline=date(2026, 9, 23),
            statement_route=ROUTE,
            actor="clerk",
        )
        if served:
            notices.record_service(s, row, served_on=date(2026, 9, 18), actor="clerk")


def _decide(store: Store, case_id: str, served_on: date | None = date(2026, 9, 24)) -> None:
    with store.session() as s:
        notices.issue_decision(
            s,
            get_case(s, case_id),
            decider=DECIDER,
            reference="武某评决〔2026〕12号",
            decided_on=date(2026, 9, 24),
            statement_summary="未陈述。",
            review_route="书面申请",
            served_on=served_on,
            certificate_numbers=("CERT-2025-0001",),
        )


def _accept_and_wait(qtbot, page: CasesPage, dialog) -> str:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.case_changed, timeout=10_000, raising=False) as signal:
        dialog.buttons.accepted.emit()
    assert signal.signal_triggered, dialog.error.text()
    assert not dialog.isVisible()
    # The archive reloads; the case stays selected for the next step.
    qtbot.waitUntil(lambda: not page.taskman.busy)
    assert page.selected_id() == signal.args[0]
    return str(signal.args[0])


def _refused(qtbot, dialog, words: str) -> None:  # type: ignore[no-untyped-def]
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: words in dialog.error.text(), timeout=10_000)
    assert dialog.buttons.isEnabled()
    assert dialog.isVisible()


def test_notice_is_issued_and_served_from_the_dialog(qtbot, page: CasesPage, store: Store) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(page.notice_button, Qt.MouseButton.LeftButton)
    dialog = page.step_dialog
    assert isinstance(dialog, NoticeDialog)
    dialog.reference.setText("武某评告〔2026〕12号")
    set_date(dialog.issued_on, date(2026, 9, 18))
    set_date(dialog.statement_until, date(2026, 9, 23))
    # Issued Friday 18th: Sunday 20th is a working day by the 2026 notice (National Day swap), then
    # Mon 21, Tue 22, Wed 23: four working days to state and defend.
    assert dialog.deadline.text().startswith("4 working day(s) to state and defend, until 2026-09-23")
    _refused(qtbot, dialog, "how to state and defend")  # no route typed: refused before the store
    dialog.route.setText(ROUTE)
    dialog.served.setChecked(True)
    set_date(dialog.served_on, date(2026, 9, 18))
    case_id = _accept_and_wait(qtbot, page, dialog)
    qtbot.waitUntil(
        lambda: "notice 武某评告〔2026〕12号 2026-09-18 served 2026-09-18" in page.detail.toPlainText()
    )
    with store.session() as s:
        case = get_case(s, case_id)
        notice = notices.latest_document(s, case, "notice")
        assert notice is not None
        assert (notice.statement_deadline, notice.served_on, case.state) == (
            date(2026, 9, 23),
            date(2026, 9, 18),
            "notified",
        )


def test_decision_before_the_notice_is_served_is_refused(qtbot, page: CasesPage, store: Store) -> None:  # type: ignore[no-untyped-def]
    _notify(store, _case_id(page), served=False)
    qtbot.mouseClick(page.decision_button, Qt.MouseButton.LeftButton)
    dialog = page.step_dialog
    assert isinstance(dialog, DecisionDialog)
    dialog.decider_id.setText("staff-9")
    dialog.decider_name.setText("王决")
    dialog.reference.setText("武某评决〔2026〕12号")
    set_date(dialog.decided_on, date(2026, 9, 24))
    dialog.statement_summary.setPlainText("未陈述。")
    dialog.review_route.setText("书面申请")
    _refused(qtbot, dialog, "has not been served; the party must be told first (art. 18)")
    with store.session() as s:
        assert notices.latest_document(s, get_case(s, _case_id(page)), "decision") is None
    dialog.reject()


def test_decision_refuses_a_witness_then_issues_with_the_review_deadline(  # type: ignore[no-untyped-def]
    qtbot, page: CasesPage, store: Store
) -> None:
    case_id = _case_id(page)
    _notify(store, case_id)
    qtbot.mouseClick(page.decision_button, Qt.MouseButton.LeftButton)
    dialog = page.step_dialog
    assert isinstance(dialog, DecisionDialog)
    dialog.decider_id.setText("staff-2")  # witnessed the incident (art. 18 recusal)
    dialog.decider_name.setText("李四")
    dialog.reference.setText("武某评决〔2026〕12号")
    set_date(dialog.decided_on, date(2026, 9, 24))
    dialog.statement_summary.setPlainText("未陈述。")
    dialog.review_route.setText("向本机构提交书面复核申请")
    dialog.certificates.setPlainText("CERT-2025-0001\n\n")
    dialog.served.setChecked(True)
    set_date(dialog.served_on, date(2026, 9, 30))
    expected = review_request_deadline(date(2026, 9, 30))
    # Across the National Day holiday (1-7 October 2026): more than three calendar weeks.
    assert (expected - date(2026, 9, 30)).days > 21
    assert dialog.deadline.text() == f"Review may be requested until {expected.isoformat()} (art. 19)"
    _refused(qtbot, dialog, "witnessed the incident")
    with store.session() as s:
        assert notices.latest_document(s, get_case(s, case_id), "decision") is None
    dialog.decider_id.setText("staff-9")
    dialog.decider_name.setText("王决")
    _accept_and_wait(qtbot, page, dialog)
    qtbot.waitUntil(lambda: f"review may be requested until {expected}" in page.detail.toPlainText())
    assert page.model.data(page.model.index(0, 4)) == "decision served"
    with store.session() as s:
        case = get_case(s, case_id)
        decision = notices.latest_document(s, case, "decision")
        assert decision is not None
        assert (decision.served_on, decision.review_deadline, case.state) == (
            date(2026, 9, 30),
            expected,
            "served",
        )
        (void,) = ban_registry.certificate_voids(s, "pending")
        assert void.certificate_number == "CERT-2025-0001"


def test_service_in_a_year_the_calendar_does_not_cover_is_refused(  # type: ignore[no-untyped-def]
    qtbot, page: CasesPage, store: Store
) -> None:
    case_id = _case_id(page)
    _notify(store, case_id)
    _decide(store, case_id, served_on=None)
    page.service_decision.trigger()
    dialog = page.step_dialog
    assert isinstance(dialog, ServiceDialog)
    set_date(dialog.served_on, date(2027, 3, 1))
    assert "a year the working-day calendar does not cover" in dialog.deadline.text()
    _refused(qtbot, dialog, "falls in 2027, a year the working-day calendar does not cover")
    with store.session() as s:
        decision = notices.latest_document(s, get_case(s, case_id), "decision")
        assert decision is not None
        assert decision.served_on is None
    set_date(dialog.served_on, date(2026, 9, 25))
    _accept_and_wait(qtbot, page, dialog)
    with store.session() as s:
        decision = notices.latest_document(s, get_case(s, case_id), "decision")
        assert decision is not None
        assert decision.review_deadline == review_request_deadline(date(2026, 9, 25))


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def test_review_request_extension_decision_and_every_pdf(  # type: ignore[no-untyped-def]
    qtbot, page: CasesPage, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _case_id(page)
    _notify(store, case_id)
    _decide(store, case_id)
    page.review_button.click()
    dialog = page.step_dialog
    assert isinstance(dialog, ReviewDialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    assert dialog.tabs.currentIndex() == 0
    set_date(dialog.requested_on, date(2026, 10, 9))
    decide_by = review_decision_deadline(date(2026, 10, 9))
    assert decide_by.isoformat() in dialog.deadline.text()
    dialog.grounds.setPlainText("手机系误带，请求复核。")
    _accept_and_wait(qtbot, page, dialog)

    page.review_button.click()
    dialog = page.step_dialog
    assert isinstance(dialog, ReviewDialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    assert dialog.tabs.currentIndex() == 2  # an open review: straight to deciding it
    assert f"to be decided by {decide_by.isoformat()}" in dialog.deadline.text()
    dialog.tabs.setCurrentIndex(1)
    extended = review_decision_deadline(date(2026, 10, 9), extended=True)
    assert extended.isoformat() in dialog.deadline.text()
    set_date(dialog.extend_on, date(2026, 10, 20))
    _refused(qtbot, dialog, "needs the special circumstances")  # no reason for the extension
    dialog.extend_reason.setText("需调取另一考场录像核实")
    _accept_and_wait(qtbot, page, dialog)
    with store.session() as s:
        review = notices.open_review(s, get_case(s, case_id))
        assert review is not None
        assert (review.extended, review.decide_by) == (True, extended)

    page.review_button.click()
    dialog = page.step_dialog
    assert isinstance(dialog, ReviewDialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("upheld"))
    set_date(dialog.outcome_on, date(2026, 10, 28))
    dialog.outcome_text.setPlainText("经核查现场录像，原认定事实清楚，维持原决定。")
    dialog.outcome_reference.setText("武某评复〔2026〕3号")
    dialog.decider_id.setText("staff-9")
    dialog.decider_name.setText("王决")
    _accept_and_wait(qtbot, page, dialog)
    qtbot.waitUntil(lambda: "upheld on 2026-10-28" in page.detail.toPlainText())
    assert f"decide by {extended.isoformat()} (extended)" in page.detail.toPlainText()

    # Save PDF…: each issued document, chosen from the list, extracts to its stored text.
    with store.session() as s:
        stored = {d.reference: d.text for d in notices.case_documents(s, get_case(s, case_id))}
    assert len(stored) == 3
    for reference, text in stored.items():
        target = tmp_path / f"{len(reference)}-{reference[-4:]}.pdf"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, t=target, **k: (str(t), "PDF (*.pdf)"))
        monkeypatch.setattr(
            QInputDialog,
            "getItem",
            lambda _p, _t, _l, items, *a, r=reference: (next(i for i in items if r in i), True),
        )
        with qtbot.waitSignal(page.pdf_saved, timeout=20_000) as saved:
            page.pdf_button.click()
        assert saved.args == [str(target)]
        assert _pdf_text(target) == "".join(text.split())


def test_save_pdf_without_a_document_says_so(qtbot, page: CasesPage) -> None:  # type: ignore[no-untyped-def]
    page.pdf_button.click()
    qtbot.waitUntil(lambda: "no issued document" in page.error.text())


def test_deadlines_due_soon_overdue_in_red(qtbot, page: CasesPage, store: Store) -> None:  # type: ignore[no-untyped-def]
    case_id = _case_id(page)
    _notify(store, case_id)
    _decide(store, case_id)
    with store.session() as s:
        review = notices.request_review(
            s, get_case(s, case_id), requested_on=date(2026, 9, 28), grounds="不服", actor="p"
        )
        decide_by = review.decide_by
    panel = page.deadlines
    page.tabs.setCurrentWidget(panel)
    set_date(panel.on, decide_by)
    qtbot.waitUntil(lambda: not page.taskman.busy)  # one worker: the last refresh has landed
    assert [r.kind for r in panel.model.rows] == ["review_decision"]
    index = panel.model.index(0, 3)
    assert panel.model.data(index) == "0"
    assert panel.model.data(index, Qt.ItemDataRole.ForegroundRole) is None
    set_date(panel.on, date(2026, 12, 1))
    qtbot.waitUntil(lambda: not page.taskman.busy)
    assert panel.model.rows[0].overdue
    assert panel.model.data(index) == "OVERDUE"
    assert panel.model.data(index, Qt.ItemDataRole.ForegroundRole).color().name() == "#c62828"
    # A day in a year the calendar does not cover: listed, counted as unknown, never guessed.
    set_date(panel.on, date(2027, 3, 1))
    qtbot.waitUntil(lambda: not page.taskman.busy)
    assert (panel.model.rows[0].working_days_left, panel.model.data(index)) == (None, "OVERDUE")
    assert panel.error.text() == ""


def test_bans_and_certificates_masked_and_exported(  # type: ignore[no-untyped-def]
    qtbot, page: CasesPage, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _case_id(page)
    _notify(store, case_id)
    _decide(store, case_id)
    with store.session() as s:
        expected_bans = [(b.person_name, b.starts_on, b.ends_on) for b in ban_registry.active_bans(s)]
    panel = page.bans
    page.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: len(panel.voids.rows) == 1)
    assert [(b.person, b.starts_on, b.ends_on) for b in panel.bans.rows] == expected_bans
    void = panel.voids.rows[0]
    assert panel.voids.data(panel.voids.index(0, 5)) == "to void"
    assert void.id_masked == "*" * 14 + CANDIDATE_ID[-4:]
    assert CANDIDATE_ID not in {panel.voids.data(panel.voids.index(0, c)) for c in range(6)}
    target = tmp_path / "voids.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "CSV (*.csv)"))
    with qtbot.waitSignal(panel.exported, timeout=10_000):
        panel.export_voids_button.click()
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == ban_registry.CERTIFICATE_CSV_HEADER
    assert any("CERT-2025-0001" in cell for cell in rows[1])
    bans_csv = tmp_path / "bans.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(bans_csv), "CSV (*.csv)"))
    with qtbot.waitSignal(panel.exported, timeout=10_000):
        panel.export_bans_button.click()
    with bans_csv.open(encoding="utf-8-sig", newline="") as f:
        assert len(list(csv.reader(f))) == 1 + len(expected_bans)

    # Recorded as voided: the row leaves the pending list and the number is kept.
    panel.voids_view.selectRow(0)
    assert panel.voided_button.isEnabled()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", True))
    panel.voided_button.click()  # the number stored at the decision is kept when none is typed
    qtbot.waitUntil(lambda: panel.voids.rows == [])
    with store.session() as s:
        (done,) = ban_registry.certificate_voids(s, "done")
        assert (done.certificate_number, done.done_by) == ("CERT-2025-0001", getpass.getuser())
    panel.mark_voided(void.id, "")
    qtbot.waitUntil(lambda: "already done" in panel.error.text())


def test_result_and_escalation_reports_and_statistics(  # type: ignore[no-untyped-def]
    qtbot, page: CasesPage, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _case_id(page)
    page.report_result.trigger()
    dialog = page.step_dialog
    assert isinstance(dialog, ReportDialog)
    dialog.reporter.setText("武汉市某职业技能评价机构")
    dialog.reference.setText("武某评报〔2026〕1号")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "once the decision is issued" in dialog.error.text())  # not decided yet
    dialog.reject()
    _notify(store, case_id)
    _decide(store, case_id)

    target = tmp_path / "result.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF (*.pdf)"))
    page.report_result.trigger()
    dialog = page.step_dialog
    assert isinstance(dialog, ReportDialog)
    dialog.reporter.setText("武汉市某职业技能评价机构")
    dialog.reference.setText("武某评报〔2026〕1号")
    set_date(dialog.reported_on, date(2026, 10, 9))
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save_button.click()
    assert _pdf_text(target) == "".join(dialog.preview.toPlainText().split())
    assert "武某评报〔2026〕1号" in dialog.preview.toPlainText()
    dialog.reject()

    page.report_escalation.trigger()
    dialog = page.step_dialog
    assert isinstance(dialog, ReportDialog)
    dialog.reporter.setText("武汉市某职业技能评价机构")
    dialog.reference.setText("武某评报〔2026〕2号")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "not flagged as a major situation" in dialog.error.text())
    dialog.reasons.setPlainText("")
    dialog.flag_major()
    qtbot.waitUntil(lambda: "say why this is a major situation" in dialog.error.text())
    dialog.reasons.setPlainText("利用手机传播试题，影响恶劣")
    with qtbot.waitSignal(page.case_changed, timeout=10_000):
        dialog.flag_major()
    escalation = tmp_path / "escalation.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(escalation), "PDF (*.pdf)"))
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save_button.click()
    assert "利用手机传播试题，影响恶劣" in _pdf_text(escalation)
    dialog.reject()
    with store.session() as s:
        assert get_case(s, case_id).major

    stats = page.statistics
    stats.year.setValue(2026)
    page.tabs.setCurrentWidget(stats)
    qtbot.waitUntil(lambda: len(stats.model.rows) == 1)
    assert (stats.model.rows[0].article, stats.model.rows[0].cases, stats.model.rows[0].decided) == (6, 1, 1)
    stats_csv = tmp_path / "stats.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(stats_csv), "CSV (*.csv)"))
    with qtbot.waitSignal(stats.exported, timeout=10_000):
        stats.csv_button.click()
    assert "电工" in stats_csv.read_text(encoding="utf-8-sig")
    stats.pdf_button.click()
    assert "issuing body" in stats.error.text()
    stats.issuer.setText("武汉市某职业技能评价机构")
    stats.reference.setText("武某评统〔2026〕1号")
    stats_pdf = tmp_path / "stats.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(stats_pdf), "PDF (*.pdf)"))
    with qtbot.waitSignal(stats.exported, timeout=20_000):
        stats.pdf_button.click()
    assert "电工" in _pdf_text(stats_pdf)


def test_an_unreadable_calendar_file_refuses_deadlines_but_the_archive_opens(  # type: ignore[no-untyped-def]
    qtbot, store: Store, tmp_path: Path
) -> None:
    data = tmp_path / "site-data"
    data.mkdir()
    (data / "calendar_overrides.json").write_text("{not json", encoding="utf-8")
    with store.session() as s:
        case = open_case(s, make_record())
        determine(s, case, decider=DECIDER, determined_on=date(2026, 9, 18))
        case_id = case.id
    _notify(store, case_id)
    _decide(store, case_id, served_on=None)
    taskman = TaskManager()
    page = CasesPage(store, taskman, data_dir=data)
    qtbot.addWidget(page)
    try:
        page.refresh()
        qtbot.waitUntil(lambda: len(page.model.rows) == 1)
        page.table.selectRow(0)
        page.service_decision.trigger()
        dialog = page.step_dialog
        assert isinstance(dialog, ServiceDialog)
        assert "no working-day deadline can be computed" in dialog.deadline.text()
        assert "calendar_overrides.json" in dialog.deadline.text()
        set_date(dialog.served_on, date(2026, 9, 25))
        _refused(qtbot, dialog, "no working-day deadline can be computed")
        with store.session() as s:
            decision = notices.latest_document(s, get_case(s, case_id), "decision")
            assert decision is not None
            assert decision.served_on is None
        dialog.reject()
    finally:
        taskman.shutdown()


def test_recusal_request_recorded_and_decided_not_by_the_person(qtbot, page: CasesPage, store: Store) -> None:  # type: ignore[no-untyped-def]
    page.recusal_button.click()
    dialog = page.step_dialog
    assert isinstance(dialog, RecusalDialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    dialog.staff_id.setText("staff-9")
    dialog.staff_name.setText("王决")
    set_date(dialog.requested_on, date(2026, 9, 19))
    _refused(qtbot, dialog, "names the person and gives a reason")  # no reason typed
    dialog.reason.setText("王决系考生近亲属")
    _accept_and_wait(qtbot, page, dialog)
    qtbot.waitUntil(
        lambda: "recusal of staff-9 王决 (party, 2026-09-19): pending" in page.detail.toPlainText()
    )

    page.recusal_button.click()
    dialog = page.step_dialog
    assert isinstance(dialog, RecusalDialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    dialog.tabs.setCurrentIndex(1)
    assert dialog.pending.count() == 1
    dialog.decision_reason.setText("经核实属实")
    set_date(dialog.decided_on, date(2026, 9, 21))
    dialog.decider_id.setText("staff-9")  # the person concerned (art. 18)
    dialog.decider_name.setText("王决")
    _refused(qtbot, dialog, "nobody decides on their own recusal")
    dialog.decider_id.setText("staff-8")
    dialog.decider_name.setText("周主任")
    _accept_and_wait(qtbot, page, dialog)
    qtbot.waitUntil(lambda: "(party, 2026-09-19): granted" in page.detail.toPlainText())
