"""The staff on duty dialog on enrolled staff: only roles a member holds are offered, changes reach
the store with audit entries, and the store's refusals are shown as it words them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from examsite.config import Paths
from examsite.gui.duty_dialog import DutyDialog
from examsite.gui.taskman import TaskManager
from examsite.identity.staff import get_member
from examsite.sites.sessions import SessionSpec, create_session, find_session, staff_on_duty, unassign_staff
from examsite.sites.setup import current_site
from examsite.store.engine import Store
from examsite.store.models import AuditEntry, ExamSubject, StaffRole
from tests.support.signing import full_site


@pytest.fixture
def site(store: Store, paths: Paths) -> Store:
    """S1 (invigilator), S2 (examiner and exam affairs), H1 (room head); sessions A1 (room 101, older)
    and B2 (room 102, newer)."""
    full_site(store, paths, people=("S1", "S2", "H1"))
    with store.session() as session:
        for code, room, hour in (("A1", "101", 1), ("B2", "102", 6)):
            create_session(
                session,
                current_site(session),
                SessionSpec(
                    code,
                    "电工",
                    "四级",
                    ExamSubject.THEORY,
                    datetime(2026, 6, 13, hour, 0, tzinfo=UTC),
                    datetime(2026, 6, 13, hour + 2, 0, tzinfo=UTC),
                    (room,),
                ),
                actor="test",
            )
    return store


def open_dialog(qtbot, site: Store, taskman: TaskManager, code: str = "") -> DutyDialog:  # type: ignore[no-untyped-def]
    dialog = DutyDialog(site, taskman, session_code=code)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.current is not None)
    return dialog


def table(dialog: DutyDialog) -> list[list[str]]:
    t = dialog.ui.duty
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def change(qtbot, dialog: DutyDialog, action) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dialog.duty_changed, timeout=5000):
        action()
    qtbot.waitUntil(lambda: not dialog.taskman.busy)


def test_put_on_duty_with_held_roles_and_take_off(qtbot, site: Store, taskman: TaskManager) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, site, taskman, "A1")
    assert dialog.ui.session.currentText() == "A1"
    assert dialog.ui.sessionInfo.text() == (
        "电工 四级 理论知识 · 2026-06-13 09:00–11:00 · rooms 101 · 0 candidates · 0 on duty"
    )
    assert [dialog.ui.staff.itemText(i) for i in range(dialog.ui.staff.count())] == [
        "H1  陈主任",
        "S1  李四",
        "S2  王五",
    ]
    assert not dialog.ui.removeButton.isEnabled()

    # S2 is offered only the two roles S2 holds
    dialog.ui.staff.setCurrentIndex(dialog.ui.staff.findData("S2"))
    roles = [dialog.ui.role.itemData(i) for i in range(dialog.ui.role.count())]
    assert sorted(roles) == ["exam_affairs", "examiner"]
    dialog.ui.role.setCurrentIndex(dialog.ui.role.findData("exam_affairs"))
    change(qtbot, dialog, dialog.ui.addButton.click)
    dialog.ui.staff.setCurrentIndex(dialog.ui.staff.findData("H1"))
    assert [dialog.ui.role.itemData(i) for i in range(dialog.ui.role.count())] == ["room_head"]
    change(qtbot, dialog, dialog.ui.addButton.click)
    assert table(dialog) == [
        ["H1", "陈主任", "考场负责人 (room_head)"],
        ["S2", "王五", "考务 (exam_affairs)"],
    ]
    assert dialog.ui.sessionInfo.text().endswith("2 on duty")

    # take S2 off: select the row, press the button
    dialog.ui.duty.selectRow(1)
    assert dialog.selected_entry() == ("S2", "exam_affairs")
    change(qtbot, dialog, dialog.ui.removeButton.click)
    assert table(dialog) == [["H1", "陈主任", "考场负责人 (room_head)"]]
    assert dialog.ui.errorLabel.text() == ""

    with site.session() as session:
        duty = staff_on_duty(session, find_session(session, "A1"))
        assert [(d.staff_no, d.role) for d in duty] == [("H1", "room_head")]
        assert [(d.staff_no, d.role) for d in staff_on_duty(session, find_session(session, "B2"))] == []
        entries = session.execute(
            select(AuditEntry.action, AuditEntry.actor)
            .where(AuditEntry.action.startswith("session.staff_"))
            .order_by(AuditEntry.seq)
        ).all()
    assert [tuple(e) for e in entries] == [
        ("session.staff_assigned", "window"),
        ("session.staff_assigned", "window"),
        ("session.staff_unassigned", "window"),
    ]

    # another session shows its own (empty) list
    dialog.ui.session.setCurrentText("B2")
    qtbot.waitUntil(lambda: dialog.current is not None and dialog.current.code == "B2")
    assert table(dialog) == []
    assert "rooms 102" in dialog.ui.sessionInfo.text()


def test_refusals_show_the_reason_and_change_nothing(qtbot, site: Store, taskman: TaskManager) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(qtbot, site, taskman)
    assert dialog.ui.session.currentText() == "B2"  # the newest session first
    # a role the member does not hold (the list would not offer it; the store refuses it anyway)
    dialog.put_on_duty("S1", "room_head")
    qtbot.waitUntil(lambda: dialog.ui.errorLabel.text() != "")
    assert dialog.ui.errorLabel.text() == (
        "[invalid_input] 李四 does not hold the role room_head "
        "(grant the role first (examsite staff enroll) or pick another role)"
    )
    assert dialog.ui.addButton.isEnabled()  # the user can pick again

    # an assignment someone else removed meanwhile
    dialog.ui.staff.setCurrentIndex(dialog.ui.staff.findData("S1"))
    change(qtbot, dialog, dialog.ui.addButton.click)
    assert dialog.ui.errorLabel.text() == ""
    with site.session() as session:
        exam, member = find_session(session, "B2"), get_member(session, "S1")
        unassign_staff(session, exam, member, StaffRole.INVIGILATOR, actor="elsewhere")
    dialog.ui.duty.selectRow(0)
    dialog.ui.removeButton.click()
    qtbot.waitUntil(lambda: dialog.ui.errorLabel.text() != "")
    assert dialog.ui.errorLabel.text().startswith(
        "[not_found] 李四 (S1) is not on duty as invigilator in session B2"
    )
    with site.session() as session:
        assert staff_on_duty(session, find_session(session, "B2")) == []
        assert staff_on_duty(session, find_session(session, "A1")) == []


def test_without_sessions_or_staff_the_dialog_says_what_to_do(
    qtbot, store: Store, taskman: TaskManager
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.signing import make_site

    make_site(store)
    dialog = DutyDialog(store, taskman)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.ui.sessionInfo.text() != "")
    assert "No exam session yet" in dialog.ui.sessionInfo.text()
    assert "No staff enrolled yet" in dialog.ui.errorLabel.text()
    assert not dialog.ui.addButton.isEnabled()
    assert not dialog.ui.removeButton.isEnabled()


def test_file_menu_opens_both_set_up_dialogs(qtbot, main_window) -> None:  # type: ignore[no-untyped-def]
    from examsite.gui.camera_dialog import CameraDialog

    actions = main_window.ui.menuFile.actions()
    start = actions.index(main_window.ui.actionNewSession)
    assert actions[start + 1 : start + 3] == [main_window.actionCameras, main_window.actionStaffOnDuty]
    # the window opens in Chinese by default: the two entries are translated
    assert [a.text() for a in actions[start + 1 : start + 3]] == ["摄像头…", "当班工作人员…"]
    main_window.actionStaffOnDuty.trigger()
    duty = main_window.findChild(DutyDialog)
    assert duty is not None
    qtbot.waitUntil(lambda: "尚无考试场次" in duty.ui.sessionInfo.text())
    duty.close()
    main_window.actionCameras.trigger()
    cameras = main_window.findChild(CameraDialog)
    assert cameras is not None
    assert cameras.isVisible()
    qtbot.waitUntil(lambda: not main_window.taskman.busy)
    cameras.close()
