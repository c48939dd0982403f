"""The exam-room flow in the window: session, roster with a bad row, one-key mark, the record form."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from examsite.clock import utc_now
from examsite.incidents.record import IncidentRecord
from examsite.sites.idnumber import check_character
from examsite.sites.setup import SiteSpec, init_site
from examsite.store.models import AuditEntry, Candidate, ExamSession, Incident, IncidentVersion

ID1 = "42010619900307123" + check_character("42010619900307123")


def _site(main_window) -> None:  # type: ignore[no-untyped-def]
    with main_window.store.session() as session:
        init_site(session, SiteSpec("HB1", "武汉市某评价机构", "武汉市", "S1", "第一考点", ("101",)))
    main_window.refresh()


def test_session_roster_mark_and_record(qtbot, main_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.session_dialogs import RosterImportDialog, SessionDialog

    _site(main_window)
    qtbot.waitUntil(lambda: main_window.room_combo.count() == 1)

    # a session that runs now, in room 101
    dialog = SessionDialog(main_window.store, main_window.taskman, main_window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.ui.rooms.count() == 1)
    dialog.ui.code.setText("A1")
    dialog.ui.occupation.setText("电工")
    from examsite.gui.session_dialogs import _to_qt

    dialog.ui.startsAt.setDateTime(_to_qt(utc_now() - timedelta(minutes=30)))
    dialog.ui.endsAt.setDateTime(_to_qt(utc_now() + timedelta(hours=1)))
    with qtbot.waitSignal(dialog.session_created):
        dialog.ui.buttons.accepted.emit()

    # a roster with one bad row: nothing imported until the bad row is accepted for skipping
    roster = tmp_path / "名册.csv"
    roster.write_bytes(
        (
            "姓名,身份证号,准考证号,座位号\r\n张三," + ID1 + ",A001,12\r\n李四,420106199003071230,A002,13\r\n"
        ).encode("gb18030")
    )
    importer = RosterImportDialog(main_window.store, main_window.taskman, main_window)
    qtbot.addWidget(importer)
    qtbot.waitUntil(lambda: importer.ui.session.count() == 1)
    importer.set_file(roster)
    qtbot.waitUntil(lambda: importer.preview is not None)
    assert importer.ui.problems.rowCount() == 1
    assert importer.ui.problems.item(0, 0).text() == "3"
    assert not importer.import_button.isEnabled()
    importer.ui.skipRows.setChecked(True)
    assert importer.import_button.isEnabled()
    with qtbot.waitSignal(importer.imported) as imported:
        importer.import_button.click()
    assert imported.args == [1]

    # one key: the moment is stored before the form opens
    before = utc_now()
    with qtbot.waitSignal(main_window.incident_marked) as marked:
        main_window.ui.actionMarkIncident.trigger()
    incident_id = marked.args[0]
    with main_window.store.session() as session:
        incident = session.get(Incident, incident_id)
        assert before <= incident.marked_at <= utc_now()
        assert incident.current_version == 0
        exam = session.execute(select(ExamSession)).scalar_one()
        assert incident.session_id == exam.id
        assert session.execute(select(AuditEntry).where(AuditEntry.action == "incident.marked")).scalar_one()
    form = main_window.incident_form
    qtbot.addWidget(form)
    qtbot.waitUntil(lambda: form.context is not None)
    assert "室" in form.ui.momentLabel.text() or "101" in form.ui.momentLabel.text()

    # fill it in: candidate by seat, clause 6.1 from the catalogue, facts and handling
    form.ui.findEdit.setText("12")
    assert form.ui.personCombo.count() == 1
    form.ui.articleSearch.setText("6.1")
    assert form.ui.articleList.count() == 1
    form.ui.articleList.setCurrentRow(0)
    assert "第六条第(一)项" in form.ui.clauseText.text() or "第六条" in form.ui.clauseText.text()
    assert "facts" in form.ui.problemsLabel.text() or "事实" in form.ui.problemsLabel.text()
    form.ui.facts.setPlainText("考生在座位上使用手机拍摄试题。")
    form.ui.handling.setPlainText("监考人员当场收缴手机，开具暂扣收据。")
    assert form.problems() == []
    with qtbot.waitSignal(form.record_saved):
        form.ui.buttons.accepted.emit()
    with main_window.store.session() as session:
        row = session.execute(select(IncidentVersion)).scalar_one()
        record = IncidentRecord.from_bytes(row.record)
        candidate = session.execute(select(Candidate)).scalar_one()
    assert record.subject.id_number == candidate.id_number == ID1
    assert record.article == "6.1"
    assert record.marked_at == incident.marked_at.replace(
        microsecond=incident.marked_at.microsecond // 1000 * 1000
    )

    main_window.show_incidents()
    page = main_window.incidents_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.rows[0].article == "6.1")
    assert page.model.data(page.model.index(0, 4)) == "草稿"


def test_art_5_clause_asks_for_the_refused_reminder(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    _site(main_window)
    qtbot.waitUntil(lambda: main_window.room_combo.count() == 1)
    with qtbot.waitSignal(main_window.incident_marked):
        main_window.ui.actionMarkIncident.trigger()
    form = main_window.incident_form
    qtbot.addWidget(form)
    qtbot.waitUntil(lambda: form.context is not None)
    form.ui.articleSearch.setText("5.1")
    form.ui.articleList.setCurrentRow(0)
    assert form.ui.reminderGiven.isVisibleTo(form)
    assert any("经提醒拒不改正" in p for p in form.problems())  # shown in the interface language
    form.ui.reminderGiven.setChecked(True)
    form.ui.reminderRefused.setChecked(True)
    assert not any("经提醒拒不改正" in p for p in form.problems())
    form.ui.subjectKind.setCurrentIndex(form.ui.subjectKind.findData("staff"))
    assert all(
        form.catalogue.get(form.ui.articleList.item(i).data(256)).subject.value == "staff"
        for i in range(form.ui.articleList.count())
    )
    form.reject()
