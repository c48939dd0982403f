"""Cases > Working-day calendar: entering a State Council holiday notice makes a year's deadlines
computable; a refused notice keeps what was typed and writes nothing; removing asks first.

Every notice here is TEST-ONLY and invented, as in tests/unit/test_calendar_admin.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from examsite.adjudication import calendar_admin
from examsite.adjudication.calendar_admin import admin_path, read_notices
from examsite.errors import ExamsiteError
from examsite.gui.calendar_panel import CalendarPanel, HolidayNoticeDialog
from examsite.gui.cases_page import CasesPage
from examsite.gui.qt import QMessageBox, Qt
from examsite.gui.refusals import refusal_text
from examsite.gui.taskman import TaskManager
from examsite.store.engine import Store
from tests.unit.test_calendar_admin import HOLIDAYS, REF, WORKDAYS, notice_2027, ship


@pytest.fixture
def page(qtbot, store: Store, data_dir: Path) -> Iterator[CasesPage]:  # type: ignore[no-untyped-def]
    taskman = TaskManager()
    widget = CasesPage(store, taskman, data_dir=data_dir)
    qtbot.addWidget(widget)
    widget.tabs.setCurrentWidget(widget.calendar_panel)
    yield widget
    taskman.shutdown()


def _enter(qtbot, panel: CalendarPanel, workdays: str = WORKDAYS) -> HolidayNoticeDialog:  # type: ignore[no-untyped-def]
    panel.year.setValue(2027)
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.year.value() == 2027
    dialog.reference.setText(REF)
    dialog.holidays.setPlainText(HOLIDAYS)
    dialog.workdays.setPlainText(workdays)
    dialog.source.setText("test")
    return dialog


def test_entering_a_notice_covers_its_year_for_the_deadlines(  # type: ignore[no-untyped-def]
    qtbot, chinese, page: CasesPage, data_dir: Path
) -> None:
    panel = page.calendar_panel
    assert page.tabs.tabText(page.tabs.indexOf(panel)) == "工作日日历"
    panel.year.setValue(2027)
    assert "未覆盖" in panel.year_state.text()
    assert panel.days_model.rows == []
    assert not page.calendar.covers(2027)
    dialog = _enter(qtbot, panel)
    with qtbot.waitSignal(panel.calendar_changed, timeout=5000) as changed:
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert not dialog.isVisible()
    assert changed.args[0].covers(2027)
    assert page.calendar.covers(2027)
    assert page.deadlines.calendar is page.calendar
    assert read_notices(admin_path(data_dir)) == [notice_2027()]
    assert "已覆盖" in panel.year_state.text()
    assert len(panel.days_model.rows) == 29
    assert panel.days_model.data(panel.days_model.index(0, 1)) == "周五"  # 1 Jan 2027
    assert panel.days_model.data(panel.days_model.index(0, 2)) == "放假"
    assert "由通知补全的整年：2027" in panel.coverage.text()
    (row,) = panel.notices_model.rows
    assert (row.id, row.year, row.holidays, row.workdays, row.shipped) == (REF, 2027, 26, 3, False)
    assert panel.notices_model.data(panel.notices_model.index(0, 5)) == "管理员"


def test_a_refused_notice_keeps_what_was_typed_and_writes_nothing(  # type: ignore[no-untyped-def]
    qtbot, chinese, page: CasesPage, data_dir: Path
) -> None:
    dialog = _enter(qtbot, page.calendar_panel, workdays="2027-03-01 春节")  # a Monday
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert dialog.isVisible()
    assert "调休上班日应在周六或周日" in dialog.error.text()
    assert "[notice_workday_on_weekday]" in dialog.error.text()
    assert dialog.holidays.toPlainText() == HOLIDAYS
    assert not admin_path(data_dir).exists()
    dialog.workdays.setPlainText("2027-02-14 春节\nsoon")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert "有一行既不是日期也不是日期范围" in dialog.error.text()
    assert "Line 2 ('soon')" in dialog.error.text()
    dialog.workdays.setPlainText(WORKDAYS)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert not dialog.isVisible()
    assert page.calendar.covers(2027)


def test_removing_a_notice_asks_first_and_uncovers_the_year(  # type: ignore[no-untyped-def]
    qtbot, chinese, page: CasesPage, data_dir: Path
) -> None:
    panel = page.calendar_panel
    calendar_admin.add_notice(admin_path(data_dir), notice_2027())
    page.tabs.setCurrentIndex(0)
    page.tabs.setCurrentWidget(panel)  # showing the tab reads the file again
    assert page.calendar_panel.notices_model.rows[0].id == REF
    assert not panel.remove_button.isEnabled()
    panel.notices.selectRow(0)
    assert panel.remove_button.isEnabled()
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    box = panel.confirm
    assert box is not None
    assert REF in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert read_notices(admin_path(data_dir)) == [notice_2027()]
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert panel.confirm is not None
    with qtbot.waitSignal(panel.calendar_changed, timeout=5000):
        panel.confirm.button(QMessageBox.StandardButton.Yes).click()
    assert read_notices(admin_path(data_dir)) == []
    assert panel.notices_model.rows == []
    assert not page.calendar.covers(2027)


def test_shipped_notices_cannot_be_removed_and_a_bad_file_is_named(  # type: ignore[no-untyped-def]
    qtbot, chinese, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ship(tmp_path, monkeypatch, "TEST-ONLY 随软件")
    panel = CalendarPanel(tmp_path / "calendar_overrides.json")
    qtbot.addWidget(panel)
    panel.notices.selectRow(0)
    assert panel.notices_model.data(panel.notices_model.index(0, 5)) == "随软件提供"
    assert not panel.remove_button.isEnabled()
    (tmp_path / "calendar_overrides.json").write_text("{", encoding="utf-8")
    panel.refresh()
    assert "[invalid_input]" in panel.error.text()
    assert "Nothing was loaded from it" in panel.error.text()
    assert panel.notices_model.rows == []
    assert panel.year_state.text() == ""
    readonly = CalendarPanel(None)
    qtbot.addWidget(readonly)
    assert not readonly.add_button.isEnabled()
    assert "没有数据文件夹" in readonly.file_label.text()


def test_a_deadline_into_an_unknown_year_points_to_the_calendar(chinese) -> None:  # type: ignore[no-untyped-def]
    exc = ExamsiteError("2027-01-04 falls in 2027 ...", code="calendar_not_covered")
    text = refusal_text(exc)
    assert text.startswith("工作日日历尚无该年份的数据：请在“案件 > 工作日日历”中录入")
    assert "[calendar_not_covered]" in text


def test_the_deadlines_warn_of_a_year_not_entered_and_link_to_the_calendar(  # type: ignore[no-untyped-def]
    qtbot, chinese, page: CasesPage, data_dir: Path
) -> None:
    from examsite.gui.qt import QDate

    page.tabs.setCurrentWidget(page.deadlines)
    deadlines = page.deadlines
    deadlines.on.setDate(QDate(2026, 6, 1))
    assert deadlines.calendar_warning.isHidden()
    deadlines.on.setDate(QDate(2026, 11, 27))
    assert not deadlines.calendar_warning.isHidden()
    assert deadlines.calendar_warning.text().startswith("工作日日历尚未包含 2027 年")
    deadlines.calendar_warning.setText("stale")  # as after a change of language...
    page.retranslate()  # ... which words the warning anew
    assert deadlines.calendar_warning.text().startswith("工作日日历尚未包含 2027 年")
    assert 'href="calendar"' in deadlines.calendar_warning.text()
    deadlines.calendar_warning.linkActivated.emit("calendar")
    assert page.tabs.currentWidget() is page.calendar_panel
    assert page.calendar_panel.year.value() == 2027  # the year to enter, shown
    assert "未覆盖" in page.calendar_panel.year_state.text()
    dialog = _enter(qtbot, page.calendar_panel)
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    page.tabs.setCurrentWidget(page.deadlines)
    assert deadlines.calendar_warning.isHidden()
    qtbot.waitUntil(lambda: not page.taskman.busy)
